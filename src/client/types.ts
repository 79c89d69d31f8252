/**
 * Public types of the client. Numbers: offsets and timestamps are JavaScript numbers (safe
 * integers, exact up to 2^53; Kafka's offsets never get near that), converted from the wire's
 * int64 in one place per message. Keys, values and header values are Buffers (null allowed);
 * send() also takes strings, encoded as UTF-8.
 */

/** A topic partition. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** One record header. Kafka allows repeated keys; order is kept. */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** Header input for send(): an array (repeats allowed) or an object (one value per key). */
export type HeadersInput =
  | readonly { key: string; value: Buffer | Uint8Array | string | null }[]
  | Readonly<Record<string, Buffer | Uint8Array | string | null>>;

export interface ProducerRecord {
  topic: string;
  /** Null or absent: the sticky partitioner spreads such records (KIP-480). */
  key?: Buffer | Uint8Array | string | null;
  value: Buffer | Uint8Array | string | null;
  headers?: HeadersInput;
  /** Create time in ms since the epoch; default: now. */
  timestamp?: number;
  /** Explicit partition; default: murmur2(key) % partitions, or sticky for null keys. */
  partition?: number;
}

/** What send() resolves to once the record is acknowledged. */
export interface RecordMetadata {
  topic: string;
  partition: number;
  /** The record's offset; -1 with acks=0 (the broker does not answer). */
  offset: number;
  /** The record's create time, or the broker's append time for LogAppendTime topics. */
  timestamp: number;
  /** Bytes of the key and value as sent (-1 for null), as Kafka's RecordMetadata reports them. */
  serializedKeySize: number;
  serializedValueSize: number;
}

export type TimestampTypeName = 'CreateTime' | 'LogAppendTime';

/** A record read by the consumer. */
export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: TimestampTypeName;
  /** Leader epoch of the batch (-1 when unknown). */
  leaderEpoch: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** An assigned partition and where to start (default: auto.offset.reset). */
export interface PartitionAssignment extends TopicPartition {
  offset?: number;
}

export interface OffsetAndTimestamp extends TopicPartition {
  /** First offset whose timestamp is >= the requested time, or null when there is none. */
  offset: number | null;
  timestamp: number | null;
  leaderEpoch: number;
}

export interface RunOptions {
  /** Called for every record, one at a time, in order per partition; awaited before the next. */
  eachRecord?: (record: ConsumerRecord) => void | Promise<void>;
  /** Called with each poll()'s records instead (at most max.poll.records). */
  eachBatch?: (records: ConsumerRecord[]) => void | Promise<void>;
}

// ---- admin ----

export interface NewTopic {
  topic: string;
  /** Default -1: the broker's num.partitions. */
  numPartitions?: number;
  /** Default -1: the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Manual assignment: partition index → broker ids (then leave numPartitions/replicationFactor out). */
  assignments?: Readonly<Record<number, readonly number[]>>;
  configs?: Readonly<Record<string, string>>;
}

export interface CreatedTopic {
  topic: string;
  topicId: string;
  numPartitions: number;
  replicationFactor: number;
  /** The topic's configs as the broker reports them (v5+), else empty. */
  configs: ConfigEntry[];
}

export interface PartitionInfo {
  partition: number;
  /** -1 when there is no leader. */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  /** Error for this partition (e.g. LEADER_NOT_AVAILABLE), else null. */
  error: import('../protocol/errors.js').KafkaError | null;
}

export interface TopicDescription {
  topic: string;
  topicId: string;
  isInternal: boolean;
  partitions: PartitionInfo[];
}

export interface BrokerNode {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface ClusterDescription {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerNode[];
}

export type ConfigResourceTypeName = 'topic' | 'broker' | 'broker-logger' | 'group' | 'client-metrics';

export interface ConfigResource {
  type: ConfigResourceTypeName;
  /** Topic name, broker id ("" for the cluster-wide broker default), ... */
  name: string;
}

/** Kafka's ConfigEntry.ConfigSource names. */
export type ConfigSourceName =
  | 'UNKNOWN'
  | 'DYNAMIC_TOPIC_CONFIG'
  | 'DYNAMIC_BROKER_CONFIG'
  | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'STATIC_BROKER_CONFIG'
  | 'DEFAULT_CONFIG'
  | 'DYNAMIC_BROKER_LOGGER_CONFIG'
  | 'CLIENT_METRICS_CONFIG'
  | 'GROUP_CONFIG';

/** Kafka's ConfigEntry.ConfigType names. */
export type ConfigTypeName = 'UNKNOWN' | 'BOOLEAN' | 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'DOUBLE' | 'LIST' | 'CLASS' | 'PASSWORD';

export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: ConfigSourceName;
}

export interface ConfigEntry {
  name: string;
  /** Null for sensitive values and unset keys. */
  value: string | null;
  source: ConfigSourceName;
  isDefault: boolean;
  isReadOnly: boolean;
  isSensitive: boolean;
  synonyms: ConfigSynonym[];
  type: ConfigTypeName;
  documentation: string | null;
}

export interface ResourceConfigs extends ConfigResource {
  configs: ConfigEntry[];
}

export interface DescribeConfigsRequestItem extends ConfigResource {
  /** Only these keys (default: all). */
  keys?: readonly string[];
}

export interface AlterConfigsItem extends ConfigResource {
  /** The resource's whole dynamic config after the call (keys left out are removed). */
  configs: Readonly<Record<string, string | null>>;
}

export type AlterConfigOp = 'set' | 'delete' | 'append' | 'subtract';

export interface IncrementalAlterConfigsItem extends ConfigResource {
  ops: readonly { name: string; op: AlterConfigOp; value?: string | null }[];
}

export interface NewPartitions {
  topic: string;
  /** The new total partition count. */
  count: number;
  /** Broker ids for each new partition (optional). */
  assignments?: readonly (readonly number[])[];
}

/** What listOffsets asks for, per partition: Kafka's OffsetSpec. */
export type OffsetSpec = 'earliest' | 'latest' | 'max-timestamp' | 'earliest-local' | 'latest-tiered' | { timestamp: number };

export interface ListOffsetsItem extends TopicPartition {
  spec: OffsetSpec;
}

export interface ListedOffset extends TopicPartition {
  /** -1 when no offset matches (a timestamp after every record). */
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

export interface DeleteRecordsItem extends TopicPartition {
  /** Delete every record below this offset (-1: up to the high watermark). */
  offset: number;
}

export interface DeletedRecords extends TopicPartition {
  lowWatermark: number;
}

export interface ApiVersionRange {
  apiKey: number;
  /** Kafka's API name (Produce, Fetch, ...), or "Unknown(<key>)". */
  name: string;
  minVersion: number;
  maxVersion: number;
}

export interface BrokerApiVersions extends BrokerNode {
  apis: ApiVersionRange[];
}

/** A logger the client reports connection problems and retries to. */
export interface ClientLogger {
  debug?(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

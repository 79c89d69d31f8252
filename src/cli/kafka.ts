/**
 * The tools' side of the client (src/client): opening an admin client, a producer or a consumer
 * from the tools' options, a quick reachability check first (so an unreachable broker is one clear
 * line, not a minute of retries), per-partition results where Kafka's tools print per-partition
 * errors, DescribeQuorum (no client method: a raw request), and client errors turned into
 * messages (src/cli/common.ts toToolError).
 */
import { Kafka, type Admin, type Consumer, type Producer } from '../client/index.js';
import { BrokerConnection } from '../client/connection.js';
import { metadataRequest } from '../client/cluster.js';
import type {
  BrokerApiVersions,
  ClusterDescription,
  ConfigEntry,
  ConsumerRecord,
  CreatedTopic,
  DeleteRecordsItem,
  DeletedRecords,
  DescribeConfigsRequestItem,
  IncrementalAlterConfigsItem,
  ListOffsetsItem,
  ListedOffset,
  NewPartitions,
  NewTopic,
  ProducerRecord,
  RecordMetadata,
  ResourceConfigs,
  TopicDescription,
  TopicPartition,
} from '../client/types.js';
import { ApiKey } from '../protocol/generated/registry.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { DescribeQuorumResponse } from '../protocol/generated/messages/DescribeQuorumResponse.js';
import type { ParsedArgs } from './args.js';
import { loadProperties, toToolError } from './common.js';
import { ToolError } from './errors.js';
import { parseBootstrap } from './format.js';
import type { ToolIO } from './run.js';

/** How long the tools try to reach a bootstrap server before giving up (Kafka: 60 s of retries). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

const METADATA_TOPIC = '__cluster_metadata';

// ------------------------------------------------------------------ reachability

function errorText(e: unknown): string {
  const err = e as { message?: string; cause?: { message?: string } };
  return err?.cause?.message ?? err?.message ?? String(e);
}

/**
 * Tries the bootstrap servers in turn, with backoff, until one answers ApiVersions or `timeoutMs`
 * passes: then a ToolError that names the servers and the last failure.
 */
export async function checkReachable(bootstrap: string, optionName: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const servers = parseBootstrap(bootstrap, optionName);
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  let backoff = 50;
  for (let attempt = 0; ; attempt++) {
    const s = servers[attempt % servers.length]!;
    const left = deadline - Date.now();
    try {
      const conn = await BrokerConnection.connect({
        host: s.host,
        port: s.port,
        clientId: 'tributary-cli',
        requestTimeoutMs: Math.max(100, left),
        connectTimeoutMs: Math.max(100, Math.min(left, 5_000)),
        maxInFlight: 1,
        logger: { info() {}, warn() {}, error() {} },
      });
      conn.close();
      return;
    } catch (e) {
      last = e;
    }
    if (signal?.aborted) throw new ToolError('interrupted while connecting');
    if (Date.now() + backoff >= deadline) break;
    if ((attempt + 1) % servers.length === 0) {
      await new Promise((r) => setTimeout(r, backoff));
      backoff = Math.min(1_000, backoff * 2);
    }
  }
  throw new ToolError(`Could not connect to any broker of --${optionName} ${bootstrap} within ${timeoutMs} ms (last error: ${errorText(last)}). Is a broker running there?`);
}

/**
 * How long to try to reach the cluster: the first of `keys` the user set (default.api.timeout.ms
 * for admin and consumer, max.block.ms for producers), else DEFAULT_CONNECT_TIMEOUT_MS.
 */
function connectTimeout(props: Record<string, string>, keys: readonly string[] = ['default.api.timeout.ms']): number {
  for (const k of keys) {
    const v = Number(props[k]);
    if (props[k] !== undefined && Number.isFinite(v) && v > 0) return Math.min(v, DEFAULT_CONNECT_TIMEOUT_MS * 6);
  }
  return DEFAULT_CONNECT_TIMEOUT_MS;
}

function newKafka(bootstrap: string, props: Record<string, string>, kind: string): Kafka {
  try {
    return new Kafka({ 'bootstrap.servers': bootstrap });
  } catch (e) {
    throw toToolError(e, `Invalid ${kind} configuration`);
  }
}

function build<T>(make: () => T): T {
  try {
    return make();
  } catch (e) {
    throw toToolError(e);
  }
}

// ------------------------------------------------------------------ admin

export interface QuorumReplica {
  replicaId: number;
  replicaDirectoryId: string;
  logEndOffset: number;
  lastFetchTimestamp: number;
  lastCaughtUpTimestamp: number;
}

export interface QuorumInfo {
  leaderId: number;
  leaderEpoch: number;
  highWatermark: number;
  voters: QuorumReplica[];
  observers: QuorumReplica[];
  nodes: Map<number, { name: string; host: string; port: number }[]>;
}

export type PartitionResult<T> = T | (TopicPartition & { error: Error });

export class CliAdmin {
  /** `admin` is the client's own, for tools that need calls this wrapper does not have. */
  constructor(readonly admin: Admin) {}

  listTopics(includeInternal: boolean): Promise<string[]> {
    return this.admin.listTopics({ listInternal: includeInternal });
  }

  describeTopics(topics: readonly string[]): Promise<(TopicDescription & { partitions: { elr?: number[] | null; lastKnownElr?: number[] | null }[] })[]> {
    return this.admin.describeTopics(topics);
  }

  /** Every topic's configs (what kafka-topics --describe shows the non-defaults of). */
  async topicConfigs(topics: readonly string[]): Promise<Map<string, ConfigEntry[]>> {
    const res = topics.length === 0 ? [] : await this.admin.describeConfigs(topics.map((name) => ({ type: 'topic' as const, name })));
    return new Map(res.map((r) => [r.name, r.configs]));
  }

  describeConfigs(items: readonly DescribeConfigsRequestItem[], includeSynonyms: boolean): Promise<ResourceConfigs[]> {
    return this.admin.describeConfigs(items, { includeSynonyms });
  }

  incrementalAlterConfigs(items: readonly IncrementalAlterConfigsItem[]): Promise<void> {
    return this.admin.incrementalAlterConfigs(items);
  }

  async createTopic(t: NewTopic): Promise<CreatedTopic> {
    const [created] = await this.admin.createTopics([t]);
    return created!;
  }

  createPartitions(items: readonly NewPartitions[]): Promise<void> {
    return this.admin.createPartitions(items);
  }

  deleteTopics(topics: readonly string[]): Promise<void> {
    return this.admin.deleteTopics(topics);
  }

  describeCluster(): Promise<ClusterDescription> {
    return this.admin.describeCluster();
  }

  brokerApiVersions(): Promise<BrokerApiVersions[]> {
    return this.admin.brokerApiVersions();
  }

  /** Per-partition results: one failing partition does not hide the others' answers. */
  private async perPartition<I extends TopicPartition, R>(items: readonly I[], call: (items: readonly I[]) => Promise<R[]>): Promise<PartitionResult<R>[]> {
    try {
      return await call(items);
    } catch (e) {
      if (!(e instanceof KafkaError) || items.length === 1) {
        if (items.length === 1 && e instanceof KafkaError) return [{ topic: items[0]!.topic, partition: items[0]!.partition, error: e }];
        throw e;
      }
    }
    const settled = await Promise.allSettled(items.map((i) => call([i])));
    return settled.map((s, n) => {
      if (s.status === 'fulfilled') return s.value[0]!;
      const e = s.reason as Error;
      if (!(e instanceof KafkaError)) throw e;
      return { topic: items[n]!.topic, partition: items[n]!.partition, error: e };
    });
  }

  listOffsets(items: readonly ListOffsetsItem[]): Promise<PartitionResult<ListedOffset>[]> {
    return this.perPartition(items, (l) => this.admin.listOffsets(l));
  }

  deleteRecords(items: readonly DeleteRecordsItem[]): Promise<PartitionResult<DeletedRecords>[]> {
    return this.perPartition(items, (l) => this.admin.deleteRecords(l));
  }

  /** DescribeQuorum for __cluster_metadata-0 (the client has no method for it: raw request). */
  async describeQuorum(): Promise<QuorumInfo> {
    let body: DescribeQuorumResponse;
    try {
      ({ body } = await this.admin.sendRequest<DescribeQuorumResponse>(ApiKey.DescribeQuorum, () => ({ topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0 }] }] })));
    } catch (e) {
      if (e instanceof KafkaError && e.code === ErrorCode.UNSUPPORTED_VERSION) throw new ToolError('The broker does not support DescribeQuorum (API key 55): it cannot describe its metadata quorum');
      throw e;
    }
    if (body.errorCode !== ErrorCode.NONE) throw new KafkaError(body.errorCode, body.errorMessage ?? undefined);
    const p = body.topics[0]?.partitions[0];
    if (p === undefined) throw new ToolError('DescribeQuorum returned no partition');
    if (p.errorCode !== ErrorCode.NONE) throw new KafkaError(p.errorCode, p.errorMessage ?? undefined);
    const replica = (r: DescribeQuorumResponse['topics'][number]['partitions'][number]['currentVoters'][number]): QuorumReplica => ({
      replicaId: r.replicaId,
      replicaDirectoryId: r.replicaDirectoryId,
      logEndOffset: Number(r.logEndOffset),
      lastFetchTimestamp: Number(r.lastFetchTimestamp),
      lastCaughtUpTimestamp: Number(r.lastCaughtUpTimestamp),
    });
    return {
      leaderId: p.leaderId,
      leaderEpoch: p.leaderEpoch,
      highWatermark: Number(p.highWatermark),
      voters: p.currentVoters.map(replica),
      observers: p.observers.map(replica),
      nodes: new Map(body.nodes.map((n) => [n.nodeId, n.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port }))])),
    };
  }

  wrapError(e: unknown, context?: string): Error {
    return toToolError(e, context);
  }

  close(): Promise<void> {
    return this.admin.close();
  }
}

/** The admin client for --bootstrap-server (or `option`) and --command-config, once reachable. */
export async function openAdmin(args: ParsedArgs, io: ToolIO, option = 'bootstrap-server'): Promise<CliAdmin> {
  const bootstrap = args.string(option);
  if (bootstrap === undefined) throw new ToolError(`--${option} must be specified`);
  const props: Record<string, string> = {};
  const file = args.string('command-config');
  if (file !== undefined) for (const [k, v] of loadProperties(file)) props[k] = v;
  delete props['bootstrap.servers'];
  parseBootstrap(bootstrap, option);
  await checkReachable(bootstrap, option, connectTimeout(props), io.signal);
  const kafka = newKafka(bootstrap, props, 'admin');
  return new CliAdmin(build(() => kafka.admin({ 'client.id': 'tributary-cli', ...props } as Record<string, string>)));
}

// ------------------------------------------------------------------ producer

/** Acknowledged-or-failed callback of `enqueue`. */
export type Ack = (error: Error | null, metadata: RecordMetadata | null) => void;

export class CliProducer {
  private outstanding = 0;
  private drained: (() => void) | null = null;

  constructor(
    private readonly producer: Producer,
    /** Sends allowed to wait for their acknowledgement before enqueue() waits. */
    private readonly maxOutstanding: number,
  ) {}

  send(record: ProducerRecord): Promise<RecordMetadata> {
    return this.producer.send(record);
  }

  /** Kafka's send(record, callback): no promise per record, for hot loops (the perf test). */
  sendWithCallback(record: ProducerRecord, callback: (error: Error | null, metadata?: RecordMetadata) => void): void {
    this.producer.send(record, callback);
  }

  /** Sends without waiting for the acknowledgement (which goes to `ack`); waits while too many are outstanding. */
  async enqueue(record: ProducerRecord, ack: Ack): Promise<void> {
    this.outstanding++;
    this.producer.send(record, (e, m) => this.settle(ack, e, m ?? null));
    if (this.outstanding >= this.maxOutstanding) await new Promise<void>((r) => (this.drained = r));
  }

  private settle(ack: Ack, e: Error | null, m: RecordMetadata | null): void {
    this.outstanding--;
    ack(e, m);
    if (this.drained !== null && this.outstanding <= this.maxOutstanding / 2) {
      const d = this.drained;
      this.drained = null;
      d();
    }
  }

  flush(): Promise<void> {
    return this.producer.flush();
  }

  close(): Promise<void> {
    return this.producer.close();
  }
}

export async function openProducer(bootstrap: string, props: Record<string, string>, io: ToolIO, maxOutstanding = 50_000): Promise<CliProducer> {
  await checkReachable(bootstrap, 'bootstrap-server', connectTimeout(props, ['max.block.ms']), io.signal);
  const kafka = newKafka(bootstrap, props, 'producer');
  const clean = { ...props };
  delete clean['bootstrap.servers'];
  return new CliProducer(
    build(() => kafka.producer(clean as Record<string, string>)),
    maxOutstanding,
  );
}

// ------------------------------------------------------------------ consumer

export type StartAt = 'earliest' | 'latest' | number;

export class CliConsumer {
  constructor(
    private readonly consumer: Consumer,
    private readonly admin: Admin,
  ) {}

  listTopics(): Promise<string[]> {
    return this.admin.listTopics({ listInternal: true });
  }

  /**
   * Every partition of the topics. Like Kafka's consumer, a topic that does not exist yet is
   * asked for with auto-creation allowed (the broker's auto.create.topics.enable decides), then
   * waited for, until `signal` aborts or `deadlineMs` passes (then a ToolError naming it).
   */
  async partitionsOf(topics: readonly string[], options: { signal?: AbortSignal; deadlineMs?: number; onWait?: (missing: string[]) => void } = {}): Promise<TopicPartition[]> {
    if (topics.length === 0) return [];
    let warned = false;
    for (let attempt = 0; ; attempt++) {
      const missing: string[] = [];
      const found: TopicPartition[] = [];
      for (const t of topics) {
        try {
          const [d] = await this.admin.describeTopics([t]);
          found.push(...d!.partitions.map((p) => ({ topic: d!.topic, partition: p.partition })));
        } catch (e) {
          if (e instanceof KafkaError && e.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) missing.push(t);
          else throw e;
        }
      }
      if (missing.length === 0) return found;
      if (attempt > 0 && !warned) {
        options.onWait?.(missing);
        warned = true;
      }
      await this.admin.sendRequest(ApiKey.Metadata, (version) => metadataRequest(missing, true, version)).catch(() => undefined);
      if (options.signal?.aborted) return [];
      if (options.deadlineMs !== undefined && Date.now() >= options.deadlineMs) {
        throw new ToolError(`Topic${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} do${missing.length > 1 ? '' : 'es'} not exist`);
      }
      await new Promise((r) => setTimeout(r, attempt === 0 ? 50 : 300));
    }
  }

  async assign(partitions: readonly TopicPartition[], startAt: StartAt): Promise<void> {
    this.consumer.assign(partitions.map((p) => (typeof startAt === 'number' ? { ...p, offset: startAt } : p)));
    if (startAt === 'earliest') this.consumer.seekToBeginning();
    else if (startAt === 'latest') this.consumer.seekToEnd();
  }

  /** Joins the consumer's group (its group.id) with these topics, or the topics matching the pattern. */
  async subscribe(topics: readonly string[] | RegExp): Promise<void> {
    this.consumer.subscribe(topics);
  }

  /** Moves each partition's position back to the first of `unread` (records returned but not used). */
  rewind(unread: readonly ConsumerRecord[]): void {
    const first = new Map<string, ConsumerRecord>();
    for (const r of unread) {
      const k = `${r.topic}\u0000${r.partition}`;
      if (!first.has(k)) first.set(k, r);
    }
    for (const r of first.values()) this.consumer.seek({ topic: r.topic, partition: r.partition }, r.offset);
  }

  /** Records, waiting up to `timeoutMs`; returns early (empty) when `signal` aborts. */
  async poll(timeoutMs: number, signal?: AbortSignal): Promise<ConsumerRecord[]> {
    if (signal?.aborted) return [];
    const onAbort = (): void => this.consumer.stop();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.consumer.poll(timeoutMs);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.consumer.close(), this.admin.close()]);
  }
}

export async function openConsumer(bootstrap: string, props: Record<string, string>, io: ToolIO): Promise<CliConsumer> {
  await checkReachable(bootstrap, 'bootstrap-server', connectTimeout(props), io.signal);
  const kafka = newKafka(bootstrap, props, 'consumer');
  const clean = { ...props };
  delete clean['bootstrap.servers'];
  const consumer = build(() => kafka.consumer(clean as Record<string, string>));
  const adminProps: Record<string, string> = {};
  for (const k of ['client.id', 'request.timeout.ms', 'default.api.timeout.ms', 'retry.backoff.ms', 'socket.connection.setup.timeout.ms']) {
    if (clean[k] !== undefined) adminProps[k] = clean[k]!;
  }
  return new CliConsumer(consumer, build(() => kafka.admin(adminProps)));
}

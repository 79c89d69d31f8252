/**
 * Every topic configuration key of Kafka 4.0 (its topic config reference), with type, default,
 * valid values and the broker keys a topic falls back to when it has no override, in Kafka's
 * precedence order (ServerTopicConfigSynonyms): e.g. retention.ms ← log.retention.ms ←
 * log.retention.minutes ← log.retention.hours; flush.ms ← log.flush.interval.ms ←
 * log.flush.scheduler.interval.ms. The default here is what a topic gets on a broker with no
 * configuration; it equals what the broker chain yields from broker defaults.
 *
 * Gone in Kafka 4.0 and therefore rejected as unknown: message.format.version,
 * message.downconversion.enable, message.timestamp.difference.max.ms.
 */
import { CLEANUP_POLICIES, COMPRESSION_TYPES, TIMESTAMP_TYPES } from './broker-configs.js';
import { LONG_MAX, topicKey as t, type ValuesOf } from './types.js';
import { atLeast, between, betweenOr, listOf, oneOf, throttledReplicas } from './validators.js';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export const TOPIC_CONFIG_KEYS = [
  t({ key: 'cleanup.policy', name: 'cleanupPolicy', type: 'list', default: ['delete'], validator: listOf(CLEANUP_POLICIES),
    importance: 'medium', synonyms: ['log.cleanup.policy'],
    doc: 'What happens to old segments: delete removes them past the retention limits, compact keeps the latest record per key, delete,compact does both.' }),
  t({ key: 'compression.type', name: 'compressionType', type: 'string', default: 'producer', validator: oneOf(COMPRESSION_TYPES),
    importance: 'medium', synonyms: ['compression.type'],
    doc: 'Codec batches are stored with: gzip, snappy, lz4 or zstd recompress, uncompressed stores them uncompressed, producer keeps what the producer sent.' }),
  t({ key: 'compression.gzip.level', name: 'compressionGzipLevel', type: 'int', default: -1, validator: betweenOr(1, 9, -1),
    importance: 'medium', synonyms: ['compression.gzip.level'], doc: 'gzip level when compression.type is gzip; -1 is the codec default.' }),
  t({ key: 'compression.lz4.level', name: 'compressionLz4Level', type: 'int', default: 9, validator: between(1, 17),
    importance: 'medium', synonyms: ['compression.lz4.level'], doc: 'lz4 level when compression.type is lz4.' }),
  t({ key: 'compression.zstd.level', name: 'compressionZstdLevel', type: 'int', default: 3, validator: between(-131072, 22),
    importance: 'medium', synonyms: ['compression.zstd.level'], doc: 'zstd level when compression.type is zstd.' }),
  t({ key: 'delete.retention.ms', name: 'deleteRetentionMs', type: 'long', default: 86400000, validator: atLeast(0),
    importance: 'medium', synonyms: ['log.cleaner.delete.retention.ms'],
    doc: 'How long tombstones of a compacted topic are kept; a consumer reading from the start must finish within it to see every delete.' }),
  t({ key: 'file.delete.delay.ms', name: 'fileDeleteDelayMs', type: 'long', default: 60000, validator: atLeast(0),
    importance: 'medium', synonyms: ['log.segment.delete.delay.ms'], doc: 'Wait between removing a segment from the log and deleting its files.' }),
  t({ key: 'flush.messages', name: 'flushMessages', type: 'long', default: LONG_MAX, validator: atLeast(1),
    importance: 'medium', synonyms: ['log.flush.interval.messages'],
    doc: 'Fsync a partition after this many messages. Unset (here and on the broker), Tributary fsyncs before every acknowledgement; set, Kafka\'s relaxed flushing applies.' }),
  t({ key: 'flush.ms', name: 'flushMs', type: 'long', default: LONG_MAX, validator: atLeast(0),
    importance: 'medium', synonyms: ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'],
    doc: 'Fsync a partition when its oldest unflushed data is this old. Unset (here and on the broker), Tributary fsyncs before every acknowledgement; set, Kafka\'s relaxed flushing applies.' }),
  t({ key: 'follower.replication.throttled.replicas', name: 'followerReplicationThrottledReplicas', type: 'list', default: [],
    validator: throttledReplicas, importance: 'medium', synonyms: [],
    doc: 'Replicas whose replication is throttled on the follower side, as partitionId:brokerId entries, or * for all.' }),
  t({ key: 'index.interval.bytes', name: 'indexIntervalBytes', type: 'int', default: 4096, validator: atLeast(0),
    importance: 'medium', synonyms: ['log.index.interval.bytes'],
    doc: 'Log bytes between two offset index entries: smaller means more precise seeks and a bigger index.' }),
  t({ key: 'leader.replication.throttled.replicas', name: 'leaderReplicationThrottledReplicas', type: 'list', default: [],
    validator: throttledReplicas, importance: 'medium', synonyms: [],
    doc: 'Replicas whose replication is throttled on the leader side, as partitionId:brokerId entries, or * for all.' }),
  t({ key: 'local.retention.bytes', name: 'localRetentionBytes', type: 'long', default: -2, validator: atLeast(-2),
    importance: 'medium', synonyms: ['log.local.retention.bytes'],
    doc: 'With tiered storage, the largest local part of a partition before local segments are deleted; -2 means retention.bytes. Must not exceed retention.bytes.' }),
  t({ key: 'local.retention.ms', name: 'localRetentionMs', type: 'long', default: -2, validator: atLeast(-2),
    importance: 'medium', synonyms: ['log.local.retention.ms'],
    doc: 'With tiered storage, how long segments stay on local disk; -2 means retention.ms. Must not exceed retention.ms.' }),
  t({ key: 'max.compaction.lag.ms', name: 'maxCompactionLagMs', type: 'long', default: LONG_MAX, validator: atLeast(1),
    importance: 'medium', synonyms: ['log.cleaner.max.compaction.lag.ms'],
    doc: 'Oldest a record of a compacted topic may get before its segment must be compacted.' }),
  t({ key: 'max.message.bytes', name: 'maxMessageBytes', type: 'int', default: 1048588, validator: atLeast(0),
    importance: 'medium', synonyms: ['message.max.bytes'], doc: 'Largest record batch the topic accepts, measured after compression.' }),
  t({ key: 'message.timestamp.after.max.ms', name: 'messageTimestampAfterMaxMs', type: 'long', default: 3600000,
    validator: atLeast(0), importance: 'medium', synonyms: ['log.message.timestamp.after.max.ms'],
    doc: 'With CreateTime, batches whose timestamp is more than this ahead of the broker clock are rejected.' }),
  t({ key: 'message.timestamp.before.max.ms', name: 'messageTimestampBeforeMaxMs', type: 'long', default: LONG_MAX,
    validator: atLeast(0), importance: 'medium', synonyms: ['log.message.timestamp.before.max.ms'],
    doc: 'With CreateTime, batches whose timestamp is more than this behind the broker clock are rejected.' }),
  t({ key: 'message.timestamp.type', name: 'messageTimestampType', type: 'string', default: 'CreateTime',
    validator: oneOf(TIMESTAMP_TYPES), importance: 'medium', synonyms: ['log.message.timestamp.type'],
    doc: 'CreateTime keeps the producer\'s timestamps; LogAppendTime overwrites them with the broker\'s append time.' }),
  t({ key: 'min.cleanable.dirty.ratio', name: 'minCleanableDirtyRatio', type: 'double', default: 0.5, validator: between(0, 1),
    importance: 'medium', synonyms: ['log.cleaner.min.cleanable.ratio'],
    doc: 'Share of not-yet-compacted log that makes the log eligible for compaction (once min.compaction.lag.ms has passed); max.compaction.lag.ms can force it sooner.' }),
  t({ key: 'min.compaction.lag.ms', name: 'minCompactionLagMs', type: 'long', default: 0, validator: atLeast(0),
    importance: 'medium', synonyms: ['log.cleaner.min.compaction.lag.ms'], doc: 'Youngest a record may be and still get compacted away.' }),
  t({ key: 'min.insync.replicas', name: 'minInsyncReplicas', type: 'int', default: 1, validator: atLeast(1),
    importance: 'medium', synonyms: ['min.insync.replicas'],
    doc: 'In-sync replicas that must have an acks=all write before it succeeds; fewer fail it with NOT_ENOUGH_REPLICAS. Records become visible only once this holds.' }),
  t({ key: 'preallocate', name: 'preallocate', type: 'boolean', default: false, importance: 'medium', synonyms: ['log.preallocate'],
    doc: 'Allocate each new segment file at full size on creation.' }),
  t({ key: 'remote.log.copy.disable', name: 'remoteLogCopyDisable', type: 'boolean', default: false, importance: 'medium',
    synonyms: [], doc: 'With tiered storage, stop uploading segments; tiered data becomes read-only and expires by retention.ms/bytes.' }),
  t({ key: 'remote.log.delete.on.disable', name: 'remoteLogDeleteOnDisable', type: 'boolean', default: false, importance: 'medium',
    synonyms: [], doc: 'Delete tiered data when tiered storage is turned off for the topic; needed to set remote.storage.enable back to false.' }),
  t({ key: 'remote.storage.enable', name: 'remoteStorageEnable', type: 'boolean', default: false, importance: 'medium',
    synonyms: [], doc: 'Tier the topic\'s older segments to remote storage.' }),
  t({ key: 'retention.bytes', name: 'retentionBytes', type: 'long', default: -1, importance: 'medium', synonyms: ['log.retention.bytes'],
    doc: 'Largest a partition may grow under the delete policy before its oldest segments go; -1 means no size limit. 0 also rolls the active segment.' }),
  t({ key: 'retention.ms', name: 'retentionMs', type: 'long', default: 604800000, validator: atLeast(-1), importance: 'medium',
    synonyms: ['log.retention.ms', { key: 'log.retention.minutes', multiplierToMs: MINUTE_MS }, { key: 'log.retention.hours', multiplierToMs: HOUR_MS }],
    doc: 'How long records are kept under the delete policy before their segment goes; -1 means no time limit.' }),
  t({ key: 'segment.bytes', name: 'segmentBytes', type: 'int', default: 1073741824, validator: atLeast(14), importance: 'medium',
    synonyms: ['log.segment.bytes'], doc: 'Size at which the active segment is rolled; retention and compaction work a whole segment at a time.' }),
  t({ key: 'segment.index.bytes', name: 'segmentIndexBytes', type: 'int', default: 10485760, validator: atLeast(4),
    importance: 'medium', synonyms: ['log.index.size.max.bytes'],
    doc: 'Size of the offset index preallocated for each segment (trimmed when the segment rolls).' }),
  t({ key: 'segment.jitter.ms', name: 'segmentJitterMs', type: 'long', default: 0, validator: atLeast(0), importance: 'medium',
    synonyms: ['log.roll.jitter.ms', { key: 'log.roll.jitter.hours', multiplierToMs: HOUR_MS }],
    doc: 'Largest random amount taken off segment.ms so that partitions do not all roll at once.' }),
  t({ key: 'segment.ms', name: 'segmentMs', type: 'long', default: 604800000, validator: atLeast(1), importance: 'medium',
    synonyms: ['log.roll.ms', { key: 'log.roll.hours', multiplierToMs: HOUR_MS }],
    doc: 'Age at which the active segment is rolled even if not full, so retention and compaction can reach its records.' }),
  t({ key: 'unclean.leader.election.enable', name: 'uncleanLeaderElectionEnable', type: 'boolean', default: false,
    importance: 'medium', synonyms: ['unclean.leader.election.enable'],
    doc: 'Let an out-of-sync replica become leader as a last resort, at the risk of losing data.' }),
] as const;

export type TopicConfigKeyDef = (typeof TOPIC_CONFIG_KEYS)[number];

/** Typed topic values by TypeScript name. */
export type TopicConfig = ValuesOf<TopicConfigKeyDef>;

/** Topic definitions by Kafka key. */
export const TOPIC_CONFIG_BY_KEY: ReadonlyMap<string, TopicConfigKeyDef> = new Map(TOPIC_CONFIG_KEYS.map((d) => [d.key, d]));

/**
 * LogConfig: the typed, effective configuration one partition log runs with, in TypeScript names
 * (units last), built from a resolved topic config.
 *
 * flushMessages / flushMs are null when neither the topic (flush.messages, flush.ms) nor the
 * broker (log.flush.interval.messages, log.flush.interval.ms, log.flush.scheduler.interval.ms)
 * sets them: Tributary then acknowledges only after fsync (group commit). When any of them is
 * set, the number is Kafka's interval and Kafka's relaxed flushing applies, even if the number
 * equals Kafka's default (Long.MAX_VALUE = never flush by that criterion).
 */
import type { COMPRESSION_TYPES, TIMESTAMP_TYPES } from './broker-configs.js';
import type { TopicConfig } from './topic-configs.js';

export type CompressionType = (typeof COMPRESSION_TYPES)[number];
export type TimestampType = (typeof TIMESTAMP_TYPES)[number];

export interface CleanupPolicy {
  readonly delete: boolean;
  readonly compact: boolean;
}

export interface LogConfig {
  readonly segmentBytes: number;
  readonly segmentMs: number;
  readonly segmentJitterMs: number;
  readonly segmentIndexBytes: number;
  readonly indexIntervalBytes: number;
  /** null = not set by the user: fsync before acknowledging. */
  readonly flushMessages: number | null;
  /** null = not set by the user: fsync before acknowledging. */
  readonly flushMs: number | null;
  /** -1 = no time limit. */
  readonly retentionMs: number;
  /** -1 = no size limit. */
  readonly retentionBytes: number;
  /** -2 = same as retentionMs. */
  readonly localRetentionMs: number;
  /** -2 = same as retentionBytes. */
  readonly localRetentionBytes: number;
  readonly fileDeleteDelayMs: number;
  readonly cleanupPolicy: CleanupPolicy;
  readonly deleteRetentionMs: number;
  readonly minCleanableDirtyRatio: number;
  readonly minCompactionLagMs: number;
  readonly maxCompactionLagMs: number;
  readonly maxMessageBytes: number;
  readonly messageTimestampType: TimestampType;
  readonly messageTimestampBeforeMaxMs: number;
  readonly messageTimestampAfterMaxMs: number;
  readonly compressionType: CompressionType;
  readonly compressionGzipLevel: number;
  readonly compressionLz4Level: number;
  readonly compressionZstdLevel: number;
  readonly preallocate: boolean;
  readonly minInsyncReplicas: number;
  readonly uncleanLeaderElectionEnable: boolean;
  readonly remoteStorageEnable: boolean;
  readonly remoteLogCopyDisable: boolean;
  readonly remoteLogDeleteOnDisable: boolean;
  readonly leaderReplicationThrottledReplicas: readonly string[];
  readonly followerReplicationThrottledReplicas: readonly string[];
}

/** Which flush settings the user set explicitly (topic override or broker key). */
export interface FlushExplicit {
  readonly flushMessages: boolean;
  readonly flushMs: boolean;
}

/** Builds the LogConfig from effective topic values and which flush settings were set. */
export function toLogConfig(values: TopicConfig, flushExplicit: FlushExplicit): LogConfig {
  return Object.freeze({
    segmentBytes: values.segmentBytes,
    segmentMs: values.segmentMs,
    segmentJitterMs: values.segmentJitterMs,
    segmentIndexBytes: values.segmentIndexBytes,
    indexIntervalBytes: values.indexIntervalBytes,
    flushMessages: flushExplicit.flushMessages ? values.flushMessages : null,
    flushMs: flushExplicit.flushMs ? values.flushMs : null,
    retentionMs: values.retentionMs,
    retentionBytes: values.retentionBytes,
    localRetentionMs: values.localRetentionMs,
    localRetentionBytes: values.localRetentionBytes,
    fileDeleteDelayMs: values.fileDeleteDelayMs,
    cleanupPolicy: Object.freeze({
      delete: values.cleanupPolicy.includes('delete'),
      compact: values.cleanupPolicy.includes('compact'),
    }),
    deleteRetentionMs: values.deleteRetentionMs,
    minCleanableDirtyRatio: values.minCleanableDirtyRatio,
    minCompactionLagMs: values.minCompactionLagMs,
    maxCompactionLagMs: values.maxCompactionLagMs,
    maxMessageBytes: values.maxMessageBytes,
    messageTimestampType: values.messageTimestampType as TimestampType,
    messageTimestampBeforeMaxMs: values.messageTimestampBeforeMaxMs,
    messageTimestampAfterMaxMs: values.messageTimestampAfterMaxMs,
    compressionType: values.compressionType as CompressionType,
    compressionGzipLevel: values.compressionGzipLevel,
    compressionLz4Level: values.compressionLz4Level,
    compressionZstdLevel: values.compressionZstdLevel,
    preallocate: values.preallocate,
    minInsyncReplicas: values.minInsyncReplicas,
    uncleanLeaderElectionEnable: values.uncleanLeaderElectionEnable,
    remoteStorageEnable: values.remoteStorageEnable,
    remoteLogCopyDisable: values.remoteLogCopyDisable,
    remoteLogDeleteOnDisable: values.remoteLogDeleteOnDisable,
    leaderReplicationThrottledReplicas: values.leaderReplicationThrottledReplicas,
    followerReplicationThrottledReplicas: values.followerReplicationThrottledReplicas,
  });
}

/**
 * The per-partition settings the storage engine obeys, with Kafka's topic-config meanings and
 * unit-last names. Built from the config table (src/common/config) by the broker; tests build
 * them directly.
 */
export interface LogSettings {
  /** segment.bytes */
  segmentBytes: number;
  /** segment.ms */
  segmentMs: number;
  /** segment.jitter.ms */
  segmentJitterMs: number;
  /** segment.index.bytes */
  segmentIndexBytes: number;
  /** index.interval.bytes */
  indexIntervalBytes: number;
  /**
   * flush.messages / flush.ms. Null (the default) means acknowledged = fsynced, with group
   * commit; a number switches to Kafka's relaxed behaviour (flush after that many messages or
   * that much time, acknowledge after the write).
   */
  flushMessages: number | null;
  flushMs: number | null;
  /** retention.ms; negative = unlimited. */
  retentionMs: number;
  /** retention.bytes; negative = unlimited. */
  retentionBytes: number;
  /** file.delete.delay.ms */
  fileDeleteDelayMs: number;
  /** cleanup.policy */
  cleanupPolicy: { delete: boolean; compact: boolean };
  /** delete.retention.ms */
  deleteRetentionMs: number;
  /** min.cleanable.dirty.ratio */
  minCleanableDirtyRatio: number;
  /** min.compaction.lag.ms */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms */
  maxCompactionLagMs: number;
}

/** Kafka 4.0's topic-config defaults. */
export const DEFAULT_LOG_SETTINGS: Readonly<LogSettings> = Object.freeze({
  segmentBytes: 1024 * 1024 * 1024,
  segmentMs: 7 * 24 * 60 * 60 * 1000,
  segmentJitterMs: 0,
  segmentIndexBytes: 10 * 1024 * 1024,
  indexIntervalBytes: 4096,
  flushMessages: null,
  flushMs: null,
  retentionMs: 7 * 24 * 60 * 60 * 1000,
  retentionBytes: -1,
  fileDeleteDelayMs: 60_000,
  cleanupPolicy: Object.freeze({ delete: true, compact: false }),
  deleteRetentionMs: 24 * 60 * 60 * 1000,
  minCleanableDirtyRatio: 0.5,
  minCompactionLagMs: 0,
  maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
});

/** True when acknowledgements wait for fsync (the user set neither flush setting). */
export function isStrictDurability(s: LogSettings): boolean {
  return s.flushMessages === null && s.flushMs === null;
}

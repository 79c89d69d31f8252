/** Helpers for the log cleaner's tests: keyed batches, and reading a whole log back record by record. */
import assert from 'node:assert/strict';
import { buildRecordBatch, type RecordInput } from '../../src/protocol/records/builder.js';
import { CompressionType, RecordBatch } from '../../src/protocol/records/record-batch.js';
import { readRecords } from '../../src/protocol/records/record-iterator.js';
import { splitRecordBatches } from '../../src/protocol/records/split.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { LOG_DIR, settings, type TestClock } from './storage.js';
import type { LogSettings } from '../../src/storage/log-settings.js';
import type { FileSystem } from '../../src/storage/fs.js';
import { LogManager } from '../../src/storage/log-manager.js';
import type { CleanerConfig } from '../../src/storage/cleaner.js';
import { seededRandom } from '../../src/storage/sim-fs.js';

/** A compacted topic's settings, small segments, everything eligible unless overridden. */
export function compactSettings(overrides: Partial<LogSettings> = {}): Partial<LogSettings> {
  return {
    cleanupPolicy: { delete: false, compact: true },
    segmentBytes: 1024,
    indexIntervalBytes: 128,
    minCleanableDirtyRatio: 0,
    deleteRetentionMs: 60_000,
    fileDeleteDelayMs: 1000,
    ...overrides,
  };
}

/** A log manager whose default settings are compactSettings(overrides). */
export async function startCompactingManager(
  fs: FileSystem,
  clock: TestClock,
  overrides: Partial<LogSettings> = {},
  cleaner: CleanerConfig = {},
): Promise<LogManager> {
  return LogManager.start({
    fs,
    logDirs: [LOG_DIR],
    nodeId: 1,
    clusterId: 'test-cluster',
    defaultSettings: settings(compactSettings(overrides)),
    nowMs: clock.nowMs,
    random: seededRandom(7),
    cleaner,
  });
}

export type KV = [key: string | null, value: string | null];

export interface KvBatchOptions {
  compression?: CompressionType;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
}

/** A producer's batch of keyed records (null value = tombstone), record i at `timestampMs + i`. */
export function kvBatch(entries: readonly KV[], timestampMs: number, options: KvBatchOptions = {}): RecordBatch {
  const records: RecordInput[] = entries.map(([k, v], i) => ({
    key: k === null ? null : Buffer.from(k),
    value: v === null ? null : Buffer.from(v),
    timestamp: timestampMs + i,
    headers: i % 3 === 0 ? [{ key: 'h', value: Buffer.from(`hv-${i}`) }] : undefined,
  }));
  return new RecordBatch(
    buildRecordBatch(records, {
      baseOffset: 0,
      compression: options.compression,
      producerId: options.producerId,
      producerEpoch: options.producerEpoch,
      baseSequence: options.baseSequence,
    }),
  );
}

export interface LogRecord {
  offset: number;
  key: string | null;
  value: string | null;
  timestamp: number;
  headers: string;
}

export interface LogBatch {
  baseOffset: number;
  lastOffset: number;
  compression: number;
  producerId: bigint;
  baseSequence: number;
  hasDeleteHorizon: boolean;
  baseTimestamp: number;
  maxTimestamp: number;
  records: LogRecord[];
}

/**
 * Reads the whole log through `read` (whole batches, CRC checked), checking that batch offsets
 * strictly increase and that every record lies within its batch's offset range.
 */
export async function readLog(log: PartitionLog, maxBytes = 700): Promise<LogBatch[]> {
  const out: LogBatch[] = [];
  let next = log.logStartOffset;
  let lastSeen = -1;
  for (let guard = 0; next < log.logEndOffset; guard++) {
    assert.ok(guard < 1_000_000, 'readLog does not progress');
    const r = await log.read(next, { maxBytes });
    if (r.records.length === 0) break;
    const split = splitRecordBatches(r.records, { mode: 'strict', maxBatches: 1_000_000 });
    if (!split.ok) throw new Error(`bad batches at ${next}: ${split.problem.message}`);
    for (const b of split.batches) {
      const base = Number(b.baseOffset);
      const last = Number(b.lastOffset);
      if (last < next) continue; // the batch holding `next` came back whole: already seen
      assert.ok(base > lastSeen, `batch at ${base} does not follow ${lastSeen}`);
      const records = readRecords(b, { maxUncompressedBytes: 1 << 26 }).map((rec) => {
        assert.ok(rec.offset >= base && rec.offset <= last, `record ${rec.offset} outside batch [${base}, ${last}]`);
        return {
          offset: rec.offset,
          key: rec.key === null ? null : rec.key.toString(),
          value: rec.value === null ? null : rec.value.toString(),
          timestamp: rec.timestamp,
          headers: rec.headers.map((h) => `${h.key}=${h.value?.toString() ?? 'null'}`).join(','),
        };
      });
      for (let i = 1; i < records.length; i++) assert.ok(records[i]!.offset > records[i - 1]!.offset, 'record offsets increase');
      out.push({
        baseOffset: base,
        lastOffset: last,
        compression: b.compression,
        producerId: b.producerId,
        baseSequence: b.baseSequence,
        hasDeleteHorizon: b.hasDeleteHorizon,
        baseTimestamp: Number(b.baseTimestamp),
        maxTimestamp: Number(b.maxTimestamp),
        records,
      });
      lastSeen = last;
      next = last + 1;
    }
  }
  return out;
}

export function recordsOf(batches: readonly LogBatch[]): LogRecord[] {
  return batches.flatMap((b) => b.records);
}

/** The latest record of every key (null keys excluded). */
export function latestByKey(records: readonly LogRecord[]): Map<string, LogRecord> {
  const latest = new Map<string, LogRecord>();
  for (const r of records) if (r.key !== null) latest.set(r.key, r);
  return latest;
}

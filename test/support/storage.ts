/** Helpers for storage tests: a log manager over a file system, and record batches to append. */
import type { FileSystem } from '../../src/storage/fs.js';
import { LogManager } from '../../src/storage/log-manager.js';
import { DEFAULT_LOG_SETTINGS, type LogSettings } from '../../src/storage/log-settings.js';
import { buildRecordBatch, type RecordInput } from '../../src/protocol/records/builder.js';
import { RecordBatch } from '../../src/protocol/records/record-batch.js';
import { readRecords } from '../../src/protocol/records/record-iterator.js';
import { splitRecordBatches } from '../../src/protocol/records/split.js';
import { seededRandom } from '../../src/storage/sim-fs.js';

export const LOG_DIR = '/data';

/** A manual clock for tests. */
export class TestClock {
  constructor(public now = 1_700_000_000_000) {}
  nowMs = (): number => this.now;
  advance(ms: number): void {
    this.now += ms;
  }
}

export function settings(overrides: Partial<LogSettings> = {}): LogSettings {
  return { ...DEFAULT_LOG_SETTINGS, ...overrides };
}

export async function startManager(
  fs: FileSystem,
  clock: TestClock,
  overrides: Partial<LogSettings> = {},
  extra: { maxOpenFiles?: number; maxLoadedIndexes?: number; seed?: number } = {},
): Promise<LogManager> {
  return LogManager.start({
    fs,
    logDirs: [LOG_DIR],
    nodeId: 1,
    clusterId: 'test-cluster',
    defaultSettings: settings(overrides),
    nowMs: clock.nowMs,
    random: seededRandom(extra.seed ?? 7),
    maxOpenFiles: extra.maxOpenFiles,
    maxLoadedIndexes: extra.maxLoadedIndexes,
  });
}

/** A batch of `count` records with values `prefix-i`, keys `k-i`, as a producer would send it. */
export function batchOf(prefix: string, count: number, timestampMs: number, valueBytes = 0): RecordBatch {
  const records: RecordInput[] = [];
  for (let i = 0; i < count; i++) {
    const value = valueBytes > 0 ? Buffer.alloc(valueBytes, `${prefix}-${i}|`) : Buffer.from(`${prefix}-${i}`);
    records.push({ key: Buffer.from(`k-${i}`), value, timestamp: timestampMs + i });
  }
  return new RecordBatch(buildRecordBatch(records, { baseOffset: 0 }));
}

export interface ReadRecord {
  offset: number;
  value: string;
  timestamp: number;
}

/** Every record in `bytes` (whole batches), values as strings. */
export function recordsIn(bytes: Buffer): ReadRecord[] {
  if (bytes.length === 0) return [];
  const split = splitRecordBatches(bytes, { mode: 'strict', maxBatches: 1_000_000 });
  if (!split.ok) throw new Error(`bad batches read back: ${split.problem.message}`);
  return split.batches.flatMap((b) =>
    readRecords(b, { maxUncompressedBytes: 1 << 26 }).map((r) => ({ offset: r.offset, value: r.value!.toString(), timestamp: r.timestamp })),
  );
}

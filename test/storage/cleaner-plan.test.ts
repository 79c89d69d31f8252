/** The log cleaner's pure parts: planning, grouping, record retention, batch filtering, the offset map, startup recovery. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  groupSegmentsBySize, pickFilthiest, planCleaning, shouldRetainRecord, type CleanerSegmentFacts, type CleaningInput,
} from '../../src/storage/cleaner-plan.js';
import { cleanBatch, emptyBatchLike, OFFSET_MAP_ENTRY_OVERHEAD_BYTES, OffsetMap, scanRecords } from '../../src/storage/cleaner-records.js';
import { recoverInterruptedCleaning } from '../../src/storage/cleaner-recovery.js';
import { buildRecordBatch } from '../../src/protocol/records/builder.js';
import { CompressionType, RecordBatch, TimestampType } from '../../src/protocol/records/record-batch.js';
import { readRecords, uncompressedRecords } from '../../src/protocol/records/record-iterator.js';
import { validateRecordBatch } from '../../src/protocol/records/validate.js';
import { DecodeError } from '../../src/protocol/primitives/decode-error.js';
import { SimulatedFileSystem } from '../../src/storage/sim-fs.js';

const NOW = 10_000_000;

/** Segments of `size` bytes holding 10 offsets each, from 0; timestamps NOW - age. */
function segs(sizes: number[], ages: number[] = sizes.map(() => 1_000_000)): CleanerSegmentFacts[] {
  return sizes.map((size, i) => ({
    baseOffset: i * 10,
    endOffset: (i + 1) * 10,
    size,
    largestTimestamp: NOW - ages[i]!,
    firstBatchTimestamp: NOW - ages[i]! - 500,
  }));
}

function input(segments: CleanerSegmentFacts[], overrides: Partial<CleaningInput> = {}): CleaningInput {
  const active = segments.length * 10;
  return {
    segments,
    activeBaseOffset: active,
    logStartOffset: 0,
    logEndOffset: active + 5,
    checkpoint: null,
    upperBoundOffset: active + 5,
    nowMs: NOW,
    minCleanableDirtyRatio: 0.5,
    minCompactionLagMs: 0,
    maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
    ...overrides,
  };
}

test('plan: dirty range from the checkpoint to the active segment, ratio strictly above the minimum', () => {
  const s = segs([100, 100, 100, 100]);
  let p = planCleaning(input(s));
  assert.deepEqual([p.firstDirtyOffset, p.firstUncleanableOffset, p.cleanBytes, p.cleanableBytes, p.dirtyRatio, p.shouldClean], [0, 40, 0, 400, 1, true]);
  p = planCleaning(input(s, { checkpoint: 20 }));
  assert.deepEqual([p.firstDirtyOffset, p.cleanBytes, p.cleanableBytes, p.dirtyRatio, p.shouldClean], [20, 200, 200, 0.5, false]);
  p = planCleaning(input(s, { checkpoint: 20, minCleanableDirtyRatio: 0.49 }));
  assert.equal(p.shouldClean, true);
  // A checkpoint inside a segment counts that segment both clean and dirty, as Kafka does.
  p = planCleaning(input(s, { checkpoint: 25 }));
  assert.deepEqual([p.cleanBytes, p.cleanableBytes], [300, 200]);
  // Nothing dirty.
  p = planCleaning(input(s, { checkpoint: 40 }));
  assert.deepEqual([p.firstUncleanableOffset, p.cleanableBytes, p.shouldClean], [40, 0, false]);
  // An empty log.
  p = planCleaning(input([], { minCleanableDirtyRatio: 0 }));
  assert.equal(p.shouldClean, false);
});

test('plan: an invalid checkpoint is reset to the log start offset', () => {
  const s = segs([100, 100, 100]);
  let p = planCleaning(input(s, { checkpoint: 5, logStartOffset: 12 }));
  assert.deepEqual([p.firstDirtyOffset, p.checkpointReset], [12, true]);
  p = planCleaning(input(s, { checkpoint: 99 }));
  assert.deepEqual([p.firstDirtyOffset, p.checkpointReset], [0, true]);
  p = planCleaning(input(s, { checkpoint: null, logStartOffset: 12 }));
  assert.deepEqual([p.firstDirtyOffset, p.checkpointReset], [12, false]);
});

test('plan: the high watermark and min.compaction.lag.ms end the range at a segment base', () => {
  const s = segs([100, 100, 100, 100], [900_000, 800_000, 50_000, 40_000]);
  assert.equal(planCleaning(input(s, { upperBoundOffset: 25 })).firstUncleanableOffset, 20);
  assert.equal(planCleaning(input(s, { upperBoundOffset: 30 })).firstUncleanableOffset, 30);
  assert.equal(planCleaning(input(s, { minCompactionLagMs: 60_000 })).firstUncleanableOffset, 20);
  assert.equal(planCleaning(input(s, { minCompactionLagMs: 60_000, checkpoint: 25 })).cleanableBytes, 0);
  assert.equal(planCleaning(input(s, { minCompactionLagMs: 1_000_000 })).shouldClean, false);
  assert.equal(planCleaning(input(s, { minCompactionLagMs: 1 })).firstUncleanableOffset, 40);
});

test('plan: max.compaction.lag.ms makes a log due whatever its ratio, if anything is cleanable', () => {
  const s = segs([100, 100, 100, 100], [900_000, 800_000, 50_000, 40_000]);
  // Dirty from 30: the oldest dirty first batch is 40_500 ms old.
  let p = planCleaning(input(s, { checkpoint: 30, minCleanableDirtyRatio: 0.9, maxCompactionLagMs: 40_000 }));
  assert.deepEqual([p.maxCompactionDelayMs, p.shouldClean], [500, true]);
  p = planCleaning(input(s, { checkpoint: 30, minCleanableDirtyRatio: 0.9, maxCompactionLagMs: 40_500 }));
  assert.deepEqual([p.maxCompactionDelayMs, p.shouldClean], [0, false]);
  // Due, but min.compaction.lag.ms leaves nothing cleanable.
  p = planCleaning(input(s, { checkpoint: 30, minCleanableDirtyRatio: 0.9, maxCompactionLagMs: 1000, minCompactionLagMs: 60_000 }));
  assert.deepEqual([p.maxCompactionDelayMs > 0, p.cleanableBytes, p.shouldClean], [true, 0, false]);
});

test('pickFilthiest: the highest ratio among the logs due', () => {
  const plan = (dirtyRatio: number, shouldClean: boolean) => ({ ...planCleaning(input(segs([1]))), dirtyRatio, shouldClean });
  assert.equal(pickFilthiest([plan(0.6, true), null, plan(0.9, false), plan(0.7, true)]), 3);
  assert.equal(pickFilthiest([plan(0.6, false), null]), -1);
});

test('groupSegmentsBySize: within segment.bytes and 2^31-1 offsets of the group base', () => {
  const s = (base: number, size: number) => ({ baseOffset: base, size });
  assert.deepEqual(groupSegmentsBySize([s(0, 40), s(10, 40), s(20, 30), s(30, 90), s(40, 10)], 100, 50), [
    { start: 0, end: 2 },
    { start: 2, end: 3 },
    { start: 3, end: 5 },
  ]);
  const big = 2 ** 31;
  assert.deepEqual(groupSegmentsBySize([s(0, 1), s(big - 10, 1), s(big + 10, 1)], 100, big + 20), [
    { start: 0, end: 1 },
    { start: 1, end: 3 },
  ]);
  // Empty segments skip the offset check.
  assert.deepEqual(groupSegmentsBySize([s(0, 1), s(big - 10, 0), s(big + 10, 0)], 100, big + 20), [{ start: 0, end: 3 }]);
});

test('shouldRetainRecord: latest of its key, tombstones until the horizon, keyless dropped', () => {
  const map = { get: (k: Buffer) => (k.toString() === 'a' ? 10 : -1), latestOffset: 20 };
  const r = (offset: number, key: string | null, hasValue = true) => ({ offset, key: key === null ? null : Buffer.from(key), hasValue });
  assert.equal(shouldRetainRecord(r(5, 'a'), map, null, NOW), false);
  assert.equal(shouldRetainRecord(r(10, 'a'), map, null, NOW), true);
  assert.equal(shouldRetainRecord(r(5, 'b'), map, null, NOW), true);
  assert.equal(shouldRetainRecord(r(5, null), map, null, NOW), false);
  assert.equal(shouldRetainRecord(r(21, null), map, null, NOW), true);
  assert.equal(shouldRetainRecord(r(21, 'a'), map, null, NOW), true);
  assert.equal(shouldRetainRecord(r(10, 'a', false), map, null, NOW), true);
  assert.equal(shouldRetainRecord(r(10, 'a', false), map, NOW + 1, NOW), true);
  assert.equal(shouldRetainRecord(r(10, 'a', false), map, NOW, NOW), false);
});

test('OffsetMap: exact keys, bounded by bytes, the first key always fits', () => {
  const map = new OffsetMap(2 * (OFFSET_MAP_ENTRY_OVERHEAD_BYTES + 1));
  assert.equal(map.put(Buffer.from('a'), 1), true);
  assert.equal(map.put(Buffer.from('b'), 2), true);
  assert.equal(map.put(Buffer.from('c'), 3), false);
  assert.equal(map.put(Buffer.from('a'), 4), true);
  assert.deepEqual([map.get(Buffer.from('a')), map.get(Buffer.from('b')), map.get(Buffer.from('c')), map.size, map.latestOffset], [4, 2, -1, 2, 4]);
  // Binary keys that differ only in bytes above 0x7f stay distinct.
  const tiny = new OffsetMap(1);
  assert.equal(tiny.put(Buffer.from([0xff, 0x00]), 7), true);
  assert.equal(tiny.get(Buffer.from([0xff, 0x00])), 7);
  assert.equal(tiny.get(Buffer.from([0xfe, 0x00])), -1);
  assert.equal(tiny.put(Buffer.from('x'), 8), false);
});

function batch(records: [string | null, string | null, number][], options: Parameters<typeof buildRecordBatch>[1] = {}): RecordBatch {
  return new RecordBatch(
    buildRecordBatch(
      records.map(([k, v, ts], i) => ({
        key: k === null ? null : Buffer.from(k),
        value: v === null ? null : Buffer.from(v),
        timestamp: ts,
        headers: i === 1 ? [{ key: 'hé', value: Buffer.from([0xff, 0]) }, { key: 'n', value: null }] : undefined,
      })),
      { baseOffset: 100, partitionLeaderEpoch: 4, producerId: 9n, producerEpoch: 2, baseSequence: 17, ...options },
    ),
  );
}

const everyKeyLatest = { get: () => -1, latestOffset: 1_000 };
const onlyLatest = (offsets: Record<string, number>) => ({ get: (k: Buffer) => offsets[k.toString()] ?? -1, latestOffset: 1_000 });
const ctx = (map: { get(k: Buffer): number; latestOffset: number }, retainEmpty = false) => ({
  map,
  nowMs: NOW,
  deleteRetentionMs: 5000,
  retainEmpty,
  maxUncompressedBytes: 1 << 20,
});

test('cleanBatch: untouched batches are copied byte for byte', () => {
  const b = batch([['a', '1', 1000], ['b', '2', 1001]]);
  const out = cleanBatch(b, ctx(everyKeyLatest));
  assert.equal(out.kind, 'copied');
  assert.equal(out.bytes, b.bytes);
});

test('cleanBatch: a rewritten batch keeps offsets, header fields, codec and record bytes, with a fresh CRC', () => {
  for (const compression of [CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD]) {
    const b = batch([['a', '1', 1000], ['b', '2', 1005], ['a', '3', 990], ['c', '4', 1002]], { compression });
    const out = cleanBatch(b, ctx(onlyLatest({ a: 102, b: 101, c: 103 })));
    assert.equal(out.kind, 'rewritten');
    const v = validateRecordBatch(out.bytes!);
    assert.ok(v.ok);
    const nb = v.batch;
    assert.deepEqual(
      [nb.baseOffset, nb.lastOffsetDelta, nb.partitionLeaderEpoch, nb.producerId, nb.producerEpoch, nb.baseSequence, nb.compression, nb.recordCount, nb.hasDeleteHorizon],
      [100n, 3, 4, 9n, 2, 17, compression, 3, false],
    );
    assert.equal(nb.maxTimestamp, 1005n);
    const before = readRecords(b, { maxUncompressedBytes: 1 << 20 });
    const after = readRecords(nb, { maxUncompressedBytes: 1 << 20 });
    assert.deepEqual(after, [before[1], before[2], before[3]]);
    // Records are their original bytes.
    const oldSection = uncompressedRecords(b, { maxUncompressedBytes: 1 << 20 });
    const newSection = uncompressedRecords(nb, { maxUncompressedBytes: 1 << 20 });
    const oldRecs = scanRecords(b, oldSection);
    assert.deepEqual(newSection, Buffer.concat(oldRecs.slice(1).map((r) => oldSection.subarray(r.start, r.end))));
  }
});

test('cleanBatch: a kept tombstone gets the delete horizon; records keep their timestamps; later it goes', () => {
  const b = batch([['a', null, 1000], ['b', 'x', 1007], ['c', null, 995]], { compression: CompressionType.LZ4 });
  const out = cleanBatch(b, ctx(everyKeyLatest));
  assert.equal(out.kind, 'rewritten');
  const nb = new RecordBatch(out.bytes!);
  assert.ok(nb.isCrcValid());
  assert.equal(nb.hasDeleteHorizon, true);
  assert.equal(nb.baseTimestamp, BigInt(NOW + 5000));
  assert.equal(nb.maxTimestamp, 1007n);
  assert.deepEqual(readRecords(nb, { maxUncompressedBytes: 1 << 20 }).map((r) => [r.offset, r.timestamp, r.value]), [[100, 1000, null], [101, 1007, Buffer.from('x')], [102, 995, null]]);
  // With the horizon set, the same batch is copied as is...
  assert.equal(cleanBatch(nb, ctx(everyKeyLatest)).kind, 'copied');
  // ...until the horizon, when its tombstones go.
  const later = cleanBatch(nb, { ...ctx(everyKeyLatest), nowMs: NOW + 5000 });
  assert.equal(later.kind, 'rewritten');
  const lb = new RecordBatch(later.bytes!);
  assert.deepEqual(readRecords(lb, { maxUncompressedBytes: 1 << 20 }).map((r) => [r.offset, r.timestamp]), [[101, 1007]]);
  assert.equal(lb.hasDeleteHorizon, true);
  assert.equal(lb.baseTimestamp, BigInt(NOW + 5000));
});

test('cleanBatch: nothing left: dropped, or emptied when it must stay; LOG_APPEND_TIME keeps its max timestamp', () => {
  const b = batch([['a', '1', 1000], ['b', '2', 1001]], { compression: CompressionType.GZIP, timestampType: TimestampType.LOG_APPEND_TIME, logAppendTimeMs: 5555 });
  const gone = onlyLatest({ a: 500, b: 500 });
  assert.equal(cleanBatch(b, ctx(gone)).kind, 'dropped');
  const out = cleanBatch(b, ctx(gone, true));
  assert.equal(out.kind, 'emptied');
  const e = new RecordBatch(out.bytes!);
  assert.ok(validateRecordBatch(e.bytes).ok);
  assert.deepEqual(
    [e.bytes.length, e.baseOffset, e.lastOffsetDelta, e.recordCount, e.compression, e.timestampType, e.baseTimestamp, e.maxTimestamp, e.producerId, e.baseSequence, e.partitionLeaderEpoch],
    [61, 100n, 1, 0, CompressionType.NONE, TimestampType.LOG_APPEND_TIME, 5555n, 5555n, 9n, 17, 4],
  );
  assert.deepEqual(emptyBatchLike(b), out.bytes);
  // An empty batch stays only while it must.
  assert.equal(cleanBatch(e, ctx(gone)).kind, 'dropped');
  assert.equal(cleanBatch(e, ctx(gone, true)).kind, 'copied');
  // Keeping one record of a LOG_APPEND_TIME batch keeps the batch's max timestamp.
  const one = cleanBatch(b, ctx(onlyLatest({ a: 100, b: 500 })));
  assert.equal(new RecordBatch(one.bytes!).maxTimestamp, 5555n);
});

test('cleanBatch: control batches are kept; malformed records are a DecodeError', () => {
  const control = batch([['k', 'v', 1]], { control: true, transactional: true });
  assert.equal(cleanBatch(control, ctx(onlyLatest({ k: 999 }))).kind, 'copied');
  const b = batch([['a', '1', 1000], ['b', '2', 1001]]);
  const bad = Buffer.from(b.bytes);
  bad.writeInt32BE(3, 57); // three records claimed, two present
  assert.throws(() => cleanBatch(new RecordBatch(bad), ctx(everyKeyLatest)), DecodeError);
});

test('recoverInterruptedCleaning: .cleaned files go; a committed .swap replaces the segments in its range', async () => {
  const fs = new SimulatedFileSystem();
  const dir = '/d/t-0';
  await fs.mkdir(dir);
  await fs.syncDir('/');
  await fs.syncDir('/d');
  const name = (base: number, kind: string) => `${dir}/${String(base).padStart(20, '0')}${kind}`;
  const put = async (path: string, data: Buffer = Buffer.alloc(0)) => {
    const h = await fs.open(path, 'w+');
    await h.writev([data], 0);
    await h.close();
  };
  // Old segments 0, 10, 20 (20 outside the swap's range), the swap covers [0, 15).
  for (const base of [0, 10, 20]) for (const kind of ['.log', '.index', '.timeindex']) await put(name(base, kind), Buffer.from('old'));
  const swapBatch = buildRecordBatch([{ key: Buffer.from('k'), value: Buffer.from('v') }], { baseOffset: 14 });
  await put(name(0, '.log.swap'), swapBatch);
  await put(name(0, '.index.swap'));
  await put(name(0, '.timeindex.swap'));
  await put(name(10, '.log.deleted'));
  // An unfinished cleaning of 20, and a stray index .swap without its .log.swap.
  await put(name(20, '.log.cleaned'));
  await put(name(20, '.index.swap'));
  const report = await recoverInterruptedCleaning(fs, dir);
  assert.deepEqual(report, { deletedCleanedFiles: 2, completedSwaps: 1, deletedReplacedFiles: 6 });
  assert.deepEqual((await fs.readdir(dir)).sort(), [
    '00000000000000000000.index',
    '00000000000000000000.log',
    '00000000000000000000.timeindex',
    '00000000000000000010.log.deleted',
    '00000000000000000020.index',
    '00000000000000000020.log',
    '00000000000000000020.timeindex',
  ]);
  assert.deepEqual(await fs.readFile(name(0, '.log')), swapBatch);
  // Durable: a crash now changes nothing.
  fs.crash();
  assert.equal((await fs.readdir(dir)).length, 7);
  // Nothing to do the second time.
  assert.deepEqual(await recoverInterruptedCleaning(fs, dir), { deletedCleanedFiles: 0, completedSwaps: 0, deletedReplacedFiles: 0 });
});

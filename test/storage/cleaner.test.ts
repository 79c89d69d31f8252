/** The log cleaner over the simulated file system: what survives a cleaning, when logs are cleaned, concurrency. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedFileSystem } from '../../src/storage/sim-fs.js';
import type { FileHandle, FileStat, FileSystem, OpenMode } from '../../src/storage/fs.js';
import { CompressionType, RecordBatch } from '../../src/protocol/records/record-batch.js';
import { splitRecordBatches } from '../../src/protocol/records/split.js';
import { validateRecordBatch } from '../../src/protocol/records/validate.js';
import type { LogManager } from '../../src/storage/log-manager.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { LOG_DIR, TestClock } from '../support/storage.js';
import { kvBatch, latestByKey, readLog, recordsOf, startCompactingManager, type KV, type LogRecord } from '../support/compaction.js';

const T = 't';

async function append(log: PartitionLog, clock: TestClock, entries: readonly KV[], options: Parameters<typeof kvBatch>[2] = {}): Promise<{ firstOffset: number; lastOffset: number }> {
  const r = await log.append([kvBatch(entries, clock.now, options)], { leaderEpoch: 3, nowMs: clock.now });
  await r.durable;
  return r;
}

/** Appends `batches` batches of `perBatch` records over `keys` keys, values naming the round. */
async function fill(log: PartitionLog, clock: TestClock, batches: number, perBatch: number, keys: number, tag = 'v'): Promise<void> {
  for (let b = 0; b < batches; b++) {
    const entries: KV[] = [];
    for (let j = 0; j < perBatch; j++) entries.push([`k${(b * perBatch + j) % keys}`, `${tag}${b}-${j}`]);
    await append(log, clock, entries);
  }
}

/**
 * Records of the log before and after a cleaning of [0, end) whose map covered the whole range:
 * every surviving record is the original at its offset; below `end` exactly the latest record of
 * each key survives (tombstones included: these tests clean before their horizon); at and above
 * `end` nothing changed.
 */
function checkCleaned(before: readonly LogRecord[], after: readonly LogRecord[], end: number): void {
  const byOffset = new Map(before.map((r) => [r.offset, r]));
  for (const r of after) assert.deepEqual(r, byOffset.get(r.offset), `record at ${r.offset} is not the original`);
  const expected = [...latestByKey(before.filter((r) => r.offset < end)).values()].map((r) => r.offset).sort((a, b) => a - b);
  assert.deepEqual(after.filter((r) => r.offset < end).map((r) => r.offset), expected);
  assert.deepEqual(after.filter((r) => r.offset >= end), before.filter((r) => r.offset >= end));
}

async function cleanerCheckpoint(fs: FileSystem): Promise<string> {
  return (await fs.readFile(`${LOG_DIR}/cleaner-offset-checkpoint`)).toString();
}

test('cleaning keeps the latest value of every key at its offset, and checkpoints', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock();
  let mgr = await startCompactingManager(fs, clock, { segmentBytes: 1200 });
  let log = await mgr.getOrCreateLog(T, 0);
  await fill(log, clock, 60, 3, 10);
  const before = recordsOf(await readLog(log));
  const sizeBefore = log.size;
  const activeBase = log.segmentBaseOffsets.at(-1)!;
  const end = log.logEndOffset;

  const result = await mgr.runCleaner();
  assert.ok(result !== null);
  assert.equal(result.outcome, 'cleaned');
  assert.equal(result.firstDirtyOffset, 0);
  assert.equal(result.firstUncleanableOffset, activeBase);
  assert.equal(result.endOffset, activeBase);
  assert.ok(result.segmentsSwapped >= 1 && result.recordsKept < result.recordsRead);

  const after = recordsOf(await readLog(log));
  checkCleaned(before, after, activeBase);
  assert.equal(log.logEndOffset, end);
  assert.equal(log.logStartOffset, 0);
  assert.equal(log.segmentBaseOffsets[0], 0);
  assert.ok(log.size < sizeBefore / 3, `${log.size} bytes after, ${sizeBefore} before`);
  assert.equal(await cleanerCheckpoint(fs), `0\n1\nt 0 ${activeBase}\n`);
  // Nothing new is dirty: nothing to do.
  assert.equal(await mgr.runCleaner(), null);
  // Old segment files wait as .deleted, then go; no .cleaned or .swap file is left.
  let names = await fs.readdir(`${LOG_DIR}/t-0`);
  assert.ok(names.some((n) => n.endsWith('.log.deleted')));
  assert.ok(!names.some((n) => n.endsWith('.cleaned') || n.endsWith('.swap')));
  clock.advance(1000);
  await mgr.runPendingDeletes();
  names = await fs.readdir(`${LOG_DIR}/t-0`);
  assert.ok(!names.some((n) => n.endsWith('.deleted')));

  // Appends go on at the log end; a clean restart reads the same.
  await append(log, clock, [['k1', 'after']]);
  await mgr.shutdown();
  mgr = await startCompactingManager(fs, clock, { segmentBytes: 1200 });
  log = mgr.getLog(T, 0)!;
  assert.deepEqual(recordsOf(await readLog(log)).slice(0, -1), after);
  assert.equal(log.logEndOffset, end + 1);
  // The checkpoint survived the restart: the clean part is not cleaned again.
  assert.equal(await mgr.runCleaner(), null);
  await mgr.shutdown();
});

test('a second cleaning dedupes the clean part against the new dirty part', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock();
  const mgr = await startCompactingManager(fs, clock, { segmentBytes: 900 });
  const log = await mgr.getOrCreateLog(T, 0);
  await fill(log, clock, 30, 3, 12, 'a');
  await mgr.runCleaner();
  const first = log.segmentBaseOffsets.at(-1)!;
  await fill(log, clock, 30, 3, 12, 'b');
  await log.roll(clock.now);
  const segmentsBefore = log.segmentCount;
  const before = recordsOf(await readLog(log));
  const result = await mgr.runCleaner();
  assert.equal(result?.outcome, 'cleaned');
  assert.equal(result.firstDirtyOffset, first);
  const end = log.segmentBaseOffsets.at(-1)!;
  assert.equal(result.endOffset, end);
  const after = recordsOf(await readLog(log));
  checkCleaned(before, after, end);
  // Every key's value is from the second round now.
  assert.ok(after.every((r) => r.value!.startsWith('b')));
  assert.equal(after.length, 12);
  // Small cleaned segments are grouped into fewer, each within segment.bytes.
  assert.ok(log.segmentCount < segmentsBefore, `${log.segmentCount} segments after, ${segmentsBefore} before`);
  for (const seg of log.cleanerSnapshot().segments) assert.ok(seg.size <= 900);
  await mgr.shutdown();
});

test('tombstones stay until delete.retention.ms after the cleaning that first kept them (KIP-534 delete horizon)', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock(1_000_000);
  const mgr = await startCompactingManager(fs, clock, { segmentBytes: 100_000, deleteRetentionMs: 60_000 });
  const log = await mgr.getOrCreateLog(T, 0);
  await append(log, clock, [['gone', 'a'], ['stays', 'b'], ['revived', 'c']]);
  const tombstoneAt = (await append(log, clock, [['gone', null], ['revived', null]])).firstOffset;
  await append(log, clock, [['revived', 'd'], ['filler', 'x']]);
  await log.roll(clock.now);

  const t0 = clock.now;
  assert.equal((await mgr.runCleaner())?.outcome, 'cleaned');
  let batches = await readLog(log);
  let records = recordsOf(batches);
  assert.deepEqual(records.map((r) => [r.key, r.value]), [['stays', 'b'], ['gone', null], ['revived', 'd'], ['filler', 'x']]);
  const tombstoneBatch = batches.find((b) => b.baseOffset === tombstoneAt)!;
  assert.equal(tombstoneBatch.hasDeleteHorizon, true);
  assert.equal(tombstoneBatch.baseTimestamp, t0 + 60_000);
  // The batch keeps its offsets; the tombstone keeps its offset and timestamp.
  assert.equal(tombstoneBatch.lastOffset, tombstoneAt + 1);
  assert.deepEqual(tombstoneBatch.records.map((r) => [r.offset, r.timestamp]), [[tombstoneAt, 1_000_000]]);
  // The superseded tombstone went at once; other batches carry no horizon.
  assert.ok(batches.filter((b) => b !== tombstoneBatch).every((b) => !b.hasDeleteHorizon));

  // Before the horizon, a later cleaning keeps it.
  clock.advance(59_999);
  await append(log, clock, [['filler', 'y']]);
  await log.roll(clock.now);
  assert.equal((await mgr.runCleaner())?.outcome, 'cleaned');
  records = recordsOf(await readLog(log));
  assert.ok(records.some((r) => r.key === 'gone' && r.value === null));

  // At the horizon, it goes.
  clock.advance(1);
  await append(log, clock, [['filler', 'z']]);
  await log.roll(clock.now);
  assert.equal((await mgr.runCleaner())?.outcome, 'cleaned');
  batches = await readLog(log);
  records = recordsOf(batches);
  assert.deepEqual(records.map((r) => [r.key, r.value]), [['stays', 'b'], ['revived', 'd'], ['filler', 'z']]);
  await mgr.shutdown();
});

test('min.cleanable.dirty.ratio: a log is cleaned only when its dirty ratio is above it', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock();
  const mgr = await startCompactingManager(fs, clock, { segmentBytes: 600, minCleanableDirtyRatio: 0.5 });
  const log = await mgr.getOrCreateLog(T, 0);
  await fill(log, clock, 20, 3, 6);
  assert.equal((await mgr.runCleaner())?.outcome, 'cleaned'); // nothing clean yet: ratio 1
  let checkpoint = log.segmentBaseOffsets.at(-1)!;
  let cleaned = 0;
  let skipped = 0;
  for (let round = 0; round < 12; round++) {
    await fill(log, clock, 2, 3, 6, `r${round}-`);
    await log.roll(clock.now);
    const snap = log.cleanerSnapshot();
    const inactive = snap.segments.slice(0, -1);
    const clean = inactive.filter((s) => s.baseOffset < checkpoint).reduce((n, s) => n + s.size, 0);
    const dirty = inactive.filter((s) => s.baseOffset >= checkpoint).reduce((n, s) => n + s.size, 0);
    const ratio = dirty / (clean + dirty);
    const result = await mgr.runCleaner();
    if (ratio > 0.5) {
      assert.equal(result?.outcome, 'cleaned', `round ${round}: ratio ${ratio}`);
      assert.ok(Math.abs(result.dirtyRatio - ratio) < 1e-9);
      checkpoint = result.endOffset;
      cleaned++;
    } else {
      assert.equal(result, null, `round ${round}: ratio ${ratio}`);
      skipped++;
    }
  }
  assert.ok(cleaned > 0 && skipped > 0, `cleaned ${cleaned}, skipped ${skipped}`);
  await mgr.shutdown();
});

test('min.compaction.lag.ms: records newer than the lag are not cleaned (KIP-58)', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock(5_000_000);
  const mgr = await startCompactingManager(fs, clock, { segmentBytes: 600, minCompactionLagMs: 60_000 });
  const log = await mgr.getOrCreateLog(T, 0);
  await fill(log, clock, 12, 3, 4, 'old');
  await log.roll(clock.now);
  // Too young: nothing is cleanable.
  assert.equal(await mgr.runCleaner(), null);
  clock.advance(30_000);
  assert.equal(await mgr.runCleaner(), null);
  clock.advance(30_010);
  const youngFrom = log.logEndOffset;
  await fill(log, clock, 12, 3, 4, 'young');
  await log.roll(clock.now);
  const before = recordsOf(await readLog(log));
  const result = await mgr.runCleaner();
  assert.equal(result?.outcome, 'cleaned');
  // The cleanable range ends at the first segment holding a record younger than the lag.
  assert.equal(result.firstUncleanableOffset, youngFrom);
  assert.equal(result.endOffset, youngFrom);
  const after = recordsOf(await readLog(log));
  checkCleaned(before, after, youngFrom);
  assert.ok(after.filter((r) => r.value!.startsWith('young')).length === 36, 'young records are all still there');
  // Once they are old enough, they are cleaned too.
  clock.advance(70_000);
  await append(log, clock, [['k0', 'newest']]);
  assert.equal((await mgr.runCleaner())?.outcome, 'cleaned');
  assert.equal(recordsOf(await readLog(log)).filter((r) => r.value!.startsWith('young')).length, 4);
  await mgr.shutdown();
});

test('max.compaction.lag.ms: a log below the dirty ratio is cleaned once its oldest dirty record is that old (KIP-354)', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock(5_000_000);
  const mgr = await startCompactingManager(fs, clock, { segmentBytes: 600, minCleanableDirtyRatio: 0.9, maxCompactionLagMs: 120_000 });
  const log = await mgr.getOrCreateLog(T, 0);
  await fill(log, clock, 40, 3, 40);
  await log.roll(clock.now);
  assert.equal((await mgr.runCleaner())?.outcome, 'cleaned');
  clock.advance(1000);
  await fill(log, clock, 2, 3, 40, 'late');
  await log.roll(clock.now);
  assert.equal(await mgr.runCleaner(), null); // ratio well below 0.9
  clock.advance(119_000);
  assert.equal(await mgr.runCleaner(), null); // the oldest dirty record is not 120 s old yet
  clock.advance(1010);
  const result = await mgr.runCleaner();
  assert.equal(result?.outcome, 'cleaned');
  assert.ok(result.dirtyRatio < 0.9);
  await mgr.shutdown();
});

test('every codec: rewritten batches are valid, keep their codec, producer fields and offsets', async () => {
  for (const codec of [CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD]) {
    const fs = new SimulatedFileSystem();
    const clock = new TestClock();
    const mgr = await startCompactingManager(fs, clock, { segmentBytes: 2000 });
    const log = await mgr.getOrCreateLog(T, 0);
    let seq = 0;
    for (let b = 0; b < 30; b++) {
      const entries: KV[] = [];
      for (let j = 0; j < 5; j++) entries.push([`k${(b * 5 + j) % 17}`, (b + j) % 11 === 0 ? null : `v${b}-${j}-${'x'.repeat(20)}`]);
      await append(log, clock, entries, { compression: codec, producerId: 40 + (b % 3), producerEpoch: 2, baseSequence: seq });
      seq += 5;
    }
    await log.roll(clock.now);
    const before = recordsOf(await readLog(log));
    const originalBatches = await readLog(log);
    assert.equal((await mgr.runCleaner())?.outcome, 'cleaned', `codec ${codec}`);
    const raw = (await log.read(0, { maxBytes: 1 << 20 })).records;
    const split = splitRecordBatches(raw, { mode: 'strict', maxBatches: 10_000 });
    assert.ok(split.ok, `codec ${codec}`);
    for (const b of split.batches) {
      assert.ok(validateRecordBatch(b.bytes).ok);
      assert.ok(new RecordBatch(b.bytes).isCrcValid());
      const original = originalBatches.find((o) => o.baseOffset === Number(b.baseOffset))!;
      assert.ok(original !== undefined, 'every batch keeps its base offset');
      assert.equal(Number(b.lastOffset), original.lastOffset, 'and its last offset');
      assert.equal(b.producerId, original.producerId);
      assert.equal(b.baseSequence, original.baseSequence);
      assert.equal(b.partitionLeaderEpoch, 3);
      assert.equal(b.compression, b.recordCount === 0 ? CompressionType.NONE : codec);
    }
    const afterBatches = await readLog(log);
    checkCleaned(before, recordsOf(afterBatches), log.segmentBaseOffsets.at(-1)!);
    assert.ok(recordsOf(afterBatches).some((r) => r.value === null), 'recent tombstones are kept');
    // Rewritten with a delete horizon, in the batch's codec.
    assert.ok(afterBatches.some((b) => b.hasDeleteHorizon && b.records.length > 0 && b.compression === codec));
    await mgr.shutdown();
  }
});

test('keyless records are dropped; the last batch of each producer stays, emptied, with its offsets and sequence', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock();
  const mgr = await startCompactingManager(fs, clock, { segmentBytes: 100_000 });
  const log = await mgr.getOrCreateLog(T, 0);
  await append(log, clock, [['a', '1'], ['b', '1']], { producerId: 7, producerEpoch: 1, baseSequence: 0 });
  const lastOf7 = await append(log, clock, [['a', '2'], ['b', '2']], { producerId: 7, producerEpoch: 1, baseSequence: 2 });
  await append(log, clock, [[null, 'no key'], ['c', '1']]);
  await append(log, clock, [['a', '3'], ['b', '3'], ['c', '2']], { producerId: 8, producerEpoch: 0, baseSequence: 0 });
  await append(log, clock, [['d', '1']]);
  await log.roll(clock.now);
  assert.equal((await mgr.runCleaner())?.outcome, 'cleaned');
  const batches = await readLog(log);
  assert.deepEqual(
    batches.map((b) => [b.baseOffset, b.lastOffset, Number(b.producerId), b.baseSequence, b.records.map((r) => `${r.key}=${r.value}`)]),
    [
      [lastOf7.firstOffset, lastOf7.lastOffset, 7, 2, []],
      [6, 8, 8, 0, ['a=3', 'b=3', 'c=2']],
      [9, 9, -1, -1, ['d=1']],
    ],
  );
  const raw = (await log.read(0, { maxBytes: 1 << 20 })).records;
  const split = splitRecordBatches(raw, { mode: 'strict', maxBatches: 100 });
  assert.ok(split.ok);
  const empty = split.batches[0]!;
  assert.equal(empty.recordCount, 0);
  assert.equal(empty.producerEpoch, 1);
  assert.equal(empty.bytes.length, 61);
  await mgr.shutdown();
});

test('a small dedupe buffer cleans the prefix that fits, and later cleanings finish the job', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock();
  const mgr = await startCompactingManager(fs, clock, { segmentBytes: 800 }, { dedupeBufferBytes: 20 * 70, ioBufferBytes: 256 });
  const log = await mgr.getOrCreateLog(T, 0);
  // 60 distinct keys, each written 3 times.
  for (let round = 0; round < 3; round++) {
    for (let b = 0; b < 20; b++) await append(log, clock, [0, 1, 2].map((j): KV => [`key${b * 3 + j}`, `r${round}`]));
  }
  await log.roll(clock.now);
  const before = recordsOf(await readLog(log));
  const uncleanable = log.segmentBaseOffsets.at(-1)!;
  const ends: number[] = [];
  for (let i = 0; i < 50; i++) {
    const result = await mgr.runCleaner();
    if (result === null) break;
    assert.equal(result.outcome, 'cleaned');
    ends.push(result.endOffset);
    checkCleanedPrefix(before, recordsOf(await readLog(log)));
  }
  assert.ok(ends.length > 2, `cleanings: ${ends.join(', ')}`);
  assert.equal(ends.at(-1), uncleanable);
  for (let i = 1; i < ends.length; i++) assert.ok(ends[i]! > ends[i - 1]!);
  const after = recordsOf(await readLog(log));
  assert.equal(after.length, 60);
  assert.ok(after.every((r) => r.value === 'r2'));
  await mgr.shutdown();
});

/** After a partial cleaning: every record still original, every key's latest value kept. */
function checkCleanedPrefix(before: readonly LogRecord[], after: readonly LogRecord[]): void {
  const byOffset = new Map(before.map((r) => [r.offset, r]));
  for (const r of after) assert.deepEqual(r, byOffset.get(r.offset));
  for (const [key, r] of latestByKey(before)) assert.ok(after.some((a) => a.offset === r.offset), `latest of ${key} kept`);
}

test('the filthiest log goes first; non-compacted logs are never cleaned', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock();
  const mgr = await startCompactingManager(fs, clock, { segmentBytes: 600 });
  const a = await mgr.getOrCreateLog('a', 0);
  const b = await mgr.getOrCreateLog('b', 0);
  const plain = await mgr.getOrCreateLog('plain', 0, { settings: { ...a.settings, cleanupPolicy: { delete: true, compact: false } } });
  await fill(a, clock, 20, 3, 5);
  await fill(b, clock, 20, 3, 5);
  await fill(plain, clock, 20, 3, 5);
  assert.equal((await mgr.runCleaner())?.topic, 'a');
  assert.equal((await mgr.runCleaner())?.topic, 'b');
  // b gets a little dirtier than a.
  await fill(a, clock, 4, 3, 5, 'x');
  await fill(b, clock, 8, 3, 5, 'y');
  await a.roll(clock.now);
  await b.roll(clock.now);
  assert.equal((await mgr.runCleaner())?.topic, 'b');
  assert.equal((await mgr.runCleaner())?.topic, 'a');
  assert.equal(await mgr.runCleaner(), null);
  assert.match(await cleanerCheckpoint(fs), /^0\n2\na 0 \d+\nb 0 \d+\n$/);
  // Deleting a log drops its checkpoint entry.
  await mgr.deleteLog('b', 0);
  assert.match(await cleanerCheckpoint(fs), /^0\n1\na 0 \d+\n$/);
  await mgr.shutdown();
});

/**
 * A file system whose reads of inactive segments and writes of cleaned files take a timer tick
 * each: the cleaner is slow, appends are not. Like Node's FileHandle, closing a handle waits for
 * the operations in flight on it.
 */
class SlowFs implements FileSystem {
  slowOps = 0;
  constructor(
    private readonly inner: FileSystem,
    private readonly slow: (path: string, mode: OpenMode) => boolean,
  ) {}
  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    const h = await this.inner.open(path, mode);
    return this.slow(path, mode) ? new SlowHandle(h, this) : h;
  }
  readFile(path: string): Promise<Buffer> {
    return this.inner.readFile(path);
  }
  stat(path: string): Promise<FileStat | null> {
    return this.inner.stat(path);
  }
  readdir(path: string): Promise<string[]> {
    return this.inner.readdir(path);
  }
  mkdir(path: string): Promise<void> {
    return this.inner.mkdir(path);
  }
  rename(from: string, to: string): Promise<void> {
    return this.inner.rename(from, to);
  }
  unlink(path: string): Promise<void> {
    return this.inner.unlink(path);
  }
  rmdir(path: string): Promise<void> {
    return this.inner.rmdir(path);
  }
  syncDir(path: string): Promise<void> {
    return this.inner.syncDir(path);
  }
}

class SlowHandle implements FileHandle {
  private inFlight = new Set<Promise<unknown>>();
  constructor(
    private readonly inner: FileHandle,
    private readonly owner: SlowFs,
  ) {}
  get path(): string {
    return this.inner.path;
  }
  private slowly<T>(run: () => Promise<T>): Promise<T> {
    this.owner.slowOps++;
    const p = new Promise<void>((r) => setTimeout(r, 1)).then(run);
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p)).catch(() => undefined);
    return p;
  }
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.slowly(() => this.inner.read(buffer, offset, length, position));
  }
  writev(buffers: readonly Buffer[], position: number): Promise<void> {
    return this.slowly(() => this.inner.writev(buffers, position));
  }
  size(): Promise<number> {
    return this.inner.size();
  }
  truncate(length: number): Promise<void> {
    return this.inner.truncate(length);
  }
  datasync(): Promise<void> {
    return this.slowly(() => this.inner.datasync());
  }
  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    return this.inner.close();
  }
}

async function slowSetup(): Promise<{ sim: SimulatedFileSystem; fs: SlowFs; clock: TestClock; mgr: LogManager; log: PartitionLog }> {
  const sim = new SimulatedFileSystem();
  const fs = new SlowFs(sim, (path, mode) => mode === 'r' || path.endsWith('.cleaned'));
  const clock = new TestClock();
  const mgr = await startCompactingManager(fs, clock, { segmentBytes: 700 }, { ioBufferBytes: 128 });
  const log = await mgr.getOrCreateLog(T, 0);
  await fill(log, clock, 40, 3, 8);
  await log.roll(clock.now);
  return { sim, fs, clock, mgr, log };
}

test('appends are not blocked while a log is being cleaned', async () => {
  const { fs, clock, mgr, log } = await slowSetup();
  const before = recordsOf(await readLog(log));
  let finished = false;
  const cleaning = mgr.runCleaner().finally(() => {
    finished = true;
  });
  const appendedWhileCleaning: boolean[] = [];
  for (let i = 0; i < 30; i++) {
    await append(log, clock, [[`new${i % 4}`, `n${i}`]]);
    appendedWhileCleaning.push(!finished);
  }
  assert.ok(appendedWhileCleaning.every((x) => x), 'every append completed while the cleaning was still running');
  const result = await cleaning;
  assert.equal(result?.outcome, 'cleaned');
  assert.ok(fs.slowOps > 50, `${fs.slowOps} slow operations`);
  const after = recordsOf(await readLog(log));
  checkCleaned(before, after.filter((r) => r.offset < before.length), result.endOffset);
  assert.deepEqual(after.filter((r) => r.offset >= before.length).map((r) => r.value), Array.from({ length: 30 }, (_, i) => `n${i}`));
  await mgr.shutdown();
});

test('reads during a cleaning see whole, valid batches with increasing offsets and original records', async () => {
  const { mgr, log } = await slowSetup();
  const before = recordsOf(await readLog(log));
  const byOffset = new Map(before.map((r) => [r.offset, r]));
  let finished = false;
  const cleaning = mgr.runCleaner().finally(() => {
    finished = true;
  });
  let reads = 0;
  while (!finished) {
    // readLog checks batch validity and increasing offsets.
    const seen = recordsOf(await readLog(log, 300));
    for (const r of seen) assert.deepEqual(r, byOffset.get(r.offset));
    for (const [key, r] of latestByKey(before)) assert.ok(seen.some((s) => s.offset === r.offset), `latest of ${key}`);
    reads++;
  }
  assert.ok(reads >= 2, `${reads} reads during the cleaning`);
  assert.equal((await cleaning)?.outcome, 'cleaned');
  await mgr.shutdown();
});

test('retention or truncation during a cleaning aborts its swap; a truncation below the checkpoint lowers it', async () => {
  const { sim, clock, mgr, log } = await slowSetup();
  const segments = log.segmentCount;
  const cleaning = mgr.runCleaner();
  // DeleteRecords + retention removes the first segment while the cleaner reads.
  await new Promise((r) => setTimeout(r, 5));
  await mgr.advanceLogStartOffset(T, 0, log.segmentBaseOffsets[1]!);
  assert.equal(await mgr.runRetention(), 1);
  const result = await cleaning;
  assert.equal(result?.outcome, 'aborted');
  assert.ok(!mgr.cleaner.isUncleanable(log));
  const names = await sim.readdir(`${LOG_DIR}/t-0`);
  assert.ok(!names.some((n) => n.endsWith('.cleaned') || n.endsWith('.swap')), names.join(' '));
  assert.equal(log.segmentCount, segments - 1);
  // The next cleaning goes through.
  const again = await mgr.runCleaner();
  assert.equal(again?.outcome, 'cleaned');
  assert.equal(again.firstDirtyOffset, log.logStartOffset);
  const checkpoint = again.endOffset;

  // A truncation below the checkpoint (follower truncation) lowers it before the next cleaning.
  const to = checkpoint - 1;
  await log.truncateTo(to);
  await fill(log, clock, 10, 3, 8, 'z');
  await log.roll(clock.now);
  const third = await mgr.runCleaner();
  assert.equal(third?.firstDirtyOffset, to);
  await mgr.shutdown();
});

test('compact,delete: retention still removes old segments, the cleaner compacts the rest', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock(1_000_000);
  const mgr = await startCompactingManager(fs, clock, { segmentBytes: 600, cleanupPolicy: { delete: true, compact: true }, retentionMs: 60_000 });
  const log = await mgr.getOrCreateLog(T, 0);
  await fill(log, clock, 10, 3, 5, 'old');
  await log.roll(clock.now);
  assert.equal((await mgr.runCleaner())?.outcome, 'cleaned');
  clock.advance(120_000);
  await fill(log, clock, 10, 3, 5, 'new');
  await log.roll(clock.now);
  assert.ok((await mgr.runRetention()) > 0);
  assert.ok(log.logStartOffset > 0);
  const result = await mgr.runCleaner();
  assert.equal(result?.outcome, 'cleaned');
  assert.ok(result.firstDirtyOffset >= log.logStartOffset);
  const records = recordsOf(await readLog(log));
  assert.equal(records.length, 5);
  assert.ok(records.every((r) => r.value!.startsWith('new')));
  await mgr.shutdown();
});

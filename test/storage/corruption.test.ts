/**
 * Corrupt files in a log dir (the issue: "a flipped byte in a .log, a truncated .index, garbage in
 * a .timeindex are recovered, or fail with an error that names the file; never a crash loop,
 * never serving bad bytes"). Each case builds a log of several segments on the simulated disk,
 * damages one file, restarts (cleanly or not), and checks what is served; then restarts again and
 * checks that the second start gives the same result as the first (no crash loop, no drift).
 *
 * What Kafka does, and so what is expected here:
 * - Recovery (unclean shutdown) scans the segments from the recovery point on and truncates at the
 *   first bad batch, deleting every later segment (LogLoader.recoverLog). Segments below the
 *   recovery point are not scanned.
 * - An index that fails its sanity check, or is missing, is rebuilt from the .log.
 * - A malformed recovery-point-offset-checkpoint or log-start-offset-checkpoint is not fatal:
 *   LogManager.loadLogs warns and resets recovery points to 0 and log start offsets to the first
 *   segment's base offset.
 * - A malformed leader-epoch-checkpoint makes the read fail with KafkaStorageException naming the
 *   file (CheckpointFileWithFailureHandler) and the log dir goes offline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedFileSystem } from '../../src/storage/sim-fs.js';
import type { LogManager } from '../../src/storage/log-manager.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { LEADER_EPOCH_CHECKPOINT, LOG_START_OFFSET_CHECKPOINT, RECOVERY_POINT_CHECKPOINT, segmentFileName } from '../../src/storage/log-files.js';
import { buildRecordBatch } from '../../src/protocol/records/builder.js';
import { RecordBatch } from '../../src/protocol/records/record-batch.js';
import { splitRecordBatches } from '../../src/protocol/records/split.js';
import { LOG_DIR, startManager, TestClock } from '../support/storage.js';
import { decodeBatches, readWholeLog, type StoredBatch } from '../support/log-check.js';

const TOPIC = 't';
const PART_DIR = `${LOG_DIR}/${TOPIC}-0`;
const SETTINGS = { segmentBytes: 700, indexIntervalBytes: 60 };

interface Built {
  fs: SimulatedFileSystem;
  clock: TestClock;
  /** Every batch, as read back before any damage. */
  batches: StoredBatch[];
  /** Segment base offsets. */
  bases: number[];
}

/** A log of 40 batches of 3 records (about 8 segments), flushed; the manager shut down or crashed. */
async function buildLog(end: 'shutdown' | 'crash', options: { checkpoint?: boolean; deleteRecordsTo?: number } = {}): Promise<Built> {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock(1_000_000);
  const mgr = await startManager(fs, clock, SETTINGS);
  const log = await mgr.getOrCreateLog(TOPIC, 0);
  for (let b = 0; b < 40; b++) {
    const records = [0, 1, 2].map((i) => ({ value: Buffer.from(`b${b}-r${i}-${'#'.repeat(b % 7)}`), timestamp: 1_000_000 + b * 100 + i * 10 }));
    const epoch = b < 20 ? 1 : 2;
    await (await log.append([new RecordBatch(buildRecordBatch(records))], { leaderEpoch: epoch, nowMs: clock.now })).durable;
  }
  if (options.deleteRecordsTo !== undefined) await mgr.advanceLogStartOffset(TOPIC, 0, options.deleteRecordsTo);
  if (options.checkpoint === true) await mgr.checkpointAll();
  const batches = await readWholeLog(log, log.logStartOffset, () => 1 << 20, 'before damage');
  const bases = log.segmentBaseOffsets;
  assert.ok(bases.length >= 5, `only ${bases.length} segments`);
  if (end === 'shutdown') await mgr.shutdown();
  else fs.crash();
  return { fs, clock, batches, bases };
}

function segPath(base: number, suffix: string): string {
  return `${PART_DIR}/${segmentFileName(base, suffix)}`;
}

/** Replaces a file's content durably (as a disk would hold it after the damage). */
async function rewrite(fs: SimulatedFileSystem, path: string, change: (old: Buffer) => Buffer): Promise<void> {
  const old = await fs.readFile(path);
  const h = await fs.open(path, 'r+');
  await h.truncate(0);
  const data = change(old);
  if (data.length > 0) await h.writev([data], 0);
  await h.datasync();
  await h.close();
}

/** Byte positions of the batches of a .log file's content. */
function batchPositions(bytes: Buffer): { position: number; size: number; baseOffset: number }[] {
  const split = splitRecordBatches(bytes, { mode: 'partial-tail', maxBatches: 10_000 });
  assert.ok(split.ok);
  let position = 0;
  return split.batches.map((b) => {
    const out = { position, size: b.bytes.length, baseOffset: Number(b.baseOffset) };
    position += b.bytes.length;
    return out;
  });
}

/** Flips one byte in the records part of the batch at index `k` of a segment (covered by the CRC). */
async function flipByteInBatch(fs: SimulatedFileSystem, base: number, k: number): Promise<{ baseOffset: number }> {
  const path = segPath(base, '.log');
  const positions = batchPositions(await fs.readFile(path));
  const target = positions[k]!;
  await rewrite(fs, path, (old) => {
    const copy = Buffer.from(old);
    const at = target.position + 61 + Math.floor((target.size - 61) / 2);
    copy[at] = copy[at]! ^ 0x20;
    return copy;
  });
  return { baseOffset: target.baseOffset };
}

interface Observed {
  start: number;
  end: number;
  bases: number[];
  batches: StoredBatch[];
}

/** Reads everything back (whole valid batches only, no gaps) and a few offsets one by one. */
async function observe(log: PartitionLog, what: string): Promise<Observed> {
  const batches = await readWholeLog(log, log.logStartOffset, () => 1 << 20, what);
  for (const b of batches) {
    const r = await log.read(b.baseOffset + (b.lastOffset - b.baseOffset) / 2 | 0, { maxBytes: 1 });
    const got = decodeBatches(r.records, `${what}: read(${b.baseOffset})`);
    assert.equal(got[0]?.baseOffset, b.baseOffset, `${what}: read inside batch ${b.baseOffset}`);
  }
  return { start: log.logStartOffset, end: log.logEndOffset, bases: log.segmentBaseOffsets, batches };
}

/** Starts twice (the first start is shut down uncleanly when `crashBetween`); both must agree. */
async function startTwice(
  built: Built,
  check: (log: PartitionLog, obs: Observed, mgr: LogManager) => Promise<void>,
  crashBetween = false,
): Promise<void> {
  let previous: Observed | null = null;
  for (const round of [1, 2]) {
    const mgr = await startManager(built.fs, built.clock, SETTINGS);
    const log = mgr.getLog(TOPIC, 0)!;
    const obs = await observe(log, `start ${round}`);
    await check(log, obs, mgr);
    if (previous !== null) assert.deepEqual(obs, previous, 'the second start differs from the first');
    previous = obs;
    if (crashBetween) built.fs.crash();
    else await mgr.shutdown();
  }
}

function sameBatches(got: readonly StoredBatch[], want: readonly StoredBatch[], what: string): void {
  assert.deepEqual(
    got.map((b) => [b.baseOffset, b.values]),
    want.map((b) => [b.baseOffset, b.values]),
    what,
  );
}

// ---------------------------------------------------------------- .log

test('a flipped byte in the active segment: the unclean restart truncates at that batch, keeps everything before it, never serves it', async () => {
  const built = await buildLog('crash', { checkpoint: true });
  const active = built.bases[built.bases.length - 1]!;
  const { baseOffset: bad } = await flipByteInBatch(built.fs, active, 1);
  await startTwice(
    built,
    async (log, obs) => {
      assert.equal(obs.end, bad, 'the log ends before the damaged batch');
      sameBatches(obs.batches, built.batches.filter((b) => b.baseOffset < bad), 'everything before the damaged batch');
      // The next append takes the damaged batch's offset.
      const r = await log.append([new RecordBatch(buildRecordBatch([{ value: Buffer.from('after') }]))], { leaderEpoch: 3, nowMs: built.clock.now });
      await r.durable;
      assert.equal(r.firstOffset, bad);
      await log.truncateTo(bad); // back to the recovered state, for the second start to compare
    },
    true,
  );
});

test('a flipped byte in an older segment that recovery scans (no recovery point): truncated there, later segments deleted, as Kafka', async () => {
  // No checkpoint was written after the appends: the recovery point is 0, every segment is scanned.
  const built = await buildLog('crash');
  const { baseOffset: bad } = await flipByteInBatch(built.fs, built.bases[2]!, 0);
  await startTwice(
    built,
    async (_log, obs) => {
      assert.equal(obs.end, bad);
      assert.deepEqual(obs.bases, built.bases.slice(0, 3));
      sameBatches(obs.batches, built.batches.filter((b) => b.baseOffset < bad), 'everything before the damaged batch');
    },
    true,
  );
});

test(
  'a flipped byte in an older segment below the recovery point is never served',
  async () => {
    for (const end of ['crash', 'shutdown'] as const) {
      const built = await buildLog(end, { checkpoint: true });
      const { baseOffset: bad } = await flipByteInBatch(built.fs, built.bases[1]!, 1);
      const mgr = await startManager(built.fs, built.clock, SETTINGS);
      const log = mgr.getLog(TOPIC, 0)!;
      for (const maxBytes of [1, 1 << 20]) {
        for (const from of [bad, built.bases[1]!]) {
          let bytes: Buffer;
          try {
            bytes = (await log.read(from, { maxBytes })).records;
          } catch (e) {
            assert.match((e as Error).message, new RegExp(segmentFileName(built.bases[1]!, '.log')), `${end}: the error names the file`);
            continue;
          }
          // Served: then only valid batches (decodeBatches checks every CRC).
          decodeBatches(bytes, `${end}: read(${from}, ${maxBytes})`);
        }
      }
      await mgr.shutdown();
    }
  },
);

test('a .log cut in the middle of a batch in an inactive segment: nothing partial is served, the batches before the cut are intact', async () => {
  for (const end of ['crash', 'shutdown'] as const) {
    const built = await buildLog(end, { checkpoint: true });
    const base = built.bases[2]!;
    const path = segPath(base, '.log');
    const positions = batchPositions(await built.fs.readFile(path));
    const cutBatch = positions[1]!;
    await rewrite(built.fs, path, (old) => old.subarray(0, cutBatch.position + 30));
    const nextBase = built.bases[3]!;
    let first: StoredBatch[] | null = null;
    for (const round of [1, 2]) {
      const mgr = await startManager(built.fs, built.clock, SETTINGS);
      const log = mgr.getLog(TOPIC, 0)!;
      // What the engine does (as Kafka): the lost offsets are a hole that reads step over to the
      // next segment; every read is whole valid batches.
      const r = await log.read(cutBatch.baseOffset, { maxBytes: 1 << 20 });
      const got = decodeBatches(r.records, `${end}: read(${cutBatch.baseOffset})`);
      assert.ok(got.length > 0 && got[0]!.baseOffset >= nextBase, `${end}: read in the hole starts at ${got[0]?.baseOffset}`);
      const before = decodeBatches((await log.read(base, { maxBytes: 1 << 20 })).records, `${end}: read(${base})`);
      sameBatches(before, built.batches.filter((b) => b.baseOffset >= base && b.baseOffset < cutBatch.baseOffset), `${end}: the batches before the cut`);
      const whole: StoredBatch[] = [];
      for (let off = log.logStartOffset; off < log.logEndOffset; ) {
        const bs = decodeBatches((await log.read(off, { maxBytes: 1 << 20 })).records, `${end}: read(${off})`);
        whole.push(...bs);
        off = bs[bs.length - 1]!.lastOffset + 1;
      }
      sameBatches(whole, built.batches.filter((b) => b.baseOffset < cutBatch.baseOffset || b.baseOffset >= nextBase), `${end}: the log around the hole`);
      if (first !== null) assert.deepEqual(whole, first, `${end}: the second start differs`);
      first = whole;
      await mgr.shutdown();
    }
  }
});

// ---------------------------------------------------------------- indexes

async function checkTimestamps(log: PartitionLog, built: Built, what: string): Promise<void> {
  const records = built.batches.flatMap((b) => b.timestamps.map((timestamp, i) => ({ offset: b.baseOffset + i, timestamp })));
  for (const ts of [0, 1_000_000, 1_000_015, 1_000_950, 1_001_020, 1_002_555, 1_003_900, 1_003_921, 9_999_999]) {
    const want = records.find((r) => r.timestamp >= ts && r.offset >= log.logStartOffset) ?? null;
    const got = await log.offsetForTimestamp(ts);
    assert.deepEqual(got === null ? null : { offset: got.offset, timestamp: got.timestamp }, want, `${what}: offsetForTimestamp(${ts})`);
  }
}

for (const kind of ['inactive', 'active'] as const) {
  for (const damage of ['cut to 13 bytes', 'cut to 0 bytes', 'last entry dropped', 'missing'] as const) {
    test(`a .index of the ${kind} segment ${damage}: reads stay correct and the index is rebuilt when bad`, async () => {
      const built = await buildLog('shutdown');
      const base = kind === 'active' ? built.bases[built.bases.length - 1]! : built.bases[2]!;
      const path = segPath(base, '.index');
      const original = await built.fs.readFile(path);
      assert.ok(original.length >= 16, `index of ${base} has ${original.length} bytes`);
      if (damage === 'missing') {
        await built.fs.unlink(path);
        await built.fs.syncDir(PART_DIR);
      } else {
        await rewrite(built.fs, path, (old) => old.subarray(0, damage === 'cut to 13 bytes' ? 13 : damage === 'cut to 0 bytes' ? 0 : old.length - 8));
      }
      await startTwice(built, async (_log, obs) => {
        sameBatches(obs.batches, built.batches, 'every batch');
        const now = built.fs.fileContent(path);
        assert.ok(now !== null, 'the index file exists again');
        assert.equal(now.length % 8, 0, `the index has ${now.length} bytes`);
        if (damage === 'cut to 13 bytes' || damage === 'missing') assert.deepEqual(now, original, 'the index is rebuilt as it was');
      });
    });
  }
}

for (const garbage of ['0xff x 36', '37 random bytes', 'text']) {
  test(`garbage in a .timeindex (${garbage}): offsetForTimestamp stays correct and the time index is rebuilt`, async () => {
    const built = await buildLog('shutdown');
    const base = built.bases[2]!;
    const path = segPath(base, '.timeindex');
    const original = await built.fs.readFile(path);
    const bytes =
      garbage === '0xff x 36'
        ? Buffer.alloc(36, 0xff)
        : garbage === 'text'
          ? Buffer.from('this is not a time index at all, no!') // 36 bytes: 3 "entries"
          : Buffer.from(Array.from({ length: 37 }, (_, i) => (i * 97 + 13) & 0xff));
    await rewrite(built.fs, path, () => bytes);
    await startTwice(built, async (log) => {
      await checkTimestamps(log, built, garbage);
      const now = built.fs.fileContent(path);
      assert.deepEqual(now, original, 'the time index is rebuilt as it was');
    });
  });
}

test('a missing .timeindex: offsetForTimestamp stays correct and the file is rebuilt', async () => {
  const built = await buildLog('shutdown');
  const path = segPath(built.bases[3]!, '.timeindex');
  const original = await built.fs.readFile(path);
  await built.fs.unlink(path);
  await built.fs.syncDir(PART_DIR);
  await startTwice(built, async (log) => {
    await checkTimestamps(log, built, 'missing');
    assert.deepEqual(built.fs.fileContent(path), original);
  });
});

// ---------------------------------------------------------------- checkpoints

const GARBAGE = Buffer.from('\u0000\u0013garbage\nnot a checkpoint\n');

for (const end of ['crash', 'shutdown'] as const) {
  test(`garbage in recovery-point-offset-checkpoint (${end}): the log opens (recovery point 0, as Kafka) with everything in it`, async () => {
    const built = await buildLog(end, { checkpoint: true });
    await rewrite(built.fs, `${LOG_DIR}/${RECOVERY_POINT_CHECKPOINT}`, () => GARBAGE);
    await startTwice(built, async (_log, obs) => {
      sameBatches(obs.batches, built.batches, 'every batch');
    });
  });

  test(`garbage in log-start-offset-checkpoint (${end}): the log opens with its first segment's base as the log start (as Kafka)`, async () => {
    const built = await buildLog(end, { checkpoint: true, deleteRecordsTo: 7 });
    await rewrite(built.fs, `${LOG_DIR}/${LOG_START_OFFSET_CHECKPOINT}`, () => GARBAGE);
    let round = 0;
    await startTwice(built, async (log, obs) => {
      round++;
      assert.equal(log.logStartOffset, built.bases[0], `start ${round}`);
      assert.equal(obs.end, built.batches[built.batches.length - 1]!.lastOffset + 1);
    });
  });
}

test('garbage in leader-epoch-checkpoint: startup fails naming the file, or the log opens with the right epochs; the same both times', async () => {
  const built = await buildLog('shutdown');
  const path = `${PART_DIR}/${LEADER_EPOCH_CHECKPOINT}`;
  await rewrite(built.fs, path, () => GARBAGE);
  const outcomes: string[] = [];
  for (let round = 0; round < 2; round++) {
    let mgr: LogManager;
    try {
      mgr = await startManager(built.fs, built.clock, SETTINGS);
    } catch (e) {
      assert.match((e as Error).message, /leader-epoch-checkpoint/, 'the error names the file');
      assert.match((e as Error).message, new RegExp(`${TOPIC}-0`), 'the error names the partition dir');
      outcomes.push(`failed: ${(e as Error).message}`);
      continue;
    }
    const log = mgr.getLog(TOPIC, 0)!;
    for (const b of built.batches) assert.equal(log.leaderEpochCache.epochForOffset(b.baseOffset), b.leaderEpoch, `epoch of batch ${b.baseOffset}`);
    sameBatches((await observe(log, 'epochs')).batches, built.batches, 'every batch');
    outcomes.push('opened');
    await mgr.shutdown();
  }
  assert.equal(outcomes.length, 2);
  assert.equal(outcomes[0]!.split(':')[0], outcomes[1]!.split(':')[0], `${outcomes.join(' / ')}`);
});

test(
  'an .index that passes its sanity check but points inside batches: reads return the right batches or fail naming the file',
  async () => {
    const built = await buildLog('shutdown');
    const base = built.bases[2]!;
    const path = segPath(base, '.index');
    // Every entry's position moved 7 bytes into its batch: still increasing, still inside the file.
    await rewrite(built.fs, path, (old) => {
      const copy = Buffer.from(old);
      for (let at = 0; at < copy.length; at += 8) copy.writeInt32BE(copy.readInt32BE(at + 4) + 7, at + 4);
      return copy;
    });
    const mgr = await startManager(built.fs, built.clock, SETTINGS);
    const log = mgr.getLog(TOPIC, 0)!;
    const problems: string[] = [];
    for (const b of built.batches.filter((x) => x.baseOffset >= base && x.baseOffset < built.bases[3]!)) {
      try {
        const got = decodeBatches((await log.read(b.lastOffset, { maxBytes: 1 })).records, `read(${b.lastOffset})`);
        if (got[0]?.baseOffset !== b.baseOffset) problems.push(`read(${b.lastOffset}) returned the batch at ${got[0]?.baseOffset}`);
      } catch (e) {
        if (!(e as Error).message.includes(segmentFileName(base, ''))) problems.push(`read(${b.lastOffset}) failed: ${(e as Error).message}`);
      }
    }
    await mgr.shutdown();
    assert.deepEqual(problems, []);
  },
);

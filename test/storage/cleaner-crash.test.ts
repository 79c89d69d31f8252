/**
 * Crash safety of the log cleaner: a power loss after every file-system operation of a cleaning
 * (SimulatedFileSystem.crashAfter(n), with torn unsynced writes), then a restart. After each:
 * - no `.cleaned` or `.swap` file is left, the log end is unchanged;
 * - every record read is the original record at its offset, offsets strictly increase, batches
 *   are whole and valid;
 * - the latest record of every key is there;
 * - each region of the log is either as it was or as the cleaning made it (never records of
 *   both: the surviving records are the old set or a subset of it that still holds every key's
 *   latest);
 * - a cleaning after the restart completes and leaves exactly one record per key.
 * Crash points where the swap had committed (a `.swap` file on disk) are also crashed again at
 * every operation of the recovery itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { SimulatedCrash, SimulatedFileSystem, seededRandom } from '../../src/storage/sim-fs.js';
import type { LogSettings } from '../../src/storage/log-settings.js';
import { LOG_DIR, TestClock } from '../support/storage.js';
import { kvBatch, latestByKey, readLog, recordsOf, startCompactingManager, type KV, type LogRecord } from '../support/compaction.js';

const T = 't';
const PARTITION_DIR = `${LOG_DIR}/t-0`;
/** The log is written with small segments... */
const WRITE_SETTINGS: Partial<LogSettings> = { segmentBytes: 450, indexIntervalBytes: 64, deleteRetentionMs: 3_600_000 };
/** ...and cleaned with larger ones, so that groups of several segments form. */
const SETTINGS: Partial<LogSettings> = { ...WRITE_SETTINGS, segmentBytes: 900 };

interface Prepared {
  sim: SimulatedFileSystem;
  clock: TestClock;
  before: LogRecord[];
  logEnd: number;
  uncleanable: number;
}

/**
 * A compacted log, cleaned once already, with new dirty segments and tombstones; shut down
 * cleanly. Deterministic. The second round supersedes every record of one segment that the first
 * cleaning kept (and one record of the segment before it), so that a cleaned segment would end
 * before the last segment it replaces unless its group's last batch stays, and a recovery that
 * kept that segment would show a mix of old and new.
 */
async function prepare(): Promise<Prepared> {
  const sim = new SimulatedFileSystem({ seed: 11 });
  const clock = new TestClock();
  const mgr = await startCompactingManager(sim, clock, WRITE_SETTINGS);
  const log = await mgr.getOrCreateLog(T, 0);
  const put = async (entries: KV[]): Promise<void> => {
    await (await log.append([kvBatch(entries, clock.now)], { leaderEpoch: 1, nowMs: clock.now })).durable;
  };
  for (let b = 0; b < 16; b++) await put([0, 1, 2].map((j): KV => [`k${(b * 3 + j) % 21}`, `a${b}.${j}`]));
  await log.roll(clock.now);
  assert.equal((await mgr.runCleaner())?.outcome, 'cleaned');
  clock.advance(1000);
  const second = [15, 16, 17, 18, 19, 20, 0, 1, 2, 3, 4, 5, 6];
  for (let b = 0; b < 12; b++) await put([0, 1].map((j): KV => [`k${second[(b * 2 + j) % 13]}`, (b + j) % 5 === 0 ? null : `b${b}.${j}`]));
  await log.roll(clock.now);
  await put([['k0', 'active']]);
  const before = recordsOf(await readLog(log));
  const logEnd = log.logEndOffset;
  const uncleanable = log.segmentBaseOffsets.at(-1)!;
  await mgr.shutdown();
  return { sim, clock, before, logEnd, uncleanable };
}

/** What an uninterrupted cleaning of the prepared log makes: its records, and the offset range each cleaned segment covers. */
interface Cleaned {
  records: LogRecord[];
  ranges: { start: number; end: number }[];
}

/** The invariants after a restart (see the header). */
async function checkAfterRestart(p: Prepared, cleaned: Cleaned, what: string): Promise<void> {
  const mgr = await startCompactingManager(p.sim, p.clock, SETTINGS);
  const log = mgr.getLog(T, 0)!;
  const names = await p.sim.readdir(PARTITION_DIR);
  assert.ok(!names.some((n) => n.endsWith('.cleaned') || n.endsWith('.swap')), `${what}: leftovers ${names.join(' ')}`);
  assert.equal(log.logEndOffset, p.logEnd, what);
  const after = recordsOf(await readLog(log));
  const byOffset = new Map(p.before.map((r) => [r.offset, r]));
  for (const r of after) assert.deepEqual(r, byOffset.get(r.offset), `${what}: record at ${r.offset}`);
  const latest = latestByKey(p.before);
  for (const [key, r] of latest) assert.ok(after.some((a) => a.offset === r.offset), `${what}: latest of ${key} (offset ${r.offset}) lost`);
  // Each cleaned segment's range holds the old records or the cleaned ones, never a mix.
  const inRange = (records: readonly LogRecord[], start: number, end: number): LogRecord[] => records.filter((r) => r.offset >= start && r.offset < end);
  for (const { start, end } of cleaned.ranges) {
    const got = inRange(after, start, end);
    const old = inRange(p.before, start, end);
    const now = inRange(cleaned.records, start, end);
    assert.ok(isDeepStrictEqual(got, old) || isDeepStrictEqual(got, now), `${what}: [${start}, ${end}) is neither old nor cleaned`);
  }
  // A new cleaning finishes the job: one record per key below the uncleanable point.
  let guard = 0;
  while ((await mgr.runCleaner()) !== null) assert.ok(++guard < 20, `${what}: cleaning does not settle`);
  const final = recordsOf(await readLog(log));
  const expected = [...latestByKey(p.before.filter((r) => r.offset < p.uncleanable)).values()].map((r) => r.offset).sort((a, b) => a - b);
  assert.deepEqual(final.filter((r) => r.offset < p.uncleanable).map((r) => r.offset), expected, `${what}: final cleaning`);
  assert.deepEqual(final.filter((r) => r.offset >= p.uncleanable), p.before.filter((r) => r.offset >= p.uncleanable), what);
  await mgr.shutdown();
}

/** Runs an uninterrupted cleaning of the prepared log through a counting view: operations at start, in total, and the result. */
async function probe(): Promise<{ startOps: number; totalOps: number; cleaned: Cleaned; swaps: number }> {
  const p = await prepare();
  const counting = p.sim.crashAfter(Number.MAX_SAFE_INTEGER);
  const mgr = await startCompactingManager(counting, p.clock, SETTINGS);
  const startOps = counting.operations;
  const result = await mgr.runCleaner();
  assert.equal(result?.outcome, 'cleaned');
  const totalOps = counting.operations;
  const log = mgr.getLog(T, 0)!;
  const records = recordsOf(await readLog(log));
  const bases = log.segmentBaseOffsets.filter((b) => b < p.uncleanable);
  const ranges = bases.map((start, i) => ({ start, end: bases[i + 1] ?? p.uncleanable }));
  return { startOps, totalOps, cleaned: { records, ranges }, swaps: result.segmentsSwapped };
}

/** Starts a manager through `view` and runs one cleaning; swallows the simulated crash. */
async function cleanThrough(p: Prepared, view: ReturnType<SimulatedFileSystem['crashAfter']>): Promise<void> {
  try {
    const mgr = await startCompactingManager(view, p.clock, SETTINGS);
    await mgr.runCleaner();
  } catch (err) {
    if (!(err instanceof SimulatedCrash)) throw err;
  }
}

test('a crash at any file-system operation of a cleaning leaves the old or the new content, never a loss', async () => {
  const { startOps, totalOps, cleaned, swaps } = await probe();
  assert.ok(swaps >= 2, `swaps: ${swaps}`);
  assert.ok(cleaned.ranges.length >= 2);
  assert.ok(totalOps - startOps > 50, `${totalOps - startOps} operations`);

  let swapsSeen = 0;
  for (let n = startOps; n < totalOps; n++) {
    const p = await prepare();
    const view = p.sim.crashAfter(n, { tearProbability: 0.5, rng: seededRandom(n) });
    await cleanThrough(p, view);
    assert.ok(view.crashed, `crash point ${n}`);
    if ((await p.sim.readdir(PARTITION_DIR)).some((name) => name.endsWith('.log.swap'))) swapsSeen++;
    await checkAfterRestart(p, cleaned, `crash after ${n} of ${totalOps} operations`);
  }
  assert.ok(swapsSeen > 0, 'some crash points fell between the commit and the end of a swap');
});

test('a crash during the recovery of a committed swap is recovered the same way', async () => {
  const { startOps, totalOps, cleaned } = await probe();
  let tested = 0;
  for (let n = startOps; n < totalOps && tested < 3; n++) {
    const p = await prepare();
    await cleanThrough(p, p.sim.crashAfter(n));
    if (!(await p.sim.readdir(PARTITION_DIR)).some((name) => name.endsWith('.log.swap'))) continue;
    tested++;
    // Count the operations of the recovering start, then crash at each of them.
    const recounting = p.sim.crashAfter(Number.MAX_SAFE_INTEGER);
    await startCompactingManager(recounting, p.clock, SETTINGS);
    const recoveryOps = recounting.operations;
    for (let m = 0; m < recoveryOps; m++) {
      const q = await prepare();
      await cleanThrough(q, q.sim.crashAfter(n));
      const view = q.sim.crashAfter(m, { tearProbability: 0.5, rng: seededRandom(1000 + m) });
      try {
        await startCompactingManager(view, q.clock, SETTINGS);
      } catch (err) {
        if (!(err instanceof SimulatedCrash)) throw err;
      }
      await checkAfterRestart(q, cleaned, `crash after ${n}, then after ${m} operations of the recovery`);
    }
  }
  assert.ok(tested > 0);
});

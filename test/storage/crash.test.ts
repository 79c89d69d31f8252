/**
 * Crash tests on the simulated file system from many seeds; the simulation and its checks are in
 * test/support/crash-sim.ts. TRIBUTARY_CRASH_SEED=<n> runs one seed (failures print theirs).
 *
 * The seeds run in a worker thread: the test runner's async hooks (installed in this thread)
 * roughly double the cost of the simulation's millions of promises.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { runSeed, type SeedStats } from '../support/crash-sim.js';
import { SimulatedFileSystem } from '../../src/storage/sim-fs.js';
import { CLEAN_SHUTDOWN_MARKER, LEADER_EPOCH_CHECKPOINT, segmentFileName } from '../../src/storage/log-files.js';
import { batchOf, LOG_DIR, startManager, TestClock } from '../support/storage.js';

const SEEDS = 200;

type Outcome = { ok: true; total: SeedStats } | { ok: false; error: string };

async function runSeeds(seeds: readonly number[]): Promise<Outcome> {
  const total: SeedStats = { steps: 0, crashes: 0, budgetCrashes: 0, cleanRestarts: 0, appends: 0, lostUnacked: 0, survivedUnacked: 0 };
  try {
    for (const seed of seeds) {
      const s = await runSeed(seed);
      for (const k of Object.keys(total) as (keyof SeedStats)[]) total[k] += s[k];
    }
    return { ok: true, total };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
}

if (!isMainThread) {
  parentPort!.postMessage(await runSeeds(workerData as number[]));
} else {
  test(`crash at random points (${SEEDS} seeds): acknowledged batches survive, nothing partial is served, offsets continue`, async (t) => {
    const only = process.env['TRIBUTARY_CRASH_SEED'];
    const seeds = only !== undefined ? [Number(only)] : Array.from({ length: SEEDS }, (_, i) => i + 1);
    const worker = new Worker(new URL(import.meta.url), { workerData: seeds });
    const outcome = await new Promise<Outcome>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`crash simulation worker exited with ${code} before answering`)));
    });
    await worker.terminate();
    if (!outcome.ok) assert.fail(outcome.error);
    if (only !== undefined) return;
    // The run exercised what it claims to: power cuts between and inside operations, losses of
    // unacknowledged batches, and unacknowledged batches that made it anyway.
    const { total } = outcome;
    const summary = JSON.stringify(total);
    t.diagnostic(summary);
    assert.ok(total.crashes > SEEDS, summary);
    assert.ok(total.budgetCrashes > SEEDS, summary);
    assert.ok(total.lostUnacked > SEEDS, summary);
    assert.ok(total.survivedUnacked > 10, summary);
  });

  // ---- single cases the simulation found ----

  test('an append still waiting for its fdatasync when the next append rolls the segment (or the log closes) is acknowledged, not failed (was: EBADF)', async () => {
    const fs = new SimulatedFileSystem();
    const clock = new TestClock();
    const mgr = await startManager(fs, clock, { segmentBytes: 300 });
    const log = await mgr.getOrCreateLog('t', 0);
    const a = await log.append([batchOf('a', 3, clock.now, 40)], { leaderEpoch: 0, nowMs: clock.now });
    const b = await log.append([batchOf('b', 3, clock.now, 40)], { leaderEpoch: 0, nowMs: clock.now });
    assert.equal(log.segmentCount, 2, 'the second append rolled');
    const c = await log.append([batchOf('c', 1, clock.now)], { leaderEpoch: 0, nowMs: clock.now });
    const closing = mgr.shutdown();
    await Promise.all([a.durable, b.durable, c.durable, closing]);
  });

  test('recovery puts the epoch of a batch that reached the disk before the leader epoch checkpoint into the cache (was: missing)', async () => {
    const fs = new SimulatedFileSystem();
    const clock = new TestClock();
    let mgr = await startManager(fs, clock);
    let log = await mgr.getOrCreateLog('t', 0);
    await (await log.append([batchOf('a', 2, clock.now)], { leaderEpoch: 3, nowMs: clock.now })).durable;
    await mgr.shutdown();
    // A batch of epoch 7 at offset 2 made it to the .log, the checkpoint naming epoch 7 did not;
    // and the shutdown was not clean.
    const batch = batchOf('b', 2, clock.now);
    batch.baseOffset = 2;
    batch.partitionLeaderEpoch = 7;
    const path = `${LOG_DIR}/t-0/${segmentFileName(0, '.log')}`;
    const h = await fs.open(path, 'r+');
    await h.writev([batch.bytes], await h.size());
    await h.datasync();
    await h.close();
    await fs.unlink(`${LOG_DIR}/${CLEAN_SHUTDOWN_MARKER}`);
    await fs.syncDir(LOG_DIR);
    mgr = await startManager(fs, clock);
    log = mgr.getLog('t', 0)!;
    assert.equal(log.logEndOffset, 4);
    assert.deepEqual(log.leaderEpochCache.all, [{ epoch: 3, startOffset: 0 }, { epoch: 7, startOffset: 2 }]);
    assert.match((await fs.readFile(`${LOG_DIR}/t-0/${LEADER_EPOCH_CHECKPOINT}`)).toString(), /^0\n2\n3 0\n7 2\n$/);
    await mgr.shutdown();
  });
}

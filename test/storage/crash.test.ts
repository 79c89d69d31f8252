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
  test(`crash at random points (${SEEDS} seeds): acknowledged batches survive, nothing partial is served, offsets continue`, async () => {
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
    assert.ok(total.crashes > SEEDS, summary);
    assert.ok(total.budgetCrashes > SEEDS, summary);
    assert.ok(total.lostUnacked > SEEDS, summary);
    assert.ok(total.survivedUnacked > 10, summary);
  });
}

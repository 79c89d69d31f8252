/** The periodic tasks run on their intervals, never overlap, and survive failures. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimulatedFileSystem } from '../../src/storage/sim-fs.js';
import { LogScheduler } from '../../src/storage/log-scheduler.js';
import { batchOf, startManager, TestClock } from '../support/storage.js';

test('retention runs on its interval; a failing extra task is reported and retried', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock();
  const mgr = await startManager(fs, clock, { segmentBytes: 300, retentionMs: 1000, fileDeleteDelayMs: 0 });
  const log = await mgr.getOrCreateLog('t', 0);
  for (let i = 0; i < 6; i++) await (await log.append([batchOf(`v${i}`, 2, clock.now, 50)], { leaderEpoch: 0, nowMs: clock.now })).durable;
  clock.advance(5000);
  const errors: string[] = [];
  let attempts = 0;
  const scheduler = new LogScheduler(mgr, {
    retentionCheckIntervalMs: 5,
    flushSchedulerIntervalMs: 5,
    checkpointIntervalMs: 5,
    deleteCheckIntervalMs: 5,
    extraTasks: [{ name: 'flaky', intervalMs: 5, run: async () => { attempts++; throw new Error('boom'); } }],
    onError: (task) => errors.push(task),
  });
  scheduler.start();
  for (let i = 0; i < 100 && (log.logStartOffset === 0 || attempts < 2); i++) await sleep(5);
  await scheduler.stop();
  assert.ok(log.logStartOffset > 0, 'retention ran');
  assert.ok(attempts >= 2 && errors.every((e) => e === 'flaky'));
  await mgr.shutdown();
});

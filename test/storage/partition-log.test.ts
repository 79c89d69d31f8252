/** The partition log over the simulated file system: append, read, roll, restart, retention. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedFileSystem } from '../../src/storage/sim-fs.js';
import { OffsetOutOfRangeError } from '../../src/storage/log-errors.js';
import { batchOf, LOG_DIR, recordsIn, startManager, TestClock } from '../support/storage.js';

test('append assigns offsets in place and reads return whole batches', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock();
  const mgr = await startManager(fs, clock);
  const log = await mgr.getOrCreateLog('t', 0, { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' });
  const r1 = await log.append([batchOf('a', 3, clock.now)], { leaderEpoch: 5, nowMs: clock.now });
  await r1.durable;
  const r2 = await log.append([batchOf('b', 2, clock.now), batchOf('c', 4, clock.now)], { leaderEpoch: 5, nowMs: clock.now });
  await r2.durable;
  assert.deepEqual([r1.firstOffset, r1.lastOffset, r2.firstOffset, r2.lastOffset], [0, 2, 3, 8]);
  assert.equal(log.logEndOffset, 9);

  const all = recordsIn((await log.read(0, { maxBytes: 1 << 20 })).records);
  assert.deepEqual(all.map((r) => r.offset), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(all.map((r) => r.value).slice(3, 6), ['b-0', 'b-1', 'c-0']);

  // A read in the middle of a batch returns that whole batch (consumers skip what they passed).
  const mid = await log.read(6, { maxBytes: 1 << 20 });
  assert.equal(mid.firstBatchOffset, 5);
  assert.deepEqual(recordsIn(mid.records).map((r) => r.offset), [5, 6, 7, 8]);

  // The upper bound (high watermark) cuts at whole batches.
  assert.deepEqual(recordsIn((await log.read(0, { maxBytes: 1 << 20, upperBound: 5 })).records).map((r) => r.offset), [0, 1, 2, 3, 4]);
  assert.equal((await log.read(5, { maxBytes: 1 << 20, upperBound: 5 })).records.length, 0);
  // maxBytes smaller than the first batch still returns it (KIP-74), but not when told not to.
  assert.equal(recordsIn((await log.read(0, { maxBytes: 10 })).records).length, 3);
  assert.equal((await log.read(0, { maxBytes: 10, minOneBatch: false })).records.length, 0);
  assert.equal((await log.read(9, { maxBytes: 100 })).records.length, 0);
  await assert.rejects(log.read(10, { maxBytes: 100 }), OffsetOutOfRangeError);
  assert.deepEqual(log.leaderEpochCache.all, [{ epoch: 5, startOffset: 0 }]);
  await mgr.shutdown();
});

test('segments roll on segment.bytes, and reads cross them', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock();
  const mgr = await startManager(fs, clock, { segmentBytes: 1000, indexIntervalBytes: 100 });
  const log = await mgr.getOrCreateLog('t', 0);
  for (let i = 0; i < 30; i++) await (await log.append([batchOf(`v${i}`, 5, clock.now, 20)], { leaderEpoch: 0, nowMs: clock.now })).durable;
  assert.ok(log.segmentCount > 5, `segments: ${log.segmentCount}`);
  const bases = log.segmentBaseOffsets;
  for (let off = 0; off < 150; off += 7) {
    const r = await log.read(off, { maxBytes: 300 });
    const recs = recordsIn(r.records);
    assert.ok(recs[0]!.offset <= off && recs.some((x) => x.offset === off), `offset ${off}`);
  }
  const files = await fs.readdir(`${LOG_DIR}/t-0`);
  for (const base of bases) {
    const name = String(base).padStart(20, '0');
    assert.ok(files.includes(`${name}.log`) && files.includes(`${name}.index`) && files.includes(`${name}.timeindex`), name);
  }
  await mgr.shutdown();
});

test('a clean restart resumes at the log end; an unclean one recovers and loses nothing flushed', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock();
  let mgr = await startManager(fs, clock, { segmentBytes: 4000, indexIntervalBytes: 200 });
  let log = await mgr.getOrCreateLog('t', 0);
  for (let i = 0; i < 20; i++) await (await log.append([batchOf(`v${i}`, 4, clock.now, 30)], { leaderEpoch: 1, nowMs: clock.now })).durable;
  await mgr.shutdown();

  mgr = await startManager(fs, clock, { segmentBytes: 4000, indexIntervalBytes: 200 });
  log = mgr.getLog('t', 0)!;
  assert.equal(log.logEndOffset, 80);
  assert.equal(log.recovery.scannedSegments, 0);
  await (await log.append([batchOf('after', 2, clock.now)], { leaderEpoch: 2, nowMs: clock.now })).durable;
  // An append that is written but never flushed, then power loss.
  const pending = await log.append([batchOf('lost', 2, clock.now)], { leaderEpoch: 2, nowMs: clock.now });
  fs.crash();
  pending.durable.catch(() => undefined);

  mgr = await startManager(fs, clock, { segmentBytes: 4000, indexIntervalBytes: 200 });
  log = mgr.getLog('t', 0)!;
  assert.ok(log.recovery.scannedSegments >= 1);
  assert.equal(log.logEndOffset, 82);
  const recs = recordsIn((await log.read(80, { maxBytes: 1 << 20 })).records);
  assert.deepEqual(recs.map((r) => r.value), ['after-0', 'after-1']);
  assert.deepEqual(log.leaderEpochCache.all, [{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 80 }]);
  // Offsets continue without gaps or reuse.
  const next = await log.append([batchOf('next', 1, clock.now)], { leaderEpoch: 2, nowMs: clock.now });
  assert.equal(next.firstOffset, 82);
  await mgr.shutdown();
});

test('group commit: concurrent appends across partitions share fdatasyncs', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock();
  const mgr = await startManager(fs, clock);
  const logs = await Promise.all([0, 1, 2, 3].map((p) => mgr.getOrCreateLog('t', p)));
  // First appends record each log's leader epoch (a checkpoint file write of its own).
  await Promise.all(logs.map(async (l) => (await l.append([batchOf('first', 1, clock.now)], { leaderEpoch: 0, nowMs: clock.now })).durable));
  const before = fs.datasyncCount;
  const stats = { ...mgr.flusher.stats };
  const results = await Promise.all(
    Array.from({ length: 200 }, (_, i) => logs[i % 4]!.append([batchOf(`x${i}`, 1, clock.now)], { leaderEpoch: 0, nowMs: clock.now })),
  );
  await Promise.all(results.map((r) => r.durable));
  const syncs = fs.datasyncCount - before;
  assert.equal(syncs, mgr.flusher.stats.syncs - stats.syncs, 'every fdatasync came from the flusher');
  assert.equal(mgr.flusher.stats.requests - stats.requests, 200);
  assert.ok(syncs < 50, `200 appends took ${syncs} fdatasyncs`);
  await mgr.shutdown();
});

test('relaxed durability when flush.messages is set: acks do not wait, flushes every N messages', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock();
  const mgr = await startManager(fs, clock, { flushMessages: 10 });
  const log = await mgr.getOrCreateLog('t', 0);
  await (await log.append([batchOf('r', 10, clock.now)], { leaderEpoch: 0, nowMs: clock.now })).durable;
  await mgr.flusher.idle();
  const before = fs.datasyncCount;
  for (let i = 0; i < 9; i++) await (await log.append([batchOf('r', 1, clock.now)], { leaderEpoch: 0, nowMs: clock.now })).durable;
  await mgr.flusher.idle();
  assert.equal(fs.datasyncCount, before);
  await (await log.append([batchOf('r', 1, clock.now)], { leaderEpoch: 0, nowMs: clock.now })).durable;
  await mgr.flusher.idle();
  assert.equal(fs.datasyncCount, before + 1);
  await mgr.shutdown();
});

test('offset for timestamp, max timestamp, earliest and latest', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock(1000);
  const mgr = await startManager(fs, clock, { segmentBytes: 600, indexIntervalBytes: 50 });
  const log = await mgr.getOrCreateLog('t', 0);
  // Batches at t=1000.., 2000.., ...: record i of batch b has timestamp 1000*(b+1) + i.
  for (let b = 0; b < 10; b++) await (await log.append([batchOf(`b${b}`, 3, 1000 * (b + 1))], { leaderEpoch: 0, nowMs: clock.now })).durable;
  assert.deepEqual(await log.offsetForTimestamp(0), { timestamp: 1000, offset: 0, leaderEpoch: 0 });
  assert.deepEqual(await log.offsetForTimestamp(4001), { timestamp: 4001, offset: 10, leaderEpoch: 0 });
  assert.deepEqual(await log.offsetForTimestamp(4003), { timestamp: 5000, offset: 12, leaderEpoch: 0 });
  assert.equal(await log.offsetForTimestamp(10003), null);
  assert.deepEqual(await log.maxTimestampOffset(), { timestamp: 10002, offset: 29, leaderEpoch: 0 });
  assert.equal(log.logStartOffset, 0);
  assert.equal(log.logEndOffset, 30);
  await mgr.shutdown();
});

test('retention by time, by size and by log start offset; files go .deleted, then away', async () => {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock(1_000_000);
  const mgr = await startManager(fs, clock, { segmentBytes: 500, retentionMs: 60_000, fileDeleteDelayMs: 1000 });
  const log = await mgr.getOrCreateLog('t', 0);
  for (let i = 0; i < 12; i++) {
    await (await log.append([batchOf(`v${i}`, 2, clock.now, 40)], { leaderEpoch: 0, nowMs: clock.now })).durable;
    clock.advance(10_000);
  }
  const segmentsBefore = log.segmentCount;
  // Segments whose newest record is older than 60 s go.
  const deleted = await mgr.runRetention();
  assert.ok(deleted > 0 && deleted < segmentsBefore, `deleted ${deleted} of ${segmentsBefore}`);
  assert.ok(log.logStartOffset > 0);
  const names = await fs.readdir(`${LOG_DIR}/t-0`);
  assert.ok(names.some((n) => n.endsWith('.log.deleted')));
  clock.advance(1000);
  assert.ok((await mgr.runPendingDeletes()) > 0);
  assert.ok(!(await fs.readdir(`${LOG_DIR}/t-0`)).some((n) => n.endsWith('.deleted')));
  await assert.rejects(log.read(0, { maxBytes: 100 }), OffsetOutOfRangeError);

  // DeleteRecords moves the start; retention then removes whole segments below it; it is checkpointed.
  await mgr.advanceLogStartOffset('t', 0, 20);
  assert.equal(log.logStartOffset, 20);
  const cp = (await fs.readFile(`${LOG_DIR}/log-start-offset-checkpoint`)).toString();
  assert.match(cp, /^0\n1\nt 0 20\n$/);
  await mgr.runRetention();
  assert.ok(log.segmentBaseOffsets[0]! <= 20 && log.segmentBaseOffsets[0]! > 0);
  await mgr.shutdown();
});

/**
 * The pure fetch session state machine (replica/fetch-sessions.ts), with a test clock and a
 * seeded id source: contexts, epochs, what an incremental answer lists, fairness order, and the
 * cache's bound and eviction rules (Kafka's FetchSessionCache).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CachedPartition,
  completeFetch,
  dedupePartitions,
  FetchSessionCache,
  FINAL_EPOCH,
  INITIAL_EPOCH,
  INVALID_SESSION_ID,
  newFetchContext,
  nextEpoch,
  type FetchedPartition,
  type PartitionRequest,
} from '../../src/replica/fetch-sessions.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ZERO_UUID } from '../../src/protocol/primitives/types.js';

function seeded(seed = 1): (bound: number) => number {
  let s = seed >>> 0;
  return (bound) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % bound;
  };
}

function cache(maxEntries: number, evictionMs = 1000): FetchSessionCache {
  return new FetchSessionCache({ maxEntries, evictionMs, randomInt: seeded() });
}

function req(topic: string, partition: number, fetchOffset = 0, topicId: string = ZERO_UUID): PartitionRequest {
  return { topic, topicId, partition, fetchOffset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1, lastFetchedEpoch: -1 };
}

function result(target: PartitionRequest, over: Partial<FetchedPartition> = {}): FetchedPartition {
  return { target, errorCode: 0, highWatermark: 10, logStartOffset: 0, recordsBytes: 0, preferredReadReplica: -1, ...over };
}

function partitions(n: number): CachedPartition[] {
  return Array.from({ length: n }, (_, i) => new CachedPartition(req('t', i)));
}

test('nextEpoch wraps to 1 after int32 max and stays final below zero', () => {
  assert.equal(nextEpoch(0), 1);
  assert.equal(nextEpoch(41), 42);
  assert.equal(nextEpoch(2 ** 31 - 1), 1);
  assert.equal(nextEpoch(-1), FINAL_EPOCH);
});

test('dedupePartitions keeps the first position and the last parameters', () => {
  const out = dedupePartitions([req('a', 0, 1), req('b', 0, 2), req('a', 0, 3)]);
  assert.deepEqual(out.map((p) => [p.topic, p.fetchOffset]), [['a', 3], ['b', 2]]);
});

test('contexts: full, sessionless, incremental, and the session errors', () => {
  const c = cache(10);
  const data = [req('t', 0), req('t', 1)];
  const base = { version: 12, isFollower: false, toForget: [], nowMs: 0 };

  const sessionless = newFetchContext(c, { ...base, sessionId: 0, sessionEpoch: FINAL_EPOCH, fetchData: data });
  assert.equal(sessionless.kind, 'sessionless');
  assert.equal(completeFetch(c, sessionless, data.map((t) => result(t)), 0).sessionId, INVALID_SESSION_ID);
  assert.equal(c.size, 0);

  const full = newFetchContext(c, { ...base, sessionId: 0, sessionEpoch: INITIAL_EPOCH, fetchData: data });
  assert.equal(full.kind, 'full');
  const created = completeFetch(c, full, data.map((t) => result(t)), 0);
  assert.notEqual(created.sessionId, 0);
  assert.equal(created.partitions.length, 2);
  const id = created.sessionId;
  assert.equal(c.get(id)?.epoch, 1);
  assert.equal(c.totalPartitions, 2);

  assert.deepEqual(newFetchContext(c, { ...base, sessionId: id + 1, sessionEpoch: 1, fetchData: [] }), { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND });
  assert.deepEqual(newFetchContext(c, { ...base, sessionId: id, sessionEpoch: 2, fetchData: [] }), { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH });
  assert.deepEqual(newFetchContext(c, { ...base, version: 13, sessionId: id, sessionEpoch: 1, fetchData: [] }), { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR });
  assert.equal(c.get(id)?.epoch, 1, 'errors leave the session alone');

  const inc = newFetchContext(c, { ...base, sessionId: id, sessionEpoch: 1, fetchData: [] });
  assert.equal(inc.kind, 'incremental');
  assert.equal(c.get(id)?.epoch, 2);
  // Nothing changed: nothing listed.
  const quiet = completeFetch(c, inc, data.map((t) => result(t)), 0);
  assert.deepEqual(quiet, { errorCode: 0, sessionId: id, partitions: [] });

  // A full fetch naming the session closes it (epoch 0 makes a new one, -1 does not).
  const again = newFetchContext(c, { ...base, sessionId: id, sessionEpoch: INITIAL_EPOCH, fetchData: data });
  assert.equal(c.get(id), undefined);
  const id2 = completeFetch(c, again, data.map((t) => result(t)), 0).sessionId;
  assert.ok(id2 !== 0 && id2 !== id);
  newFetchContext(c, { ...base, sessionId: id2, sessionEpoch: FINAL_EPOCH, fetchData: data });
  assert.equal(c.size, 0);
});

test('incremental answers list records, changed offsets and errors; records move a partition to the end', () => {
  const c = cache(10);
  const [a, b, x] = [req('t', 0), req('t', 1), req('u', 0)];
  const base = { version: 12, isFollower: false, nowMs: 0 };
  const full = newFetchContext(c, { ...base, sessionId: 0, sessionEpoch: 0, fetchData: [a, b], toForget: [] });
  const id = completeFetch(c, full, [result(a), result(b)], 0).sessionId;
  const session = c.get(id)!;

  // Add x, update a's offset.
  let ctx = newFetchContext(c, { ...base, sessionId: id, sessionEpoch: 1, fetchData: [x, req('t', 0, 5)], toForget: [] });
  assert.equal(ctx.kind, 'incremental');
  if (ctx.kind !== 'incremental') return;
  assert.deepEqual(ctx.partitions.map((p) => [p.topic, p.partition, p.fetchOffset]), [['t', 0, 5], ['t', 1, 0], ['u', 0, 0]]);
  let answer = completeFetch(c, ctx, [result(ctx.partitions[0]!, { recordsBytes: 100, highWatermark: 11 }), result(ctx.partitions[1]!), result(ctx.partitions[2]!)], 0);
  // a: records and hw; b: unchanged; x: new (hw never sent).
  assert.deepEqual(answer.partitions.map((p) => `${p.target.topic}-${p.target.partition}`), ['t-0', 'u-0']);
  assert.deepEqual([...session.partitions.values()].map((p) => `${p.topic}-${p.partition}`), ['t-1', 'u-0', 't-0']);

  // log start moves on b; x fails; a unchanged.
  ctx = newFetchContext(c, { ...base, sessionId: id, sessionEpoch: 2, fetchData: [], toForget: [] });
  if (ctx.kind !== 'incremental') return assert.fail(ctx.kind);
  const [pb, px, pa] = ctx.partitions;
  answer = completeFetch(c, ctx, [result(pb!, { logStartOffset: 3 }), result(px!, { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: -1, logStartOffset: -1 }), result(pa!, { highWatermark: 11 })], 0);
  assert.deepEqual(answer.partitions.map((p) => `${p.target.topic}-${p.target.partition}`), ['t-1', 'u-0']);

  // The error is listed every time; once it clears, x is listed again even if hw is back to what it was.
  ctx = newFetchContext(c, { ...base, sessionId: id, sessionEpoch: 3, fetchData: [], toForget: [] });
  if (ctx.kind !== 'incremental') return assert.fail(ctx.kind);
  // Unchanged values for t-0 (hw 11) and t-1 (hw 10, log start 3).
  const steady = (p: PartitionRequest): FetchedPartition => (p.partition === 0 ? result(p, { highWatermark: 11 }) : result(p, { logStartOffset: 3 }));
  const failing = (p: PartitionRequest): FetchedPartition => result(p, { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: -1, logStartOffset: -1 });
  answer = completeFetch(c, ctx, ctx.partitions.map((p) => (p.topic === 'u' ? failing(p) : steady(p))), 0);
  assert.deepEqual(answer.partitions.map((p) => p.target.topic), ['u']);
  ctx = newFetchContext(c, { ...base, sessionId: id, sessionEpoch: 4, fetchData: [], toForget: [] });
  if (ctx.kind !== 'incremental') return assert.fail(ctx.kind);
  answer = completeFetch(c, ctx, ctx.partitions.map((p) => (p.topic === 'u' ? result(p) : steady(p))), 0);
  assert.deepEqual(answer.partitions.map((p) => p.target.topic), ['u']);
  ctx = newFetchContext(c, { ...base, sessionId: id, sessionEpoch: 5, fetchData: [], toForget: [] });
  if (ctx.kind !== 'incremental') return assert.fail(ctx.kind);
  assert.deepEqual(completeFetch(c, ctx, ctx.partitions.map((p) => (p.topic === 'u' ? result(p) : steady(p))), 0).partitions, []);

  // Forgetting everything closes the session and answers as sessionless.
  ctx = newFetchContext(c, { ...base, sessionId: id, sessionEpoch: 6, fetchData: [], toForget: [a, b, x] });
  assert.equal(ctx.kind, 'sessionless');
  assert.equal(c.get(id), undefined);
});

test('a request that overtakes another on the same session makes the older one answer INVALID_FETCH_SESSION_EPOCH', () => {
  const c = cache(10);
  const a = req('t', 0);
  const base = { version: 12, isFollower: false, nowMs: 0, toForget: [] };
  const id = completeFetch(c, newFetchContext(c, { ...base, sessionId: 0, sessionEpoch: 0, fetchData: [a] }), [result(a)], 0).sessionId;
  const first = newFetchContext(c, { ...base, sessionId: id, sessionEpoch: 1, fetchData: [] });
  const second = newFetchContext(c, { ...base, sessionId: id, sessionEpoch: 2, fetchData: [] });
  assert.equal(second.kind, 'incremental');
  assert.deepEqual(completeFetch(c, first, [result(a, { recordsBytes: 5 })], 0), { errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH, sessionId: id, partitions: [] });
  assert.equal(completeFetch(c, second, [result(a, { recordsBytes: 5 })], 0).partitions.length, 1);
});

test('v13+ sessions key partitions by topic id and resolve ids that were unknown', () => {
  const c = cache(10);
  const known = req('t', 0, 0, 'AAAAAAAAAAAAAAAAAAAAAQ');
  const unknown = { ...req('x', 0, 0, 'AAAAAAAAAAAAAAAAAAAAAg'), topic: null };
  const base = { version: 13, isFollower: false, nowMs: 0, toForget: [] };
  const id = completeFetch(c, newFetchContext(c, { ...base, sessionId: 0, sessionEpoch: 0, fetchData: [known, unknown] }), [result(known), result(unknown, { errorCode: ErrorCode.UNKNOWN_TOPIC_ID })], 0).sessionId;
  assert.equal(c.get(id)?.usesTopicIds, true);
  // The same id under another name is the same partition.
  const ctx = newFetchContext(c, { ...base, sessionId: id, sessionEpoch: 1, fetchData: [{ ...known, topic: 'renamed', fetchOffset: 7 }], resolveTopicName: (tid) => (tid === unknown.topicId ? 'x' : undefined) });
  if (ctx.kind !== 'incremental') return assert.fail(ctx.kind);
  assert.equal(ctx.partitions.length, 2);
  assert.equal(ctx.partitions[0]!.fetchOffset, 7);
  assert.equal(ctx.partitions[1]!.topic, 'x');
});

test('cache: bounded; young sessions are not evicted by consumers', () => {
  const c = cache(2, 1000);
  assert.notEqual(c.maybeCreateSession(0, false, false, partitions(1)), 0);
  assert.notEqual(c.maybeCreateSession(10, false, false, partitions(1)), 0);
  assert.equal(c.maybeCreateSession(20, false, false, partitions(5)), INVALID_SESSION_ID);
  assert.equal(c.size, 2);
  assert.equal(cache(0).maybeCreateSession(0, false, false, partitions(1)), INVALID_SESSION_ID);
});

test('cache: the least recently used session is evicted once idle longer than evictionMs', () => {
  const c = cache(2, 1000);
  const a = c.maybeCreateSession(0, false, false, partitions(3));
  const b = c.maybeCreateSession(100, false, false, partitions(3));
  c.touch(c.get(a)!, 500); // b is now the least recently used
  assert.equal(c.maybeCreateSession(1100, false, false, partitions(1)), INVALID_SESSION_ID, 'nobody idle for more than 1000 ms yet');
  const n = c.maybeCreateSession(1101, false, false, partitions(1));
  assert.notEqual(n, 0);
  assert.equal(c.get(b), undefined);
  assert.ok(c.get(a));
  assert.equal(c.evictions, 1);
});

test('cache: sessions older than evictionMs at their last use may be evicted by bigger ones', () => {
  const c = cache(2, 1000);
  const small = c.maybeCreateSession(0, false, false, partitions(2));
  const big = c.maybeCreateSession(0, false, false, partitions(8));
  // Both used after they turned 1000 ms old: now evictable by anyone, smallest first.
  c.touch(c.get(small)!, 1500);
  c.touch(c.get(big)!, 1600);
  assert.equal(c.maybeCreateSession(1700, false, false, partitions(1)), INVALID_SESSION_ID, 'a smaller session cannot evict');
  assert.equal(c.maybeCreateSession(1700, false, false, partitions(2)), INVALID_SESSION_ID, 'nor an equal one (the newcomer compares with id 0)');
  const n = c.maybeCreateSession(1700, false, false, partitions(3));
  assert.notEqual(n, 0, 'a bigger one evicts the smallest');
  assert.equal(c.get(small), undefined);
  assert.ok(c.get(big));
});

test('cache: follower (privileged) sessions evict consumer sessions at any age', () => {
  const c = cache(1, 1000);
  const consumer = c.maybeCreateSession(0, false, false, partitions(50));
  const follower = c.maybeCreateSession(1, true, false, partitions(1));
  assert.notEqual(follower, 0);
  assert.equal(c.get(consumer), undefined);
  // A young follower session is safe from consumers and from other followers.
  assert.equal(c.maybeCreateSession(2, false, false, partitions(100)), 0);
  assert.equal(c.maybeCreateSession(3, true, false, partitions(100)), 0);
});

test('cache: ids are non-zero and unique; totals follow touches and removals', () => {
  const c = new FetchSessionCache({ maxEntries: 100, randomInt: seeded(7) });
  const ids = new Set<number>();
  for (let i = 0; i < 100; i++) ids.add(c.maybeCreateSession(0, false, false, partitions(2)));
  assert.equal(ids.size, 100);
  assert.ok(!ids.has(0));
  assert.equal(c.totalPartitions, 200);
  for (const id of [...ids].slice(0, 50)) c.remove(id);
  assert.equal(c.totalPartitions, 100);
  assert.equal(c.size, 50);
});

/**
 * Fetch sessions (KIP-227) over the wire: raw Fetch requests built with the generated codecs
 * against a real broker, covering the session state machine exactly as Kafka's FetchManager:
 * sessionless / full / incremental fetches, epochs, closing, forgotten and added partitions,
 * what an incremental response lists, fairness order, topic ids (v13+), the cache bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FetchRequest } from '../../src/protocol/generated/messages/FetchRequest.js';
import type { Input } from '../../src/protocol/primitives/types.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { batchOffsets, flatPartitions, startFetchBroker } from '../support/fetch-broker.js';
import { bytes, type WireClient } from '../support/wire-client.js';

interface Part {
  partition: number;
  fetchOffset?: number;
  partitionMaxBytes?: number;
}

/** A consumer Fetch request; topics by name (v <= 12) or by id (v13+). */
function fetchRequest(
  sessionId: number,
  sessionEpoch: number,
  topics: { topic?: string; topicId?: string; partitions: Part[] }[],
  opts: { forgotten?: { topic?: string; topicId?: string; partitions: number[] }[]; maxBytes?: number; maxWaitMs?: number; minBytes?: number } = {},
): Input<FetchRequest> {
  return {
    replicaId: -1,
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: opts.minBytes ?? 1,
    maxBytes: opts.maxBytes ?? 1 << 20,
    isolationLevel: 0,
    sessionId,
    sessionEpoch,
    topics: topics.map((t) => ({
      topic: t.topic ?? '',
      topicId: t.topicId,
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        currentLeaderEpoch: -1,
        fetchOffset: BigInt(p.fetchOffset ?? 0),
        lastFetchedEpoch: -1,
        logStartOffset: -1n,
        partitionMaxBytes: p.partitionMaxBytes ?? 1 << 20,
      })),
    })),
    forgottenTopicsData: (opts.forgotten ?? []).map((f) => ({ topic: f.topic ?? '', topicId: f.topicId, partitions: f.partitions })),
    rackId: '',
  };
}

/** "topic-partition:first batch base offsets" for each listed partition, to compare responses compactly. */
function summary(response: Awaited<ReturnType<WireClient['fetch']>>): string[] {
  return flatPartitions(response).map(({ topic, p }) => `${topic}-${p.partitionIndex}:${p.errorCode}:${batchOffsets(p.records).map((b) => b.base).join(',')}`);
}

async function setup(config: Record<string, string> = {}, partitions = 2): Promise<{ c: WireClient; stop: () => Promise<void>; topicId: string }> {
  const b = await startFetchBroker(config);
  const c = await b.client();
  const ids = await c.createTopics([{ name: 't', partitions }]);
  return { c, stop: b.stop, topicId: ids.get('t')! };
}

test('sessionless, full and incremental fetches, epochs and unknown sessions (v12)', async () => {
  const { c, stop } = await setup();
  try {
    await c.produceBatch('t', 0, [{ value: bytes('a0') }]);
    await c.produceBatch('t', 1, [{ value: bytes('b0') }]);
    const both = [{ topic: 't', partitions: [{ partition: 0 }, { partition: 1 }] }];

    const sessionless = await c.fetch(12, fetchRequest(0, -1, both));
    assert.equal(sessionless.errorCode, 0);
    assert.equal(sessionless.sessionId, 0);
    assert.deepEqual(summary(sessionless), ['t-0:0:0', 't-1:0:0']);

    const full = await c.fetch(12, fetchRequest(0, 0, both));
    const id = full.sessionId;
    assert.notEqual(id, 0, 'epoch 0 creates a session');
    assert.deepEqual(summary(full), ['t-0:0:0', 't-1:0:0']);

    // Both partitions move on to offset 1; nothing new there: the response lists nothing.
    const quiet = await c.fetch(12, fetchRequest(id, 1, [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 1 }, { partition: 1, fetchOffset: 1 }] }]));
    assert.deepEqual([quiet.errorCode, quiet.sessionId, quiet.responses.length], [0, id, 0]);

    // New data on partition 1 only: listed without being named in the request.
    await c.produceBatch('t', 1, [{ value: bytes('b1') }]);
    const news = await c.fetch(12, fetchRequest(id, 2, []));
    assert.equal(news.sessionId, id);
    assert.deepEqual(summary(news), ['t-1:0:1']);
    assert.equal(flatPartitions(news)[0]!.p.highWatermark, 2n);

    const caughtUp = await c.fetch(12, fetchRequest(id, 3, [{ topic: 't', partitions: [{ partition: 1, fetchOffset: 2 }] }]));
    assert.deepEqual(summary(caughtUp), []);

    // A repeated epoch is refused without touching the session; the right one still works.
    const stale = await c.fetch(12, fetchRequest(id, 3, []));
    assert.deepEqual([stale.errorCode, stale.sessionId, stale.responses.length], [ErrorCode.INVALID_FETCH_SESSION_EPOCH, 0, 0]);
    const ahead = await c.fetch(12, fetchRequest(id, 9, []));
    assert.equal(ahead.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    const next = await c.fetch(12, fetchRequest(id, 4, []));
    assert.deepEqual([next.errorCode, next.sessionId], [0, id]);

    const unknown = await c.fetch(12, fetchRequest(id === 1 ? 2 : id - 1, 1, both));
    assert.deepEqual([unknown.errorCode, unknown.sessionId, unknown.responses.length], [ErrorCode.FETCH_SESSION_ID_NOT_FOUND, 0, 0]);
    const noId = await c.fetch(12, fetchRequest(0, 1, both));
    assert.equal(noId.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND, 'an incremental epoch without a session id');
  } finally {
    await stop();
  }
});

test('a full fetch naming a session closes it: epoch 0 opens a new one, epoch -1 does not', async () => {
  const { c, stop } = await setup();
  try {
    const both = [{ topic: 't', partitions: [{ partition: 0 }, { partition: 1 }] }];
    const first = (await c.fetch(12, fetchRequest(0, 0, both))).sessionId;
    const second = await c.fetch(12, fetchRequest(first, 0, both));
    assert.ok(second.sessionId !== 0 && second.sessionId !== first);
    assert.equal(second.responses.length, 1, 'a full fetch lists every partition');
    assert.equal((await c.fetch(12, fetchRequest(first, 1, []))).errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    assert.equal((await c.fetch(12, fetchRequest(second.sessionId, 1, []))).errorCode, 0);

    const closing = await c.fetch(12, fetchRequest(second.sessionId, -1, both));
    assert.deepEqual([closing.errorCode, closing.sessionId], [0, 0]);
    assert.deepEqual(summary(closing), ['t-0:0:', 't-1:0:']);
    assert.equal((await c.fetch(12, fetchRequest(second.sessionId, 2, []))).errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  } finally {
    await stop();
  }
});

test('forgotten partitions leave the session, added ones are listed, an emptied session closes', async () => {
  const { c, stop } = await setup();
  try {
    const id = (await c.fetch(12, fetchRequest(0, 0, [{ topic: 't', partitions: [{ partition: 0 }, { partition: 1 }] }]))).sessionId;
    await c.produceBatch('t', 0, [{ value: bytes('a0') }]);
    await c.produceBatch('t', 1, [{ value: bytes('b0') }]);

    const withoutP0 = await c.fetch(12, fetchRequest(id, 1, [], { forgotten: [{ topic: 't', partitions: [0] }] }));
    assert.deepEqual(summary(withoutP0), ['t-1:0:0']);

    // Partition 0 comes back: a partition new to the session is always listed.
    const readded = await c.fetch(12, fetchRequest(id, 2, [{ topic: 't', partitions: [{ partition: 0 }] }, { topic: 't', partitions: [{ partition: 1, fetchOffset: 1 }] }]));
    assert.deepEqual(summary(readded), ['t-0:0:0']);

    // Forgetting both ends the session: answered as sessionless (id 0), the session is gone.
    const emptied = await c.fetch(12, fetchRequest(id, 3, [], { forgotten: [{ topic: 't', partitions: [0, 1] }] }));
    assert.deepEqual([emptied.errorCode, emptied.sessionId, emptied.responses.length], [0, 0, 0]);
    assert.equal((await c.fetch(12, fetchRequest(id, 4, []))).errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  } finally {
    await stop();
  }
});

test('errors are listed every time; unknown topics come last; a cleared error is listed once more', async () => {
  const { c, stop } = await setup();
  try {
    await c.produceBatch('t', 0, [{ value: bytes('a0') }]);
    const full = await c.fetch(12, fetchRequest(0, 0, [
      { topic: 'missing', partitions: [{ partition: 0 }] },
      { topic: 't', partitions: [{ partition: 0, fetchOffset: 5 }, { partition: 7 }, { partition: 1 }] },
    ]));
    const id = full.sessionId;
    assert.notEqual(id, 0);
    // Read partitions first in request order, then the ones answered from metadata (Kafka's order).
    assert.deepEqual(summary(full), [`t-0:${ErrorCode.OFFSET_OUT_OF_RANGE}:`, 't-1:0:', `missing-0:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}:`, `t-7:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}:`]);
    const oor = flatPartitions(full)[0]!.p;
    assert.deepEqual([oor.highWatermark, oor.lastStableOffset, oor.logStartOffset], [-1n, -1n, -1n]);

    const again = await c.fetch(12, fetchRequest(id, 1, []));
    assert.deepEqual(summary(again), [`t-0:${ErrorCode.OFFSET_OUT_OF_RANGE}:`, `missing-0:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}:`, `t-7:${ErrorCode.UNKNOWN_TOPIC_OR_PARTITION}:`]);

    const fixed = await c.fetch(12, fetchRequest(id, 2, [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 1 }] }], { forgotten: [{ topic: 'missing', partitions: [0] }, { topic: 't', partitions: [7] }] }));
    assert.deepEqual(summary(fixed), ['t-0:0:'], 'the partition whose error cleared is listed (its high watermark was reset)');
    assert.equal(flatPartitions(fixed)[0]!.p.highWatermark, 1n);
    assert.deepEqual(summary(await c.fetch(12, fetchRequest(id, 3, []))), []);
  } finally {
    await stop();
  }
});

test('partitions that returned records move to the end of the session (fairness under max.bytes)', async () => {
  const { c, stop } = await setup();
  try {
    const value = bytes('x'.repeat(200));
    for (const p of [0, 1]) for (let i = 0; i < 2; i++) await c.produceBatch('t', p, [{ value }]);
    // max.bytes 1: only the first partition with data gets (one whole) batch.
    const full = await c.fetch(12, fetchRequest(0, 0, [{ topic: 't', partitions: [{ partition: 0 }, { partition: 1 }] }], { maxBytes: 1 }));
    assert.deepEqual(summary(full), ['t-0:0:0', 't-1:0:']);
    const id = full.sessionId;

    // Session order is still [0, 1]: partition 0 reads again and then moves to the end.
    const r1 = await c.fetch(12, fetchRequest(id, 1, [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 1 }] }], { maxBytes: 1 }));
    assert.deepEqual(summary(r1), ['t-0:0:1']);
    // Now [1, 0]: partition 1 gets its turn.
    const r2 = await c.fetch(12, fetchRequest(id, 2, [{ topic: 't', partitions: [{ partition: 0, fetchOffset: 2 }] }], { maxBytes: 1 }));
    assert.deepEqual(summary(r2), ['t-1:0:0']);
  } finally {
    await stop();
  }
});

test('v13+: sessions by topic id, UNKNOWN_TOPIC_ID per partition, and no switching versions mid-session', async () => {
  const { c, stop, topicId } = await setup();
  try {
    const stranger = 'c3RyYW5nZXItdG9waWMtaQ'; // 16 bytes nobody created
    const full = await c.fetch(17, fetchRequest(0, 0, [
      { topicId: stranger, partitions: [{ partition: 0 }, { partition: 1 }] },
      { topicId, partitions: [{ partition: 0 }] },
    ]));
    const id = full.sessionId;
    assert.notEqual(id, 0);
    assert.deepEqual(flatPartitions(full).map(({ topicId: t, p }) => [t, p.partitionIndex, p.errorCode]), [
      [topicId, 0, 0],
      [stranger, 0, ErrorCode.UNKNOWN_TOPIC_ID],
      [stranger, 1, ErrorCode.UNKNOWN_TOPIC_ID],
    ]);
    assert.deepEqual(full.nodeEndpoints, []);

    const again = await c.fetch(17, fetchRequest(id, 1, []));
    assert.deepEqual(flatPartitions(again).map(({ topicId: t, p }) => [t, p.partitionIndex]), [[stranger, 0], [stranger, 1]]);

    const v12 = await c.fetch(12, fetchRequest(id, 2, []));
    assert.deepEqual([v12.errorCode, v12.sessionId], [ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR, 0]);

    const forgot = await c.fetch(17, fetchRequest(id, 2, [], { forgotten: [{ topicId: stranger, partitions: [0, 1] }] }));
    assert.deepEqual([forgot.errorCode, forgot.responses.length], [0, 0]);
    await c.produceBatch('t', 0, [{ value: bytes('v') }]);
    const data = await c.fetch(16, fetchRequest(id, 3, []));
    assert.deepEqual(flatPartitions(data).map(({ topicId: t, p }) => [t, p.partitionIndex, batchOffsets(p.records).length]), [[topicId, 0, 1]]);

    // A session created by name (v12) refuses v13+ requests the same way.
    const byName = (await c.fetch(12, fetchRequest(0, 0, [{ topic: 't', partitions: [{ partition: 0 }] }]))).sessionId;
    assert.equal((await c.fetch(13, fetchRequest(byName, 1, []))).errorCode, ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
  } finally {
    await stop();
  }
});

test('a fetch that overtakes a waiting one on the same session makes it answer INVALID_FETCH_SESSION_EPOCH', async () => {
  const { c, stop } = await setup();
  try {
    const id = (await c.fetch(12, fetchRequest(0, 0, [{ topic: 't', partitions: [{ partition: 0 }] }]))).sessionId;
    // Pipelined on one connection: the first waits (nothing to read), the second runs meanwhile.
    const waiting = c.fetch(12, fetchRequest(id, 1, [], { maxWaitMs: 300 }));
    const overtaking = c.fetch(12, fetchRequest(id, 2, []));
    const [first, second] = await Promise.all([waiting, overtaking]);
    assert.deepEqual([first.errorCode, first.sessionId], [ErrorCode.INVALID_FETCH_SESSION_EPOCH, id]);
    assert.deepEqual([second.errorCode, second.sessionId], [0, id]);
  } finally {
    await stop();
  }
});

test('the session cache is bounded by max.incremental.fetch.session.cache.slots', async () => {
  const { c, stop } = await setup({ 'max.incremental.fetch.session.cache.slots': '2' });
  try {
    const req = fetchRequest(0, 0, [{ topic: 't', partitions: [{ partition: 0 }] }]);
    const a = (await c.fetch(12, req)).sessionId;
    const b = (await c.fetch(12, req)).sessionId;
    assert.ok(a !== 0 && b !== 0 && a !== b);
    const third = await c.fetch(12, req);
    assert.deepEqual([third.errorCode, third.sessionId, third.responses.length], [0, 0, 1], 'no room: a full fetch without a session');
    // Closing one frees its slot.
    await c.fetch(12, fetchRequest(a, -1, []));
    assert.notEqual((await c.fetch(12, req)).sessionId, 0);
  } finally {
    await stop();
  }
  const none = await setup({ 'max.incremental.fetch.session.cache.slots': '0' });
  try {
    assert.equal((await none.c.fetch(12, fetchRequest(0, 0, [{ topic: 't', partitions: [{ partition: 0 }] }]))).sessionId, 0);
  } finally {
    await none.stop();
  }
});

test('v4-v6 have no sessions: every fetch is full', async () => {
  const { c, stop } = await setup({}, 1);
  try {
    await c.produceBatch('t', 0, [{ value: bytes('old') }]);
    const r = await c.fetch(4, fetchRequest(0, 0, [{ topic: 't', partitions: [{ partition: 0 }] }]));
    assert.deepEqual(summary(r), ['t-0:0:0']);
    assert.equal(r.sessionId, 0);
  } finally {
    await stop();
  }
});

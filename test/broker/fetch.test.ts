/**
 * Fetch correctness against a real broker with raw requests: KIP-74 size rules, partition order,
 * whole batches, offsets out of range vs. an empty answer at the end, isolation level,
 * currentLeaderEpoch, fetch.max.bytes, zstd for old versions, default tagged fields, and the
 * long poll (min.bytes / max.wait.ms), timed roughly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FetchRequest } from '../../src/protocol/generated/messages/FetchRequest.js';
import type { Input } from '../../src/protocol/primitives/types.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { batchOffsets, flatPartitions, sleep, startFetchBroker } from '../support/fetch-broker.js';
import { bytes, type WireClient } from '../support/wire-client.js';

interface Part {
  partition: number;
  fetchOffset?: number;
  partitionMaxBytes?: number;
  currentLeaderEpoch?: number;
}

function fetchRequest(
  topics: { topic: string; partitions: Part[] }[],
  opts: { maxBytes?: number; maxWaitMs?: number; minBytes?: number; isolationLevel?: number } = {},
): Input<FetchRequest> {
  return {
    replicaId: -1,
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: opts.minBytes ?? 1,
    maxBytes: opts.maxBytes ?? 1 << 20,
    isolationLevel: opts.isolationLevel ?? 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        currentLeaderEpoch: p.currentLeaderEpoch ?? -1,
        fetchOffset: BigInt(p.fetchOffset ?? 0),
        lastFetchedEpoch: -1,
        logStartOffset: -1n,
        partitionMaxBytes: p.partitionMaxBytes ?? 1 << 20,
      })),
    })),
    forgottenTopicsData: [],
    rackId: '',
  };
}

/** Per listed partition: [partition, error, batch base offsets]. */
function batches(response: Awaited<ReturnType<WireClient['fetch']>>): [number, number, number[]][] {
  return flatPartitions(response).map(({ p }) => [p.partitionIndex, p.errorCode, batchOffsets(p.records).map((b) => b.base)]);
}

async function setup(topics: { name: string; partitions: number; configs?: Record<string, string> }[], config: Record<string, string> = {}) {
  const b = await startFetchBroker(config);
  const c = await b.client();
  const ids = await c.createTopics(topics);
  return { b, c, ids };
}

const KB = bytes('k'.repeat(1000));

test('KIP-74: max.bytes is shared, partition max bytes bound each, the first partition with data gets a whole batch', async () => {
  const { b, c } = await setup([{ name: 't', partitions: 2 }]);
  try {
    for (const p of [0, 1]) for (let i = 0; i < 2; i++) await c.produceBatch('t', p, [{ value: KB }]);
    const both = (o: Partial<Part> = {}): { topic: string; partitions: Part[] }[] => [{ topic: 't', partitions: [{ partition: 0, ...o }, { partition: 1, ...o }] }];

    assert.deepEqual(batches(await c.fetch(12, fetchRequest(both(), { maxBytes: 10 }))), [[0, 0, [0]], [1, 0, []]]);
    assert.deepEqual(batches(await c.fetch(12, fetchRequest(both({ partitionMaxBytes: 10 })))), [[0, 0, [0]], [1, 0, []]]);
    assert.deepEqual(batches(await c.fetch(12, fetchRequest(both()))), [[0, 0, [0, 1]], [1, 0, [0, 1]]]);
    // Room for one batch and a half: the second partition gets nothing rather than a cut batch.
    const one = batchOffsets((await c.fetch(12, fetchRequest([{ topic: 't', partitions: [{ partition: 0, fetchOffset: 1 }] }]))).responses[0]!.partitions[0]!.records);
    assert.equal(one.length, 1);
    assert.deepEqual(batches(await c.fetch(12, fetchRequest(both({ fetchOffset: 1 }), { maxBytes: 1600 }))), [[0, 0, [1]], [1, 0, []]]);
    // The first partition with data is the first in request order that has some.
    const ordered = fetchRequest([{ topic: 't', partitions: [{ partition: 1, fetchOffset: 2 }, { partition: 0 }] }], { maxBytes: 10 });
    assert.deepEqual(batches(await c.fetch(12, ordered)), [[1, 0, []], [0, 0, [0]]]);
    assert.deepEqual(b.problems, []);
  } finally {
    await b.stop();
  }
});

test('fetch.max.bytes caps the request max.bytes', async () => {
  const { b, c } = await setup([{ name: 't', partitions: 2 }], { 'fetch.max.bytes': '1024' });
  try {
    for (const p of [0, 1]) await c.produceBatch('t', p, [{ value: bytes('v'.repeat(700)) }]);
    const r = await c.fetch(12, fetchRequest([{ topic: 't', partitions: [{ partition: 0 }, { partition: 1 }] }], { maxBytes: 1 << 20 }));
    assert.deepEqual(batches(r), [[0, 0, [0]], [1, 0, []]]);
  } finally {
    await b.stop();
  }
});

test('whole batches: a fetch offset inside a batch returns that batch from its start', async () => {
  const { b, c } = await setup([{ name: 't', partitions: 1 }]);
  try {
    await c.produceBatch('t', 0, [{ value: bytes('a') }]);
    await c.produceBatch('t', 0, [{ value: bytes('b') }, { value: bytes('c') }, { value: bytes('d') }]);
    const r = await c.fetch(12, fetchRequest([{ topic: 't', partitions: [{ partition: 0, fetchOffset: 2 }] }]));
    assert.deepEqual(batchOffsets(r.responses[0]!.partitions[0]!.records), [{ base: 1, last: 3 }]);
  } finally {
    await b.stop();
  }
});

test('offsets: empty at the log end, OFFSET_OUT_OF_RANGE beyond it or below the start (with -1 offsets)', async () => {
  const { b, c } = await setup([{ name: 't', partitions: 1 }]);
  try {
    await c.produceBatch('t', 0, [{ value: bytes('a') }, { value: bytes('b') }]);
    const at = (await c.fetch(12, fetchRequest([{ topic: 't', partitions: [{ partition: 0, fetchOffset: 2 }] }]))).responses[0]!.partitions[0]!;
    assert.deepEqual([at.errorCode, at.highWatermark, at.lastStableOffset, at.logStartOffset, at.records?.length], [0, 2n, 2n, 0n, 0]);
    for (const offset of [3, -1, 1000]) {
      const p = (await c.fetch(12, fetchRequest([{ topic: 't', partitions: [{ partition: 0, fetchOffset: offset }] }]))).responses[0]!.partitions[0]!;
      assert.deepEqual([p.errorCode, p.highWatermark, p.lastStableOffset, p.logStartOffset, p.records?.length], [ErrorCode.OFFSET_OUT_OF_RANGE, -1n, -1n, -1n, 0], `offset ${offset}`);
    }
  } finally {
    await b.stop();
  }
});

test('isolation level: READ_COMMITTED reads up to the LSO (= high watermark) and lists aborted transactions ([]); READ_UNCOMMITTED gives null', async () => {
  const { b, c } = await setup([{ name: 't', partitions: 1 }]);
  try {
    await c.produceBatch('t', 0, [{ value: bytes('a') }]);
    for (const [level, aborted] of [[0, null], [1, []]] as const) {
      const p = (await c.fetch(12, fetchRequest([{ topic: 't', partitions: [{ partition: 0 }] }], { isolationLevel: level }))).responses[0]!.partitions[0]!;
      assert.deepEqual([p.errorCode, p.highWatermark, p.lastStableOffset, p.abortedTransactions, batchOffsets(p.records).length], [0, 1n, 1n, aborted, 1]);
    }
  } finally {
    await b.stop();
  }
});

test('currentLeaderEpoch: a newer epoch than the leader is UNKNOWN_LEADER_EPOCH; tagged fields and NodeEndpoints stay default', async () => {
  const { b, c } = await setup([{ name: 't', partitions: 1 }]);
  try {
    const ok = await c.fetch(17, { ...fetchRequest([]), topics: [] });
    assert.equal(ok.errorCode, 0);
    const ids = await c.createTopics([{ name: 'u', partitions: 1 }]);
    const byId = (epoch: number): Input<FetchRequest> => ({
      ...fetchRequest([]),
      topics: [{ topicId: ids.get('u')!, partitions: [{ partition: 0, currentLeaderEpoch: epoch, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20 }] }],
    });
    const current = await c.fetch(17, byId(0));
    const p = current.responses[0]!.partitions[0]!;
    assert.equal(p.errorCode, 0);
    assert.deepEqual([p.divergingEpoch.epoch, p.divergingEpoch.endOffset, p.currentLeader.leaderId, p.currentLeader.leaderEpoch, p.snapshotId.epoch, p.snapshotId.endOffset, p.preferredReadReplica], [-1, -1n, -1, -1, -1, -1n, -1]);
    assert.deepEqual(current.nodeEndpoints, []);
    const newer = await c.fetch(17, byId(1));
    assert.equal(newer.responses[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
    assert.deepEqual(newer.nodeEndpoints, [], 'Kafka names the leader only for NOT_LEADER_OR_FOLLOWER and FENCED_LEADER_EPOCH');
    assert.equal((await c.fetch(17, byId(-1))).responses[0]!.partitions[0]!.errorCode, 0);
  } finally {
    await b.stop();
  }
});

test('a zstd topic is UNSUPPORTED_COMPRESSION_TYPE for Fetch v4-v9', async () => {
  const { b, c } = await setup([{ name: 'z', partitions: 1, configs: { 'compression.type': 'zstd' } }]);
  try {
    const req = fetchRequest([{ topic: 'z', partitions: [{ partition: 0 }] }]);
    assert.equal((await c.fetch(9, req)).responses[0]!.partitions[0]!.errorCode, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    assert.equal((await c.fetch(10, req)).responses[0]!.partitions[0]!.errorCode, 0);
  } finally {
    await b.stop();
  }
});

test('long poll: returns soon after data arrives, after max.wait.ms without, at once on errors or min.bytes 0', async () => {
  const { b, c } = await setup([{ name: 't', partitions: 2 }]);
  const producer = await b.client('producer');
  try {
    const atEnd = [{ topic: 't', partitions: [{ partition: 0 }, { partition: 1 }] }];

    // Data arrives 150 ms into a 3 s wait.
    let start = Date.now();
    const waiting = c.fetch(12, fetchRequest(atEnd, { maxWaitMs: 3000 }));
    await sleep(150);
    await producer.produceBatch('t', 1, [{ value: bytes('wake') }]);
    const woken = await waiting;
    const wokenMs = Date.now() - start;
    assert.deepEqual(batches(woken), [[0, 0, []], [1, 0, [0]]]);
    assert.ok(wokenMs >= 100 && wokenMs < 1500, `answered after ${wokenMs} ms`);

    // Nothing arrives: answered after about max.wait.ms.
    start = Date.now();
    const idle = await c.fetch(12, fetchRequest([{ topic: 't', partitions: [{ partition: 0 }] }], { maxWaitMs: 300 }));
    const idleMs = Date.now() - start;
    assert.deepEqual(batches(idle), [[0, 0, []]]);
    assert.ok(idleMs >= 280 && idleMs < 1500, `answered after ${idleMs} ms`);

    // Less than min.bytes arrives: still waits for the whole max.wait.ms, then answers with it.
    start = Date.now();
    const big = c.fetch(12, fetchRequest([{ topic: 't', partitions: [{ partition: 0 }] }], { maxWaitMs: 600, minBytes: 100_000 }));
    await sleep(100);
    await producer.produceBatch('t', 0, [{ value: bytes('small') }]);
    const bigResult = await big;
    const bigMs = Date.now() - start;
    assert.deepEqual(batches(bigResult), [[0, 0, [0]]]);
    assert.ok(bigMs >= 550 && bigMs < 2000, `answered after ${bigMs} ms`);

    // Enough bytes across partitions ends the wait.
    start = Date.now();
    const sum = c.fetch(12, fetchRequest([{ topic: 't', partitions: [{ partition: 0, fetchOffset: 1 }, { partition: 1, fetchOffset: 1 }] }], { maxWaitMs: 3000, minBytes: 1500 }));
    await producer.produceBatch('t', 0, [{ value: KB }]);
    await sleep(50);
    await producer.produceBatch('t', 1, [{ value: KB }]);
    assert.deepEqual(batches(await sum), [[0, 0, [1]], [1, 0, [1]]]);
    assert.ok(Date.now() - start < 1500);

    // A read error, or min.bytes 0, answers at once.
    start = Date.now();
    const err = await c.fetch(12, fetchRequest([{ topic: 't', partitions: [{ partition: 0, fetchOffset: 2 }, { partition: 1, fetchOffset: 99 }] }], { maxWaitMs: 3000 }));
    assert.deepEqual(batches(err), [[0, 0, []], [1, ErrorCode.OFFSET_OUT_OF_RANGE, []]]);
    await c.fetch(12, fetchRequest([{ topic: 't', partitions: [{ partition: 0, fetchOffset: 2 }] }], { maxWaitMs: 3000, minBytes: 0 }));
    assert.ok(Date.now() - start < 1000, `answered after ${Date.now() - start} ms`);

    // Unknown topics alone answer at once; next to a readable partition they do not end the wait (as Kafka).
    start = Date.now();
    await c.fetch(12, fetchRequest([{ topic: 'missing', partitions: [{ partition: 0 }] }], { maxWaitMs: 3000 }));
    assert.ok(Date.now() - start < 1000);
    start = Date.now();
    const mixed = await c.fetch(12, fetchRequest([{ topic: 'missing', partitions: [{ partition: 0 }] }, { topic: 't', partitions: [{ partition: 0, fetchOffset: 2 }] }], { maxWaitMs: 300 }));
    assert.ok(Date.now() - start >= 280);
    assert.deepEqual(flatPartitions(mixed).map(({ topic, p }) => [topic, p.errorCode]), [['t', 0], ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
  } finally {
    await b.stop();
  }
});

test('shutdown answers a parked long poll at once instead of waiting out its max.wait.ms', async () => {
  const { b, c } = await setup([{ name: 't', partitions: 1 }]);
  let stopped = false;
  try {
    const parked = c.fetch(12, fetchRequest([{ topic: 't', partitions: [{ partition: 0 }] }], { maxWaitMs: 60_000 }));
    await sleep(100);
    const start = Date.now();
    await b.broker.close();
    const answer = await parked;
    const closeMs = Date.now() - start;
    assert.deepEqual(batches(answer), [[0, 0, []]]);
    assert.ok(closeMs < 4_000, `close took ${closeMs} ms with a fetch parked for 60 s (in-flight requests get 5 s)`);
    stopped = true;
  } finally {
    if (!stopped) await b.broker.close();
    await b.stop();
  }
});

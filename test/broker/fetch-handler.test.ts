/**
 * The Fetch handler against fake broker services, for what a one-node broker cannot show over
 * the wire: a high watermark below the log end, leader epochs above 0 (FENCED_LEADER_EPOCH),
 * another node leading (NOT_LEADER_OR_FOLLOWER), v16+ currentLeader/NodeEndpoints, storage
 * errors per version, and the purgatory's bound on waiting fetches.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fetchHandler } from '../../src/handlers/01-fetch.js';
import type { BrokerServices, RequestInfo } from '../../src/handlers/types.js';
import { FetchPurgatory } from '../../src/replica/fetch-purgatory.js';
import { Partition } from '../../src/replica/partition.js';
import { MetadataImage } from '../../src/controller/metadata-image.js';
import type { PartitionLog, ReadOptions } from '../../src/storage/partition-log.js';
import { StorageError } from '../../src/storage/errors.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import type { FetchRequest } from '../../src/protocol/generated/messages/FetchRequest.js';
import type { FetchResponse } from '../../src/protocol/generated/messages/FetchResponse.js';
import { sleep } from '../support/fetch-broker.js';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

/** A log of 100-byte "batches", one per offset, from logStartOffset to logEndOffset. */
class FakeLog {
  logStartOffset = 0;
  reads = 0;
  failWith: Error | null = null;
  constructor(public logEndOffset: number) {}
  async read(offset: number, options: ReadOptions): Promise<{ records: Buffer; firstBatchOffset: number }> {
    this.reads++;
    if (this.failWith) throw this.failWith;
    const upper = Math.min(options.upperBound ?? this.logEndOffset, this.logEndOffset);
    let n = Math.min(upper - offset, Math.floor(options.maxBytes / 100));
    if (n <= 0 && (options.minOneBatch ?? true) && offset < upper) n = 1;
    n = Math.max(0, n);
    return { records: Buffer.alloc(100 * n), firstBatchOffset: n > 0 ? offset : -1 };
  }
}

interface World {
  services: BrokerServices;
  log: FakeLog;
  partition: Partition;
  image: MetadataImage;
  purgatory: FetchPurgatory;
}

function world(opts: { logEnd?: number; leaderEpoch?: number; leader?: number; maxWaiting?: number } = {}): World {
  const log = new FakeLog(opts.logEnd ?? 5);
  const leaderEpoch = opts.leaderEpoch ?? 0;
  const partition = new Partition('t', 0, TOPIC_ID, log as unknown as PartitionLog, leaderEpoch);
  const image = new MetadataImage();
  const topic = { name: 't', topicId: TOPIC_ID, partitions: new Map([[0, { partition: 0, replicas: [1], isr: [1], leader: opts.leader ?? 1, leaderEpoch, partitionEpoch: 0 }]]) };
  image.topicsByName.set('t', topic);
  image.topicsById.set(TOPIC_ID, topic);
  image.brokers.set(2, { brokerId: 2, epoch: 1n, endpoints: [{ name: 'PLAINTEXT', host: 'two.example', port: 9093, securityProtocol: 0 }], rack: null, fenced: false });
  const purgatory = new FetchPurgatory(opts.maxWaiting ?? 100);
  const services = {
    nodeId: 1,
    clusterId: 'cluster',
    config: { values: { maxIncrementalFetchSessionCacheSlots: 1000, fetchMaxBytes: 52428800, brokerRack: 'rack-1' } },
    advertised: [],
    listenerForPort: () => ({ name: 'PLAINTEXT', host: 'one.example', port: 9092 }),
    metadata: { image },
    replicas: { get: (t: string, p: number) => (t === 't' && p === 0 ? partition : undefined) },
    logs: {},
    purgatory,
    topicConfig: () => ({ logConfig: { compressionType: 'producer' } }),
    newTopicId: () => TOPIC_ID,
    nowMs: () => Date.now(),
    log: { info: () => {}, warn: () => {}, error: () => {} },
  } as unknown as BrokerServices;
  return { services, log, partition, image, purgatory };
}

function fetch(w: World, version: number, fetchOffset: number, opts: { currentLeaderEpoch?: number; maxWaitMs?: number } = {}): Promise<FetchResponse> {
  const request = {
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1n },
    maxWaitMs: opts.maxWaitMs ?? 0,
    minBytes: 1,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: 't', topicId: TOPIC_ID, partitions: [{ partition: 0, currentLeaderEpoch: opts.currentLeaderEpoch ?? -1, fetchOffset: BigInt(fetchOffset), lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1 << 20, replicaDirectoryId: '' }] }],
    forgottenTopicsData: [],
    rackId: '',
  } as FetchRequest;
  const info = { header: {}, version, ctx: { connectionId: 'c', remoteAddress: 'r', localPort: 9092 } } as unknown as RequestInfo;
  return fetchHandler.handle(w.services, request, info) as Promise<FetchResponse>;
}

function only(r: FetchResponse) {
  assert.equal(r.responses.length, 1);
  assert.equal(r.responses[0]!.partitions.length, 1);
  return r.responses[0]!.partitions[0]!;
}

test('between the high watermark and the log end: no records and no error; beyond the log end: OFFSET_OUT_OF_RANGE', async () => {
  const w = world({ logEnd: 5 });
  w.log.logEndOffset = 8; // appended, not yet durable: the high watermark stays at 5
  assert.equal(w.partition.highWatermark, 5);
  const below = only(await fetch(w, 12, 3));
  assert.deepEqual([below.errorCode, below.highWatermark, below.records?.length], [0, 5n, 200]);
  for (const offset of [5, 6, 8]) {
    const p = only(await fetch(w, 12, offset));
    assert.deepEqual([p.errorCode, p.highWatermark, p.lastStableOffset, p.records?.length], [0, 5n, 5n, 0], `offset ${offset}`);
  }
  assert.equal(only(await fetch(w, 12, 9)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  w.log.logStartOffset = 2;
  assert.equal(only(await fetch(w, 12, 1)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
});

test('FENCED_LEADER_EPOCH names the current leader and its endpoint in v16+, not before', async () => {
  const w = world({ leaderEpoch: 5 });
  const v16 = await fetch(w, 16, 0, { currentLeaderEpoch: 3 });
  const p = only(v16);
  assert.deepEqual([p.errorCode, p.highWatermark, p.logStartOffset], [ErrorCode.FENCED_LEADER_EPOCH, -1n, -1n]);
  assert.deepEqual([p.currentLeader.leaderId, p.currentLeader.leaderEpoch], [1, 5]);
  assert.deepEqual(v16.nodeEndpoints.map((n) => [n.nodeId, n.host, n.port, n.rack]), [[1, 'one.example', 9092, 'rack-1']]);
  const v15 = await fetch(w, 15, 0, { currentLeaderEpoch: 3 });
  assert.equal(only(v15).errorCode, ErrorCode.FENCED_LEADER_EPOCH);
  assert.equal(only(v15).currentLeader, undefined);
  assert.deepEqual(v15.nodeEndpoints, []);
  assert.equal(only(await fetch(w, 16, 0, { currentLeaderEpoch: 6 })).errorCode, ErrorCode.UNKNOWN_LEADER_EPOCH);
  assert.equal(only(await fetch(w, 16, 0, { currentLeaderEpoch: 5 })).errorCode, 0);
});

test('another node leading: NOT_LEADER_OR_FOLLOWER with that node in v16+', async () => {
  const w = world({ leader: 2, leaderEpoch: 7 });
  const r = await fetch(w, 17, 0, { maxWaitMs: 5000 });
  const p = only(r);
  assert.deepEqual([p.errorCode, p.currentLeader.leaderId, p.currentLeader.leaderEpoch], [ErrorCode.NOT_LEADER_OR_FOLLOWER, 2, 7]);
  assert.deepEqual(r.nodeEndpoints.map((n) => [n.nodeId, n.host, n.port]), [[2, 'two.example', 9093]]);
});

test('storage errors: KAFKA_STORAGE_ERROR, sent as NOT_LEADER_OR_FOLLOWER to v4-v5', async () => {
  const w = world();
  w.log.failWith = new StorageError('read', '/data/t-0/00000000000000000000.log', Object.assign(new Error('EIO'), { code: 'EIO' }));
  assert.equal(only(await fetch(w, 6, 0)).errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
  assert.equal(only(await fetch(w, 5, 0)).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
});

test('purgatory bound: beyond maxWaiting a fetch is answered at once; the waiting ones wake on new data', async () => {
  const w = world({ logEnd: 5, maxWaiting: 2 });
  const start = Date.now();
  const a = fetch(w, 12, 5, { maxWaitMs: 5000 });
  const b = fetch(w, 12, 5, { maxWaitMs: 5000 });
  await sleep(20);
  assert.equal(w.purgatory.size, 2);
  const c = await fetch(w, 12, 5, { maxWaitMs: 5000 });
  assert.equal(only(c).records?.length, 0);
  assert.ok(Date.now() - start < 1000, 'the third fetch did not wait');
  assert.equal(w.purgatory.size, 2);

  w.log.logEndOffset = 6;
  w.partition.advanceHighWatermark(6);
  const [ra, rb] = await Promise.all([a, b]);
  assert.ok(Date.now() - start < 1000, 'woken by the new high watermark');
  assert.equal(only(ra).records?.length, 100);
  assert.equal(only(rb).records?.length, 100);
  assert.equal(w.purgatory.size, 0);
});

test('a waiting fetch times out after max.wait.ms and leaves the purgatory', async () => {
  const w = world({ logEnd: 5 });
  const start = Date.now();
  const r = await fetch(w, 12, 5, { maxWaitMs: 200 });
  assert.ok(Date.now() - start >= 190);
  assert.equal(only(r).records?.length, 0);
  assert.equal(w.purgatory.size, 0);
});

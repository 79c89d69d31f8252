/**
 * Connections and retries against scripted fake brokers: ApiVersions negotiation (KIP-511
 * fallback, the highest version both sides speak), pipelining up to
 * max.in.flight.requests.per.connection with answers matched by correlation id, request
 * timeouts, throttle times, retries of retriable produce errors with a metadata refresh, a
 * leader moving to another broker, and bootstrap servers that are down.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerConnection } from '../../src/client/connection.js';
import { Kafka, KafkaError } from '../../src/index.js';
import { FakeBroker, metadataBody, produceBody } from '../support/fake-broker.js';

const silent = { info() {}, warn() {}, error() {} };
const brokers: FakeBroker[] = [];

async function fake(options: Parameters<typeof FakeBroker.start>[0] = {}): Promise<FakeBroker> {
  const b = await FakeBroker.start(options);
  brokers.push(b);
  return b;
}

afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
});

function connect(b: FakeBroker, maxInFlight = 5, requestTimeoutMs = 5000): Promise<BrokerConnection> {
  return BrokerConnection.connect({ host: '127.0.0.1', port: b.port, clientId: 'test', requestTimeoutMs, connectTimeoutMs: 5000, maxInFlight, logger: silent });
}

test('ApiVersions: a broker without v3 answers v0 UNSUPPORTED_VERSION (KIP-511); the client retries with the broker\'s highest', async () => {
  const b = await fake({ versions: new Map([[18, [0, 2]], [3, [0, 5]], [0, [3, 7]]]) });
  const conn = await connect(b);
  assert.deepEqual(b.requests(18).map((r) => r.version), [3, 2]);
  assert.deepEqual(conn.apiVersions.get(3), { minVersion: 0, maxVersion: 5 });
  // The highest version both speak: Metadata v5 (client up to 12), Produce v7 (client 3-11).
  assert.equal(conn.versionFor(3), 5);
  assert.equal(conn.versionFor(0), 7);
  // An API the broker lacks is UNSUPPORTED_VERSION naming it.
  assert.throws(() => conn.versionFor(1), (e: unknown) => e instanceof KafkaError && e.errorName === 'UNSUPPORTED_VERSION' && /Fetch/.test(e.message));
  conn.close();
});

test('pipelining: at most max.in.flight requests wait for answers; answers match by correlation id, in any order', async () => {
  const b = await fake({ handle: (req) => (req.apiKey === 3 ? null : undefined) });
  const conn = await connect(b, 3);
  const answers = Array.from({ length: 7 }, (_, i) => conn.request<any>(3, () => ({ topics: [{ name: `t${i}` }] })).then((r) => r.body.topics[0].name));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(b.requests(3).length, 3, 'only 3 in flight');
  assert.equal(conn.inFlightCount, 3);
  // Answer what has arrived, newest first: each answer names the topic its request asked for.
  const answered = new Set<unknown>();
  for (let i = 0; i < 10 && answered.size < 7; i++) {
    for (const r of b.requests(3).filter((x) => !answered.has(x)).reverse()) {
      answered.add(r);
      b.send(r, { body: metadataBody([b], { [r.body.topics[0].name]: [1] }) });
    }
    await new Promise((r) => setTimeout(r, 30));
  }
  assert.deepEqual(await Promise.all(answers), ['t0', 't1', 't2', 't3', 't4', 't5', 't6']);
  conn.close();
});

test('a request without an answer fails after request.timeout.ms with REQUEST_TIMED_OUT and closes the connection', async () => {
  const b = await fake({ handle: (req) => (req.apiKey === 3 ? null : undefined) });
  const conn = await connect(b, 5, 300);
  const t = Date.now();
  const first = conn.request(3, () => ({ topics: [] }));
  const second = conn.request(3, () => ({ topics: [] }));
  await assert.rejects(first, (e: unknown) => e instanceof KafkaError && e.errorName === 'REQUEST_TIMED_OUT' && e.retriable && /request\.timeout\.ms/.test(e.message));
  assert.ok(Date.now() - t >= 280);
  await assert.rejects(second, (e: unknown) => e instanceof KafkaError && e.retriable);
  assert.ok(conn.closed);
});

test('throttle_time_ms holds back the next request on the connection', async () => {
  const b = await fake({
    handle: (req, broker) => (req.apiKey === 3 ? { body: { ...(metadataBody([broker], {}) as object), throttleTimeMs: 300 } } : undefined),
  });
  const conn = await connect(b);
  await conn.request(3, () => ({ topics: [] }));
  const t = Date.now();
  await conn.request(3, () => ({ topics: [] }));
  const [first, second] = b.requests(3);
  assert.ok(second!.atMs - first!.atMs >= 250, `second request after ${second!.atMs - first!.atMs} ms`);
  assert.ok(Date.now() - t >= 250);
  conn.close();
});

test('producer retries NOT_LEADER_OR_FOLLOWER after refreshing metadata, and follows the leader to another broker', async () => {
  let leader = 1;
  const handle = (req: any, broker: FakeBroker) => {
    if (req.apiKey === 3) return { body: metadataBody([a, b], { moving: [leader] }) };
    if (req.apiKey === 0) {
      if (broker.nodeId !== leader) return { body: produceBody(req.body, 6) };
      return { body: produceBody(req.body, 0, 42) };
    }
    return undefined;
  };
  const a: FakeBroker = await fake({ nodeId: 1, handle });
  const b: FakeBroker = await fake({ nodeId: 2, handle });
  const kafka = new Kafka({ 'bootstrap.servers': a.address, 'retry.backoff.ms': 10 });
  const producer = kafka.producer({ 'linger.ms': 0 });
  assert.equal((await producer.send({ topic: 'moving', value: 'x' })).offset, 42);
  assert.equal(a.requests(0).length, 1);
  leader = 2; // broker 1 now answers NOT_LEADER_OR_FOLLOWER; metadata names broker 2
  const metadataBefore = a.requests(3).length + b.requests(3).length;
  const r = await producer.send({ topic: 'moving', value: 'y' });
  assert.equal(r.offset, 42);
  assert.equal(a.requests(0).length, 2, 'first attempt went to the old leader');
  assert.equal(b.requests(0).length, 1, 'retry went to the new leader');
  assert.ok(a.requests(3).length + b.requests(3).length > metadataBefore, 'metadata refreshed');
  await producer.close();
});

test('non-retriable produce errors fail the records; retriable ones stop at delivery.timeout.ms', async () => {
  let code = 87; // INVALID_RECORD
  const a: FakeBroker = await fake({
    handle: (req, broker) => (req.apiKey === 3 ? { body: metadataBody([broker], { t: [1] }) } : req.apiKey === 0 ? { body: produceBody(req.body, code) } : undefined),
  });
  const kafka = new Kafka({ 'bootstrap.servers': a.address, 'retry.backoff.ms': 20, 'request.timeout.ms': 200 });
  const producer = kafka.producer({ 'linger.ms': 0, 'delivery.timeout.ms': 600 });
  await assert.rejects(producer.send({ topic: 't', value: 'x' }), (e: unknown) => e instanceof KafkaError && e.errorName === 'INVALID_RECORD' && e.context?.['topic'] === 't' && e.context?.['partition'] === 0);
  assert.equal(a.requests(0).length, 1, 'not retried');
  code = 19; // NOT_ENOUGH_REPLICAS: retriable
  const t = Date.now();
  await assert.rejects(producer.send({ topic: 't', value: 'y' }), (e: unknown) => e instanceof KafkaError && e.errorName === 'REQUEST_TIMED_OUT' && /delivery\.timeout\.ms/.test(e.message));
  assert.ok(Date.now() - t >= 550, `failed after ${Date.now() - t} ms`);
  assert.ok(a.requests(0).length > 3, `retried ${a.requests(0).length - 1} times`);
  await producer.close();
});

test('a dead bootstrap server is skipped for a live one; no live server fails within max.block.ms', async () => {
  const live: FakeBroker = await fake({ handle: (req, broker) => (req.apiKey === 3 ? { body: metadataBody([broker], { t: [1] }) } : req.apiKey === 0 ? { body: produceBody(req.body, 0, 7) } : undefined) });
  const kafka = new Kafka({ 'bootstrap.servers': `127.0.0.1:1,${live.address}` });
  const producer = kafka.producer({ 'linger.ms': 0 });
  for (let i = 0; i < 3; i++) assert.equal((await producer.send({ topic: 't', value: 'x' })).offset, 7);
  await producer.close();

  const dead = new Kafka({ 'bootstrap.servers': '127.0.0.1:1', 'reconnect.backoff.ms': 10 }).producer({ 'max.block.ms': 300 });
  const t = Date.now();
  await assert.rejects(dead.send({ topic: 't', value: 'x' }), (e: unknown) => e instanceof KafkaError && e.errorName === 'REQUEST_TIMED_OUT' && /not present in metadata after 300 ms/.test(e.message));
  assert.ok(Date.now() - t < 2000);
  await dead.close();
});

test('an answer with bytes left over is sent again one version lower (a server that writes a version off-spec)', async () => {
  const { encodeResponse } = await import('../../src/protocol/frames.js');
  const b = await fake({
    versions: new Map([[18, [0, 3]], [2, [1, 5]]]),
    handle: (req) => {
      if (req.apiKey !== 2) return undefined;
      const body = { throttleTimeMs: 0, topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, timestamp: -1n, offset: 5n, leaderEpoch: -1 }] }] };
      const frame = encodeResponse(2, req.version, req.correlationId, body);
      if (req.version < 4) return { raw: frame };
      const padded = Buffer.concat([frame, Buffer.alloc(4, 0xff)]);
      padded.writeInt32BE(padded.length - 4, 0);
      return { raw: padded };
    },
  });
  const conn = await connect(b);
  const build = () => ({ replicaId: -1, topics: [{ name: 't', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] });
  const first = await conn.request<any>(2, build);
  assert.equal(first.version, 3);
  assert.equal(first.body.topics[0].partitions[0].offset, 5n);
  await conn.request(2, build);
  assert.deepEqual(b.requests(2).map((r) => r.version), [5, 4, 3, 3]);
  conn.close();
});

test('consumer follows a partition leader to another broker after NOT_LEADER_OR_FOLLOWER', async () => {
  const { buildRecordBatch } = await import('../../src/protocol/records/builder.js');
  let leader = 1;
  const fetchBody = (req: any, errorCode: number, records: Buffer | null) => ({
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: req.body.topics.map((t: any) => ({
      topic: t.topic,
      topicId: t.topicId,
      partitions: t.partitions.map((p: any) => ({ partitionIndex: p.partition, errorCode, highWatermark: 3n, lastStableOffset: 3n, logStartOffset: 0n, abortedTransactions: null, preferredReadReplica: -1, records })),
    })),
  });
  const handle = (req: any, broker: FakeBroker) => {
    if (req.apiKey === 3) return { body: metadataBody([a, b], { moving: [leader] }) };
    if (req.apiKey === 1) {
      if (broker.nodeId !== leader) return { body: fetchBody(req, 6, null) };
      const offset = Number(req.body.topics[0].partitions[0].fetchOffset);
      const batch = buildRecordBatch([0, 1, 2].map((i) => ({ value: Buffer.from(`from-${broker.nodeId}-${i}`), timestamp: 1 })), { baseOffset: 0 });
      return { body: fetchBody(req, 0, offset < 3 ? batch : null) };
    }
    return undefined;
  };
  const a: FakeBroker = await fake({ nodeId: 1, handle });
  const b: FakeBroker = await fake({ nodeId: 2, handle });
  const consumer = new Kafka({ 'bootstrap.servers': a.address, 'retry.backoff.ms': 10 }).consumer({ 'fetch.max.wait.ms': 10 });
  consumer.assign([{ topic: 'moving', partition: 0, offset: 1 }]);
  const got = [];
  for (let i = 0; i < 50 && got.length < 2; i++) got.push(...(await consumer.poll(50)));
  assert.deepEqual(got.map((r) => [r.offset, r.value?.toString()]), [[1, 'from-1-1'], [2, 'from-1-2']]);
  leader = 2; // broker 1 now answers NOT_LEADER_OR_FOLLOWER; metadata names broker 2
  const fetchesAtA = a.requests(1).length;
  consumer.seek({ topic: 'moving', partition: 0 }, 0);
  const moved = [];
  for (let i = 0; i < 50 && moved.length < 3; i++) moved.push(...(await consumer.poll(50)));
  assert.deepEqual(moved.map((r) => [r.offset, r.value?.toString()]), [[0, 'from-2-0'], [1, 'from-2-1'], [2, 'from-2-2']]);
  assert.ok(a.requests(1).length > fetchesAtA, 'tried the old leader first');
  assert.ok(b.requests(1).length >= 1);
  await consumer.close();
});

test('the producer honours a produce throttle time and still delivers', async () => {
  const a: FakeBroker = await fake({
    handle: (req, broker) => {
      if (req.apiKey === 3) return { body: metadataBody([broker], { t: [1] }) };
      if (req.apiKey === 0) return { body: { ...(produceBody(req.body, 0, broker.requests(0).length) as object), throttleTimeMs: 300 } };
      return undefined;
    },
  });
  const producer = new Kafka({ 'bootstrap.servers': a.address }).producer({ 'linger.ms': 0 });
  assert.equal((await producer.send({ topic: 't', value: 'a' })).offset, 1);
  assert.equal((await producer.send({ topic: 't', value: 'b' })).offset, 2);
  const [first, second] = a.requests(0);
  assert.ok(second!.atMs - first!.atMs >= 250, `second produce ${second!.atMs - first!.atMs} ms after the first`);
  await producer.close();
});

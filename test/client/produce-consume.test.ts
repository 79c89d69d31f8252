/**
 * Producer → broker → consumer round trips through our client: every codec, keys, values,
 * headers (repeated keys, null values) and timestamps exactly; null keys/values; keyed records on
 * the murmur2 partition; batching and linger visible in the number of requests; acks 0, 1, all;
 * flush() and close().
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { partitionForKey, type ConsumerRecord, type Kafka, type ProducerRecord } from '../../src/index.js';
import { startClientTestBroker, uniqueTopic, type ClientTestBroker } from '../support/client.js';

let tb: ClientTestBroker;
let kafka: Kafka;

before(async () => {
  tb = await startClientTestBroker('roundtrip');
  kafka = tb.kafka;
});
after(async () => {
  await tb.stop();
});

async function createTopic(topic: string, numPartitions = 1): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.createTopics([{ topic, numPartitions }]);
  } finally {
    await admin.close();
  }
}

async function readAll(topic: string, partitions: number[], count: number, timeoutMs = 10_000): Promise<ConsumerRecord[]> {
  const consumer = kafka.consumer({ 'auto.offset.reset': 'earliest' });
  try {
    consumer.assign(partitions.map((partition) => ({ topic, partition })));
    const out: ConsumerRecord[] = [];
    const deadline = Date.now() + timeoutMs;
    while (out.length < count && Date.now() < deadline) out.push(...(await consumer.poll(500)));
    return out;
  } finally {
    await consumer.close();
  }
}

function sampleRecords(topic: string, n: number): ProducerRecord[] {
  const base = 1_700_000_000_000;
  return Array.from({ length: n }, (_, i) => ({
    topic,
    partition: 0,
    key: i % 5 === 0 ? null : `key-${i}`,
    value: i % 7 === 3 ? null : Buffer.from(`value-${i}-${'x'.repeat(i % 50)}`),
    headers:
      i % 3 === 0
        ? [
            { key: 'h', value: `a${i}` },
            { key: 'h', value: null },
            { key: 'ünïcode', value: Buffer.from([0, 255, i & 255]) },
          ]
        : undefined,
    timestamp: base + i * 1000 + (i % 2),
  }));
}

function check(records: ConsumerRecord[], sent: ProducerRecord[], offsets: number[]): void {
  assert.equal(records.length, sent.length);
  records.forEach((r, i) => {
    const s = sent[i]!;
    assert.equal(r.offset, offsets[i]);
    assert.equal(r.timestamp, s.timestamp);
    assert.equal(r.timestampType, 'CreateTime');
    assert.deepEqual(r.key, s.key === null || s.key === undefined ? null : Buffer.from(s.key as string));
    assert.deepEqual(r.value, s.value === null ? null : Buffer.from(s.value as Buffer));
    const expectedHeaders = Array.isArray(s.headers)
      ? (s.headers as { key: string; value: string | Buffer | null }[]).map((h) => ({ key: h.key, value: h.value === null ? null : Buffer.from(h.value as string) }))
      : [];
    assert.deepEqual(r.headers, expectedHeaders);
  });
}

for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
  test(`round trip with compression.type=${codec}: keys, values, headers, timestamps exactly`, async () => {
    const topic = uniqueTopic(`rt-${codec}`);
    await createTopic(topic);
    const producer = kafka.producer({ 'compression.type': codec, 'linger.ms': 20 });
    const sent = sampleRecords(topic, 60);
    const results = await Promise.all(sent.map((r) => producer.send(r)));
    await producer.close();
    assert.deepEqual(results.map((r) => r.offset), sent.map((_, i) => i));
    results.forEach((r, i) => {
      assert.equal(r.topic, topic);
      assert.equal(r.partition, 0);
      assert.equal(r.timestamp, sent[i]!.timestamp);
      const s = sent[i]!;
      assert.equal(r.serializedKeySize, s.key == null ? -1 : Buffer.byteLength(s.key as string));
      assert.equal(r.serializedValueSize, s.value === null ? -1 : (s.value as Buffer).length);
    });
    assert.ok(producer.stats.requests < 10, `batched: ${producer.stats.requests} requests for 60 records`);
    check(await readAll(topic, [0], sent.length), sent, sent.map((_, i) => i));
  });
}

test('batching: 2000 records with linger.ms go out in a handful of requests; batch.size splits batches', async () => {
  const topic = uniqueTopic('batching');
  await createTopic(topic);
  const producer = kafka.producer({ 'linger.ms': 50, 'batch.size': 16384 });
  const value = Buffer.alloc(100, 7);
  const results = await Promise.all(Array.from({ length: 2000 }, (_, i) => producer.send({ topic, partition: 0, value, key: String(i) })));
  assert.deepEqual(results.map((r) => r.offset), Array.from({ length: 2000 }, (_, i) => i));
  // ~2000 * ~110 bytes = ~220 KB: about 14 batches of 16 KB, in few requests.
  assert.ok(producer.stats.batches >= 12 && producer.stats.batches <= 20, `batches: ${producer.stats.batches}`);
  assert.ok(producer.stats.requests <= producer.stats.batches, `requests: ${producer.stats.requests}`);
  await producer.close();

  // linger.ms alone: records sent in one turn wait and leave together.
  const lingering = kafka.producer({ 'linger.ms': 200 });
  const started = Date.now();
  await Promise.all(Array.from({ length: 20 }, (_, i) => lingering.send({ topic, partition: 0, value: `v${i}` })));
  assert.ok(Date.now() - started >= 150, 'waited for linger.ms');
  assert.equal(lingering.stats.requests, 1);
  await lingering.close();
});

test('keyed records land on murmur2 partitions; null keys stick to a partition', async () => {
  const topic = uniqueTopic('keyed');
  await createTopic(topic, 6);
  const producer = kafka.producer({ 'linger.ms': 0 });
  const keys = Array.from({ length: 50 }, (_, i) => `user-${i}`);
  const results = await Promise.all(keys.map((key) => producer.send({ topic, key, value: 'v' })));
  results.forEach((r, i) => assert.equal(r.partition, partitionForKey(Buffer.from(keys[i]!), 6), keys[i]));
  // Small null-key records well below batch.size: one partition.
  const unkeyed = await Promise.all(Array.from({ length: 30 }, () => producer.send({ topic, value: 'x' })));
  assert.equal(new Set(unkeyed.map((r) => r.partition)).size, 1);
  // A large volume of null-key records moves on after batch.size bytes each time.
  const big = await Promise.all(Array.from({ length: 200 }, () => producer.send({ topic, value: Buffer.alloc(1000) })));
  assert.ok(new Set(big.map((r) => r.partition)).size > 1, 'sticky partition switches');
  await producer.close();
});

test('acks=0, acks=1 and acks=all all deliver; acks=0 reports offset -1', async () => {
  const topic = uniqueTopic('acks');
  await createTopic(topic);
  const p0 = kafka.producer({ acks: 0, 'linger.ms': 0 });
  const r0 = await Promise.all(Array.from({ length: 5 }, (_, i) => p0.send({ topic, partition: 0, value: `zero-${i}` })));
  assert.ok(r0.every((r) => r.offset === -1 && r.partition === 0));
  await p0.close();
  const p1 = kafka.producer({ acks: 1 });
  const r1 = await p1.send({ topic, partition: 0, value: 'one' });
  await p1.close();
  const pa = kafka.producer({ acks: 'all' });
  const ra = await pa.send({ topic, partition: 0, value: 'all' });
  await pa.close();
  assert.equal(r1.offset, 5);
  assert.equal(ra.offset, 6);
  const records = await readAll(topic, [0], 7);
  assert.deepEqual(records.map((r) => r.value?.toString()), ['zero-0', 'zero-1', 'zero-2', 'zero-3', 'zero-4', 'one', 'all']);
});

test('flush() waits for everything sent before it; close() sends what is queued; send after close fails', async () => {
  const topic = uniqueTopic('flush');
  await createTopic(topic);
  const producer = kafka.producer({ 'linger.ms': 60_000, 'batch.size': 1_000_000 });
  let delivered = 0;
  for (let i = 0; i < 10; i++) void producer.send({ topic, partition: 0, value: `f${i}` }).then(() => delivered++);
  await producer.flush();
  assert.equal(delivered, 10);
  const last = producer.send({ topic, partition: 0, value: 'on close' });
  await producer.close();
  assert.equal((await last).offset, 10);
  await assert.rejects(producer.send({ topic, value: 'late' }), /closed/);
});

test('send() to a new topic waits for auto-creation; partitionsFor() lists partitions', async () => {
  const topic = uniqueTopic('autocreate');
  const producer = kafka.producer();
  const r = await producer.send({ topic, value: 'first' });
  assert.equal(r.offset, 0);
  const parts = await producer.partitionsFor(topic);
  assert.ok(parts.length >= 1 && parts.every((p) => p.leader === tb.broker.nodeId));
  await producer.close();
});

test('records too large for max.request.size fail with MESSAGE_TOO_LARGE; bad input is a TypeError', async () => {
  const producer = kafka.producer({ 'max.request.size': 1000 });
  await assert.rejects(producer.send({ topic: 'x', value: Buffer.alloc(2000) }), (e: Error & { errorName?: string }) => e.errorName === 'MESSAGE_TOO_LARGE' && /max\.request\.size/.test(e.message));
  await assert.rejects(producer.send({ topic: '', value: 'x' }), TypeError);
  await assert.rejects(producer.send({ topic: 'x', value: 5 as never }), TypeError);
  await producer.close();
});

test('send(record, callback): no promise; called once with the metadata or the error', async () => {
  const topic = uniqueTopic('callback');
  await createTopic(topic);
  const producer = kafka.producer({ 'linger.ms': 5 });
  const outcomes: [Error | null, number | undefined][] = [];
  for (let i = 0; i < 100; i++) {
    const r = producer.send({ topic, partition: 0, value: `c${i}` }, (error, metadata) => outcomes.push([error, metadata?.offset]));
    assert.equal(r, undefined);
  }
  producer.send({ topic: '', value: 'bad' }, (error) => outcomes.push([error, undefined]));
  await producer.flush();
  await new Promise((r) => setImmediate(r));
  assert.equal(outcomes.length, 101);
  assert.deepEqual(outcomes.filter(([e]) => e === null).map(([, o]) => o), Array.from({ length: 100 }, (_, i) => i));
  assert.ok(outcomes.some(([e]) => e instanceof TypeError));
  await producer.close();
  const late: (Error | null)[] = [];
  producer.send({ topic, value: 'late' }, (e) => late.push(e));
  await new Promise((r) => setImmediate(r));
  assert.ok(late[0] instanceof Error && /closed/.test(late[0].message));
});

/**
 * The consumer against the broker: seek (also into the middle of a compressed batch),
 * seekToBeginning/End, position, pause/resume, offsetsForTimes, beginning/endOffsets,
 * max.poll.records, auto.offset.reset (latest, earliest, none; on OFFSET_OUT_OF_RANGE), the
 * async iterator, run({ eachRecord / eachBatch }), fetch.min.bytes / fetch.max.wait.ms,
 * max.partition.fetch.bytes smaller than a batch, read_committed, and the group calls' refusal
 * without a group.id.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, KafkaError, type ConsumerRecord } from '../../src/index.js';
import { startClientTestBroker, uniqueTopic, type ClientTestBroker } from '../support/client.js';

let tb: ClientTestBroker;
let kafka: Kafka;
const T0 = 1_600_000_000_000;

before(async () => {
  tb = await startClientTestBroker('consumer');
  // Short long-polls keep the suite fast: a seek waits for the fetch in flight, as in Kafka.
  kafka = new Kafka({ 'bootstrap.servers': tb.address });
});
after(async () => {
  await tb.stop();
});

/** A topic with `perPartition` records in each partition, timestamps T0 + offset * 1000, sent in one batch per partition. */
async function topicWithRecords(prefix: string, partitions = 1, perPartition = 10, compression: 'none' | 'gzip' = 'none'): Promise<string> {
  const topic = uniqueTopic(prefix);
  const admin = kafka.admin();
  await admin.createTopics([{ topic, numPartitions: partitions }]);
  await admin.close();
  const producer = kafka.producer({ 'linger.ms': 100, 'compression.type': compression });
  const sends = [];
  for (let p = 0; p < partitions; p++) {
    for (let i = 0; i < perPartition; i++) sends.push(producer.send({ topic, partition: p, value: `p${p}-r${i}`, timestamp: T0 + i * 1000 }));
  }
  await Promise.all(sends);
  await producer.close();
  return topic;
}

async function pollUntil(consumer: ReturnType<Kafka['consumer']>, count: number, timeoutMs = 5000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) out.push(...(await consumer.poll(200)));
  return out;
}

test('seek into the middle of a (compressed) batch skips the records before it; position follows', async () => {
  for (const compression of ['none', 'gzip'] as const) {
    const topic = await topicWithRecords(`seek-${compression}`, 1, 10, compression);
    const consumer = kafka.consumer({ 'fetch.max.wait.ms': 50 });
    consumer.assign([{ topic, partition: 0, offset: 5 }]);
    assert.equal(await consumer.position({ topic, partition: 0 }), 5);
    const records = await pollUntil(consumer, 5);
    assert.deepEqual(records.map((r) => r.offset), [5, 6, 7, 8, 9]);
    assert.equal(await consumer.position({ topic, partition: 0 }), 10);
    consumer.seek({ topic, partition: 0 }, 8);
    assert.deepEqual((await pollUntil(consumer, 2)).map((r) => r.offset), [8, 9]);
    consumer.seekToBeginning();
    assert.equal(await consumer.position({ topic, partition: 0 }), 0);
    assert.deepEqual((await pollUntil(consumer, 10)).map((r) => r.value?.toString()), Array.from({ length: 10 }, (_, i) => `p0-r${i}`));
    consumer.seekToEnd([{ topic, partition: 0 }]);
    assert.equal(await consumer.position({ topic, partition: 0 }), 10);
    assert.deepEqual(await consumer.poll(100), []);
    await consumer.close();
  }
});

test('max.poll.records bounds poll(); pause() holds a partition back until resume()', async () => {
  const topic = await topicWithRecords('pause', 2, 10);
  const consumer = kafka.consumer({ 'auto.offset.reset': 'earliest', 'max.poll.records': 3, 'fetch.max.wait.ms': 50 });
  consumer.assign([{ topic, partition: 0 }, { topic, partition: 1 }]);
  consumer.pause([{ topic, partition: 1 }]);
  assert.deepEqual(consumer.paused(), [{ topic, partition: 1 }]);
  const got: ConsumerRecord[] = [];
  for (let i = 0; i < 20 && got.length < 10; i++) {
    const batch = await consumer.poll(300);
    assert.ok(batch.length <= 3, `poll returned ${batch.length}`);
    got.push(...batch);
  }
  assert.equal(got.length, 10);
  assert.ok(got.every((r) => r.partition === 0));
  assert.deepEqual(await consumer.poll(200), [], 'partition 1 is paused');
  consumer.resume([{ topic, partition: 1 }]);
  const rest = await pollUntil(consumer, 10);
  assert.deepEqual(rest.map((r) => r.offset), Array.from({ length: 10 }, (_, i) => i));
  assert.ok(rest.every((r) => r.partition === 1));
  await consumer.close();
});

test('offsetsForTimes, beginningOffsets and endOffsets', async () => {
  const topic = await topicWithRecords('times', 1, 10);
  const consumer = kafka.consumer();
  const tp = { topic, partition: 0 };
  const [at5] = await consumer.offsetsForTimes([{ ...tp, timestamp: T0 + 5000 }]);
  assert.equal(at5!.offset, 5);
  assert.equal(at5!.timestamp, T0 + 5000);
  const [between] = await consumer.offsetsForTimes([{ ...tp, timestamp: T0 + 4500 }]);
  assert.equal(between!.offset, 5);
  const [late] = await consumer.offsetsForTimes([{ ...tp, timestamp: T0 + 999_999 }]);
  assert.equal(late!.offset, null);
  assert.equal(late!.timestamp, null);
  assert.deepEqual(await consumer.beginningOffsets([tp]), [{ ...tp, offset: 0 }]);
  assert.deepEqual(await consumer.endOffsets([tp]), [{ ...tp, offset: 10 }]);
  await consumer.close();
});

test('auto.offset.reset: latest skips old records; none fails; an out-of-range position resets', async () => {
  const topic = await topicWithRecords('reset', 1, 5);
  const tp = { topic, partition: 0 };

  const latest = kafka.consumer({ 'fetch.max.wait.ms': 50 });
  latest.assign([tp]);
  assert.equal(await latest.position(tp), 5);
  const producer = kafka.producer({ 'linger.ms': 0 });
  await producer.send({ topic, partition: 0, value: 'new' });
  assert.deepEqual((await pollUntil(latest, 1)).map((r) => r.value?.toString()), ['new']);
  // Out of range (past the end): reset to latest.
  latest.seek(tp, 1000);
  for (let i = 0; i < 20 && (await latest.position(tp)) === 1000; i++) assert.deepEqual(await latest.poll(100), []);
  assert.equal(await latest.position(tp), 6, 'reset to the end');
  await producer.send({ topic, partition: 0, value: 'after reset' });
  assert.deepEqual((await pollUntil(latest, 1)).map((r) => [r.offset, r.value?.toString()]), [[6, 'after reset']]);
  await latest.close();

  const none = kafka.consumer({ 'auto.offset.reset': 'none', 'fetch.max.wait.ms': 50 });
  none.assign([tp]);
  await assert.rejects(none.poll(2000), (e: unknown) => e instanceof KafkaError && e.errorName === 'OFFSET_OUT_OF_RANGE' && /auto\.offset\.reset=none/.test(e.message));
  none.seek(tp, 999);
  await assert.rejects(pollUntil(none, 1, 3000), (e: unknown) => e instanceof KafkaError && e.errorName === 'OFFSET_OUT_OF_RANGE');
  none.seek(tp, 0);
  assert.equal((await pollUntil(none, 7)).length, 7);
  await none.close();

  const earliest = kafka.consumer({ 'auto.offset.reset': 'earliest' });
  earliest.assign([{ ...tp, offset: 12345 }]);
  const all = await pollUntil(earliest, 7);
  assert.deepEqual(all.map((r) => r.offset), [0, 1, 2, 3, 4, 5, 6]);
  await earliest.close();
  await producer.close();
});

test('async iterator yields records one at a time; break leaves the position after the last one', async () => {
  const topic = await topicWithRecords('iter', 1, 10);
  const consumer = kafka.consumer({ 'auto.offset.reset': 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  const seen: number[] = [];
  for await (const record of consumer) {
    seen.push(record.offset);
    if (seen.length === 4) break;
  }
  assert.deepEqual(seen, [0, 1, 2, 3]);
  assert.equal(await consumer.position({ topic, partition: 0 }), 4);
  // stop() ends an iteration in progress.
  const rest: number[] = [];
  setTimeout(() => consumer.stop(), 500);
  for await (const record of consumer) rest.push(record.offset);
  assert.deepEqual(rest, [4, 5, 6, 7, 8, 9]);
  await consumer.close();
});

test('run({ eachRecord }) handles every record until stop(); eachBatch gets poll batches; a throwing handler rejects run()', async () => {
  const topic = await topicWithRecords('run', 2, 5);
  const consumer = kafka.consumer({ 'auto.offset.reset': 'earliest', 'fetch.max.wait.ms': 50 });
  consumer.assign([{ topic, partition: 0 }, { topic, partition: 1 }]);
  const seen: string[] = [];
  await consumer.run({
    eachRecord: async (r) => {
      seen.push(`${r.partition}:${r.offset}`);
      if (seen.length === 10) consumer.stop();
    },
  });
  assert.equal(seen.length, 10);
  assert.deepEqual(seen.filter((s) => s.startsWith('0:')), ['0:0', '0:1', '0:2', '0:3', '0:4']);

  consumer.seekToBeginning();
  let batches = 0;
  let records = 0;
  await consumer.run({
    eachBatch: (batch) => {
      batches++;
      records += batch.length;
      if (records >= 10) consumer.stop();
    },
  });
  assert.equal(records, 10);
  assert.ok(batches >= 1);

  consumer.seekToBeginning();
  await assert.rejects(consumer.run({ eachRecord: () => { throw new Error('handler failed'); } }), /handler failed/);
  await consumer.close();
  await assert.rejects(consumer.poll(10), /closed/);
});

test('fetch.min.bytes makes the broker wait up to fetch.max.wait.ms; a tiny max.partition.fetch.bytes still progresses', async () => {
  const topic = await topicWithRecords('fetchwait', 1, 3);
  const waiting = kafka.consumer({ 'auto.offset.reset': 'earliest', 'fetch.min.bytes': 10_000_000, 'fetch.max.wait.ms': 400 });
  waiting.assign([{ topic, partition: 0 }]);
  await waiting.position({ topic, partition: 0 });
  const t = Date.now();
  const got = await pollUntil(waiting, 3);
  assert.equal(got.length, 3);
  assert.ok(Date.now() - t >= 300, `answered after ${Date.now() - t} ms`);
  await waiting.close();

  const tiny = kafka.consumer({ 'auto.offset.reset': 'earliest', 'max.partition.fetch.bytes': 10, 'fetch.max.bytes': 10 });
  tiny.assign([{ topic, partition: 0 }]);
  assert.deepEqual((await pollUntil(tiny, 3)).map((r) => r.offset), [0, 1, 2]);
  await tiny.close();
});

test('isolation.level=read_committed reads non-transactional data; subscribe() and commit() need a group.id', async () => {
  const topic = await topicWithRecords('committed', 1, 4);
  const consumer = kafka.consumer({ 'isolation.level': 'read_committed', 'auto.offset.reset': 'earliest' });
  consumer.assign([{ topic, partition: 0 }]);
  assert.equal((await pollUntil(consumer, 4)).length, 4);
  const noGroup = (e: unknown): boolean => e instanceof KafkaError && e.errorName === 'INVALID_GROUP_ID' && /group\.id/.test(e.message);
  assert.throws(() => consumer.subscribe([topic]), noGroup);
  await assert.rejects(consumer.commit(), noGroup);
  await assert.rejects(consumer.committed([{ topic, partition: 0 }]), noGroup);
  assert.throws(() => consumer.seek({ topic, partition: 9 }, 0), /not assigned/);
  assert.throws(() => consumer.seek({ topic, partition: 0 }, -1), TypeError);
  await consumer.close();
});

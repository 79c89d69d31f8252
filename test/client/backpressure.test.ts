/**
 * buffer.memory backpressure: send() waits for memory (and the producer sends early instead of
 * lingering while sends wait), then fails after max.block.ms when nothing comes back; records
 * stuck without a broker fail at delivery.timeout.ms; close() with a timeout fails what is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientClosedError, KafkaError } from '../../src/index.js';
import { startClientTestBroker, uniqueTopic } from '../support/client.js';

test('send() waits for buffer.memory, and full memory makes the producer send without lingering', async () => {
  const tb = await startClientTestBroker('backpressure-wait');
  try {
    const topic = uniqueTopic('bp');
    const producer = tb.kafka.producer({ 'buffer.memory': 20_000, 'batch.size': 100_000, 'linger.ms': 30_000 });
    const warmUp = producer.send({ topic, partition: 0, value: 'warm-up' }); // metadata
    await producer.flush();
    await warmUp;
    const t = Date.now();
    const value = Buffer.alloc(4000, 1);
    // 25 × 4 KB = 100 KB through a 20 KB buffer: sends wait, and batches leave before linger.ms
    // while they do (only the last batch, with nobody waiting, lingers: flush() sends it).
    const sends = Array.from({ length: 25 }, (_, i) => producer.send({ topic, partition: 0, value, key: String(i) }));
    const early = await Promise.all(sends.slice(0, 20));
    assert.ok(Date.now() - t < 5_000, `took ${Date.now() - t} ms: waited for linger.ms`);
    assert.ok(producer.stats.requests >= 5, `${producer.stats.requests} requests`);
    await producer.flush();
    const results = [...early, ...(await Promise.all(sends.slice(20)))];
    assert.deepEqual(results.map((r) => r.offset), Array.from({ length: 25 }, (_, i) => i + 1));
    await producer.close();
  } finally {
    await tb.stop();
  }
});

test('with the broker gone: send() fails after max.block.ms, queued records at delivery.timeout.ms, close({ timeoutMs }) ends it', async () => {
  const tb = await startClientTestBroker('backpressure-fail');
  const topic = uniqueTopic('bp-fail');
  const producer = tb.kafka.producer({
    'buffer.memory': 10_000,
    'max.block.ms': 300,
    'request.timeout.ms': 500,
    'delivery.timeout.ms': 1500,
    'linger.ms': 0,
    'reconnect.backoff.ms': 20,
    'reconnect.backoff.max.ms': 100,
  });
  await producer.send({ topic, partition: 0, value: 'ok' });
  await tb.stop();
  const value = Buffer.alloc(4000, 2);
  const stuck = [producer.send({ topic, partition: 0, value }), producer.send({ topic, partition: 0, value })];
  const stuckOutcome = Promise.allSettled(stuck);
  const t = Date.now();
  await assert.rejects(producer.send({ topic, partition: 0, value }), (e: unknown) => e instanceof KafkaError && e.errorName === 'REQUEST_TIMED_OUT' && /max blocking time 300 ms/.test(e.message));
  const waited = Date.now() - t;
  assert.ok(waited >= 250 && waited < 1500, `waited ${waited} ms`);
  const outcomes = await stuckOutcome;
  for (const o of outcomes) {
    assert.equal(o.status, 'rejected');
    assert.ok(o.status === 'rejected' && o.reason instanceof KafkaError && o.reason.errorName === 'REQUEST_TIMED_OUT', String((o as PromiseRejectedResult).reason));
  }
  assert.ok(Date.now() - t >= 1000, 'queued records lasted until delivery.timeout.ms');
  // Memory came back: a send now waits for metadata/the broker, and close() with a timeout fails it.
  const late = producer.send({ topic, partition: 0, value: 'late' });
  const lateOutcome = late.then(() => 'delivered', (e: unknown) => e);
  await producer.close({ timeoutMs: 100 });
  const lateResult = await lateOutcome;
  assert.ok(lateResult instanceof ClientClosedError || (lateResult instanceof KafkaError && lateResult.retriable), String(lateResult));
});

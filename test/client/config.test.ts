/** Client config: Kafka keys and camelCase names, defaults, parsing, unknown keys named. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, Kafka, clientConfigKeys, resolveClientConfig } from '../../src/index.js';

test('Kafka keys and camelCase names resolve to typed values; defaults are Kafka 4.0\'s', () => {
  const c = resolveClientConfig('producer', { 'bootstrap.servers': 'a:1, b:2' }, { 'linger.ms': '10', batchSize: 1000, acks: 'all', 'compression.type': 'LZ4' });
  assert.deepEqual(c.bootstrapServers, ['a:1', 'b:2']);
  assert.equal(c.lingerMs, 10);
  assert.equal(c.batchSize, 1000);
  assert.equal(c.acks, -1);
  assert.equal(c.compressionType, 'lz4');
  assert.equal(c.bufferMemory, 33554432);
  assert.equal(c.maxBlockMs, 60000);
  assert.equal(c.deliveryTimeoutMs, 120000);
  assert.equal(c.requestTimeoutMs, 30000);
  assert.equal(c.retryBackoffMs, 100);
  assert.equal(c.retryBackoffMaxMs, 1000);
  assert.equal(c.maxInFlightRequestsPerConnection, 5);
  assert.equal(c.metadataMaxAgeMs, 300000);
  const d = resolveClientConfig('producer', { bootstrapServers: ['x:9'] });
  assert.equal(d.lingerMs, 5);
  assert.equal(d.batchSize, 16384);
  assert.equal(d.acks, -1);
  assert.equal(resolveClientConfig('producer', { bootstrapServers: 'x:9', acks: 0 }).acks, 0);
  assert.equal(resolveClientConfig('producer', { bootstrapServers: 'x:9', acks: '1' }).acks, 1);
  const k = resolveClientConfig('consumer', { 'bootstrap.servers': 'x:9' });
  assert.equal(k.autoOffsetReset, 'latest');
  assert.equal(k.fetchMaxWaitMs, 500);
  assert.equal(k.fetchMinBytes, 1);
  assert.equal(k.fetchMaxBytes, 52428800);
  assert.equal(k.maxPartitionFetchBytes, 1048576);
  assert.equal(k.maxPollRecords, 500);
  assert.equal(k.isolationLevel, 'read_uncommitted');
  assert.equal(resolveClientConfig('admin', { 'bootstrap.servers': 'x:9' }).defaultApiTimeoutMs, 60000);
  assert.ok(clientConfigKeys('producer').some((d) => d.key === 'linger.ms' && d.name === 'lingerMs'));
});

test('unknown keys are an error naming them (and where a misplaced key belongs)', () => {
  assert.throws(() => new Kafka({ 'bootstrap.servers': 'x:9', 'linger.mss': 5 } as never), (e: unknown) => e instanceof ConfigError && /"linger\.mss"/.test(e.message));
  const kafka = new Kafka({ 'bootstrap.servers': 'x:9' });
  assert.throws(() => kafka.producer({ 'foo.bar': 1, bazQux: 2 } as never), (e: unknown) => e instanceof ConfigError && /"foo\.bar"/.test(e.message) && /"bazQux"/.test(e.message));
  assert.throws(() => kafka.consumer({ 'linger.ms': 5 } as never), (e: unknown) => e instanceof ConfigError && /producer config/.test(e.message));
  assert.throws(() => new Kafka({ 'linger.ms': 5 } as never), (e: unknown) => e instanceof ConfigError && /"linger\.ms"/.test(e.message));
});

test('invalid values and missing bootstrap.servers are errors naming the key', () => {
  const kafka = new Kafka({ 'bootstrap.servers': 'x:9' });
  assert.throws(() => kafka.producer({ acks: 2 as never }), (e: unknown) => e instanceof ConfigError && e.key === 'acks');
  assert.throws(() => kafka.producer({ 'linger.ms': 'soon' }), (e: unknown) => e instanceof ConfigError && e.key === 'linger.ms');
  assert.throws(() => kafka.producer({ 'compression.type': 'brotli' as never }), (e: unknown) => e instanceof ConfigError && e.key === 'compression.type');
  assert.throws(() => kafka.consumer({ 'auto.offset.reset': 'smallest' as never }), (e: unknown) => e instanceof ConfigError && e.key === 'auto.offset.reset');
  assert.throws(() => new Kafka({ 'bootstrap.servers': 'nohostport' }), (e: unknown) => e instanceof ConfigError && e.key === 'bootstrap.servers');
  assert.throws(() => new Kafka({}).producer(), (e: unknown) => e instanceof ConfigError && e.key === 'bootstrap.servers');
  assert.throws(() => kafka.producer({ 'delivery.timeout.ms': 1000, 'request.timeout.ms': 5000 }), (e: unknown) => e instanceof ConfigError && e.key === 'delivery.timeout.ms');
  assert.throws(() => kafka.producer({ 'enable.idempotence': true }), (e: unknown) => e instanceof ConfigError && e.key === 'enable.idempotence');
  assert.throws(() => kafka.producer({ 'linger.ms': 1, lingerMs: 2 }), (e: unknown) => e instanceof ConfigError && /twice/.test(e.message));
});

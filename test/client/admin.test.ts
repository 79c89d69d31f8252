/**
 * The admin client against the broker: createTopics (configs, validateOnly, already exists),
 * listTopics, describeTopics, createPartitions, describeConfigs (topic and broker, synonyms),
 * alterConfigs, incrementalAlterConfigs, listOffsets (earliest, latest, max-timestamp, a time),
 * deleteRecords, deleteTopics, describeCluster and brokerApiVersions; broker errors as KafkaError
 * with code, name, retriable and the topic in context.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaError, type Admin, type Kafka } from '../../src/index.js';
import { startClientTestBroker, uniqueTopic, type ClientTestBroker } from '../support/client.js';

let tb: ClientTestBroker;
let kafka: Kafka;
let admin: Admin;

before(async () => {
  tb = await startClientTestBroker('admin');
  kafka = tb.kafka;
  admin = kafka.admin();
});
after(async () => {
  await admin.close();
  await tb.stop();
});

function isKafkaError(name: string, topic?: string): (e: unknown) => boolean {
  return (e) => e instanceof KafkaError && e.errorName === name && (topic === undefined || e.context?.['topic'] === topic);
}

test('createTopics, listTopics, describeTopics; errors for existing and unknown topics', async () => {
  const topic = uniqueTopic('adm-create');
  const [created] = await admin.createTopics([{ topic, numPartitions: 3, replicationFactor: 1, configs: { 'retention.ms': '60000' } }]);
  assert.equal(created!.topic, topic);
  assert.equal(created!.numPartitions, 3);
  assert.equal(created!.replicationFactor, 1);
  assert.match(created!.topicId, /^[A-Za-z0-9_-]{22}$/);
  assert.ok(created!.configs.some((c) => c.name === 'retention.ms' && c.value === '60000' && c.source === 'DYNAMIC_TOPIC_CONFIG'));

  const dry = uniqueTopic('adm-dry');
  await admin.createTopics([{ topic: dry, numPartitions: 1 }], { validateOnly: true });
  assert.ok(!(await admin.listTopics()).includes(dry), 'validateOnly creates nothing');
  assert.ok((await admin.listTopics()).includes(topic));

  await assert.rejects(admin.createTopics([{ topic, numPartitions: 1 }]), isKafkaError('TOPIC_ALREADY_EXISTS', topic));
  await assert.rejects(admin.createTopics([{ topic: uniqueTopic('bad'), numPartitions: 1, configs: { 'retention.ms': 'soon' } }]), isKafkaError('INVALID_CONFIG'));

  const [desc] = await admin.describeTopics([topic]);
  assert.equal(desc!.topic, topic);
  assert.equal(desc!.topicId, created!.topicId);
  assert.equal(desc!.isInternal, false);
  assert.deepEqual(desc!.partitions.map((p) => [p.partition, p.leader, p.replicas, p.isr, p.error]), [0, 1, 2].map((p) => [p, tb.broker.nodeId, [tb.broker.nodeId], [tb.broker.nodeId], null]));
  await assert.rejects(admin.describeTopics(['no-such-topic-here']), (e: unknown) => isKafkaError('UNKNOWN_TOPIC_OR_PARTITION', 'no-such-topic-here')(e) && (e as KafkaError).retriable);
  assert.ok((await admin.describeTopics()).some((d) => d.topic === topic));
});

test('createPartitions grows a topic; shrinking is INVALID_PARTITIONS', async () => {
  const topic = uniqueTopic('adm-parts');
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  await admin.createPartitions([{ topic, count: 4 }]);
  assert.equal((await admin.describeTopics([topic]))[0]!.partitions.length, 4);
  await admin.createPartitions([{ topic, count: 6 }], { validateOnly: true });
  assert.equal((await admin.describeTopics([topic]))[0]!.partitions.length, 4);
  await assert.rejects(admin.createPartitions([{ topic, count: 2 }]), isKafkaError('INVALID_PARTITIONS', topic));
  // The new partitions take records.
  const producer = kafka.producer();
  assert.equal((await producer.send({ topic, partition: 3, value: 'x' })).offset, 0);
  await producer.close();
});

test('describeConfigs, alterConfigs and incrementalAlterConfigs on topics and the broker', async () => {
  const topic = uniqueTopic('adm-configs');
  await admin.createTopics([{ topic, numPartitions: 1, configs: { 'cleanup.policy': 'compact' } }]);
  const [res] = await admin.describeConfigs([{ type: 'topic', name: topic }], { includeSynonyms: true });
  const policy = res!.configs.find((c) => c.name === 'cleanup.policy')!;
  assert.equal(policy.value, 'compact');
  assert.equal(policy.source, 'DYNAMIC_TOPIC_CONFIG');
  assert.ok(policy.synonyms.some((s) => s.source === 'DEFAULT_CONFIG' && s.name === 'log.cleanup.policy'));
  const retention = res!.configs.find((c) => c.name === 'retention.ms')!;
  assert.equal(retention.source, 'DEFAULT_CONFIG');
  assert.equal(retention.isDefault, true);

  await admin.incrementalAlterConfigs([{ type: 'topic', name: topic, ops: [{ name: 'retention.ms', op: 'set', value: '12345' }, { name: 'cleanup.policy', op: 'delete' }] }]);
  const [after1] = await admin.describeConfigs([{ type: 'topic', name: topic, keys: ['retention.ms', 'cleanup.policy'] }]);
  assert.deepEqual(after1!.configs.map((c) => [c.name, c.value, c.source]).sort(), [['cleanup.policy', 'delete', 'DEFAULT_CONFIG'], ['retention.ms', '12345', 'DYNAMIC_TOPIC_CONFIG']]);

  await admin.alterConfigs([{ type: 'topic', name: topic, configs: { 'segment.ms': '600000' } }]);
  const [after2] = await admin.describeConfigs([{ type: 'topic', name: topic, keys: ['retention.ms', 'segment.ms'] }]);
  assert.deepEqual(after2!.configs.map((c) => [c.name, c.value, c.source]).sort(), [['retention.ms', '604800000', 'DEFAULT_CONFIG'], ['segment.ms', '600000', 'DYNAMIC_TOPIC_CONFIG']]);

  await assert.rejects(admin.incrementalAlterConfigs([{ type: 'topic', name: topic, ops: [{ name: 'retention.ms', op: 'set', value: 'x' }] }]), isKafkaError('INVALID_CONFIG', topic));
  await assert.rejects(admin.describeConfigs([{ type: 'topic', name: 'missing-topic-x' }]), isKafkaError('UNKNOWN_TOPIC_OR_PARTITION'));

  const id = String(tb.broker.nodeId);
  const [broker] = await admin.describeConfigs([{ type: 'broker', name: id, keys: ['log.retention.hours', 'num.partitions'] }]);
  assert.equal(broker!.type, 'broker');
  assert.equal(broker!.configs.find((c) => c.name === 'num.partitions')?.value, '1');
  await admin.incrementalAlterConfigs([{ type: 'broker', name: '', ops: [{ name: 'log.retention.ms', op: 'set', value: '3600000' }] }]);
  const [defaults] = await admin.describeConfigs([{ type: 'broker', name: '' }]);
  assert.ok(defaults!.configs.some((c) => c.name === 'log.retention.ms' && c.value === '3600000' && c.source === 'DYNAMIC_DEFAULT_BROKER_CONFIG'));
  await admin.incrementalAlterConfigs([{ type: 'broker', name: '', ops: [{ name: 'log.retention.ms', op: 'delete' }] }]);
});

test('listOffsets (earliest, latest, max-timestamp, by time) and deleteRecords', async () => {
  const topic = uniqueTopic('adm-offsets');
  await admin.createTopics([{ topic, numPartitions: 1 }]);
  const producer = kafka.producer();
  const t0 = 1_650_000_000_000;
  for (let i = 0; i < 10; i++) await producer.send({ topic, partition: 0, value: `v${i}`, timestamp: t0 + (i === 7 ? 100_000 : i * 1000) });
  await producer.close();
  const tp = { topic, partition: 0 };
  const listed = await admin.listOffsets([
    { ...tp, spec: 'earliest' },
    { ...tp, spec: 'latest' },
    { ...tp, spec: 'max-timestamp' },
    { ...tp, spec: { timestamp: t0 + 2500 } },
    { ...tp, spec: { timestamp: t0 + 999_999 } },
  ]);
  assert.deepEqual(listed.map((l) => l.offset), [0, 10, 7, 3, -1]);
  assert.equal(listed[2]!.timestamp, t0 + 100_000);

  const [deleted] = await admin.deleteRecords([{ ...tp, offset: 4 }]);
  assert.deepEqual(deleted, { ...tp, lowWatermark: 4 });
  assert.equal((await admin.listOffsets([{ ...tp, spec: 'earliest' }]))[0]!.offset, 4);
  await assert.rejects(admin.deleteRecords([{ ...tp, offset: 50 }]), isKafkaError('OFFSET_OUT_OF_RANGE', topic));
  // A consumer positioned below the log start is reset (auto.offset.reset=earliest).
  const consumer = kafka.consumer({ 'auto.offset.reset': 'earliest', 'fetch.max.wait.ms': 50 });
  consumer.assign([{ ...tp, offset: 1 }]);
  let first = null;
  for (let i = 0; i < 20 && first === null; i++) first = (await consumer.poll(200))[0] ?? null;
  assert.equal(first?.offset, 4);
  await consumer.close();
});

test('deleteTopics removes topics; an unknown one is UNKNOWN_TOPIC_OR_PARTITION', async () => {
  const topic = uniqueTopic('adm-delete');
  await admin.createTopics([{ topic, numPartitions: 2 }]);
  await admin.deleteTopics([topic]);
  assert.ok(!(await admin.listTopics()).includes(topic));
  await assert.rejects(admin.deleteTopics([topic]), isKafkaError('UNKNOWN_TOPIC_OR_PARTITION', topic));
});

test('describeCluster and brokerApiVersions', async () => {
  const cluster = await admin.describeCluster();
  assert.equal(cluster.clusterId, tb.broker.clusterId);
  assert.equal(cluster.controllerId, tb.broker.nodeId);
  assert.deepEqual(cluster.brokers.map((b) => [b.nodeId, `${b.host}:${b.port}`]), [[tb.broker.nodeId, tb.address]]);
  const [versions] = await admin.brokerApiVersions();
  assert.equal(versions!.nodeId, tb.broker.nodeId);
  const produce = versions!.apis.find((a) => a.name === 'Produce')!;
  assert.equal(produce.apiKey, 0);
  assert.ok(produce.maxVersion >= 9);
  assert.ok(versions!.apis.some((a) => a.name === 'ApiVersions'));
});

test('admin calls on an unreachable cluster fail within timeoutMs; calls after close fail', async () => {
  const unreachable = (await import('../../src/index.js')).Kafka;
  const a = new unreachable({ 'bootstrap.servers': '127.0.0.1:1', 'reconnect.backoff.ms': 20 }).admin();
  const t = Date.now();
  await assert.rejects(a.listTopics({ timeoutMs: 500 }), (e: unknown) => e instanceof KafkaError && e.retriable);
  assert.ok(Date.now() - t < 3000, `gave up after ${Date.now() - t} ms`);
  await a.close();
  await assert.rejects(a.listTopics(), /closed/);
});

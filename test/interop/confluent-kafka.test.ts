/**
 * confluent-kafka-python 1.7 (Debian's python3-confluent-kafka, librdkafka underneath, run with
 * /usr/bin/python3) against a broker: admin (create, metadata, configs, partitions, delete),
 * produce with every librdkafka codec (none, gzip, snappy, lz4, zstd) and every acks setting,
 * consume from the beginning, an offset and a timestamp, and byte-exact keys, values, headers
 * (null header values included) and timestamps. One Python process runs every step
 * (test/interop/python/confluent_kafka_client.py); the tests below check its answers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiKey, assertSameRecords, killChildren, needs, pythonHas, runPython, sampleRecords, skipUnless, startTestBroker, toJsonRecord,
  type JsonRecord, type SentRecord, type TestBroker,
} from '../support/interop.js';

const SCRIPT = 'confluent_kafka_client.py';
const hasClient = pythonHas('confluent_kafka');
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const ACKS = [0, 1, -1] as const;
const combos = CODECS.flatMap((codec) => ACKS.map((acks) => ({ codec, acks })));
const RECORDS_TOPIC = 'ck-records';
const ADMIN_TOPIC = 'ck-admin';
const LOG_APPEND_TOPIC = 'ck-log-append';
const BASE_TS = 1_650_000_000_000;
const sentFor = (i: number): SentRecord[] => sampleRecords(`ck${i}`, BASE_TS + i * 1000, { nullHeaderValues: true });
// confluent_kafka's timestamp types.
const CREATE_TIME = 1;
const LOG_APPEND_TIME = 2;

type Step = { ok: true; result: any; ms: number } | { ok: false; error: string; trace: string; ms: number };
type Output = { client: string; results: Record<string, Step> };

function result(out: Output, id: string): any {
  const s = out.results[id];
  assert.ok(s, `no step ${id}`);
  if (!s.ok) assert.fail(`step ${id} failed: ${s.error}\n${s.trace}`);
  return s.result;
}

describe('confluent-kafka-python 1.7', skipUnless(hasClient, 'confluent-kafka-python not installed: apt-get install python3-confluent-kafka (run by /usr/bin/python3)'), () => {
  let tb: TestBroker;
  let out: Output;
  let window: { before: number; after: number };

  before(async () => {
    tb = await startTestBroker('confluent-kafka');
    const steps: object[] = [
      {
        id: 'create',
        op: 'create_topics',
        topics: [
          { name: ADMIN_TOPIC, partitions: 2, configs: { 'retention.ms': '3600000', 'cleanup.policy': 'compact' } },
          { name: RECORDS_TOPIC, partitions: combos.length },
          { name: LOG_APPEND_TOPIC, partitions: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } },
        ],
      },
      {
        id: 'create_errors',
        op: 'create_topics',
        topics: [
          { name: ADMIN_TOPIC, partitions: 1 },
          { name: 'ck-bad-rf', partitions: 1, replication: 2 },
          { name: 'ck-bad-config', partitions: 1, configs: { 'cleanup.policy': 'sometimes' } },
          { name: 'ck-bad-name!', partitions: 1 },
        ],
      },
      { id: 'create_validate_only', op: 'create_topics', validate_only: true, topics: [{ name: 'ck-validate-only', partitions: 3 }] },
      { id: 'metadata', op: 'metadata' },
      { id: 'configs', op: 'describe_configs', topic: ADMIN_TOPIC },
      { id: 'alter', op: 'alter_configs', topic: ADMIN_TOPIC, configs: { 'retention.ms': '60000', 'segment.bytes': '1048576' } },
      { id: 'configs_after_alter', op: 'describe_configs', topic: ADMIN_TOPIC },
      { id: 'alter_bad', op: 'alter_configs', topic: ADMIN_TOPIC, configs: { 'retention.ms': 'forever' } },
      { id: 'partitions', op: 'create_partitions', topic: ADMIN_TOPIC, total: 4 },
      { id: 'partitions_fewer', op: 'create_partitions', topic: ADMIN_TOPIC, total: 2 },
      { id: 'metadata_after_partitions', op: 'metadata', topic: ADMIN_TOPIC },
    ];
    for (const [i, { codec, acks }] of combos.entries()) {
      steps.push({ id: `produce-${codec}-${acks}`, op: 'produce', topic: RECORDS_TOPIC, partition: i, codec, acks, records: sentFor(i).map(toJsonRecord) });
    }
    steps.push({ id: 'produce-log-append', op: 'produce', topic: LOG_APPEND_TOPIC, partition: 0, records: sentFor(99).slice(0, 2).map(toJsonRecord) });
    const zstdAll = combos.findIndex((c) => c.codec === 'zstd' && c.acks === -1);
    steps.push({
      id: 'consume',
      op: 'consume',
      topic: RECORDS_TOPIC,
      reads: [
        ...combos.map((_, i) => ({ partition: i, from: 'beginning', count: 6 })),
        { partition: zstdAll, from: { offset: 4 }, count: 2 },
        { partition: zstdAll, from: { timestamp: BASE_TS + zstdAll * 1000 + 1 }, count: 5 },
        { partition: zstdAll, from: { timestamp: BASE_TS + 10_000_000 }, count: 0 },
      ],
    });
    steps.push({ id: 'consume-log-append', op: 'consume', topic: LOG_APPEND_TOPIC, reads: [{ partition: 0, from: 'beginning', count: 2 }] });
    steps.push({ id: 'watermarks', op: 'watermarks', topic: RECORDS_TOPIC, partitions: combos.length });
    steps.push({ id: 'delete', op: 'delete_topics', topics: [ADMIN_TOPIC, 'ck-never-created'] });
    steps.push({ id: 'metadata_after_delete', op: 'metadata' });
    window = { before: Date.now(), after: 0 };
    out = await runPython<Output>(SCRIPT, tb.address, { steps });
    window.after = Date.now();
  });

  after(async () => {
    killChildren();
    await tb?.stop();
  });

  test('creates topics; Kafka\'s errors for an existing topic, a replication factor above the brokers, a bad config value, a bad name', () => {
    const created = result(out, 'create');
    for (const t of [ADMIN_TOPIC, RECORDS_TOPIC, LOG_APPEND_TOPIC]) assert.deepEqual(created[t], { ok: true, error: null }, t);
    const errors = result(out, 'create_errors');
    assert.equal(errors[ADMIN_TOPIC].error.name, 'TOPIC_ALREADY_EXISTS');
    assert.equal(errors['ck-bad-rf'].error.name, 'INVALID_REPLICATION_FACTOR');
    assert.equal(errors['ck-bad-config'].error.name, 'INVALID_CONFIG');
    assert.equal(errors['ck-bad-name!'].error.code, 17, 'INVALID_TOPIC_EXCEPTION (librdkafka calls it TOPIC_EXCEPTION)');
    assert.deepEqual(result(out, 'create_validate_only')['ck-validate-only'], { ok: true, error: null });
  });

  test('metadata lists topics, partitions, the broker and a real controller id', () => {
    const md = result(out, 'metadata');
    assert.equal(md.controller_id, 1);
    assert.equal(md.orig_broker_id, 1);
    assert.equal(md.cluster_id, tb.broker.clusterId);
    assert.deepEqual(md.brokers, { '1': { host: tb.host, port: tb.port } });
    assert.deepEqual(Object.keys(md.topics).sort(), [ADMIN_TOPIC, LOG_APPEND_TOPIC, RECORDS_TOPIC]);
    assert.deepEqual(md.topics[ADMIN_TOPIC], {
      error: null,
      partitions: {
        '0': { leader: 1, replicas: [1], isrs: [1], error: null },
        '1': { leader: 1, replicas: [1], isrs: [1], error: null },
      },
    });
    assert.equal(Object.keys(md.topics[RECORDS_TOPIC].partitions).length, combos.length);
  });

  test('reads topic configs with their sources and synonyms', needs(ApiKey.DescribeConfigs), () => {
    const described = result(out, 'configs');
    const entry = described[`ConfigResource(Resource.TOPIC,${ADMIN_TOPIC})`] ?? Object.values(described)[0];
    assert.ok(entry.ok, JSON.stringify(entry));
    const c = entry.configs;
    assert.equal(c['retention.ms'].value, '3600000');
    assert.equal(c['retention.ms'].source, 1, 'DYNAMIC_TOPIC_CONFIG');
    assert.equal(c['cleanup.policy'].value, 'compact');
    assert.equal(c['segment.bytes'].value, '1073741824');
    assert.equal(c['segment.bytes'].source, 5, 'DEFAULT_CONFIG');
    assert.equal(c['segment.bytes'].default, true);
    assert.equal(c['min.insync.replicas'].value, '1');
  });

  test('alters topic configs (the new set replaces the old overrides); a bad value is refused', needs(ApiKey.AlterConfigs, ApiKey.DescribeConfigs), () => {
    const altered = Object.values(result(out, 'alter'))[0] as { ok: boolean; error: unknown };
    assert.deepEqual(altered, { ok: true, error: null });
    const entry = Object.values(result(out, 'configs_after_alter'))[0] as any;
    assert.equal(entry.configs['retention.ms'].value, '60000');
    assert.equal(entry.configs['segment.bytes'].value, '1048576');
    assert.equal(entry.configs['segment.bytes'].source, 1);
    assert.equal(entry.configs['cleanup.policy'].value, 'delete', 'cleanup.policy is back to its default');
    const bad = Object.values(result(out, 'alter_bad'))[0] as any;
    assert.equal(bad.ok, false);
    assert.equal(bad.error.name, 'INVALID_CONFIG');
  });

  test('adds partitions; asking for fewer is refused', needs(ApiKey.CreatePartitions), () => {
    assert.deepEqual(result(out, 'partitions')[ADMIN_TOPIC], { ok: true, error: null });
    assert.equal(result(out, 'partitions_fewer')[ADMIN_TOPIC].error.name, 'INVALID_PARTITIONS');
    const md = result(out, 'metadata_after_partitions');
    assert.deepEqual(Object.keys(md.topics[ADMIN_TOPIC].partitions).sort(), ['0', '1', '2', '3']);
  });

  test('deletes topics; an unknown one gets UNKNOWN_TOPIC_OR_PART', needs(ApiKey.DeleteTopics), () => {
    const deleted = result(out, 'delete');
    assert.deepEqual(deleted[ADMIN_TOPIC], { ok: true, error: null });
    assert.equal(deleted['ck-never-created'].error.name, 'UNKNOWN_TOPIC_OR_PART');
    const md = result(out, 'metadata_after_delete');
    // The consume steps' consumer has a group.id, so librdkafka looked its coordinator up, which
    // created __consumer_offsets; Kafka lists internal topics in Metadata too.
    assert.deepEqual(Object.keys(md.topics).sort(), ['__consumer_offsets', LOG_APPEND_TOPIC, RECORDS_TOPIC]);
  });

  for (const [i, { codec, acks }] of combos.entries()) {
    test(`produces with ${codec}, acks=${acks}; reads back from the beginning byte for byte`, () => {
      const produced = result(out, `produce-${codec}-${acks}`);
      const sent = sentFor(i);
      assert.equal(produced.undelivered, 0);
      assert.equal(produced.reports.length, sent.length);
      for (const r of produced.reports) assert.equal(r.error, null);
      if (acks !== 0) assert.deepEqual(produced.reports.map((r: any) => r.offset), sent.map((_, j) => j));
      const read = result(out, 'consume')[i] as { records: JsonRecord[] };
      assertSameRecords(read.records, sent, 0, `${codec}/acks=${acks}`);
      for (const r of read.records) assert.equal(r.timestamp_type, CREATE_TIME);
    });
  }

  test('consumes from an offset and from a timestamp (offsets_for_times); a timestamp past the end gives -1', () => {
    const reads = result(out, 'consume') as { lookup: { offset: number } | null; records: JsonRecord[] }[];
    const zstdAll = combos.findIndex((c) => c.codec === 'zstd' && c.acks === -1);
    const [fromOffset, fromTimestamp, pastEnd] = reads.slice(combos.length);
    const sent = sentFor(zstdAll);
    assertSameRecords(fromOffset!.records, sent.slice(4), 4, 'from offset 4');
    assert.deepEqual(fromTimestamp!.lookup, { offset: 1 });
    assertSameRecords(fromTimestamp!.records, sent.slice(1), 1, 'from a timestamp');
    assert.deepEqual(pastEnd!.lookup, { offset: -1 });
  });

  test('watermarks', () => {
    const marks = result(out, 'watermarks') as { partition: number; low: number; high: number }[];
    assert.deepEqual(marks, combos.map((_, i) => ({ partition: i, low: 0, high: 6 })));
  });

  test('LogAppendTime topic: the broker stamps the time', () => {
    const [read] = result(out, 'consume-log-append') as { records: JsonRecord[] }[];
    assert.equal(read!.records.length, 2);
    const produced = result(out, 'produce-log-append');
    read!.records.forEach((r, j) => {
      assert.equal(r.timestamp_type, LOG_APPEND_TIME);
      assert.ok(r.timestamp >= window.before && r.timestamp <= window.after, `log append time ${r.timestamp}`);
      assert.deepEqual(produced.reports[j].timestamp, [LOG_APPEND_TIME, r.timestamp], 'the delivery report carries the log append time');
      assert.equal(r.key, sentFor(99)[j]!.key!.toString('hex'));
    });
  });
});

/**
 * kafka-python 2.0.2 (Debian's python3-kafka, run with /usr/bin/python3) against a broker: admin
 * (create, list, describe, configs, partitions, delete), produce with every codec it has and
 * every acks setting, consume from the beginning, an offset and a timestamp, and byte-exact
 * keys, values, headers and timestamps. One Python process runs every step
 * (test/interop/python/kafka_python_client.py); the tests below check its answers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiKey, assertSameRecords, killChildren, needs, pythonHas, runPython, sampleRecords, skipUnless, startTestBroker, toJsonRecord,
  type JsonRecord, type SentRecord, type TestBroker,
} from '../support/interop.js';

const SCRIPT = 'kafka_python_client.py';
const hasClient = pythonHas('kafka', 'snappy', 'lz4.frame', 'zstandard') || pythonHas('kafka');
/** kafka-python's codecs need these modules (apt packages in parentheses). */
const CODEC_MODULES: Record<string, [string, string] | null> = {
  none: null,
  gzip: null,
  snappy: ['snappy', 'python3-snappy'],
  lz4: ['lz4.frame', 'python3-lz4'],
  zstd: ['zstandard', 'python3-zstandard'],
};
const ACKS = [0, 1, -1] as const;
const codecs = Object.keys(CODEC_MODULES);
const codecAvailable = (codec: string): boolean => {
  const m = CODEC_MODULES[codec];
  return m === null || m === undefined || (hasClient && pythonHas(m[0]));
};

// Partition i of the records topic holds codec i / acks i's records.
const combos = codecs.flatMap((codec) => ACKS.map((acks) => ({ codec, acks })));
const RECORDS_TOPIC = 'kp-records';
const ADMIN_TOPIC = 'kp-admin';
const LOG_APPEND_TOPIC = 'kp-log-append';
const BASE_TS = 1_600_000_000_000;
// kafka-python's send() accepts only bytes header values (no null ones).
const sentFor = (i: number): SentRecord[] => sampleRecords(`kp${i}`, BASE_TS + i * 1000);

type Step = { ok: true; result: any; ms: number } | { ok: false; error: string; trace: string; ms: number };
type Output = { client: string; results: Record<string, Step> };

function result(out: Output, id: string): any {
  const s = out.results[id];
  assert.ok(s, `no step ${id}`);
  if (!s.ok) assert.fail(`step ${id} failed: ${s.error}\n${s.trace}`);
  return s.result;
}

describe('kafka-python 2.0.2', skipUnless(hasClient, 'kafka-python not installed: apt-get install python3-kafka (run by /usr/bin/python3)'), () => {
  let tb: TestBroker;
  let out: Output;
  let producedAt: { before: number; after: number };

  before(async () => {
    tb = await startTestBroker('kafka-python');
    const steps: object[] = [
      { id: 'api_version', op: 'api_version' },
      {
        id: 'create',
        op: 'create_topics',
        topics: [
          { name: ADMIN_TOPIC, partitions: 3, configs: { 'retention.ms': '3600000', 'max.message.bytes': '2000000' } },
          { name: RECORDS_TOPIC, partitions: combos.length },
          { name: LOG_APPEND_TOPIC, partitions: 1, configs: { 'message.timestamp.type': 'LogAppendTime' } },
        ],
      },
      { id: 'create_again', op: 'create_topics', topics: [{ name: ADMIN_TOPIC, partitions: 1 }] },
      { id: 'create_validate_only', op: 'create_topics', validate_only: true, topics: [{ name: 'kp-validate-only', partitions: 2 }] },
      { id: 'create_bad_rf', op: 'create_topics', topics: [{ name: 'kp-bad-rf', partitions: 1, replication: 3 }] },
      { id: 'create_bad_config', op: 'create_topics', topics: [{ name: 'kp-bad-config', partitions: 1, configs: { 'retention.ms': 'soon' } }] },
      { id: 'list', op: 'list_topics' },
      { id: 'describe', op: 'describe_topics', topics: [ADMIN_TOPIC, 'kp-no-such-topic-and-no-autocreate-from-admin'] },
      { id: 'cluster', op: 'describe_cluster' },
      { id: 'configs', op: 'describe_configs', topic: ADMIN_TOPIC },
      { id: 'alter', op: 'alter_configs', topic: ADMIN_TOPIC, configs: { 'retention.ms': '7200000' } },
      { id: 'configs_after_alter', op: 'describe_configs', topic: ADMIN_TOPIC },
      { id: 'partitions', op: 'create_partitions', topic: ADMIN_TOPIC, total: 5 },
      { id: 'describe_after_partitions', op: 'describe_topics', topics: [ADMIN_TOPIC] },
    ];
    for (const [i, { codec, acks }] of combos.entries()) {
      if (!codecAvailable(codec)) continue;
      steps.push({ id: `produce-${codec}-${acks}`, op: 'produce', topic: RECORDS_TOPIC, partition: i, codec, acks, records: sentFor(i).map(toJsonRecord) });
    }
    steps.push({ id: 'produce-log-append', op: 'produce', topic: LOG_APPEND_TOPIC, partition: 0, records: sentFor(99).slice(0, 2).map(toJsonRecord) });
    const reads: object[] = [];
    for (const [i, { codec }] of combos.entries()) {
      if (!codecAvailable(codec)) continue;
      reads.push({ partition: i, from: 'beginning', count: 6 });
    }
    // From an offset and from a timestamp, on the gzip/acks=1 partition.
    const gzip1 = combos.findIndex((c) => c.codec === 'gzip' && c.acks === 1);
    reads.push({ partition: gzip1, from: { offset: 3 }, count: 3 });
    reads.push({ partition: gzip1, from: { timestamp: BASE_TS + gzip1 * 1000 + 2 }, count: 4 });
    reads.push({ partition: gzip1, from: { timestamp: BASE_TS + 10_000_000 }, count: 0 });
    steps.push({ id: 'consume', op: 'consume', topic: RECORDS_TOPIC, reads });
    steps.push({ id: 'consume-log-append', op: 'consume', topic: LOG_APPEND_TOPIC, reads: [{ partition: 0, from: 'beginning', count: 2 }] });
    steps.push({ id: 'offsets', op: 'offsets', topic: RECORDS_TOPIC, partitions: combos.length });
    steps.push({ id: 'delete', op: 'delete_topics', topics: [ADMIN_TOPIC] });
    steps.push({ id: 'list_after_delete', op: 'list_topics' });
    producedAt = { before: Date.now(), after: 0 };
    out = await runPython<Output>(SCRIPT, tb.address, { steps });
    producedAt.after = Date.now();
  });

  after(async () => {
    killChildren();
    await tb?.stop();
  });

  test('connects and infers a broker version from ApiVersions', () => {
    const v = result(out, 'api_version') as number[];
    assert.ok(v[0]! >= 1, `inferred api_version ${JSON.stringify(v)}`);
  });

  test('creates topics; a second create, a replication factor above the brokers and a bad config get Kafka\'s errors; validate_only creates nothing', () => {
    assert.deepEqual(result(out, 'create').map((e: any) => [e.topic, e.error_code]), [[ADMIN_TOPIC, 0], [RECORDS_TOPIC, 0], [LOG_APPEND_TOPIC, 0]]);
    assert.equal(result(out, 'create_again')[0].error_code, 36, 'TOPIC_ALREADY_EXISTS');
    assert.equal(result(out, 'create_validate_only')[0].error_code, 0);
    assert.equal(result(out, 'create_bad_rf')[0].error_code, 38, 'INVALID_REPLICATION_FACTOR');
    assert.equal(result(out, 'create_bad_config')[0].error_code, 40, 'INVALID_CONFIG');
  });

  test('lists topics (not the validate-only or rejected ones)', () => {
    const topics = result(out, 'list') as string[];
    for (const t of [ADMIN_TOPIC, RECORDS_TOPIC, LOG_APPEND_TOPIC]) assert.ok(topics.includes(t), `${t} in ${topics}`);
    for (const t of ['kp-validate-only', 'kp-bad-rf', 'kp-bad-config', '__cluster_metadata']) assert.ok(!topics.includes(t), `${t} listed`);
  });

  test('describes topics and the cluster', () => {
    const [admin, missing] = result(out, 'describe');
    assert.equal(admin.error_code, 0);
    assert.equal(admin.topic, ADMIN_TOPIC);
    assert.equal(admin.is_internal, false);
    assert.deepEqual(admin.partitions.map((p: any) => [p.partition, p.leader, p.replicas, p.isr, p.error_code]).sort(), [
      [0, 1, [1], [1], 0],
      [1, 1, [1], [1], 0],
      [2, 1, [1], [1], 0],
    ]);
    assert.equal(missing.error_code, 3, 'UNKNOWN_TOPIC_OR_PARTITION (admin metadata never auto-creates)');
    const cluster = result(out, 'cluster');
    assert.equal(cluster.controller_id, 1);
    assert.deepEqual(cluster.brokers.map((b: any) => [b.node_id, b.host, b.port]), [[1, tb.host, tb.port]]);
  });

  test('reads topic configs', needs(ApiKey.DescribeConfigs), () => {
    const [topic] = result(out, 'configs');
    assert.equal(topic.error_code, 0);
    assert.equal(topic.name, ADMIN_TOPIC);
    assert.equal(topic.configs['retention.ms'].value, '3600000');
    assert.equal(topic.configs['max.message.bytes'].value, '2000000');
    assert.equal(topic.configs['cleanup.policy'].value, 'delete');
    // DescribeConfigs v1+: config_source 1 is DYNAMIC_TOPIC_CONFIG, 5 DEFAULT_CONFIG.
    assert.equal(topic.configs['retention.ms'].source_or_default, 1);
    assert.equal(topic.configs['cleanup.policy'].source_or_default, 5);
  });

  test('alters topic configs (AlterConfigs replaces the whole set of topic overrides)', needs(ApiKey.AlterConfigs, ApiKey.DescribeConfigs), () => {
    assert.deepEqual(result(out, 'alter').map((r: any) => [r.name, r.error_code]), [[ADMIN_TOPIC, 0]]);
    const [topic] = result(out, 'configs_after_alter');
    assert.equal(topic.configs['retention.ms'].value, '7200000');
    assert.equal(topic.configs['max.message.bytes'].source_or_default, 5, 'max.message.bytes went back to its default');
  });

  test('adds partitions', needs(ApiKey.CreatePartitions), () => {
    assert.deepEqual(result(out, 'partitions').map((r: any) => [r.topic, r.error_code]), [[ADMIN_TOPIC, 0]]);
    const [admin] = result(out, 'describe_after_partitions');
    assert.deepEqual(admin.partitions.map((p: any) => p.partition).sort(), [0, 1, 2, 3, 4]);
  });

  test('deletes a topic', needs(ApiKey.DeleteTopics), () => {
    assert.deepEqual(result(out, 'delete'), [{ topic: ADMIN_TOPIC, error_code: 0 }]);
    const topics = result(out, 'list_after_delete') as string[];
    assert.ok(!topics.includes(ADMIN_TOPIC), `${ADMIN_TOPIC} still listed: ${topics}`);
    assert.ok(topics.includes(RECORDS_TOPIC));
  });

  for (const [i, { codec, acks }] of combos.entries()) {
    const missing = CODEC_MODULES[codec];
    const opts = hasClient && !codecAvailable(codec) ? skipUnless(false, `kafka-python ${codec}: apt-get install ${missing![1]}`) : {};
    test(`produces with ${codec}, acks=${acks}; reads back from the beginning byte for byte`, opts, () => {
      const acked = result(out, `produce-${codec}-${acks}`) as { partition: number; offset: number; timestamp: number }[];
      const sent = sentFor(i);
      assert.equal(acked.length, sent.length);
      if (acks === 0) {
        // acks=0: nothing comes back, kafka-python reports offset -1.
        for (const a of acked) assert.equal(a.offset, -1);
      } else {
        assert.deepEqual(acked.map((a) => a.offset), sent.map((_, j) => j));
        assert.deepEqual(acked.map((a) => a.timestamp), sent.map((s) => s.timestamp));
      }
      const reads = result(out, 'consume') as { records: JsonRecord[] }[];
      const available = combos.filter((c) => codecAvailable(c.codec));
      const read = reads[available.findIndex((c) => c.codec === codec && c.acks === acks)]!;
      assertSameRecords(read.records, sent, 0, `${codec}/acks=${acks}`);
      for (const r of read.records) assert.equal(r.timestamp_type, 0, 'CreateTime');
    });
  }

  test('consumes from an offset and from a timestamp (offsets_for_times); a timestamp past the end finds nothing', () => {
    const reads = result(out, 'consume') as { lookup: { offset: number; timestamp: number } | null; records: JsonRecord[] }[];
    const gzip1 = combos.findIndex((c) => c.codec === 'gzip' && c.acks === 1);
    const [fromOffset, fromTimestamp, pastEnd] = reads.slice(-3);
    const sent = sentFor(gzip1);
    assertSameRecords(fromOffset!.records, sent.slice(3), 3, 'from offset 3');
    assert.deepEqual(fromTimestamp!.lookup, { offset: 2, timestamp: sent[2]!.timestamp });
    assertSameRecords(fromTimestamp!.records, sent.slice(2), 2, 'from a timestamp');
    assert.equal(pastEnd!.lookup, null);
  });

  test('beginning and end offsets', () => {
    const offsets = result(out, 'offsets') as { partition: number; beginning: number; end: number }[];
    for (const [i, c] of combos.entries()) {
      assert.deepEqual(offsets[i], { partition: i, beginning: 0, end: codecAvailable(c.codec) ? 6 : 0 });
    }
  });

  test('LogAppendTime topic: the broker stamps the time, the producer learns it', () => {
    const acked = result(out, 'produce-log-append') as { offset: number; timestamp: number }[];
    const [read] = result(out, 'consume-log-append') as { records: JsonRecord[] }[];
    assert.equal(read!.records.length, 2);
    read!.records.forEach((r, j) => {
      assert.equal(r.timestamp_type, 1, 'LogAppendTime');
      assert.ok(r.timestamp >= producedAt.before && r.timestamp <= producedAt.after, `log append time ${r.timestamp}`);
      assert.equal(acked[j]!.timestamp, r.timestamp, 'the produce response carries the log append time');
      assert.equal(r.value, sentFor(99)[j]!.value!.toString('hex'));
    });
  });
});

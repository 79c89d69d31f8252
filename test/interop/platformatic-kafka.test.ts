/**
 * @platformatic/kafka 1.35.0 (in process; the last release for Node 20) against a broker: admin
 * (create, list, describe, configs, incremental configs, partitions, delete records, log dirs,
 * delete topics), produce with every codec it supports here (none, gzip, snappy, lz4; zstd too on
 * Node 22.15+, where node:zlib has it) and every acks setting, and reading back byte for
 * byte (keys, values, headers with null values and repeated names, timestamps) with its
 * Consumer.fetch() from the beginning, an offset and an offset looked up by timestamp, and with
 * its group consumer (every record once, each committed).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { Admin, ConfigResourceTypes, Consumer, Producer, type CompressionAlgorithmValue } from '@platformatic/kafka';
import { ApiKey, RawClient, eventually, ifServed, needs, sampleRecords, startTestBroker, type SentRecord, type TestBroker } from '../support/interop.js';

// Its zstd is node:zlib's (Node 22.15+): on Node 20 the client does not offer it, so neither do we.
const zstdAvailable = typeof (zlib as Record<string, unknown>)['zstdCompressSync'] === 'function';
const CODECS: CompressionAlgorithmValue[] = ['none', 'gzip', 'snappy', 'lz4', ...(zstdAvailable ? (['zstd'] as const) : [])];
const ACKS = [0, 1, -1] as const;
const combos = CODECS.flatMap((codec) => ACKS.map((acks) => ({ codec, acks })));
const RECORDS_TOPIC = 'pk-records';
const ADMIN_TOPIC = 'pk-admin';
const BASE_TS = 1_700_000_000_000n;
const GROUP_APIS = [ApiKey.FindCoordinator, ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.Heartbeat, ApiKey.LeaveGroup, ApiKey.OffsetCommit, ApiKey.OffsetFetch];
const sentFor = (i: number): SentRecord[] => sampleRecords(`pk${i}`, Number(BASE_TS) + i * 1000, { nullHeaderValues: true });

interface Fetched {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: [Buffer | null, Buffer | null][];
}

describe('@platformatic/kafka 1.35.0', () => {
  let tb: TestBroker;
  let admin: Admin;
  let producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  let consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;

  const options = () => ({ clientId: 'interop-platformatic', bootstrapBrokers: [tb.address], retries: 1, retryDelay: 50 });

  /** Every record of a partition from `offset` to the high watermark, as Consumer.fetch() decodes them. */
  async function fetchAll(topic: string, partition: number, offset: number): Promise<Fetched[]> {
    const md = await consumer.metadata({ topics: [topic], forceUpdate: true });
    const topicId = md.topics.get(topic)!.id;
    const out: Fetched[] = [];
    let next = offset;
    for (let round = 0; round < 100; round++) {
      const response = await consumer.fetch({
        node: 1,
        maxWaitTime: 50,
        topics: [{ topicId, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: BigInt(next), lastFetchedEpoch: -1, partitionMaxBytes: 4 << 20 }] }],
      });
      const p = response.responses[0]!.partitions[0]!;
      assert.equal(p.errorCode, 0);
      for (const batch of p.records ?? []) {
        for (const r of batch.records) {
          const o = Number(batch.firstOffset) + r.offsetDelta;
          if (o < next) continue;
          out.push({ offset: o, timestamp: Number(batch.firstTimestamp + r.timestampDelta), key: r.key, value: r.value, headers: r.headers });
        }
      }
      if (out.length > 0) next = out[out.length - 1]!.offset + 1;
      if (next >= Number(p.highWatermark)) return out;
    }
    throw new Error('still not at the high watermark after 100 fetches');
  }

  function assertRecords(got: Fetched[], sent: readonly SentRecord[], firstOffset: number, what: string): void {
    assert.equal(got.length, sent.length, `${what}: number of records`);
    sent.forEach((s, j) => {
      const g = got[j]!;
      const where = `${what}: record ${j}`;
      assert.equal(g.offset, firstOffset + j, where);
      assert.deepEqual(g.key, s.key, `${where}: key`);
      assert.deepEqual(g.value, s.value, `${where}: value`);
      assert.deepEqual(g.headers, s.headers.map(([k, v]) => [Buffer.from(k), v]), `${where}: headers`);
      assert.equal(g.timestamp, s.timestamp, `${where}: timestamp`);
    });
  }

  before(async () => {
    tb = await startTestBroker('platformatic');
    admin = new Admin(options());
    producer = new Producer(options());
    consumer = new Consumer({ ...options(), groupId: 'interop-platformatic-unused' });
  });

  after(async () => {
    await Promise.allSettled([admin?.close(), producer?.close(), consumer?.close()]);
    await tb?.stop();
  });

  test('creates topics; a second create gets TOPIC_ALREADY_EXISTS', async () => {
    const created = await admin.createTopics({ topics: [ADMIN_TOPIC], partitions: 2, replicas: 1, configs: [{ name: 'retention.ms', value: '3600000' }] });
    assert.equal(created.length, 1);
    assert.equal(created[0]!.name, ADMIN_TOPIC);
    assert.equal(created[0]!.partitions, 2);
    assert.equal(created[0]!.replicas, 1);
    assert.match(created[0]!.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    await admin.createTopics({ topics: [RECORDS_TOPIC], partitions: combos.length, replicas: 1 });
    await assert.rejects(admin.createTopics({ topics: [ADMIN_TOPIC], partitions: 1, replicas: 1 }), (e: any) => {
      assert.match(JSON.stringify(e.errors?.map((x: any) => x.apiId ?? x.message) ?? e.message), /TOPIC_ALREADY_EXISTS|already exists/);
      return true;
    });
  });

  test("CreateTopics v5+ answers the new topic's configs, as Kafka does", async () => {
    const [created] = await admin.createTopics({ topics: ['pk-configs'], partitions: 1, replicas: 1, configs: [{ name: 'retention.ms', value: '3600000' }] });
    assert.equal(created!.configuration['retention.ms'], '3600000');
    assert.equal(created!.configuration['cleanup.policy'], 'delete');
    assert.equal(created!.configuration['segment.bytes'], '1073741824');
    // The sources, which the client does not show: on the wire (validateOnly answers them too).
    const raw = await RawClient.connect(tb.host, tb.port);
    try {
      const r = await raw.request(19, 7, { topics: [{ name: 'pk-configs-raw', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '3600000' }] }], timeoutMs: 5000, validateOnly: true });
      const [t] = r.topics;
      assert.equal(t.errorCode, 0);
      assert.equal(t.topicConfigErrorCode, 0);
      const byName = new Map<string, any>(t.configs.map((c: any) => [c.name, c]));
      assert.deepEqual([...byName.keys()], [...byName.keys()].sort(), 'sorted by name, as Kafka');
      const { name, value, readOnly, configSource, isSensitive } = byName.get('retention.ms');
      assert.deepEqual({ name, value, readOnly, configSource, isSensitive }, { name: 'retention.ms', value: '3600000', readOnly: false, configSource: 1, isSensitive: false });
      assert.equal(byName.get('segment.bytes').configSource, 5, 'DEFAULT_CONFIG');
    } finally {
      raw.destroy();
    }
  });

  test('lists topics and describes them (metadata with topic ids)', async () => {
    const topics = await admin.listTopics();
    assert.ok(topics.includes(ADMIN_TOPIC) && topics.includes(RECORDS_TOPIC), JSON.stringify(topics));
    assert.ok(!(await admin.listTopics({ includeInternals: true })).includes('__cluster_metadata'));
    const md = await admin.metadata({ topics: [ADMIN_TOPIC] });
    const t = md.topics.get(ADMIN_TOPIC)!;
    assert.equal(t.partitionsCount, 2);
    for (const p of t.partitions) {
      assert.equal(p.leader, 1);
      assert.deepEqual(p.replicas, [1]);
      assert.deepEqual(p.isr, [1]);
    }
    assert.deepEqual([...md.brokers.entries()].map(([id, b]) => [id, b.host, b.port]), [[1, tb.host, tb.port]]);
  });

  test('reads topic configs (with synonyms and documentation)', needs(ApiKey.DescribeConfigs), async () => {
    const [d] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: ADMIN_TOPIC, configurationKeys: ['retention.ms', 'segment.bytes'] }], includeSynonyms: true, includeDocumentation: true });
    assert.equal(d!.resourceName, ADMIN_TOPIC);
    const byName = new Map(d!.configs.map((c) => [c.name, c]));
    assert.deepEqual([...byName.keys()].sort(), ['retention.ms', 'segment.bytes']);
    assert.equal(byName.get('retention.ms')!.value, '3600000');
    assert.equal(byName.get('retention.ms')!.configSource, 1, 'DYNAMIC_TOPIC_CONFIG');
    // Kafka's synonyms for a topic key: the override, then the broker keys that are set, cut
    // before the first that is not the broker key itself (log.retention.ms has no default, so
    // log.retention.hours=168 is cut).
    const synonyms = (name: string) => byName.get(name)!.synonyms.map((s) => [s.name, s.value, s.source]);
    assert.deepEqual(synonyms('retention.ms'), [['retention.ms', '3600000', 1]]);
    assert.equal(byName.get('segment.bytes')!.value, '1073741824');
    assert.deepEqual(synonyms('segment.bytes'), [['log.segment.bytes', '1073741824', 5]]);
    assert.ok((byName.get('segment.bytes')!.documentation ?? '').length > 0, 'documentation');
  });

  test('alters topic configs, whole and incrementally', needs(ApiKey.AlterConfigs, ApiKey.IncrementalAlterConfigs, ApiKey.DescribeConfigs), async () => {
    const read = async (): Promise<Record<string, unknown>> => {
      const [d] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: ADMIN_TOPIC, configurationKeys: ['retention.ms', 'cleanup.policy', 'max.message.bytes'] }] });
      return Object.fromEntries(d!.configs.map((c) => [c.name, c.value]));
    };
    await admin.alterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: ADMIN_TOPIC, configs: [{ name: 'max.message.bytes', value: '500000' }] }] });
    assert.deepEqual(await read(), { 'retention.ms': '604800000', 'cleanup.policy': 'delete', 'max.message.bytes': '500000' }, 'AlterConfigs replaced the overrides');
    await admin.incrementalAlterConfigs({
      resources: [{
        resourceType: ConfigResourceTypes.TOPIC,
        resourceName: ADMIN_TOPIC,
        configs: [
          { name: 'retention.ms', configOperation: 0, value: '1000000' },
          { name: 'cleanup.policy', configOperation: 2, value: 'compact' },
          { name: 'max.message.bytes', configOperation: 1 },
        ],
      }],
    });
    assert.deepEqual(await read(), { 'retention.ms': '1000000', 'cleanup.policy': 'delete,compact', 'max.message.bytes': '1048588' }, 'SET, APPEND and DELETE applied');
  });

  test('adds partitions', needs(ApiKey.CreatePartitions), async () => {
    // An empty assignment list is not "no assignments": Kafka wants one per new partition.
    await assert.rejects(admin.createPartitions({ topics: [{ name: ADMIN_TOPIC, count: 3, assignments: [] }] }), (e: any) => {
      assert.match(JSON.stringify(e.errors?.[0]?.response ?? e.errors?.[0]?.message), /"errorCode":39|INVALID_REPLICA_ASSIGNMENT/);
      return true;
    });
    await admin.createPartitions({ topics: [{ name: ADMIN_TOPIC, count: 4 }] });
    const md = await admin.metadata({ topics: [ADMIN_TOPIC], forceUpdate: true });
    assert.equal(md.topics.get(ADMIN_TOPIC)!.partitionsCount, 4);
  });

  for (const [i, { codec, acks }] of combos.entries()) {
    test(`produces with ${codec}, acks=${acks}; reads back from the beginning byte for byte`, async () => {
      const sent = sentFor(i);
      const result = await producer.send({
        acks,
        compression: codec,
        messages: sent.map((s) => ({
          topic: RECORDS_TOPIC,
          partition: i,
          key: s.key as Buffer,
          value: s.value as Buffer,
          headers: new Map(s.headers.map(([k, v]) => [Buffer.from(k), v as Buffer])),
          timestamp: BigInt(s.timestamp),
        })),
      });
      if (acks === 0) {
        await eventually('acks=0 records are in', async () => {
          const offsets = await consumer.listOffsets({ topics: [RECORDS_TOPIC], partitions: { [RECORDS_TOPIC]: [i] } });
          return offsets.get(RECORDS_TOPIC)![i] === BigInt(sent.length) ? true : undefined;
        });
      } else {
        assert.deepEqual(result.offsets, [{ topic: RECORDS_TOPIC, partition: i, offset: 0n }]);
      }
      assertRecords(await fetchAll(RECORDS_TOPIC, i, 0), sent, 0, `${codec}/acks=${acks}`);
    });
  }

  test('reads from an offset, and from the offset ListOffsets gives for a timestamp', async () => {
    const lz4 = combos.findIndex((c) => c.codec === 'lz4' && c.acks === 1);
    const sent = sentFor(lz4);
    assertRecords(await fetchAll(RECORDS_TOPIC, lz4, 5), sent.slice(5), 5, 'from offset 5');
    const byTime = await consumer.listOffsetsWithTimestamps({ topics: [RECORDS_TOPIC], partitions: { [RECORDS_TOPIC]: [lz4] }, timestamp: BigInt(sent[2]!.timestamp) });
    assert.deepEqual(byTime.get(RECORDS_TOPIC)!.get(lz4), { offset: 2n, timestamp: BigInt(sent[2]!.timestamp) });
    assertRecords(await fetchAll(RECORDS_TOPIC, lz4, 2), sent.slice(2), 2, 'from a timestamp');
    const none = await consumer.listOffsets({ topics: [RECORDS_TOPIC], partitions: { [RECORDS_TOPIC]: [lz4] }, timestamp: BigInt(Date.now() + 3_600_000) });
    assert.equal(none.get(RECORDS_TOPIC)![lz4], -1n, 'no record that late');
  });

  test('admin ListOffsets: earliest, latest, max timestamp', async () => {
    const [t] = await admin.listOffsets({ topics: [{ name: RECORDS_TOPIC, partitions: [{ partitionIndex: 0, timestamp: -2n }, { partitionIndex: 1, timestamp: -1n }, { partitionIndex: 2, timestamp: -3n }] }] });
    const byPartition = new Map(t!.partitions.map((p) => [p.partitionIndex, p]));
    assert.equal(byPartition.get(0)!.offset, 0n);
    assert.equal(byPartition.get(1)!.offset, 6n);
    // The largest timestamp of partition 2 is its last record's.
    assert.equal(byPartition.get(2)!.offset, 5n);
    assert.equal(byPartition.get(2)!.timestamp, BigInt(sentFor(2)[5]!.timestamp));
  });

  test('deletes records before an offset', needs(ApiKey.DeleteRecords), async () => {
    const [t] = await admin.deleteRecords({ topics: [{ name: RECORDS_TOPIC, partitions: [{ partition: 4, offset: 3n }] }] });
    assert.deepEqual(t!.partitions, [{ partition: 4, lowWatermark: 3n }]);
    assertRecords(await fetchAll(RECORDS_TOPIC, 4, 3), sentFor(4).slice(3), 3, 'after DeleteRecords');
  });

  test('describes log dirs', needs(ApiKey.DescribeLogDirs), async () => {
    const [b] = await admin.describeLogDirs({ topics: [{ name: RECORDS_TOPIC, partitions: [0, 1] }] });
    assert.equal(b!.broker, 1);
    assert.equal(b!.results.length, 1);
    assert.equal(b!.results[0]!.logDir, tb.dir);
    const topic = b!.results[0]!.topics.find((x) => x.name === RECORDS_TOPIC)!;
    assert.deepEqual(topic.partitions.map((p) => p.partitionIndex).sort(), [0, 1]);
    for (const p of topic.partitions) assert.ok(p.partitionSize > 0n, `partition ${p.partitionIndex} size`);
  });

  test('deletes topics', needs(ApiKey.DeleteTopics), async () => {
    await admin.deleteTopics({ topics: [ADMIN_TOPIC] });
    const topics = await admin.listTopics();
    assert.ok(!topics.includes(ADMIN_TOPIC), JSON.stringify(topics));
    assert.ok(topics.includes(RECORDS_TOPIC));
  });

  test(
    'group consumer: consume from the earliest offset, receive every record once, commit each',
    needs(...GROUP_APIS),
    ifServed(GROUP_APIS, async () => {
      const group = new Consumer({ ...options(), groupId: 'interop-platformatic', maxWaitTime: 100 });
      // Every record left after the tests above: partition 4 starts at 3 (DeleteRecords).
      const expected = combos.flatMap((_, p) => [...Array(6).keys()].filter((o) => p !== 4 || o >= 3).map((o) => `${p}:${o}`)).sort();
      const seen: string[] = [];
      try {
        // Commits are explicit (message.commit()): OffsetCommit with the member's id and generation.
        const stream = await group.consume({ topics: [RECORDS_TOPIC], mode: 'earliest', autocommit: false });
        const deadline = setTimeout(() => stream.destroy(new Error(`only ${JSON.stringify(seen)}`)), 15_000);
        try {
          for await (const message of stream) {
            seen.push(`${message.partition}:${message.offset}`);
            await message.commit();
            if (seen.length >= expected.length) break;
          }
        } finally {
          clearTimeout(deadline);
        }
        assert.deepEqual([...seen].sort(), expected, 'each record once');
        const committed = await group.listCommittedOffsets({ topics: [{ topic: RECORDS_TOPIC, partitions: combos.map((_, p) => p) }] });
        assert.deepEqual(committed.get(RECORDS_TOPIC), combos.map(() => 6n), 'each partition committed to its end');
      } finally {
        await group.close(true);
      }
    }),
  );
});

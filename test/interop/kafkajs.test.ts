/**
 * KafkaJS 2.2.4 (in process) against a broker: admin (create, list, describe, configs,
 * partitions, delete records, delete topics, offsets by time), produce with the codecs KafkaJS
 * ships (none, gzip) and every acks setting, and reading back byte for byte: keys, values,
 * headers and timestamps. Records are read with KafkaJS's own Fetch request and decoder (the code
 * its consumer runs), from the beginning, from an offset and from an offset looked up by
 * timestamp, and with its group consumer (every record once, offsets committed to the end).
 * Groups of several members: groups-kafkajs.test.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { type Admin, type IHeaders, type Producer } from 'kafkajs';
import { ApiKey, eventually, ifServed, needs, sampleRecords, startTestBroker, type SentRecord, type TestBroker } from '../support/interop.js';

// kafkajs is CommonJS; ConfigResourceTypes is not among the names Node can see statically.
const { CompressionTypes, ConfigResourceTypes, Kafka, logLevel } = kafkajs;
type Kafka = InstanceType<typeof Kafka>;

const CODECS = [
  ['none', CompressionTypes.None],
  ['gzip', CompressionTypes.GZIP],
] as const;
const ACKS = [0, 1, -1] as const;
const combos = CODECS.flatMap(([codec, type]) => ACKS.map((acks) => ({ codec, type, acks })));
const RECORDS_TOPIC = 'kjs-records';
const GROUP_APIS = [ApiKey.FindCoordinator, ApiKey.JoinGroup, ApiKey.SyncGroup, ApiKey.Heartbeat, ApiKey.LeaveGroup, ApiKey.OffsetCommit, ApiKey.OffsetFetch];
const ADMIN_TOPIC = 'kjs-admin';
const BASE_TS = 1_690_000_000_000;
// KafkaJS headers are an object: no null values, and a repeated name is an array under one key.
const sentFor = (i: number): SentRecord[] => sampleRecords(`kjs${i}`, BASE_TS + i * 1000);

function kafkajsHeaders(headers: readonly [string, Buffer | null][]): IHeaders {
  const out: Record<string, Buffer[]> = {};
  for (const [k, v] of headers) (out[k] ??= []).push(v!);
  return Object.fromEntries(Object.entries(out).map(([k, vs]) => [k, vs.length === 1 ? vs[0]! : vs]));
}

interface FetchedMessage {
  offset: string;
  timestamp: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
}

/** KafkaJS's cluster (private in its API): its brokers send Fetch and decode record batches. */
function kafkajsCluster(kafka: Kafka): any {
  const create = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster');
  assert.ok(create, 'KafkaJS 2.2.4 keeps its cluster factory under this symbol');
  return (kafka as any)[create]({});
}

describe('KafkaJS 2.2.4', () => {
  let tb: TestBroker;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let cluster: any;

  /** Every message of a partition from `offset` up to the high watermark, decoded by KafkaJS. */
  async function fetchAll(topic: string, partition: number, offset: number): Promise<FetchedMessage[]> {
    await cluster.refreshMetadata();
    const broker = await cluster.findBroker({ nodeId: '1' });
    const out: FetchedMessage[] = [];
    let next = offset;
    for (let round = 0; round < 100; round++) {
      const response = await broker.fetch({
        replicaId: -1,
        isolationLevel: 1,
        maxWaitTime: 50,
        minBytes: 1,
        maxBytes: 4 << 20,
        topics: [{ topic, partitions: [{ partition, fetchOffset: String(next), maxBytes: 4 << 20 }] }],
      });
      const p = response.responses[0].partitions[0];
      assert.equal(p.errorCode, 0);
      const messages = (p.messages as FetchedMessage[]).filter((m) => Number(m.offset) >= next);
      out.push(...messages);
      if (messages.length > 0) next = Number(messages[messages.length - 1]!.offset) + 1;
      if (next >= Number(p.highWatermark)) return out;
    }
    throw new Error('still not at the high watermark after 100 fetches');
  }

  function assertMessages(got: FetchedMessage[], sent: readonly SentRecord[], firstOffset: number, what: string): void {
    assert.equal(got.length, sent.length, `${what}: number of records`);
    sent.forEach((s, j) => {
      const m = got[j]!;
      const where = `${what}: record ${j}`;
      assert.equal(m.offset, String(firstOffset + j), where);
      assert.deepEqual(m.key, s.key, `${where}: key`);
      assert.deepEqual(m.value, s.value, `${where}: value`);
      assert.deepEqual(m.headers, kafkajsHeaders(s.headers), `${where}: headers`);
      assert.equal(m.timestamp, String(s.timestamp), `${where}: timestamp`);
    });
  }

  before(async () => {
    tb = await startTestBroker('kafkajs');
    kafka = new Kafka({ clientId: 'interop-kafkajs', brokers: [tb.address], logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 50 } });
    admin = kafka.admin();
    producer = kafka.producer({ allowAutoTopicCreation: false });
    cluster = kafkajsCluster(kafka);
    await Promise.all([admin.connect(), producer.connect(), cluster.connect()]);
  });

  after(async () => {
    await Promise.allSettled([admin?.disconnect(), producer?.disconnect(), cluster?.disconnect()]);
    await tb?.stop();
  });

  test('creates topics (validate-only creates nothing; an existing topic is reported; a replication factor above the brokers is refused)', async () => {
    // KafkaJS waits for leaders unless told not to, and a validate-only topic never gets any.
    assert.equal(await admin.createTopics({ topics: [{ topic: 'kjs-validate-only', numPartitions: 2 }], validateOnly: true, waitForLeaders: false }), true);
    assert.equal(
      await admin.createTopics({
        topics: [
          { topic: ADMIN_TOPIC, numPartitions: 2, configEntries: [{ name: 'retention.bytes', value: '1048576' }, { name: 'segment.ms', value: '3600000' }] },
          { topic: RECORDS_TOPIC, numPartitions: combos.length },
        ],
        waitForLeaders: true,
      }),
      true,
    );
    assert.equal(await admin.createTopics({ topics: [{ topic: ADMIN_TOPIC }] }), false, 'TOPIC_ALREADY_EXISTS: KafkaJS answers false');
    await assert.rejects(admin.createTopics({ topics: [{ topic: 'kjs-rf', replicationFactor: 3 }] }), (e: any) => {
      assert.equal(e.errors?.[0]?.type ?? e.type, 'INVALID_REPLICATION_FACTOR', String(e));
      return true;
    });
  });

  test('lists and describes topics and the cluster', async () => {
    const topics = await admin.listTopics();
    assert.deepEqual(topics.sort(), [ADMIN_TOPIC, RECORDS_TOPIC]);
    const md = await admin.fetchTopicMetadata({ topics: [ADMIN_TOPIC] });
    assert.deepEqual(md.topics, [
      {
        name: ADMIN_TOPIC,
        partitions: [
          { partitionErrorCode: 0, partitionId: 0, leader: 1, replicas: [1], isr: [1], offlineReplicas: [] },
          { partitionErrorCode: 0, partitionId: 1, leader: 1, replicas: [1], isr: [1], offlineReplicas: [] },
        ],
      },
    ]);
    const cluster = await admin.describeCluster();
    assert.deepEqual(cluster, { brokers: [{ nodeId: 1, host: tb.host, port: tb.port }], controller: 1, clusterId: tb.broker.clusterId });
  });

  test('reads topic configs', needs(ApiKey.DescribeConfigs), async () => {
    const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: ADMIN_TOPIC }], includeSynonyms: false });
    assert.equal(resources.length, 1);
    assert.equal(resources[0]!.errorCode, 0);
    const byName = new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
    assert.equal(byName.get('retention.bytes')?.configValue, '1048576');
    assert.equal(byName.get('retention.bytes')?.isDefault, false);
    assert.equal(byName.get('segment.ms')?.configValue, '3600000');
    assert.equal(byName.get('retention.ms')?.configValue, '604800000');
    assert.equal(byName.get('retention.ms')?.isDefault, true);
    assert.equal(byName.get('compression.type')?.configValue, 'producer');
  });

  test('alters topic configs (AlterConfigs: the given set replaces the overrides)', needs(ApiKey.AlterConfigs, ApiKey.DescribeConfigs), async () => {
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: ADMIN_TOPIC, configEntries: [{ name: 'retention.ms', value: '123456' }] }] });
    const { resources } = await admin.describeConfigs({ resources: [{ type: ConfigResourceTypes.TOPIC, name: ADMIN_TOPIC, configNames: ['retention.ms', 'retention.bytes', 'segment.ms'] }], includeSynonyms: false });
    const byName = Object.fromEntries(resources[0]!.configEntries.map((e) => [e.configName, [e.configValue, e.isDefault]]));
    assert.deepEqual(byName, { 'retention.ms': ['123456', false], 'retention.bytes': ['-1', true], 'segment.ms': ['604800000', true] });
    await assert.rejects(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: ADMIN_TOPIC, configEntries: [{ name: 'no.such.config', value: '1' }] }] }),
      (e: any) => e.type === 'INVALID_CONFIG' || e.type === 'INVALID_REQUEST',
    );
  });

  test('adds partitions', needs(ApiKey.CreatePartitions), async () => {
    await admin.createPartitions({ topicPartitions: [{ topic: ADMIN_TOPIC, count: 3 }] });
    const md = await admin.fetchTopicMetadata({ topics: [ADMIN_TOPIC] });
    assert.deepEqual(md.topics[0]!.partitions.map((p) => p.partitionId).sort(), [0, 1, 2]);
  });

  for (const [i, { codec, type, acks }] of combos.entries()) {
    test(`produces with ${codec}, acks=${acks}; reads back from the beginning byte for byte`, async () => {
      const sent = sentFor(i);
      const result = await producer.send({
        topic: RECORDS_TOPIC,
        acks,
        compression: type,
        messages: sent.map((s) => ({ partition: i, key: s.key, value: s.value, headers: kafkajsHeaders(s.headers), timestamp: String(s.timestamp) })),
      });
      if (acks === 0) {
        assert.deepEqual(result, [], 'acks=0: no answer');
        await eventually('acks=0 records are in', async () => ((await admin.fetchTopicOffsets(RECORDS_TOPIC))[i]!.high === String(sent.length) ? true : undefined));
      } else {
        assert.deepEqual(result.map((r) => [r.partition, r.errorCode, r.baseOffset]), [[i, 0, '0']]);
      }
      assertMessages(await fetchAll(RECORDS_TOPIC, i, 0), sent, 0, `${codec}/acks=${acks}`);
    });
  }

  test('reads from an offset, and from the offset ListOffsets gives for a timestamp', async () => {
    const gzipAll = combos.findIndex((c) => c.codec === 'gzip' && c.acks === -1);
    const sent = sentFor(gzipAll);
    // An offset inside a batch: the whole batch comes back, KafkaJS's consumer drops what is before the offset.
    assertMessages(await fetchAll(RECORDS_TOPIC, gzipAll, 4), sent.slice(4), 4, 'from offset 4');
    const byTime = await admin.fetchTopicOffsetsByTimestamp(RECORDS_TOPIC, sent[3]!.timestamp);
    assert.equal(byTime[gzipAll]!.offset, '3');
    assertMessages(await fetchAll(RECORDS_TOPIC, gzipAll, 3), sent.slice(3), 3, 'from a timestamp');
    const pastEnd = await admin.fetchTopicOffsetsByTimestamp(RECORDS_TOPIC, Date.now() + 3_600_000);
    assert.equal(pastEnd[gzipAll]!.offset, String(sent.length), 'no record that late: KafkaJS falls back to the end offset');
  });

  test('earliest and latest offsets', async () => {
    const offsets = await admin.fetchTopicOffsets(RECORDS_TOPIC);
    assert.deepEqual(offsets.sort((a, b) => a.partition - b.partition), combos.map((_, i) => ({ partition: i, offset: '6', high: '6', low: '0' })));
  });

  test('deletes records before an offset', needs(ApiKey.DeleteRecords), async () => {
    await admin.deleteTopicRecords({ topic: RECORDS_TOPIC, partitions: [{ partition: 1, offset: '2' }] });
    const offsets = await admin.fetchTopicOffsets(RECORDS_TOPIC);
    assert.deepEqual(offsets.find((o) => o.partition === 1), { partition: 1, offset: '6', high: '6', low: '2' });
    assertMessages(await fetchAll(RECORDS_TOPIC, 1, 2), sentFor(1).slice(2), 2, 'after DeleteRecords');
  });

  test('deletes topics', needs(ApiKey.DeleteTopics), async () => {
    await admin.deleteTopics({ topics: [ADMIN_TOPIC], timeout: 5000 });
    assert.deepEqual(await admin.listTopics(), [RECORDS_TOPIC]);
    await assert.rejects(admin.deleteTopics({ topics: ['kjs-never-created'], timeout: 5000 }), (e: any) => {
      assert.match(String(e.type ?? e.message), /UNKNOWN_TOPIC_OR_PARTITION|does not host this topic-partition/);
      return true;
    });
  });

  test(
    'group consumer: subscribe from the beginning, receive every record once, commit to the end',
    needs(...GROUP_APIS),
    ifServed(GROUP_APIS, async () => {
      const consumer = kafka.consumer({ groupId: 'interop-kafkajs', maxWaitTimeInMs: 100 });
      // Every record left after the tests above: partition 1 starts at 2 (DeleteRecords).
      const expected = combos.flatMap((_, p) => [...Array(6).keys()].filter((o) => p !== 1 || o >= 2).map((o) => `${p}:${o}`)).sort();
      const seen: string[] = [];
      let timer: NodeJS.Timeout | undefined;
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [RECORDS_TOPIC], fromBeginning: true });
        let done!: () => void;
        const all = new Promise<void>((r) => (done = r));
        await consumer.run({
          eachMessage: async ({ partition, message }) => {
            seen.push(`${partition}:${message.offset}`);
            if (seen.length >= expected.length) done();
          },
        });
        await Promise.race([all, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`only ${JSON.stringify(seen)}`)), 15_000)))]);
        assert.deepEqual([...seen].sort(), expected, 'each record once');
        // KafkaJS commits after each batch: the group's offsets reach the end of every partition.
        await eventually('offsets committed to the end', async () => {
          const [committed] = await admin.fetchOffsets({ groupId: 'interop-kafkajs', topics: [RECORDS_TOPIC] });
          return committed!.partitions.every((p) => p.offset === '6') && committed!.partitions.length === combos.length ? true : undefined;
        });
      } finally {
        clearTimeout(timer);
        await consumer.disconnect();
      }
    }),
  );
});

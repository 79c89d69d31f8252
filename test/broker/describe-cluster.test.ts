/**
 * The read-only views and DeleteRecords against a real broker: DescribeCluster,
 * DescribeTopicPartitions (cursor, partition limit), DescribeLogDirs, OffsetForLeaderEpoch — raw
 * requests built with our codecs, since KafkaJS 2.2.4 sends none of them — and DeleteRecords with
 * KafkaJS's deleteTopicRecords, checked with fetchTopicOffsets and fetchTopicOffsetsByTimestamp.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { AdminRawClient, startAdminBroker, type AdminTestBroker } from '../support/admin-broker.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ZERO_UUID } from '../../src/protocol/primitives/types.js';
import { endOffsetForEpoch } from '../../src/handlers/23-offset-for-leader-epoch.js';

const DELETE_RECORDS = 21;
const OFFSET_FOR_LEADER_EPOCH = 23;
const DESCRIBE_LOG_DIRS = 35;
const DESCRIBE_CLUSTER = 60;
const DESCRIBE_TOPIC_PARTITIONS = 75;

describe('cluster views and DeleteRecords', () => {
  let tb: AdminTestBroker;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let raw: AdminRawClient;

  before(async () => {
    tb = await startAdminBroker('describe-cluster');
    kafka = new Kafka({ brokers: [tb.address], clientId: 'describe-test', logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
    raw = await AdminRawClient.connect(tb.host, tb.port);
    await admin.createTopics({
      topics: [
        { topic: 'dtp-a', numPartitions: 3 },
        { topic: 'dtp-b', numPartitions: 2 },
        { topic: 'dtp-c', numPartitions: 1 },
        { topic: 'records', numPartitions: 2 },
        { topic: 'compacted', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ],
    });
  });

  after(async () => {
    raw?.destroy();
    await producer?.disconnect();
    await admin?.disconnect();
    await tb?.stop();
  });

  test('DescribeCluster v0/v1: cluster id, controller and this broker on the listener asked; endpoint type checks', async () => {
    const viaKafkaJs = await admin.describeCluster();
    for (const version of [0, 1]) {
      const r = await raw.request(DESCRIBE_CLUSTER, version, { includeClusterAuthorizedOperations: false });
      assert.equal(r.errorCode, ErrorCode.NONE);
      assert.equal(r.clusterId, viaKafkaJs.clusterId);
      assert.equal(r.controllerId, 1);
      assert.deepEqual(r.brokers.map((b: { brokerId: number; host: string; port: number; rack: string | null }) => [b.brokerId, b.host, b.port, b.rack]), [[1, tb.host, tb.port, null]]);
      assert.equal(r.clusterAuthorizedOperations, -2147483648, 'not requested');
    }
    assert.deepEqual(viaKafkaJs.brokers, [{ nodeId: 1, host: tb.host, port: tb.port }]);
    assert.equal(viaKafkaJs.controller, 1);
    const withOps = await raw.request(DESCRIBE_CLUSTER, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 });
    assert.equal(withOps.clusterAuthorizedOperations, (1 << 5) | (1 << 7) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 11) | (1 << 12));
    const controllers = await raw.request(DESCRIBE_CLUSTER, 1, { includeClusterAuthorizedOperations: false, endpointType: 2 });
    assert.deepEqual([controllers.errorCode, controllers.errorMessage], [ErrorCode.MISMATCHED_ENDPOINT_TYPE, 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER']);
    const bogus = await raw.request(DESCRIBE_CLUSTER, 1, { includeClusterAuthorizedOperations: false, endpointType: 9 });
    assert.equal(bogus.errorCode, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
  });

  test('DescribeTopicPartitions: sorted topics, partition limit, cursor, unknown topics', async () => {
    const ask = (topics: string[], limit: number, cursor: { topicName: string; partitionIndex: number } | null = null) =>
      raw.request(DESCRIBE_TOPIC_PARTITIONS, 0, { topics: topics.map((name) => ({ name })), responsePartitionLimit: limit, cursor });
    const summary = (r: { topics: { name: string; errorCode: number; partitions: { partitionIndex: number }[] }[]; nextCursor: unknown }) => ({
      topics: r.topics.map((t) => [t.name, t.errorCode, t.partitions.map((p) => p.partitionIndex)]),
      next: r.nextCursor === null ? null : { ...(r.nextCursor as object) },
    });
    const wanted = ['dtp-c', 'dtp-missing', 'dtp-a', 'dtp-b', 'dtp-a'];

    const first = await ask(wanted, 4);
    assert.deepEqual(summary(first), { topics: [['dtp-a', 0, [0, 1, 2]], ['dtp-b', 0, [0]]], next: { topicName: 'dtp-b', partitionIndex: 1 } });
    const second = await ask(wanted, 4, first.nextCursor);
    assert.deepEqual(summary(second), {
      topics: [['dtp-b', 0, [1]], ['dtp-c', 0, [0]], ['dtp-missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, []]],
      next: null,
    });
    // A limit that ends exactly with a topic points the cursor at the next topic's partition 0.
    assert.deepEqual(summary(await ask(wanted, 3)).next, { topicName: 'dtp-b', partitionIndex: 0 });
    // The cursor's topic must be one of those asked for.
    const bad = await ask(['dtp-a'], 10, { topicName: 'dtp-b', partitionIndex: 0 });
    assert.deepEqual(summary(bad).topics, [['dtp-a', ErrorCode.INVALID_REQUEST, []]]);

    const a = first.topics[0];
    const meta = await raw.request(3, 12, { topics: [{ topicId: ZERO_UUID, name: 'dtp-a' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.equal(a.topicId, meta.topics[0].topicId);
    assert.equal(a.isInternal, false);
    assert.equal(a.topicAuthorizedOperations, 3576, 'every topic operation (no authorizer)');
    assert.deepEqual(a.partitions[0], {
      errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 0, replicaNodes: [1], isrNodes: [1], eligibleLeaderReplicas: [], lastKnownElr: [], offlineReplicas: [],
    });

    // No topic list: every topic from the cursor on, in name order, without the metadata log.
    const all = await ask([], 2000, { topicName: 'dtp-b', partitionIndex: 1 });
    const names = all.topics.map((t: { name: string }) => t.name);
    assert.deepEqual(names, [...names].sort());
    assert.equal(names[0], 'dtp-b');
    assert.ok(!names.includes('dtp-a') && !names.includes('__cluster_metadata'));
    assert.deepEqual(all.topics[0].partitions.map((p: { partitionIndex: number }) => p.partitionIndex), [1]);
  });

  test('DescribeLogDirs v1-v4: the log dir, its partitions and sizes, the volume\'s bytes', async () => {
    await producer.send({ topic: 'dtp-a', acks: -1, messages: [{ partition: 1, value: 'x'.repeat(1000) }] });
    const v4 = await raw.request(DESCRIBE_LOG_DIRS, 4, { topics: null });
    assert.equal(v4.errorCode, ErrorCode.NONE);
    assert.equal(v4.results.length, 1);
    const dir = v4.results[0];
    assert.equal(dir.errorCode, ErrorCode.NONE);
    assert.equal(dir.logDir, resolve(tb.dir));
    assert.ok(dir.totalBytes > 0n && dir.usableBytes > 0n && dir.usableBytes <= dir.totalBytes, `${dir.totalBytes} / ${dir.usableBytes}`);
    const names = dir.topics.map((t: { name: string }) => t.name);
    assert.ok(names.includes('dtp-a') && names.includes('records'));
    assert.ok(!names.includes('__cluster_metadata'), 'the metadata log is not a partition');
    const a = dir.topics.find((t: { name: string }) => t.name === 'dtp-a');
    assert.deepEqual(a.partitions.map((p: { partitionIndex: number }) => p.partitionIndex), [0, 1, 2]);
    const p1 = a.partitions[1];
    assert.ok(p1.partitionSize > 1000n, `size ${p1.partitionSize}`);
    assert.equal(a.partitions[0].partitionSize, 0n);
    assert.equal(p1.offsetLag, 0n);
    assert.equal(p1.isFutureKey, false);

    const filtered = await raw.request(DESCRIBE_LOG_DIRS, 1, { topics: [{ topic: 'dtp-a', partitions: [1, 7] }, { topic: 'nope', partitions: [0] }] });
    assert.deepEqual(
      filtered.results[0].topics.map((t: { name: string; partitions: { partitionIndex: number }[] }) => [t.name, t.partitions.map((p) => p.partitionIndex)]),
      [['dtp-a', [1]]],
    );
    assert.equal(filtered.results[0].totalBytes, -1n, 'v1 has no volume sizes');
  });

  test('OffsetForLeaderEpoch v2-v4: end offsets from the leader epoch cache, epoch checks, unknown partitions', async () => {
    await producer.send({ topic: 'records', acks: -1, messages: [{ partition: 0, value: 'a' }, { partition: 0, value: 'b' }] });
    await producer.send({ topic: 'records', acks: -1, messages: [{ partition: 0, value: 'c' }] });
    const ask = async (version: number, partitions: { partition: number; currentLeaderEpoch: number; leaderEpoch: number }[], topic = 'records') => {
      const r = await raw.request(OFFSET_FOR_LEADER_EPOCH, version, { replicaId: -1, topics: [{ topic, partitions }] });
      return r.topics[0].partitions.map((p: { errorCode: number; leaderEpoch: number; endOffset: bigint }) => [p.errorCode, p.leaderEpoch, p.endOffset]);
    };
    for (const version of [2, 3, 4]) {
      assert.deepEqual(
        await ask(version, [
          { partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 },
          { partition: 0, currentLeaderEpoch: 0, leaderEpoch: 0 },
          { partition: 1, currentLeaderEpoch: 0, leaderEpoch: 0 },
          { partition: 0, currentLeaderEpoch: 0, leaderEpoch: 3 },
          { partition: 0, currentLeaderEpoch: 0, leaderEpoch: -1 },
          { partition: 0, currentLeaderEpoch: 1, leaderEpoch: 0 },
          { partition: 9, currentLeaderEpoch: -1, leaderEpoch: 0 },
        ]),
        [
          [ErrorCode.NONE, 0, 3n],
          [ErrorCode.NONE, 0, 3n],
          [ErrorCode.NONE, 0, 0n], // nothing written yet: the current epoch still counts, as in Kafka
          [ErrorCode.NONE, -1, -1n], // above every known epoch
          [ErrorCode.NONE, -1, -1n],
          [ErrorCode.UNKNOWN_LEADER_EPOCH, -1, -1n],
          [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1n],
        ],
        `v${version}`,
      );
    }
    assert.deepEqual(await ask(4, [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }], 'no-such-topic'), [[ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1, -1n]]);
  });

  test('OffsetForLeaderEpoch answers as Kafka\'s LeaderEpochFileCache.endOffsetFor', () => {
    const entries = [{ epoch: 2, startOffset: 10 }, { epoch: 4, startOffset: 25 }, { epoch: 7, startOffset: 40 }];
    const at = (epoch: number) => endOffsetForEpoch(entries, epoch, 55);
    assert.deepEqual(at(7), { epoch: 7, endOffset: 55 }, 'latest epoch: the log end');
    assert.deepEqual(at(4), { epoch: 4, endOffset: 40 });
    assert.deepEqual(at(5), { epoch: 4, endOffset: 40 }, 'unknown epoch: the largest one below it');
    assert.deepEqual(at(1), { epoch: 1, endOffset: 10 }, 'below every epoch: the requested epoch, the first start offset');
    assert.deepEqual(at(8), { epoch: -1, endOffset: -1 }, 'above every epoch: undefined');
    assert.deepEqual(at(-1), { epoch: -1, endOffset: -1 });
    assert.deepEqual(endOffsetForEpoch([], 0, 0), { epoch: -1, endOffset: -1 });
  });

  test('DeleteRecords (KafkaJS deleteTopicRecords, raw v0-v2): log start moves, -1 is the high watermark, Kafka\'s errors', async () => {
    const base = Date.now() - 60_000;
    await producer.send({ topic: 'records', acks: -1, messages: [1, 2, 3, 4, 5].map((i) => ({ partition: 1, value: `r${i}`, timestamp: String(base + i * 1000) })) });
    assert.deepEqual((await admin.fetchTopicOffsets('records')).find((o) => o.partition === 1), { partition: 1, offset: '5', high: '5', low: '0' });

    await admin.deleteTopicRecords({ topic: 'records', partitions: [{ partition: 1, offset: '2' }] });
    assert.deepEqual((await admin.fetchTopicOffsets('records')).find((o) => o.partition === 1), { partition: 1, offset: '5', high: '5', low: '2' });
    // Timestamp lookups skip what was deleted: the first record at or after r1's time is now r3.
    const byTime = await admin.fetchTopicOffsetsByTimestamp('records', base + 1000);
    assert.equal(byTime.find((o) => o.partition === 1)?.offset, '2');

    const ask = async (version: number, partitions: { partitionIndex: number; offset: bigint }[], topic = 'records') => {
      const r = await raw.request(DELETE_RECORDS, version, { topics: [{ name: topic, partitions }], timeoutMs: 5000 });
      return r.topics[0].partitions.map((p: { partitionIndex: number; errorCode: number; lowWatermark: bigint }) => [p.partitionIndex, p.errorCode, p.lowWatermark]);
    };
    assert.deepEqual(await ask(2, [{ partitionIndex: 1, offset: 6n }]), [[1, ErrorCode.OFFSET_OUT_OF_RANGE, -1n]], 'beyond the high watermark');
    assert.deepEqual(await ask(1, [{ partitionIndex: 1, offset: 1n }]), [[1, ErrorCode.NONE, 2n]], 'below the log start: nothing changes');
    assert.deepEqual(await ask(0, [{ partitionIndex: 1, offset: -1n }]), [[1, ErrorCode.NONE, 5n]], '-1 is the high watermark');
    assert.deepEqual(await ask(2, [{ partitionIndex: 1, offset: -2n }]), [[1, ErrorCode.OFFSET_OUT_OF_RANGE, -1n]]);
    assert.deepEqual(await ask(2, [{ partitionIndex: 7, offset: 0n }]), [[7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n]]);
    assert.deepEqual(await ask(2, [{ partitionIndex: 0, offset: 0n }], 'compacted'), [[0, ErrorCode.POLICY_VIOLATION, -1n]]);
    assert.deepEqual(await ask(2, [{ partitionIndex: 0, offset: 0n }], '__consumer_offsets'), [[0, ErrorCode.INVALID_TOPIC_EXCEPTION, -1n]]);
    assert.deepEqual((await admin.fetchTopicOffsets('records')).find((o) => o.partition === 1), { partition: 1, offset: '5', high: '5', low: '5' });

    // New records still come after the moved log start.
    await producer.send({ topic: 'records', acks: -1, messages: [{ partition: 1, value: 'r6' }] });
    assert.deepEqual((await admin.fetchTopicOffsets('records')).find((o) => o.partition === 1), { partition: 1, offset: '6', high: '6', low: '5' });
  });
});

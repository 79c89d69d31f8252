/**
 * DeleteTopics and CreatePartitions against a real broker: KafkaJS 2.2.4's admin for what it can
 * send (DeleteTopics v1, CreatePartitions v1), raw requests built with our codecs for the rest
 * (DeleteTopics v6 by topic id, error cases KafkaJS would retry, manual assignments).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { AdminRawClient, startAdminBroker, type AdminTestBroker } from '../support/admin-broker.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ZERO_UUID } from '../../src/protocol/primitives/types.js';

const DELETE_TOPICS = 20;
const CREATE_PARTITIONS = 37;
const METADATA = 3;

describe('topic administration', () => {
  let tb: AdminTestBroker;
  let kafka: Kafka;
  let admin: Admin;
  let raw: AdminRawClient;

  before(async () => {
    tb = await startAdminBroker('topic-admin');
    kafka = new Kafka({ brokers: [tb.address], clientId: 'topic-admin-test', logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    admin = kafka.admin();
    await admin.connect();
    raw = await AdminRawClient.connect(tb.host, tb.port);
  });

  after(async () => {
    raw?.destroy();
    await admin?.disconnect();
    await tb?.stop();
  });

  async function topicId(name: string): Promise<string> {
    const r = await raw.request(METADATA, 12, { topics: [{ topicId: ZERO_UUID, name }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    assert.equal(r.topics[0].errorCode, 0, `metadata of ${name}`);
    return r.topics[0].topicId;
  }

  const partitionDirs = (topic: string): string[] => readdirSync(tb.dir).filter((d) => d.startsWith(`${topic}-`)).sort();

  test('DeleteTopics by name (KafkaJS) removes the topic and deletes its logs; the name can be reused', async () => {
    assert.equal(await admin.createTopics({ topics: [{ topic: 'del-a', numPartitions: 2 }, { topic: 'del-b' }], waitForLeaders: false }), true);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'del-a', acks: -1, messages: [{ partition: 0, value: 'one' }, { partition: 1, value: 'two' }] });
    await producer.disconnect();
    const idBefore = await topicId('del-a');
    assert.deepEqual(partitionDirs('del-a'), ['del-a-0', 'del-a-1']);

    await admin.deleteTopics({ topics: ['del-a'] });
    const topics = await admin.listTopics();
    assert.ok(!topics.includes('del-a'), 'deleted topic is no longer listed');
    assert.ok(topics.includes('del-b'), 'the other topic is still there');
    assert.deepEqual(partitionDirs('del-a'), [], 'log dirs of the deleted partitions are gone');

    // Recreated under the same name it is a new topic: a new id and empty logs.
    await admin.createTopics({ topics: [{ topic: 'del-a', numPartitions: 1 }] });
    assert.notEqual(await topicId('del-a'), idBefore);
    const offsets = await admin.fetchTopicOffsets('del-a');
    assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]), [[0, '0', '0']]);
  });

  test('DeleteTopics v6 by topic id, and Kafka\'s errors for unknown, duplicate and malformed entries', async () => {
    await admin.createTopics({ topics: [{ topic: 'del-by-id' }, { topic: 'del-dup-id' }] });
    const id = await topicId('del-by-id');
    const dupId = await topicId('del-dup-id');
    const unknownId = 'AAAAAAAAAAAAAAAAAAAAAQ';
    const r = await raw.request(DELETE_TOPICS, 6, {
      topics: [
        { name: null, topicId: id },
        { name: 'no-such-topic', topicId: ZERO_UUID },
        { name: null, topicId: unknownId },
        { name: null, topicId: ZERO_UUID },
        { name: 'both', topicId: id },
        { name: null, topicId: dupId },
        { name: null, topicId: dupId },
      ],
      timeoutMs: 5000,
    });
    const byKey = new Map<string, { name: string | null; topicId: string; errorCode: number; errorMessage: string | null }>();
    for (const t of r.responses) byKey.set(`${t.name}/${t.topicId}`, t);
    assert.equal(r.responses.length, 6, JSON.stringify(r.responses));
    assert.equal(byKey.get(`del-by-id/${id}`)?.errorCode, ErrorCode.NONE, 'deleted by id, answered with its name');
    assert.equal(byKey.get(`no-such-topic/${ZERO_UUID}`)?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(byKey.get(`null/${unknownId}`)?.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
    assert.deepEqual(
      [byKey.get(`null/${ZERO_UUID}`)?.errorCode, byKey.get(`null/${ZERO_UUID}`)?.errorMessage],
      [ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.'],
    );
    assert.deepEqual([byKey.get(`both/${id}`)?.errorCode, byKey.get(`both/${id}`)?.errorMessage], [ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.']);
    assert.deepEqual([byKey.get(`null/${dupId}`)?.errorCode, byKey.get(`null/${dupId}`)?.errorMessage], [ErrorCode.INVALID_REQUEST, 'Duplicate topic id.']);
    assert.ok(!(await admin.listTopics()).includes('del-by-id'));
    assert.ok((await admin.listTopics()).includes('del-dup-id'), 'a duplicated id is not deleted');

    // v5: names only; a duplicated name is refused, the metadata log is not a topic.
    const v5 = await raw.request(DELETE_TOPICS, 5, { topicNames: ['del-dup-id', 'del-dup-id', '__cluster_metadata'], timeoutMs: 5000 });
    assert.deepEqual(
      v5.responses.map((t: { name: string; errorCode: number; errorMessage: string | null }) => [t.name, t.errorCode, t.errorMessage]),
      [
        ['del-dup-id', ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'],
        ['__cluster_metadata', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.'],
      ],
    );
    // The broker still writes metadata after that.
    assert.equal(await admin.createTopics({ topics: [{ topic: 'after-metadata-delete' }] }), true);
  });

  test('CreatePartitions (KafkaJS) grows a topic; the new partitions take records at once', async () => {
    await admin.createTopics({ topics: [{ topic: 'grow', numPartitions: 1 }] });
    await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 3 }] });
    const meta = await admin.fetchTopicMetadata({ topics: ['grow'] });
    assert.deepEqual(
      meta.topics[0]!.partitions.map((p) => [p.partitionId, p.leader, p.replicas, p.isr]).sort(),
      [[0, 1, [1], [1]], [1, 1, [1], [1]], [2, 1, [1], [1]]],
    );
    assert.deepEqual(partitionDirs('grow'), ['grow-0', 'grow-1', 'grow-2']);
    const producer = kafka.producer();
    await producer.connect();
    const [sent] = await producer.send({ topic: 'grow', acks: -1, messages: [{ partition: 2, value: 'to the new partition' }] });
    await producer.disconnect();
    assert.equal(sent?.errorCode, 0);
    assert.equal((await admin.fetchTopicOffsets('grow')).find((o) => o.partition === 2)?.high, '1');

    // validateOnly changes nothing.
    await admin.createPartitions({ validateOnly: true, topicPartitions: [{ topic: 'grow', count: 5 }] });
    assert.equal((await admin.fetchTopicMetadata({ topics: ['grow'] })).topics[0]!.partitions.length, 3);

    // Only increases.
    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 2 }] }), (e: Error & { type?: string }) => {
      assert.equal(e.type, 'INVALID_PARTITIONS');
      return true;
    });
    await assert.rejects(admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 3 }] }), /INVALID_PARTITIONS|partitions/i);
  });

  test('CreatePartitions: Kafka\'s messages for shrinking, unknown topics, duplicates and manual assignments', async () => {
    await admin.createTopics({ topics: [{ topic: 'assign', numPartitions: 2 }] });
    const r = await raw.request(CREATE_PARTITIONS, 3, {
      topics: [
        { name: 'assign', count: 1, assignments: null },
        { name: 'no-such-topic', count: 4, assignments: null },
      ],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.deepEqual(r.results.map((t: { name: string; errorCode: number; errorMessage: string | null }) => [t.name, t.errorCode, t.errorMessage]), [
      ['assign', ErrorCode.INVALID_PARTITIONS, 'The topic assign currently has 2 partition(s); 1 would not be an increase.'],
      ['no-such-topic', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null],
    ]);
    const attempt = async (assignments: number[][] | null, count = 3): Promise<[number, string | null]> => {
      const res = await raw.request(CREATE_PARTITIONS, 3, {
        topics: [{ name: 'assign', count, assignments: assignments === null ? null : assignments.map((brokerIds) => ({ brokerIds })) }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      return [res.results[0].errorCode, res.results[0].errorMessage];
    };
    assert.deepEqual(await attempt([[1], [1]]), [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Attempted to add 1 additional partition(s), but only 2 assignment(s) were specified.']);
    assert.deepEqual(await attempt([[7]]), [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes broker 7, but no such broker is registered.']);
    assert.deepEqual(await attempt([[1, 1]]), [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes the broker 1 more than once.']);
    assert.deepEqual(await attempt([[]]), [ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'The manual partition assignment includes an empty replica list.']);
    assert.deepEqual(await attempt([[1]]), [ErrorCode.NONE, null]);
    assert.ok(existsSync(join(tb.dir, 'assign-2')), 'the manually assigned partition is hosted here');
    assert.deepEqual(await attempt(null, 3), [ErrorCode.INVALID_PARTITIONS, 'Topic already has 3 partition(s).']);

    const dup = await raw.request(CREATE_PARTITIONS, 0, {
      topics: [{ name: 'assign', count: 9, assignments: null }, { name: 'assign', count: 9, assignments: null }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.deepEqual(dup.results.map((t: { errorCode: number; errorMessage: string }) => [t.errorCode, t.errorMessage]), [
      [ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'],
      [ErrorCode.INVALID_REQUEST, 'Duplicate topic name.'],
    ]);
    assert.equal((await admin.fetchTopicMetadata({ topics: ['assign'] })).topics[0]!.partitions.length, 3);
  });
});

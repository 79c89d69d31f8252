/**
 * A group member against two scripted fake brokers, to see the wire and the coordinator moving:
 * FindCoordinator with batched keys (v4+), the KIP-394 JoinGroup round, JoinGroup fields
 * (session and rebalance timeouts, protocols in preference order with v3 subscriptions), the
 * coordinator on a connection of its own (not the fetch connection), NOT_COORDINATOR on a
 * heartbeat → FindCoordinator again → heartbeats to the new coordinator, a commit retried after
 * COORDINATOR_LOAD_IN_PROGRESS, REBALANCE_IN_PROGRESS → rejoin with the same member id (eager:
 * revoke all, assign again), LeaveGroup v3+ on close.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, Kafka } from '../../src/index.js';
import { ApiKey } from '../../src/protocol/generated/registry.js';
import { decodeSubscription, encodeAssignment } from '../../src/client/group/consumer-protocol.js';
import { FakeBroker, metadataBody, type SeenRequest } from '../support/fake-broker.js';
import { closeAll, sortedKeys, track, waitFor } from '../support/groups.js';

const brokers: FakeBroker[] = [];
afterEach(async () => {
  await closeAll();
  await Promise.all(brokers.splice(0).map((b) => b.close()));
});

test('coordinator moves (NOT_COORDINATOR), commit retried, rebalance with the same member id, LeaveGroup on close', async () => {
  let coordinator = 1;
  let generation = 0;
  let heartbeatError = 0;
  let commitLoading = 1;
  const handle = (req: SeenRequest, broker: FakeBroker): { body: unknown } | Promise<{ body: unknown }> | undefined => {
    const b = req.body;
    switch (req.apiKey) {
      case ApiKey.Metadata:
        return { body: metadataBody([one, two], { t: [1, 1] }) };
      case ApiKey.FindCoordinator: {
        const c = coordinator === 1 ? one : two;
        return { body: { throttleTimeMs: 0, coordinators: b.coordinatorKeys.map((key: string) => ({ key, nodeId: c.nodeId, host: '127.0.0.1', port: c.port, errorCode: 0, errorMessage: null })) } };
      }
      case ApiKey.JoinGroup: {
        if (broker.nodeId !== coordinator) return { body: { errorCode: ErrorCode.NOT_COORDINATOR, generationId: -1, protocolName: null, leader: '', memberId: '', members: [] } };
        if (b.memberId === '') return { body: { errorCode: ErrorCode.MEMBER_ID_REQUIRED, generationId: -1, protocolName: null, leader: '', memberId: 'member-1', members: [] } };
        generation++;
        return { body: { errorCode: 0, generationId: generation, protocolType: 'consumer', protocolName: b.protocols[0].name, leader: b.memberId, memberId: b.memberId, members: [{ memberId: b.memberId, groupInstanceId: null, metadata: b.protocols[0].metadata }] } };
      }
      case ApiKey.SyncGroup:
        return { body: { errorCode: 0, protocolType: 'consumer', protocolName: b.protocolName, assignment: b.assignments.find((a: any) => a.memberId === b.memberId)?.assignment ?? encodeAssignment({ partitions: [], userData: null }) } };
      case ApiKey.Heartbeat: {
        const code = broker.nodeId !== coordinator ? ErrorCode.NOT_COORDINATOR : heartbeatError;
        heartbeatError = 0;
        return { body: { errorCode: code } };
      }
      case ApiKey.OffsetFetch:
        return { body: { throttleTimeMs: 0, groups: b.groups.map((g: any) => ({ groupId: g.groupId, errorCode: 0, topics: g.topics.map((t: any) => ({ name: t.name, partitions: t.partitionIndexes.map((p: number) => ({ partitionIndex: p, committedOffset: 5n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 })) })) })) } };
      case ApiKey.OffsetCommit: {
        const code = commitLoading-- > 0 ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : 0;
        return { body: { throttleTimeMs: 0, topics: b.topics.map((t: any) => ({ name: t.name, partitions: t.partitions.map((p: any) => ({ partitionIndex: p.partitionIndex, errorCode: code })) })) } };
      }
      case ApiKey.Fetch:
        // Nothing new: answer after the long poll, as a broker would.
        return new Promise((r) => setTimeout(() => r({ body: { throttleTimeMs: 0, errorCode: 0, sessionId: 0, responses: b.topics.map((t: any) => ({ topic: t.topic, topicId: t.topicId, partitions: t.partitions.map((p: any) => ({ partitionIndex: p.partition, errorCode: 0, highWatermark: 5n, lastStableOffset: 5n, logStartOffset: 0n, abortedTransactions: [], preferredReadReplica: -1, records: null })) })) } }), 50));
      case ApiKey.LeaveGroup:
        return { body: { throttleTimeMs: 0, errorCode: 0, members: b.members.map((m: any) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode: 0 })) } };
      default:
        return undefined;
    }
  };
  const one: FakeBroker = await FakeBroker.start({ nodeId: 1, handle });
  const two: FakeBroker = await FakeBroker.start({ nodeId: 2, handle });
  brokers.push(one, two);

  const kafka = new Kafka({ 'bootstrap.servers': one.address, 'retry.backoff.ms': 20 });
  const consumer = track(kafka.consumer({ 'group.id': 'g', 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 100, 'max.poll.interval.ms': 20_000, 'fetch.max.wait.ms': 50, 'enable.auto.commit': false }));
  const events: string[] = [];
  consumer.subscribe(['t'], {
    onPartitionsAssigned: (ps) => void events.push(`assigned ${sortedKeys(ps).join(',')}`),
    onPartitionsRevoked: (ps) => void events.push(`revoked ${sortedKeys(ps).join(',')}`),
  });
  let stop = false;
  const polling = (async () => {
    while (!stop) await consumer.poll(100);
  })();
  try {
    await waitFor('assigned', () => consumer.assignment().length === 2, 10_000);
    assert.equal(await consumer.position({ topic: 't', partition: 0 }), 5, 'starts at the committed offset');

    const find = one.requests(ApiKey.FindCoordinator)[0]!;
    assert.ok(find.version >= 4);
    assert.deepEqual([find.body.keyType, find.body.coordinatorKeys], [0, ['g']]);
    const joins = one.requests(ApiKey.JoinGroup);
    assert.deepEqual(joins.map((j) => j.body.memberId), ['', 'member-1']);
    assert.deepEqual([joins[1]!.body.sessionTimeoutMs, joins[1]!.body.rebalanceTimeoutMs, joins[1]!.body.protocolType], [6000, 20_000, 'consumer']);
    assert.deepEqual(joins[1]!.body.protocols.map((p: any) => p.name), ['range', 'cooperative-sticky']);
    const sub = decodeSubscription(joins[1]!.body.protocols[0].metadata);
    assert.deepEqual([sub.version, sub.topics], [3, ['t']]);
    const fetchSockets = new Set(one.requests(ApiKey.Fetch).map((r) => r.socket));
    assert.ok(fetchSockets.size > 0 && !fetchSockets.has(joins[1]!.socket), 'the coordinator has a connection of its own');
    assert.deepEqual(events, ['assigned t-0,t-1']);

    // The coordinator moves: broker 1 answers NOT_COORDINATOR, FindCoordinator names broker 2.
    await waitFor('heartbeats to broker 1', () => one.requests(ApiKey.Heartbeat).length >= 2);
    coordinator = 2;
    await waitFor('heartbeats to broker 2', () => two.requests(ApiKey.Heartbeat).length >= 2, 10_000);
    const hb = two.requests(ApiKey.Heartbeat)[0]!;
    assert.deepEqual([hb.body.groupId, hb.body.memberId, hb.body.generationId], ['g', 'member-1', 1]);
    assert.ok([...one.requests(ApiKey.FindCoordinator), ...two.requests(ApiKey.FindCoordinator)].length >= 2, 'looked the coordinator up again');

    // A commit: COORDINATOR_LOAD_IN_PROGRESS once, then accepted.
    await consumer.commit([{ topic: 't', partition: 0, offset: 7, metadata: 'm' }]);
    const commits = two.requests(ApiKey.OffsetCommit);
    assert.equal(commits.length, 2);
    assert.deepEqual([commits[1]!.body.generationIdOrMemberEpoch, commits[1]!.body.memberId], [1, 'member-1']);

    // The coordinator starts a rebalance: the member rejoins with its id; eager revokes everything first.
    heartbeatError = ErrorCode.REBALANCE_IN_PROGRESS;
    await waitFor('rejoined', () => two.requests(ApiKey.SyncGroup).length === 1 && consumer.groupMetadata().generationId === 2, 10_000);
    assert.deepEqual(two.requests(ApiKey.JoinGroup).map((j) => j.body.memberId), ['member-1']);
    await waitFor('assigned again', () => events.length === 3);
    assert.deepEqual(events, ['assigned t-0,t-1', 'revoked t-0,t-1', 'assigned t-0,t-1']);
  } finally {
    stop = true;
    consumer.stop();
    await polling;
  }
  await consumer.close();
  const leave = two.requests(ApiKey.LeaveGroup);
  assert.equal(leave.length, 1);
  assert.deepEqual(leave[0]!.body.members.map((m: any) => m.memberId), ['member-1']);
});

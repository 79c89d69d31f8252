/**
 * The consumer-group member state machine (client/group/membership.ts) with a fake clock, the
 * offset and FindCoordinator bodies per version, and the consumer's group config checks:
 * KIP-394's MEMBER_ID_REQUIRED round, static membership (v5+, no LeaveGroup), what every
 * JoinGroup / SyncGroup / Heartbeat error leads to, stale answers ignored, heartbeat timing,
 * session and poll timeouts, rejoin requests while a join is under way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, KafkaError } from '../../src/protocol/errors.js';
import { Membership, type MembershipOptions } from '../../src/client/group/membership.js';
import { commitErrorAction, fetchErrorAction, offsetCommitRequest, offsetFetchRequest, readOffsetFetch } from '../../src/client/group/offsets.js';
import { findCoordinatorRequest, readFindCoordinator } from '../../src/client/group/coordinator.js';
import { ConfigError, Kafka } from '../../src/index.js';

const OPTIONS: MembershipOptions = { groupId: 'g', groupInstanceId: null, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 60_000, heartbeatIntervalMs: 3_000, retryBackoffMs: 100 };
const PROTOCOLS = [{ name: 'range', metadata: Buffer.from([0, 3]) }];
const NAMES = ['range'];

function joinAnswer(over: Partial<Parameters<Membership['onJoinResponse']>[0]> = {}): Parameters<Membership['onJoinResponse']>[0] {
  return { errorCode: ErrorCode.NONE, generationId: 5, protocolType: 'consumer', protocolName: 'range', leader: 'm1', memberId: 'm1', skipAssignment: false, members: [{ memberId: 'm1', groupInstanceId: null, metadata: Buffer.alloc(0) }], ...over };
}

/** A member that is stable in generation 5 as m1, at time 1000. */
function stableMember(options: MembershipOptions = OPTIONS): Membership {
  const m = new Membership(options, 0);
  m.joinRequest(9, PROTOCOLS, 1000);
  assert.equal(m.onJoinResponse(joinAnswer(), NAMES, 1000).kind, 'joined');
  assert.equal(m.onSyncResponse({ errorCode: ErrorCode.NONE, protocolType: 'consumer', protocolName: 'range', assignment: Buffer.alloc(0) }, { generationId: 5, memberId: 'm1' }, 1000).kind, 'synced');
  return m;
}

test('KIP-394: the first JoinGroup has no member id; MEMBER_ID_REQUIRED names one and the member rejoins at once with it', () => {
  const m = new Membership(OPTIONS, 0);
  assert.equal(m.state, 'unjoined');
  const first = m.joinRequest(4, PROTOCOLS, 0) as Record<string, unknown>;
  assert.equal(first['memberId'], '');
  assert.equal(first['rebalanceTimeoutMs'], 60_000);
  assert.equal(first['protocolType'], 'consumer');
  assert.equal(m.rejoinNeeded, false, 'a join under way clears the request');
  const out = m.onJoinResponse(joinAnswer({ errorCode: ErrorCode.MEMBER_ID_REQUIRED, memberId: 'given', generationId: -1 }), NAMES, 10);
  assert.deepEqual(out, { kind: 'rejoin', reason: 'need to rejoin with the given member id', backoff: false, coordinatorLost: false });
  assert.equal((m.joinRequest(4, PROTOCOLS, 20) as Record<string, unknown>)['memberId'], 'given');
  const joined = m.onJoinResponse(joinAnswer({ memberId: 'given', leader: 'other' }), NAMES, 30);
  assert.equal(joined.kind, 'joined');
  assert.equal(joined.kind === 'joined' && joined.isLeader, false);
  assert.equal(m.state, 'syncing');
  assert.equal(m.generationIfStable(), null, 'not stable while syncing');
  const sync = m.syncRequest(3, []) as Record<string, unknown>;
  assert.deepEqual([sync['generationId'], sync['memberId'], sync['protocolName']], [5, 'given', 'range']);
  assert.equal(m.onSyncResponse({ errorCode: ErrorCode.NONE, protocolType: null, protocolName: null, assignment: Buffer.from('x') }, { generationId: 5, memberId: 'given' }, 40).kind, 'synced');
  assert.deepEqual(m.generationIfStable(), { generationId: 5, memberId: 'given' });
});

test('JoinGroup errors: what each one leads to', () => {
  const cases: [number, string, boolean, boolean][] = [
    [ErrorCode.UNKNOWN_MEMBER_ID, 'rejoin', false, false],
    [ErrorCode.REBALANCE_IN_PROGRESS, 'rejoin', false, false],
    [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, 'rejoin', true, false],
    [ErrorCode.COORDINATOR_NOT_AVAILABLE, 'rejoin', true, true],
    [ErrorCode.NOT_COORDINATOR, 'rejoin', true, true],
    [ErrorCode.FENCED_INSTANCE_ID, 'fatal', false, false],
    [ErrorCode.INCONSISTENT_GROUP_PROTOCOL, 'fatal', false, false],
    [ErrorCode.INVALID_SESSION_TIMEOUT, 'fatal', false, false],
    [ErrorCode.GROUP_MAX_SIZE_REACHED, 'fatal', false, false],
    [ErrorCode.GROUP_AUTHORIZATION_FAILED, 'fatal', false, false],
  ];
  for (const [code, kind, backoff, coordinatorLost] of cases) {
    const m = new Membership(OPTIONS, 0);
    m.memberId = 'old';
    m.joinRequest(6, PROTOCOLS, 0);
    const out = m.onJoinResponse(joinAnswer({ errorCode: code }), NAMES, 0);
    assert.equal(out.kind, kind, `code ${code}`);
    if (out.kind === 'rejoin') assert.deepEqual([out.backoff, out.coordinatorLost], [backoff, coordinatorLost], `code ${code}`);
    if (out.kind === 'fatal') assert.equal(out.error.code, code);
    assert.equal(m.state, 'unjoined');
    assert.equal(m.rejoinNeeded, true);
    assert.equal(m.memberId, code === ErrorCode.UNKNOWN_MEMBER_ID ? '' : 'old', `code ${code}: member id kept unless unknown`);
  }
  // A coordinator that picks another protocol type or a protocol we did not offer.
  for (const over of [{ protocolType: 'connect' }, { protocolName: 'roundrobin' }, { protocolName: null }]) {
    const m = new Membership(OPTIONS, 0);
    m.joinRequest(7, PROTOCOLS, 0);
    const out = m.onJoinResponse(joinAnswer(over), NAMES, 0);
    assert.equal(out.kind === 'fatal' && out.error.errorName, 'INCONSISTENT_GROUP_PROTOCOL');
  }
  // An answer for a join that is no longer under way.
  const m = new Membership(OPTIONS, 0);
  assert.equal(m.onJoinResponse(joinAnswer(), NAMES, 0).kind, 'rejoin');
});

test('SyncGroup errors, and an answer for an older generation', () => {
  const syncing = (): Membership => {
    const m = new Membership(OPTIONS, 0);
    m.joinRequest(5, PROTOCOLS, 0);
    m.onJoinResponse(joinAnswer(), NAMES, 0);
    return m;
  };
  const answer = (errorCode: number) => ({ errorCode, protocolType: 'consumer', protocolName: 'range', assignment: Buffer.alloc(0) });
  const sent = { generationId: 5, memberId: 'm1' };
  let m = syncing();
  assert.deepEqual(m.onSyncResponse(answer(ErrorCode.REBALANCE_IN_PROGRESS), sent, 0), { kind: 'rejoin', reason: 'rebalance in progress', backoff: false, coordinatorLost: false });
  assert.equal(m.memberId, 'm1');
  for (const code of [ErrorCode.UNKNOWN_MEMBER_ID, ErrorCode.ILLEGAL_GENERATION]) {
    m = syncing();
    assert.equal(m.onSyncResponse(answer(code), sent, 0).kind, 'rejoin');
    assert.deepEqual([m.memberId, m.generationId, m.hasGeneration()], ['', -1, false]);
  }
  m = syncing();
  const lost = m.onSyncResponse(answer(ErrorCode.NOT_COORDINATOR), sent, 0);
  assert.equal(lost.kind === 'rejoin' && lost.coordinatorLost, true);
  m = syncing();
  assert.equal(m.onSyncResponse(answer(ErrorCode.FENCED_INSTANCE_ID), sent, 0).kind, 'fatal');
  m = syncing();
  assert.equal(m.onSyncResponse({ ...answer(ErrorCode.NONE), protocolName: 'roundrobin' }, sent, 0).kind, 'fatal');
  m = syncing();
  assert.equal(m.onSyncResponse(answer(ErrorCode.NONE), { generationId: 4, memberId: 'm1' }, 0).kind, 'rejoin', 'stale');
  assert.equal(m.state, 'syncing');
});

test('static membership: group.instance.id needs JoinGroup v5 / SyncGroup v3; a static member sends no LeaveGroup', () => {
  const options = { ...OPTIONS, groupInstanceId: 'instance-1' };
  const m = new Membership(options, 0);
  assert.throws(() => m.joinRequest(4, PROTOCOLS, 0), (e: unknown) => e instanceof KafkaError && e.errorName === 'UNSUPPORTED_VERSION' && /static membership/.test(e.message));
  assert.equal((m.joinRequest(5, PROTOCOLS, 0) as Record<string, unknown>)['groupInstanceId'], 'instance-1');
  m.onJoinResponse(joinAnswer(), NAMES, 0);
  assert.throws(() => m.syncRequest(2, []), /static membership/);
  assert.equal((m.syncRequest(3, []) as Record<string, unknown>)['groupInstanceId'], 'instance-1');
  const stable = stableMember(options);
  assert.equal((stable.heartbeatRequest(3, 2000).body as Record<string, unknown>)['groupInstanceId'], 'instance-1');
  assert.equal(stable.leave('closing'), null);
  assert.equal(stable.hasGeneration(), false, 'the generation is forgotten anyway');

  const dynamic = stableMember();
  const build = dynamic.leave('closing')!;
  assert.deepEqual(build(1), { groupId: 'g', memberId: 'm1' });
  assert.deepEqual(build(5), { groupId: 'g', members: [{ memberId: 'm1', groupInstanceId: null, reason: 'closing' }] });
  assert.equal(new Membership(OPTIONS, 0).leave('never joined'), null);
});

test('heartbeats: every heartbeat.interval.ms while stable, one at a time; what each answer leads to', () => {
  const m = stableMember();
  assert.equal(m.heartbeatDelayMs(1000), 3000);
  assert.equal(m.heartbeatDelayMs(4500), 0);
  const { sent } = m.heartbeatRequest(4, 4500);
  assert.equal(m.heartbeatDelayMs(9000), Infinity, 'one in flight');
  assert.deepEqual(m.onHeartbeatResponse(ErrorCode.NONE, sent, 4510), { kind: 'ok' });
  assert.equal(m.heartbeatDelayMs(4510), 2990);
  // REBALANCE_IN_PROGRESS: rejoin.
  assert.equal(m.onHeartbeatResponse(ErrorCode.REBALANCE_IN_PROGRESS, sent, 5000).kind, 'rejoin');
  assert.equal(m.rejoinNeeded, true);
  // A fenced generation, answered for an older heartbeat: ignored; for the current one: lost.
  assert.deepEqual(m.onHeartbeatResponse(ErrorCode.ILLEGAL_GENERATION, { generationId: 4, memberId: 'm1' }, 5000), { kind: 'ignored' });
  assert.equal(m.hasGeneration(), true);
  assert.equal(m.onHeartbeatResponse(ErrorCode.UNKNOWN_MEMBER_ID, sent, 5000).kind, 'lost');
  assert.deepEqual([m.state, m.memberId, m.hasGeneration()], ['unjoined', '', false]);
  assert.equal(m.heartbeatDelayMs(5000), Infinity, 'no heartbeats outside a generation');
  // Coordinator errors and lost requests: retry after retry.backoff.ms.
  const n = stableMember();
  const h = n.heartbeatRequest(4, 4000);
  assert.equal(n.onHeartbeatResponse(ErrorCode.NOT_COORDINATOR, h.sent, 4000).kind, 'coordinator-lost');
  assert.equal(n.heartbeatDelayMs(4000), 100);
  n.heartbeatRequest(4, 4100);
  n.onHeartbeatFailed(4200);
  assert.equal(n.heartbeatDelayMs(4200), 100);
  const f = stableMember();
  assert.equal(f.onHeartbeatResponse(ErrorCode.FENCED_INSTANCE_ID, f.heartbeatRequest(4, 4000).sent, 4000).kind, 'fatal');
});

test('session timeout without a heartbeat answer; poll timeout after max.poll.interval.ms without a poll', () => {
  const m = stableMember();
  assert.equal(m.sessionExpired(10_999), false);
  assert.equal(m.sessionExpired(11_001), true);
  m.onHeartbeatResponse(ErrorCode.NONE, m.heartbeatRequest(4, 11_000).sent, 11_002);
  assert.equal(m.sessionExpired(20_000), false);
  m.coordinatorFound(30_000);
  assert.equal(m.sessionExpired(39_000), false);

  const p = stableMember();
  p.polled(5_000);
  assert.equal(p.pollTimeoutExpired(65_000), false);
  assert.equal(p.pollTimeoutExpired(65_001), true);
  p.polled(65_001);
  assert.equal(p.pollTimeoutExpired(66_000), false);
  assert.equal(new Membership(OPTIONS, 0).pollTimeoutExpired(1e9), false, 'not in a group');
});

test('a rejoin asked for while a join is under way is kept for the next round', () => {
  const m = new Membership(OPTIONS, 0);
  m.joinRequest(9, PROTOCOLS, 0);
  m.requestRejoin('metadata changed');
  m.onJoinResponse(joinAnswer(), NAMES, 0);
  m.onSyncResponse({ errorCode: ErrorCode.NONE, protocolType: 'consumer', protocolName: 'range', assignment: Buffer.alloc(0) }, { generationId: 5, memberId: 'm1' }, 0);
  assert.equal(m.state, 'stable');
  assert.equal(m.rejoinNeeded, true);
  assert.equal(m.rejoinReason, 'metadata changed');
});

test('OffsetCommit / OffsetFetch bodies per version, answers, and what their errors mean', () => {
  const offsets = [{ topic: 't', partition: 0, offset: 7, metadata: 'm' }, { topic: 't', partition: 1, offset: 9, leaderEpoch: 3 }, { topic: 'u', partition: 0, offset: 1 }];
  const body = offsetCommitRequest(8, 'g', { generationId: 4, memberId: 'm1' }, 'inst', offsets) as any;
  assert.deepEqual([body.generationIdOrMemberEpoch, body.memberId, body.groupInstanceId], [4, 'm1', 'inst']);
  assert.deepEqual(body.topics.map((t: any) => [t.name, t.partitions.map((p: any) => [p.partitionIndex, p.committedOffset, p.committedLeaderEpoch, p.committedMetadata])]), [
    ['t', [[0, 7n, -1, 'm'], [1, 9n, 3, '']]],
    ['u', [[0, 1n, -1, '']]],
  ]);
  const manual = offsetCommitRequest(2, 'g', null, null, offsets) as any;
  assert.deepEqual([manual.generationIdOrMemberEpoch, manual.memberId, manual.groupInstanceId], [-1, '', null]);
  assert.throws(() => offsetCommitRequest(6, 'g', { generationId: 1, memberId: 'm' }, 'inst', offsets), /static membership/);

  const tps = [{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }];
  assert.deepEqual(offsetFetchRequest(6, 'g', tps), { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }], requireStable: false });
  assert.deepEqual(offsetFetchRequest(7, 'g', tps), { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }], requireStable: true });
  assert.deepEqual(offsetFetchRequest(8, 'g', tps), { groups: [{ groupId: 'g', memberId: null, memberEpoch: -1, topics: [{ name: 't', partitionIndexes: [0, 1] }] }], requireStable: true });
  const v5 = readOffsetFetch({ throttleTimeMs: 0, errorCode: 0, groups: [], topics: [{ name: 't', partitions: [{ partitionIndex: 0, committedOffset: 12n, committedLeaderEpoch: 2, metadata: 'x', errorCode: 0 }, { partitionIndex: 1, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: 0 }] }] }, 5, 'g', tps);
  assert.deepEqual([...v5.partitions.values()].map((p) => p.committed), [{ topic: 't', partition: 0, offset: 12, leaderEpoch: 2, metadata: 'x' }, null]);
  const v8 = readOffsetFetch({ throttleTimeMs: 0, errorCode: 0, topics: [], groups: [{ groupId: 'g', errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, topics: [] }] }, 8, 'g', tps);
  assert.equal(v8.errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);

  assert.equal(commitErrorAction(ErrorCode.NOT_COORDINATOR), 'coordinator');
  assert.equal(commitErrorAction(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS), 'retry');
  assert.equal(commitErrorAction(ErrorCode.REBALANCE_IN_PROGRESS), 'rebalancing');
  assert.equal(commitErrorAction(ErrorCode.ILLEGAL_GENERATION), 'generation');
  assert.equal(commitErrorAction(ErrorCode.GROUP_ID_NOT_FOUND), 'generation', 'v9+: the group is gone, so is the generation');
  assert.equal(commitErrorAction(ErrorCode.OFFSET_METADATA_TOO_LARGE), 'fatal');
  assert.equal(fetchErrorAction(ErrorCode.UNSTABLE_OFFSET_COMMIT), 'retry');
  assert.equal(fetchErrorAction(ErrorCode.GROUP_AUTHORIZATION_FAILED), 'fatal');
});

test('FindCoordinator: the single key before v4, batched coordinator keys from v4', () => {
  assert.deepEqual(findCoordinatorRequest(0, 'g'), { key: 'g', keyType: 0 });
  assert.deepEqual(findCoordinatorRequest(3, 'g'), { key: 'g', keyType: 0 });
  assert.deepEqual(findCoordinatorRequest(4, 'g'), { keyType: 0, coordinatorKeys: ['g'] });
  const old = { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 3, host: 'h', port: 9, coordinators: [] };
  assert.deepEqual(readFindCoordinator(old, 2, 'g'), { node: { nodeId: 3, host: 'h', port: 9 } });
  assert.deepEqual(readFindCoordinator({ ...old, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }, 2, 'g'), { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, message: null });
  const batched = { ...old, coordinators: [{ key: 'g', nodeId: 4, host: 'k', port: 10, errorCode: 0, errorMessage: null }] };
  assert.deepEqual(readFindCoordinator(batched, 4, 'g'), { node: { nodeId: 4, host: 'k', port: 10 } });
});

test('consumer group config: checked when the consumer is made', () => {
  const kafka = new Kafka({ 'bootstrap.servers': '127.0.0.1:1' });
  const refused = (config: Record<string, unknown>, key: string): void => {
    assert.throws(() => kafka.consumer(config as never), (e: unknown) => e instanceof ConfigError && e.message.includes(key), JSON.stringify(config));
  };
  refused({ 'group.id': 'g', 'heartbeat.interval.ms': 10_000, 'session.timeout.ms': 10_000 }, 'heartbeat.interval.ms');
  refused({ 'group.protocol': 'consumer' }, 'group.protocol');
  refused({ 'partition.assignment.strategy': 'range,org.example.MyAssignor' }, 'unknown assignor "org.example.MyAssignor"');
  refused({ 'partition.assignment.strategy': '' }, 'partition.assignment.strategy');
  refused({ 'group.instance.id': 'a b' }, 'group.instance.id');
  refused({ 'group.instance.id': '..' }, 'group.instance.id');
  const ok = kafka.consumer({ 'group.id': 'g', 'partition.assignment.strategy': ['roundrobin', 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor'], 'group.instance.id': 'host-1.a_b' });
  assert.deepEqual(ok.config.partitionAssignmentStrategy, ['roundrobin', 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor']);
  void ok.close();
});

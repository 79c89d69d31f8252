/**
 * The group coordinator's shell (GroupCoordinator) over an in-memory __consumer_offsets partition
 * whose appends the test holds open or fails: answers wait until the records are durable (also
 * answers that write nothing but depend on state still being written), a failed write answers
 * COORDINATOR_NOT_AVAILABLE and changes no committed offset, later operations work, loading
 * replays the partition, and closing answers parked requests. Then a real broker restarted on
 * its log dir keeps committed offsets and the group (its generation, members and assignments).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, KafkaError } from '../../src/protocol/errors.js';
import { GroupCoordinator, type OffsetsPartitionStore } from '../../src/coordinator/group/group-coordinator.js';
import type { JoinInput, JoinResult, SyncResult } from '../../src/coordinator/group/group-shard.js';
import { partitionForGroup, type OffsetsTopicRecord } from '../../src/coordinator/group/offsets-records.js';
import { startBroker } from '../../src/server/broker.js';
import { quietLogger } from '../support/admin-broker.js';
import { GroupWire, stableGroup } from '../support/group-wire.js';
import { WireClient } from '../support/wire-client.js';
import { DEFAULT_CONFIG, consumerProtocols } from './group-harness.js';

/** A partition in memory. Appends complete at once, or wait for `release()`, or fail. */
class MemoryStore implements OffsetsPartitionStore {
  readonly log: OffsetsTopicRecord[] = [];
  hold = false;
  failNext: Error | null = null;
  appends = 0;
  private readonly held: (() => void)[] = [];

  append(records: readonly OffsetsTopicRecord[]): Promise<void> {
    this.appends++;
    const failure = this.failNext;
    this.failNext = null;
    if (failure !== null) return Promise.reject(failure);
    // The append is queued now (its place in the log is fixed); it becomes durable later.
    const place = this.log.length;
    this.log.push(...records);
    void place;
    if (!this.hold) return Promise.resolve();
    return new Promise((resolve) => this.held.push(resolve));
  }

  /** Makes the oldest held append durable. */
  release(): void {
    const next = this.held.shift();
    assert.ok(next, 'an append is held');
    next();
  }

  get heldCount(): number {
    return this.held.length;
  }

  async *records(): AsyncIterable<{ key: Buffer | null; value: Buffer | null }> {
    for (const r of this.log) yield r;
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Whether a promise has settled (after letting pending callbacks run). */
async function settled(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await tick();
  return done;
}

const GROUP = 'shell-group';

function coordinator(clock: { now: number }): { groups: GroupCoordinator; errors: string[] } {
  let n = 0;
  const errors: string[] = [];
  const groups = new GroupCoordinator({
    config: () => DEFAULT_CONFIG,
    nowMs: () => clock.now,
    newMemberId: (prefix) => `${prefix}-${++n}`,
    retentionCheckIntervalMs: 3_600_000,
    onError: (m) => errors.push(m),
  });
  return { groups, errors };
}

function joinInput(memberId = '', clientId = 'client'): JoinInput {
  return {
    groupId: GROUP,
    memberId,
    groupInstanceId: null,
    clientId,
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    protocolType: 'consumer',
    protocols: consumerProtocols(),
    requireKnownMemberId: false,
    supportsSkipAssignment: true,
  };
}

const commitOne = (groups: GroupCoordinator, offset: number, member = { memberId: '', generationId: -1 }) =>
  groups.commitOffsets({ groupId: GROUP, memberId: member.memberId, groupInstanceId: null, generationId: member.generationId, topics: [{ name: 't', partitions: [{ partition: 0, offset, leaderEpoch: -1, metadata: null }] }] }, () => true);

const committedOffset = (groups: GroupCoordinator): number | undefined => groups.fetchOffsets(GROUP, [{ name: 't', partitions: [0] }])[0]!.committed?.offset;

describe('GroupCoordinator (shell) over an in-memory partition', () => {
  test('before __consumer_offsets exists: COORDINATOR_NOT_AVAILABLE; a partition this node does not lead: NOT_COORDINATOR', async () => {
    const clock = { now: 1000 };
    const { groups } = coordinator(clock);
    assert.equal(groups.partitionFor(GROUP), -1);
    await assert.rejects(async () => groups.join(joinInput()), (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.COORDINATOR_NOT_AVAILABLE);
    await groups.syncShards(2, new Map([[1 - partitionForGroup(GROUP, 2), new MemoryStore()]]));
    assert.equal(groups.partitionFor(GROUP), partitionForGroup(GROUP, 2));
    await assert.rejects(commitOne(groups, 1), (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.NOT_COORDINATOR);
    assert.throws(() => groups.describe(GROUP), (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.NOT_COORDINATOR);
  });

  test('answers wait until their records are durable: a commit, the leader\'s assignment, and a follower\'s SyncGroup that arrives meanwhile', async () => {
    const clock = { now: 1000 };
    const { groups } = coordinator(clock);
    const store = new MemoryStore();
    await groups.syncShards(1, new Map([[0, store]]));

    store.hold = true;
    const commit = commitOne(groups, 42);
    assert.equal(await settled(commit), false, 'no answer before the write is durable');
    assert.equal(committedOffset(groups), undefined, 'nor is the offset visible');
    store.release();
    assert.deepEqual(await commit, [[ErrorCode.NONE]]);
    assert.equal(committedOffset(groups), 42);

    // Two members; the group completes a generation (no records yet: joins write nothing).
    store.hold = false;
    const ja = (await groups.join(joinInput('', 'a'))) as JoinResult;
    const jb = groups.join(joinInput('', 'b'));
    const syncA1 = groups.sync({ groupId: GROUP, memberId: ja.memberId, groupInstanceId: null, generationId: ja.generationId, protocolType: null, protocolName: null, assignments: [] });
    assert.equal(((await syncA1) as SyncResult).errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    const ja2 = groups.join(joinInput(ja.memberId, 'a'));
    const [leader, follower] = [(await ja2) as JoinResult, (await jb) as JoinResult];
    assert.equal(leader.leader, leader.memberId);

    store.hold = true;
    const leaderSync = groups.sync({ groupId: GROUP, memberId: leader.memberId, groupInstanceId: null, generationId: leader.generationId, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: follower.memberId, assignment: Buffer.from('for-b') }] });
    // The follower asks while the leader's assignment is being written: the group is already
    // Stable in memory, but its answer must not get ahead of the write either.
    const followerSync = groups.sync({ groupId: GROUP, memberId: follower.memberId, groupInstanceId: null, generationId: follower.generationId, protocolType: 'consumer', protocolName: 'range', assignments: [] });
    const heartbeat = groups.heartbeat({ groupId: GROUP, memberId: follower.memberId, groupInstanceId: null, generationId: follower.generationId });
    assert.equal(await settled(leaderSync), false);
    assert.equal(await settled(followerSync), false);
    assert.equal(await settled(heartbeat), false);
    store.release();
    assert.equal(((await leaderSync) as SyncResult).errorCode, ErrorCode.NONE);
    assert.deepEqual(((await followerSync) as SyncResult).assignment, Buffer.from('for-b'));
    assert.equal(await heartbeat, ErrorCode.NONE);
    assert.equal(groups.describe(GROUP)!.state, 'Stable');
  });

  test('a failed write answers COORDINATOR_NOT_AVAILABLE, commits nothing, and later operations work', async () => {
    const clock = { now: 1000 };
    const { groups } = coordinator(clock);
    const store = new MemoryStore();
    await groups.syncShards(1, new Map([[0, store]]));
    assert.deepEqual(await commitOne(groups, 5), [[ErrorCode.NONE]]);

    store.failNext = new Error('disk on fire');
    await assert.rejects(commitOne(groups, 6), (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.COORDINATOR_NOT_AVAILABLE && /disk on fire/.test(e.message));
    assert.equal(committedOffset(groups), 5, 'the failed commit is not visible');

    // A parked SyncGroup answered by a failed write is failed, not left hanging.
    const j = (await groups.join(joinInput('', 'a'))) as JoinResult;
    store.failNext = new Error('still on fire');
    const sync = groups.sync({ groupId: GROUP, memberId: j.memberId, groupInstanceId: null, generationId: j.generationId, protocolType: null, protocolName: null, assignments: [{ memberId: j.memberId, assignment: Buffer.from('x') }] });
    await assert.rejects(sync, (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.COORDINATOR_NOT_AVAILABLE);

    // The partition works again: commits, heartbeats and a new generation go through.
    assert.deepEqual(await commitOne(groups, 7, { memberId: j.memberId, generationId: j.generationId }), [[ErrorCode.NONE]]);
    assert.equal(committedOffset(groups), 7);
    assert.equal(await groups.heartbeat({ groupId: GROUP, memberId: j.memberId, groupInstanceId: null, generationId: j.generationId }), ErrorCode.NONE);
    const again = (await groups.join(joinInput(j.memberId, 'a'))) as JoinResult;
    assert.equal(again.generationId, j.generationId + 1);
    const s = (await groups.sync({ groupId: GROUP, memberId: j.memberId, groupInstanceId: null, generationId: again.generationId, protocolType: null, protocolName: null, assignments: [{ memberId: j.memberId, assignment: Buffer.from('y') }] })) as SyncResult;
    assert.deepEqual(s.assignment, Buffer.from('y'));
  });

  test('loading a partition replays it: offsets and groups are back; closing answers parked requests with NOT_COORDINATOR', async () => {
    const clock = { now: 1000 };
    const first = coordinator(clock).groups;
    const store = new MemoryStore();
    await first.syncShards(1, new Map([[0, store]]));
    const j = (await first.join(joinInput('', 'a'))) as JoinResult;
    await first.sync({ groupId: GROUP, memberId: j.memberId, groupInstanceId: null, generationId: j.generationId, protocolType: null, protocolName: null, assignments: [{ memberId: j.memberId, assignment: Buffer.from('mine') }] });
    await commitOne(first, 99, { memberId: j.memberId, generationId: j.generationId });
    await first.commitOffsets({ groupId: 'other', memberId: '', groupInstanceId: null, generationId: -1, topics: [{ name: 'u', partitions: [{ partition: 3, offset: 7, leaderEpoch: 2, metadata: 'meta' }] }] }, () => true);
    first.close();

    clock.now += 5000;
    const second = coordinator(clock).groups;
    await second.syncShards(1, new Map([[0, store]]));
    assert.equal(committedOffset(second), 99);
    assert.deepEqual(second.fetchOffsets('other', null).map((o) => [o.topic, o.partition, o.committed?.offset, o.committed?.leaderEpoch, o.committed?.metadata, o.committed?.commitTimestampMs]), [['u', 3, 7, 2, 'meta', 1000]]);
    const d = second.describe(GROUP)!;
    assert.equal(d.state, 'Stable');
    assert.deepEqual(d.members.map((m) => [m.memberId, m.assignment.toString()]), [[j.memberId, 'mine']]);
    assert.equal(await second.heartbeat({ groupId: GROUP, memberId: j.memberId, groupInstanceId: null, generationId: j.generationId }), ErrorCode.NONE);

    // A parked JoinGroup (waiting for another member that never rejoins) is answered on close.
    const parked = second.join(joinInput('', 'b'));
    assert.equal(await settled(parked), false);
    second.close();
    await assert.rejects(parked, (e: unknown) => e instanceof KafkaError && e.code === ErrorCode.NOT_COORDINATOR);
  });
});

describe('a real broker restarted on its log dir', () => {
  test('keeps committed offsets and the group: generation, members and assignments', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tributary-group-restart-'));
    const config = { 'group.initial.rebalance.delay.ms': '200' };
    let broker = await startBroker({ port: 0, host: '127.0.0.1', logDir: dir, logger: quietLogger, config });
    const group = 'restart-group';
    try {
      const admin = await WireClient.connect(broker.host, broker.port);
      await admin.createTopics([{ name: 'orders', partitions: 3 }]);
      await admin.close();
      const conns = [await GroupWire.connect(broker.host, broker.port, 'a'), await GroupWire.connect(broker.host, broker.port, 'b')];
      assert.equal((await conns[0]!.findCoordinator(group)).errorCode, ErrorCode.NONE);
      const members = await stableGroup(conns, group, (m) => Buffer.from(`parts-of-${m.memberId}`));
      const generation = members[0]!.generationId;
      const commit = await conns[0]!.commit(group, members[0]!, 'orders', [10, 20, 30]);
      assert.deepEqual(commit.topics[0]!.partitions.map((p) => p.errorCode), [0, 0, 0]);
      const before = await conns[0]!.describe(group);
      for (const c of conns) await c.close();
      await broker.close();

      broker = await startBroker({ port: 0, host: '127.0.0.1', logDir: dir, logger: quietLogger, config });
      const c = await GroupWire.connect(broker.host, broker.port);
      try {
        assert.equal((await c.findCoordinator(group)).errorCode, ErrorCode.NONE);
        assert.deepEqual(await c.committed(group, 'orders', [0, 1, 2]), [10, 20, 30]);
        const after = await c.describe(group);
        assert.equal(after.groupState, 'Stable');
        assert.deepEqual(after.members.map((m) => [m.memberId, m.memberAssignment.toString()]).sort(), before.members.map((m) => [m.memberId, m.memberAssignment.toString()]).sort());
        // The members carry on with their generation, and the next one follows it.
        for (const m of members) assert.equal((await c.heartbeat(group, m.memberId, generation)).errorCode, ErrorCode.NONE);
        assert.equal((await c.heartbeat(group, members[0]!.memberId, generation - 1)).errorCode, ErrorCode.ILLEGAL_GENERATION);
        const leave = await c.leave(group, [{ memberId: members[1]!.memberId }]);
        assert.deepEqual(leave.members.map((m) => m.errorCode), [0]);
        const rejoin = await c.join(group, { memberId: members[0]!.memberId });
        assert.equal(rejoin.errorCode, ErrorCode.NONE);
        assert.equal(rejoin.generationId, generation + 1);
      } finally {
        await c.close();
      }
    } finally {
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Bad input to the group APIs of a real broker, from raw requests: unknown groups, wrong
 * generations, unknown members, fenced static members, assignment and subscription bytes that
 * are not the consumer protocol's, and requests that do not decode at all. Each gets Kafka's
 * error code (or its connection closed with a logged reason) and changes nothing else: after
 * each, the group's members keep heartbeating, committing and rebalancing, and its committed
 * offsets are intact as seen from another connection.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import { ApiKey, RawClient, eventually, startTestBroker, type LogLine, type TestBroker } from '../support/interop.js';
import { GroupWire, stableGroup, subscriptionBytes, type Membership } from '../support/group-wire.js';
import { WireClient } from '../support/wire-client.js';
import { Prng } from '../support/prng.js';

const TOPIC = 'gbi';
const PARTITIONS = 4;
/** Members subscribe to TOPIC; sessions are long, as these members do not heartbeat between requests. */
const MEMBER = { protocols: [{ name: 'range', metadata: subscriptionBytes([TOPIC]) }], sessionTimeoutMs: 60_000 };

describe('group APIs: bad input', () => {
  let tb: TestBroker;
  let admin: GroupWire;

  before(async () => {
    // A short initial delay lets members that join together land in one generation.
    tb = await startTestBroker('group-bad-input', { 'group.initial.rebalance.delay.ms': '200' });
    const w = await WireClient.connect(tb.host, tb.port);
    await w.createTopics([{ name: TOPIC, partitions: PARTITIONS }, { name: 'other', partitions: 1 }]);
    await w.close();
    admin = await GroupWire.connect(tb.host, tb.port, 'admin');
    assert.equal((await admin.findCoordinator('any')).errorCode, ErrorCode.NONE);
  });

  after(async () => {
    await admin?.close();
    await tb?.stop();
  });

  /** A Stable group of `n` members (one connection each) with offsets committed by its first member. */
  async function liveGroup(groupId: string, n: number, options: { instanceIds?: (string | null)[]; metadata?: (Buffer | null)[]; assign?: (m: { memberId: string; groupInstanceId: string | null }) => Buffer } = {}) {
    const conns = await Promise.all(Array.from({ length: n }, (_, i) => GroupWire.connect(tb.host, tb.port, `${groupId}-m${i}`)));
    const joinOptions = conns.map((_, i) => ({
      ...MEMBER,
      groupInstanceId: options.instanceIds?.[i] ?? null,
      protocols: [{ name: 'range', metadata: options.metadata?.[i] ?? subscriptionBytes([TOPIC]) }],
    }));
    const members = await stableGroup(conns, groupId, options.assign ?? ((m) => Buffer.from(`for-${m.groupInstanceId ?? m.memberId}`)), joinOptions);
    const offsets = [11, 22, 33, 44];
    const r = await conns[0]!.commit(groupId, { ...members[0]!, groupInstanceId: joinOptions[0]!.groupInstanceId }, TOPIC, offsets);
    assert.deepEqual(r.topics[0]!.partitions.map((p) => p.errorCode), [0, 0, 0, 0]);
    return {
      conns,
      members,
      instanceIds: joinOptions.map((o) => o.groupInstanceId),
      offsets,
      close: () => Promise.all(conns.map((c) => c.close())),
    };
  }

  /**
   * The group is unharmed: Stable with the same members and assignments, offsets intact (read on
   * another connection), every member heartbeats with its generation and can commit.
   */
  async function assertWorks(groupId: string, g: { conns: GroupWire[]; members: Membership[]; instanceIds: (string | null)[]; offsets: number[] }, what: string): Promise<void> {
    const d = await admin.describe(groupId);
    assert.equal(d.groupState, 'Stable', `${what}: state`);
    assert.deepEqual(d.members.map((m) => m.memberId).sort(), g.members.map((m) => m.memberId).sort(), `${what}: members`);
    for (const m of g.members) {
      assert.deepEqual(d.members.find((x) => x.memberId === m.memberId)!.memberAssignment, m.assignment, `${what}: assignment of ${m.memberId}`);
    }
    assert.deepEqual(await admin.committed(groupId, TOPIC, [0, 1, 2, 3]), g.offsets, `${what}: offsets`);
    for (const [i, m] of g.members.entries()) {
      const hb = await g.conns[i]!.heartbeat(groupId, m.memberId, m.generationId, g.instanceIds[i]);
      assert.equal(hb.errorCode, ErrorCode.NONE, `${what}: heartbeat of ${m.memberId}`);
    }
    const c = await g.conns[0]!.commit(groupId, { ...g.members[0]!, groupInstanceId: g.instanceIds[0] }, TOPIC, g.offsets);
    assert.deepEqual(c.topics[0]!.partitions.map((p) => p.errorCode), [0, 0, 0, 0], `${what}: commit`);
  }

  test('unknown group: member requests get UNKNOWN_MEMBER_ID (commits Kafka\'s generation errors), DescribeGroups says Dead, DeleteGroups and OffsetDelete GROUP_ID_NOT_FOUND; nothing is created', async () => {
    const g = 'never-seen';
    assert.equal((await admin.heartbeat(g, 'someone', 3)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal((await admin.sync(g, 'someone', 3)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal((await admin.join(g, { memberId: 'someone' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.deepEqual((await admin.leave(g, [{ memberId: 'someone' }])).members.map((m) => m.errorCode), [ErrorCode.UNKNOWN_MEMBER_ID]);
    // OffsetCommit with a generation to a group that does not exist: GROUP_ID_NOT_FOUND from v9,
    // ILLEGAL_GENERATION before (Kafka 4.0's answers).
    const v9 = await admin.commit(g, { memberId: 'someone', generationId: 3 }, TOPIC, [1]);
    assert.equal(v9.topics[0]!.partitions[0]!.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    const v8 = await admin.commit(g, { memberId: 'someone', generationId: 3 }, TOPIC, [1], 8);
    assert.equal(v8.topics[0]!.partitions[0]!.errorCode, ErrorCode.ILLEGAL_GENERATION);
    const d = await admin.describe(g);
    assert.deepEqual([d.errorCode, d.groupState, d.members.length], [ErrorCode.NONE, 'Dead', 0]);
    assert.deepEqual((await admin.deleteGroups([g])).results.map((r) => r.errorCode), [ErrorCode.GROUP_ID_NOT_FOUND]);
    assert.equal((await admin.offsetDelete(g, TOPIC, [0])).errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    assert.deepEqual(await admin.committed(g, TOPIC, [0]), [-1]);
    assert.equal((await admin.describe(g)).groupState, 'Dead', 'none of that created the group');
  });

  test('wrong generation and unknown members: ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID, offsets untouched, the group works on', async () => {
    const groupId = 'gbi-generation';
    const g = await liveGroup(groupId, 2);
    try {
      const [a] = g.members;
      const c = g.conns[0]!;
      for (const generation of [a!.generationId - 1, a!.generationId + 1, -1]) {
        assert.equal((await c.heartbeat(groupId, a!.memberId, generation)).errorCode, ErrorCode.ILLEGAL_GENERATION, `heartbeat generation ${generation}`);
        assert.equal((await c.sync(groupId, a!.memberId, generation)).errorCode, ErrorCode.ILLEGAL_GENERATION, `sync generation ${generation}`);
        const commit = await c.commit(groupId, { memberId: a!.memberId, generationId: generation }, TOPIC, [99, 99, 99, 99]);
        assert.deepEqual(commit.topics[0]!.partitions.map((p) => p.errorCode), Array(PARTITIONS).fill(ErrorCode.ILLEGAL_GENERATION));
      }
      await assertWorks(groupId, g, 'after wrong generations');

      assert.equal((await c.heartbeat(groupId, 'nobody', a!.generationId)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
      assert.equal((await c.sync(groupId, 'nobody', a!.generationId)).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
      assert.equal((await c.join(groupId, { ...MEMBER, memberId: 'nobody' })).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
      assert.deepEqual((await c.leave(groupId, [{ memberId: 'nobody' }])).members.map((m) => m.errorCode), [ErrorCode.UNKNOWN_MEMBER_ID]);
      const commit = await c.commit(groupId, { memberId: 'nobody', generationId: a!.generationId }, TOPIC, [99]);
      assert.equal(commit.topics[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
      const simple = await admin.commit(groupId, { memberId: '', generationId: -1 }, TOPIC, [99]);
      assert.equal(simple.topics[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID, 'a simple commit into a group with members');
      // SyncGroup v5 with another protocol than the group's.
      const wrongProtocol = await c.wire.send<{ errorCode: number }>(ApiKey.SyncGroup, 5, { groupId, generationId: a!.generationId, memberId: a!.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'roundrobin', assignments: [] });
      assert.equal(wrongProtocol.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
      // A join with a protocol type the group does not use.
      const otherType = await admin.join(groupId, { protocolType: 'connect', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] });
      assert.equal(otherType.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
      assert.deepEqual((await admin.deleteGroups([groupId])).results.map((r) => r.errorCode), [ErrorCode.NON_EMPTY_GROUP]);
      const od = await admin.offsetDelete(groupId, TOPIC, [0]);
      assert.deepEqual([od.errorCode, od.topics[0]!.partitions[0]!.errorCode], [ErrorCode.NONE, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]);
      await assertWorks(groupId, g, 'after unknown members');
    } finally {
      await g.close();
    }
  });

  test('a fenced static member: its old id gets FENCED_INSTANCE_ID everywhere; the new incarnation and the others carry on', async () => {
    const groupId = 'gbi-static';
    const g = await liveGroup(groupId, 2, { instanceIds: [null, 'worker-1'] });
    try {
      const old = g.members[1]!;
      const restarted = await GroupWire.connect(tb.host, tb.port, 'worker-1-again');
      const j = await restarted.join(groupId, { ...MEMBER, groupInstanceId: 'worker-1' });
      assert.equal(j.errorCode, ErrorCode.NONE);
      assert.notEqual(j.memberId, old.memberId);
      assert.equal(j.generationId, old.generationId, 'no rebalance');
      const s = await restarted.sync(groupId, j.memberId, j.generationId, [], 'worker-1');
      assert.deepEqual(s.assignment, Buffer.from('for-worker-1'));
      const c = g.conns[1]!;
      assert.equal((await c.heartbeat(groupId, old.memberId, old.generationId, 'worker-1')).errorCode, ErrorCode.FENCED_INSTANCE_ID);
      assert.equal((await c.sync(groupId, old.memberId, old.generationId, [], 'worker-1')).errorCode, ErrorCode.FENCED_INSTANCE_ID);
      const commit = await c.commit(groupId, { memberId: old.memberId, generationId: old.generationId, groupInstanceId: 'worker-1' }, TOPIC, [99, 99, 99, 99]);
      assert.deepEqual(commit.topics[0]!.partitions.map((p) => p.errorCode), Array(PARTITIONS).fill(ErrorCode.FENCED_INSTANCE_ID));
      assert.equal((await c.join(groupId, { ...MEMBER, memberId: old.memberId, groupInstanceId: 'worker-1' })).errorCode, ErrorCode.FENCED_INSTANCE_ID);
      assert.deepEqual((await c.leave(groupId, [{ memberId: old.memberId, groupInstanceId: 'worker-1' }])).members.map((m) => m.errorCode), [ErrorCode.FENCED_INSTANCE_ID]);
      await c.close();
      g.conns[1] = restarted;
      g.members[1] = { ...old, memberId: j.memberId };
      await assertWorks(groupId, g, 'after the fenced member\'s requests');
    } finally {
      await g.close();
    }
  });

  test('assignment bytes that are not the consumer protocol\'s are stored and handed out as they are', async () => {
    const groupId = 'gbi-assignment';
    const odd = [Buffer.from([0xff, 0xff, 0xff, 0xff, 0x00]), Buffer.alloc(0), Buffer.from('not an assignment at all'), Buffer.alloc(70_000, 0xab)];
    const g = await liveGroup(groupId, 3, { assign: (m) => odd[Number(m.memberId.match(/m(\d)-/)?.[1] ?? 0) % odd.length]! });
    try {
      const d = await admin.describe(groupId);
      for (const m of g.members) {
        assert.ok(odd.some((b) => b.equals(m.assignment)), 'each member got one of the odd assignments');
        assert.deepEqual(d.members.find((x) => x.memberId === m.memberId)!.memberAssignment, m.assignment);
      }
      await assertWorks(groupId, g, 'with odd assignments');
      // A rebalance with odd bytes again, then a normal one: the group does not mind.
      const rejoins = await Promise.all(g.conns.map((c, i) => c.join(groupId, { ...MEMBER, memberId: g.members[i]!.memberId })));
      const leader = rejoins.find((r) => r.leader === r.memberId)!;
      const syncs = await Promise.all(g.conns.map((c, i) => c.sync(groupId, rejoins[i]!.memberId, rejoins[i]!.generationId, rejoins[i] === leader ? leader.members.map((m) => ({ memberId: m.memberId, assignment: Buffer.from([0x7f]) })) : [])));
      for (const s of syncs) assert.deepEqual([s.errorCode, s.assignment], [ErrorCode.NONE, Buffer.from([0x7f])]);
    } finally {
      await g.close();
    }
  });

  test('subscription metadata that is not the consumer protocol\'s: the group works, DescribeGroups returns the bytes, OffsetDelete cannot tell (NON_EMPTY_GROUP)', async () => {
    const groupId = 'gbi-subscription';
    const garbage = Buffer.from([0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0x12]);
    const g = await liveGroup(groupId, 2, { metadata: [null, garbage] });
    try {
      const d = await admin.describe(groupId);
      assert.deepEqual(d.members.find((m) => m.memberId === g.members[1]!.memberId)!.memberMetadata, garbage);
      assert.deepEqual(d.members.find((m) => m.memberId === g.members[0]!.memberId)!.memberMetadata, subscriptionBytes([TOPIC]));
      assert.equal((await admin.offsetDelete(groupId, 'other', [0])).errorCode, ErrorCode.NON_EMPTY_GROUP);
      await assertWorks(groupId, g, 'with unreadable subscriptions');
      // The member with the odd metadata leaves; the other's subscription is readable again.
      await g.conns[1]!.leave(groupId, [{ memberId: g.members[1]!.memberId }]);
      const rejoin = await g.conns[0]!.join(groupId, { ...MEMBER, memberId: g.members[0]!.memberId });
      assert.equal(rejoin.errorCode, ErrorCode.NONE);
      const s = await g.conns[0]!.sync(groupId, rejoin.memberId, rejoin.generationId, [{ memberId: rejoin.memberId, assignment: Buffer.from('all') }]);
      assert.equal(s.errorCode, ErrorCode.NONE);
      const od = await admin.offsetDelete(groupId, TOPIC, [0]);
      assert.deepEqual([od.errorCode, od.topics[0]!.partitions[0]!.errorCode], [ErrorCode.NONE, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]);
    } finally {
      await g.close();
    }
  });

  test('group requests that do not decode close their connection with a logged reason; the group and its offsets are intact', async () => {
    const groupId = 'gbi-garbage';
    const g = await liveGroup(groupId, 2);
    const rng = new Prng(20_260_601);
    try {
      const a = g.members[0]!;
      // Well-formed requests of the group APIs, to be cut or filled with garbage after the header.
      const requests: [string, number, number, unknown][] = [
        ['JoinGroup v9', ApiKey.JoinGroup, 9, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 30_000, memberId: a.memberId, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscriptionBytes([TOPIC]) }], reason: 'x' }],
        ['JoinGroup v5', ApiKey.JoinGroup, 5, { groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 30_000, memberId: a.memberId, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: subscriptionBytes([TOPIC]) }] }],
        ['SyncGroup v5', ApiKey.SyncGroup, 5, { groupId, generationId: a.generationId, memberId: a.memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments: [{ memberId: a.memberId, assignment: Buffer.from('evil') }] }],
        ['SyncGroup v1', ApiKey.SyncGroup, 1, { groupId, generationId: a.generationId, memberId: a.memberId, assignments: [{ memberId: a.memberId, assignment: Buffer.from('evil') }] }],
        ['Heartbeat v4', ApiKey.Heartbeat, 4, { groupId, generationId: a.generationId, memberId: a.memberId, groupInstanceId: null }],
        ['LeaveGroup v5', ApiKey.LeaveGroup, 5, { groupId, memberId: '', members: [{ memberId: a.memberId, groupInstanceId: null, reason: null }] }],
        ['OffsetCommit v9', ApiKey.OffsetCommit, 9, { groupId, generationIdOrMemberEpoch: a.generationId, memberId: a.memberId, groupInstanceId: null, topics: [{ name: TOPIC, partitions: [0, 1, 2, 3].map((p) => ({ partitionIndex: p, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null })) }] }],
        ['OffsetCommit v2', ApiKey.OffsetCommit, 2, { groupId, generationIdOrMemberEpoch: a.generationId, memberId: a.memberId, retentionTimeMs: -1n, topics: [{ name: TOPIC, partitions: [0, 1, 2, 3].map((p) => ({ partitionIndex: p, committedOffset: 0n, committedMetadata: null })) }] }],
        ['OffsetDelete v0', ApiKey.OffsetDelete, 0, { groupId, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0 }] }] }],
        ['DeleteGroups v2', ApiKey.DeleteGroups, 2, { groupsNames: [groupId] }],
      ];
      for (const [name, apiKey, version, body] of requests) {
        for (const damage of ['truncated', 'garbage', 'huge array'] as const) {
          const raw = await RawClient.connect(tb.host, tb.port);
          const { bytes } = raw.encode(apiKey, version, body);
          const headerBytes = 4 + 2 + 2 + 4 + 2 + 'interop-raw'.length + (flexibleHeader(apiKey, version) ? 1 : 0);
          let frame: Buffer;
          if (damage === 'truncated') {
            // The frame ends early, in the middle of the body (its size says so: a whole frame).
            const cut = headerBytes + 1 + rng.below(bytes.length - headerBytes - 1);
            frame = Buffer.from(bytes.subarray(0, cut));
          } else if (damage === 'garbage') {
            frame = Buffer.from(bytes);
            for (let i = headerBytes; i < frame.length; i++) frame[i] = rng.below(256);
            // A garbage body that happens to decode is not what this test is about.
            frame[headerBytes] = 0x7f;
          } else {
            // The group id's length claims far more bytes than the frame has.
            frame = Buffer.from(bytes);
            if (flexibleHeader(apiKey, version)) frame.writeUInt8(0xff, headerBytes), frame.writeUInt8(0xff, headerBytes + 1), frame.writeUInt8(0x0f, headerBytes + 2);
            else frame.writeInt16BE(0x7fff, headerBytes);
          }
          frame.writeInt32BE(frame.length - 4, 0);
          const mark = tb.logs.length;
          raw.write(frame);
          assert.ok(await raw.closesWithin(5_000), `${name} ${damage}: the broker kept the connection open`);
          const port = raw.localPort;
          const line: LogLine = await eventually(`${name} ${damage}: the reason logged`, async () => tb.logsSince(mark).find((l) => l.message.includes(`:${port}`) && /closing connection/.test(l.message)), 2_000);
          assert.equal(line.level, 'warn', `${name} ${damage}: ${line.message}`);
          assert.match(line.message, /malformed|request rejected|decode|bytes/i, `${name} ${damage}: ${line.message}`);
          raw.destroy();
        }
        await assertWorks(groupId, g, `after damaged ${name}`);
      }
    } finally {
      await g.close();
    }
  });
});

/** Whether the request header of this API version is v2 (flexible: a tagged-field section). */
function flexibleHeader(apiKey: number, version: number): boolean {
  const firstFlexible: Record<number, number> = { [ApiKey.OffsetCommit]: 8, [ApiKey.JoinGroup]: 6, [ApiKey.Heartbeat]: 4, [ApiKey.LeaveGroup]: 4, [ApiKey.SyncGroup]: 4, [ApiKey.DeleteGroups]: 2, [ApiKey.OffsetDelete]: 99 };
  return version >= firstFlexible[apiKey]!;
}

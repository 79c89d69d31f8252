/**
 * The partition assignors (range, roundrobin, cooperative-sticky) as pure functions, with
 * fast-check over random groups (fixed seeds): every partition of a subscribed topic goes to
 * exactly one subscribed member; range matches Kafka's per-topic layout; round-robin and the
 * sticky target are balanced within one for equal subscriptions, and the sticky target admits no
 * improving move otherwise; stickiness (members keep what they own up to their fair share);
 * cooperative rounds never give a partition to a new member while its owner still has it and
 * converge to the balanced target. Kafka's documented examples, member order, protocol choice,
 * and the consumer protocol's embedded subscription/assignment bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compareMembers, type Assignor, type MemberSubscription } from '../../src/client/group/assignor.js';
import { assignorByName, rebalanceProtocolOf, resolveAssignors } from '../../src/client/group/assignors.js';
import { rangeAssignor } from '../../src/client/group/range-assignor.js';
import { roundRobinAssignor } from '../../src/client/group/round-robin-assignor.js';
import { cooperativeStickyAssignor, stickyTarget } from '../../src/client/group/sticky-assignor.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../src/client/group/consumer-protocol.js';
import type { TopicPartition } from '../../src/client/types.js';

const key = (tp: TopicPartition): string => `${tp.topic}-${tp.partition}`;

function member(memberId: string, topics: string[], owned: TopicPartition[] = [], generationId = -1, groupInstanceId: string | null = null): MemberSubscription {
  return { memberId, groupInstanceId, topics, ownedPartitions: owned, generationId, rackId: null, userData: null };
}

interface Group {
  partitionsPerTopic: Map<string, number>;
  members: MemberSubscription[];
}

/** Random groups: up to 4 topics of 0-12 partitions (plus a topic missing from metadata), 1-8 members. */
function groupArb(equalSubscriptions: boolean): fc.Arbitrary<Group> {
  return fc
    .record({
      counts: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 4 }),
      memberCount: fc.integer({ min: 1, max: 8 }),
      subs: fc.array(fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), { minLength: 8, maxLength: 8 }),
      statics: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    })
    .map(({ counts, memberCount, subs, statics }) => {
      const partitionsPerTopic = new Map(counts.map((c, i) => [`t${i}`, c]));
      const names = [...partitionsPerTopic.keys(), 'missing'];
      const members: MemberSubscription[] = [];
      for (let i = 0; i < memberCount; i++) {
        const pick = equalSubscriptions ? subs[0]! : subs[i]!;
        let topics = names.filter((_, j) => pick[j]);
        if (topics.length === 0) topics = ['t0'];
        members.push(member(`m-${(i * 7919) % 101}-${i}`, topics, [], -1, statics[i] ? `inst-${(i * 31) % 17}-${i}` : null));
      }
      return { partitionsPerTopic, members };
    });
}

/** Every partition of a topic someone subscribes to is assigned once, to a subscriber; nothing else is. */
function checkExactlyOnce(g: Group, a: Map<string, TopicPartition[]>): void {
  assert.deepEqual([...a.keys()].sort(), g.members.map((m) => m.memberId).sort());
  const seen = new Map<string, string>();
  for (const [memberId, list] of a) {
    const m = g.members.find((x) => x.memberId === memberId)!;
    for (const tp of list) {
      assert.ok(m.topics.includes(tp.topic), `${memberId} got ${key(tp)} without subscribing`);
      assert.ok(tp.partition >= 0 && tp.partition < (g.partitionsPerTopic.get(tp.topic) ?? 0), `${key(tp)} exists`);
      assert.equal(seen.get(key(tp)), undefined, `${key(tp)} assigned twice`);
      seen.set(key(tp), memberId);
    }
  }
  const subscribed = new Set(g.members.flatMap((m) => m.topics));
  let expected = 0;
  for (const [t, n] of g.partitionsPerTopic) if (subscribed.has(t)) expected += n;
  assert.equal(seen.size, expected, 'every subscribed partition assigned');
}

function spread(a: Map<string, TopicPartition[]>): number {
  const counts = [...a.values()].map((l) => l.length);
  return Math.max(...counts) - Math.min(...counts);
}

/** No partition could move from its member to a subscribed member with at least two fewer. */
function checkNoImprovingMove(g: Group, a: Map<string, TopicPartition[]>): void {
  for (const [from, list] of a) {
    for (const tp of list) {
      for (const m of g.members) {
        if (m.memberId === from || !m.topics.includes(tp.topic)) continue;
        assert.ok(a.get(m.memberId)!.length >= list.length - 1, `${key(tp)} could move from ${from} (${list.length}) to ${m.memberId} (${a.get(m.memberId)!.length})`);
      }
    }
  }
}

const RUNS = 300;

test('every assignor assigns each subscribed partition exactly once, to a subscriber', () => {
  for (const [i, assignor] of [rangeAssignor, roundRobinAssignor, cooperativeStickyAssignor].entries()) {
    fc.assert(
      fc.property(groupArb(false), (g) => checkExactlyOnce(g, assignor.assign(g.partitionsPerTopic, g.members))),
      { seed: 6_001 + i, numRuns: RUNS },
    );
  }
});

test("range: Kafka's per-topic layout (contiguous ranges in member order, the first ones one longer)", () => {
  fc.assert(
    fc.property(groupArb(false), (g) => {
      const a = rangeAssignor.assign(g.partitionsPerTopic, g.members);
      for (const [topic, n] of g.partitionsPerTopic) {
        const consumers = g.members.filter((m) => m.topics.includes(topic)).sort(compareMembers);
        if (consumers.length === 0) continue;
        let next = 0;
        consumers.forEach((m, i) => {
          const want = Math.floor(n / consumers.length) + (i < n % consumers.length ? 1 : 0);
          const got = a.get(m.memberId)!.filter((tp) => tp.topic === topic).map((tp) => tp.partition);
          assert.deepEqual(got, Array.from({ length: want }, (_, j) => next + j), `${topic} for ${m.memberId}`);
          next += want;
        });
      }
    }),
    { seed: 6_101, numRuns: RUNS },
  );
  // Kafka's javadoc example: two consumers, two topics of three partitions.
  const a = rangeAssignor.assign(new Map([['t0', 3], ['t1', 3]]), [member('C1', ['t0', 't1']), member('C0', ['t0', 't1'])]);
  assert.deepEqual(a.get('C0')!.map(key), ['t0-0', 't0-1', 't1-0', 't1-1']);
  assert.deepEqual(a.get('C1')!.map(key), ['t0-2', 't1-2']);
});

test("roundrobin: Kafka's example, and counts within one for equal subscriptions", () => {
  const a = roundRobinAssignor.assign(new Map([['t0', 3], ['t1', 3]]), [member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])]);
  assert.deepEqual(a.get('C0')!.map(key), ['t0-0', 't0-2', 't1-1']);
  assert.deepEqual(a.get('C1')!.map(key), ['t0-1', 't1-0', 't1-2']);
  // Kafka's example with unequal subscriptions: C0 [t0], C1 [t0, t1], C2 [t0, t1, t2]; t0 1, t1 2, t2 3 partitions.
  const b = roundRobinAssignor.assign(new Map([['t0', 1], ['t1', 2], ['t2', 3]]), [member('C0', ['t0']), member('C1', ['t0', 't1']), member('C2', ['t0', 't1', 't2'])]);
  assert.deepEqual(b.get('C0')!.map(key), ['t0-0']);
  assert.deepEqual(b.get('C1')!.map(key), ['t1-0']);
  assert.deepEqual(b.get('C2')!.map(key), ['t1-1', 't2-0', 't2-1', 't2-2']);
  fc.assert(
    fc.property(groupArb(true), (g) => assert.ok(spread(roundRobinAssignor.assign(g.partitionsPerTopic, g.members)) <= 1)),
    { seed: 6_201, numRuns: RUNS },
  );
});

test('member order: static members first by group.instance.id, then dynamic ones by member id', () => {
  const sorted = [member('a', []), member('b', [], [], -1, 'y'), member('c', [], [], -1, 'x'), member('0', [])].sort(compareMembers);
  assert.deepEqual(sorted.map((m) => m.memberId), ['c', 'b', '0', 'a']);
});

test('sticky target: balanced within one for equal subscriptions, no improving move otherwise', () => {
  fc.assert(
    fc.property(groupArb(true), (g) => {
      const { target } = stickyTarget(g.partitionsPerTopic, g.members);
      checkExactlyOnce(g, target);
      assert.ok(spread(target) <= 1);
    }),
    { seed: 6_301, numRuns: RUNS },
  );
  fc.assert(
    fc.property(groupArb(false), (g) => checkNoImprovingMove(g, stickyTarget(g.partitionsPerTopic, g.members).target)),
    { seed: 6_302, numRuns: RUNS },
  );
});

/** A group after a membership change: survivors own their previous partitions (from `generation`), newcomers nothing. */
function afterChange(g: Group, previous: Map<string, TopicPartition[]>, leave: boolean[], joiners: number, generation: number): Group {
  const members: MemberSubscription[] = g.members
    .filter((_, i) => !leave[i % leave.length] || i === 0)
    .map((m) => ({ ...m, ownedPartitions: previous.get(m.memberId)!, generationId: generation }));
  const topics = g.members[0]!.topics;
  for (let i = 0; i < joiners; i++) members.push(member(`new-${i}`, [...topics]));
  return { partitionsPerTopic: g.partitionsPerTopic, members };
}

const changeArb = fc.record({
  g: groupArb(true),
  leave: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  joiners: fc.integer({ min: 0, max: 3 }),
  grow: fc.integer({ min: 0, max: 4 }),
});

test('stickiness: after members join or leave (or partitions are added), each survivor keeps min(owned, fair share) of its partitions', () => {
  fc.assert(
    fc.property(changeArb, ({ g, leave, joiners, grow }) => {
      const first = stickyTarget(g.partitionsPerTopic, g.members).target;
      const next = afterChange(g, first, leave, joiners, 5);
      for (const [t, n] of next.partitionsPerTopic) next.partitionsPerTopic.set(t, n + grow);
      const second = stickyTarget(next.partitionsPerTopic, next.members).target;
      checkExactlyOnce(next, second);
      assert.ok(spread(second) <= 1);
      let total = 0;
      for (const [t, n] of next.partitionsPerTopic) if (next.members[0]!.topics.includes(t)) total += n;
      const fair = Math.floor(total / next.members.length);
      for (const m of next.members) {
        const kept = second.get(m.memberId)!.filter((tp) => m.ownedPartitions.some((o) => key(o) === key(tp))).length;
        assert.ok(kept >= Math.min(m.ownedPartitions.length, fair), `${m.memberId} kept ${kept} of ${m.ownedPartitions.length} (fair share ${fair})`);
      }
    }),
    { seed: 6_401, numRuns: RUNS },
  );
});

test('cooperative-sticky: a moving partition is left out until its owner revokes it; rounds converge to the balanced target', () => {
  fc.assert(
    fc.property(changeArb, ({ g, leave, joiners }) => {
      let group: Group = g;
      let owned = new Map<string, TopicPartition[]>(g.members.map((m) => [m.memberId, []]));
      const first = cooperativeStickyAssignor.assign(g.partitionsPerTopic, g.members);
      checkExactlyOnce(g, first); // nobody owned anything: nothing waits
      owned = first;
      group = afterChange(g, owned, leave, joiners, 1);
      for (let round = 2; ; round++) {
        assert.ok(round < 6, 'converged within a few rounds');
        const ownedNow = new Map(group.members.map((m) => [m.memberId, m.ownedPartitions]));
        const { target } = stickyTarget(group.partitionsPerTopic, group.members);
        const result = cooperativeStickyAssignor.assign(group.partitionsPerTopic, group.members);
        // Never assigned to a member other than the one that owns it now.
        for (const [memberId, list] of result) {
          for (const tp of list) {
            for (const [other, theirs] of ownedNow) if (other !== memberId) assert.ok(!theirs.some((o) => key(o) === key(tp)), `${key(tp)} given to ${memberId} while ${other} owns it`);
            assert.ok(target.get(memberId)!.some((t) => key(t) === key(tp)), 'a subset of the target');
          }
        }
        const complete = [...result.values()].reduce((n, l) => n + l.length, 0) === [...target.values()].reduce((n, l) => n + l.length, 0);
        if (complete) {
          checkExactlyOnce(group, result);
          assert.ok(spread(result) <= 1);
          break;
        }
        // Members revoke what they lost and rejoin with what they kept.
        group = { partitionsPerTopic: group.partitionsPerTopic, members: group.members.map((m) => ({ ...m, ownedPartitions: result.get(m.memberId)!, generationId: round })) };
      }
    }),
    { seed: 6_501, numRuns: RUNS },
  );
});

test('cooperative-sticky: a claim from an older generation loses; two claims from one generation are both dropped', () => {
  const t = new Map([['t', 4]]);
  const stale = stickyTarget(t, [member('a', ['t'], [{ topic: 't', partition: 0 }], 3), member('b', ['t'], [{ topic: 't', partition: 0 }], 4)]);
  assert.equal(stale.owners.get('t\u00000'), 'b');
  const tie = stickyTarget(t, [member('a', ['t'], [{ topic: 't', partition: 0 }], 4), member('b', ['t'], [{ topic: 't', partition: 0 }], 4)]);
  assert.equal(tie.owners.get('t\u00000'), undefined);
  // The generation may come from Kafka's user data (an int32) when the subscription has none.
  const viaUserData = { ...member('a', ['t'], [{ topic: 't', partition: 1 }]), userData: cooperativeStickyAssignor.subscriptionUserData(9) };
  const r = stickyTarget(t, [viaUserData, member('b', ['t'], [{ topic: 't', partition: 1 }], 8)]);
  assert.equal(r.owners.get('t\u00001'), 'a');
  // Owned partitions of a topic no longer subscribed, or gone, are not kept.
  const gone = stickyTarget(t, [member('a', ['t'], [{ topic: 't', partition: 7 }, { topic: 'u', partition: 0 }], 1)]);
  assert.equal(gone.owners.size, 0);
});

test('assignor names (Kafka class names and short names), rebalance protocol choice', () => {
  assert.equal(assignorByName('org.apache.kafka.clients.consumer.RangeAssignor'), rangeAssignor);
  assert.equal(assignorByName('roundrobin'), roundRobinAssignor);
  assert.equal(assignorByName('org.apache.kafka.clients.consumer.CooperativeStickyAssignor'), cooperativeStickyAssignor);
  assert.throws(() => resolveAssignors(['range', 'org.example.Mine']), /unknown assignor "org.example.Mine"/);
  assert.throws(() => resolveAssignors([]), /at least one/);
  assert.deepEqual(resolveAssignors(['range', 'org.apache.kafka.clients.consumer.RangeAssignor']).map((a: Assignor) => a.name), ['range']);
  assert.equal(rebalanceProtocolOf(resolveAssignors(['range', 'cooperative-sticky'])), 'eager');
  assert.equal(rebalanceProtocolOf(resolveAssignors(['cooperative-sticky'])), 'cooperative');
});

test('consumer protocol: subscription and assignment bytes (int16 version + body), every version, newer versions read as v3', () => {
  const sub = { topics: ['a', 'b'], userData: Buffer.from([0, 0, 0, 7]), ownedPartitions: [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 2 }, { topic: 'b', partition: 1 }], generationId: 7, rackId: 'r1' };
  const bytes = encodeSubscription(sub);
  // Hand-built v3: version, topics, user data, owned partitions, generation, rack.
  const s = (x: string): Buffer => Buffer.concat([Buffer.from([0, x.length]), Buffer.from(x)]);
  const i32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
  const expected = Buffer.concat([
    Buffer.from([0, 3]), i32(2), s('a'), s('b'), i32(4), Buffer.from([0, 0, 0, 7]),
    i32(2), s('a'), i32(2), i32(0), i32(2), s('b'), i32(1), i32(1),
    i32(7), s('r1'),
  ]);
  assert.deepEqual(bytes, expected);
  assert.deepEqual(decodeSubscription(bytes), { version: 3, ...sub });
  for (const v of [0, 1, 2]) {
    const d = decodeSubscription(encodeSubscription(sub, v));
    assert.equal(d.version, v);
    assert.deepEqual(d.topics, sub.topics);
    assert.deepEqual(d.ownedPartitions, v >= 1 ? sub.ownedPartitions : []);
    assert.equal(d.generationId, v >= 2 ? 7 : -1);
  }
  // A v4 subscription with a field we do not know yet.
  const future = Buffer.concat([Buffer.from([0, 4]), bytes.subarray(2), Buffer.from([1, 2, 3])]);
  assert.deepEqual(decodeSubscription(future).topics, ['a', 'b']);
  assert.throws(() => decodeSubscription(Buffer.from([0xff, 0xff, 0, 0])), /unsupported version -1/);
  assert.throws(() => decodeSubscription(Buffer.from([0, 3, 0, 0, 0, 9])), /DecodeError|truncated/);

  const assignment = { partitions: [{ topic: 'a', partition: 1 }, { topic: 'b', partition: 0 }], userData: null };
  for (const v of [0, 1, 3]) {
    const enc = encodeAssignment(assignment, v);
    assert.equal(enc.readInt16BE(0), v);
    assert.deepEqual(decodeAssignment(enc), assignment);
  }
  assert.deepEqual(decodeAssignment(Buffer.alloc(0)), { partitions: [], userData: null });
});

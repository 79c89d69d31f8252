/**
 * KafkaJS 2.2.4 group consumers against a broker: three members join one by one, then leave one
 * by one, while a producer keeps writing to every partition. After each change the test waits
 * until the broker describes a Stable group of exactly the live members whose assignments
 * (DescribeGroups, decoded with KafkaJS's own codec) match what each member was given
 * (GROUP_JOIN events), and every partition is owned by exactly one live member; then it checks
 * that the records written after the change are consumed by their partition's owner and that
 * every record written so far was consumed at least once. At the end the empty group's committed
 * offsets are the partitions' end offsets.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { type Admin, type Consumer, type Producer } from 'kafkajs';
import { eventually } from '../support/interop.js';
import { startKafkajsBroker, type KafkajsBroker } from '../support/kafkajs-broker.js';

const { AssignerProtocol, Kafka } = kafkajs;
type Kafka = InstanceType<typeof Kafka>;

const TOPIC = 'kjs-group-records';
const GROUP = 'kjs-group';
const PARTITIONS = 6;
const STEP_TIMEOUT_MS = 15_000;

interface Produced {
  partition: number;
  offset: number;
  value: string;
}

interface Member {
  name: string;
  consumer: Consumer;
  /** The member id and assignment of its latest GROUP_JOIN (its current generation). */
  joined: { memberId: string; partitions: number[] } | null;
  /** "partition:offset" of every record it consumed. */
  consumed: Set<string>;
  crashed: Error | null;
}

const key = (partition: number, offset: number): string => `${partition}:${offset}`;

describe('KafkaJS 2.2.4 group: members join and leave one by one', () => {
  let kb: KafkajsBroker | undefined;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  const produced: Produced[] = [];
  const members: Member[] = [];
  /** "partition:offset" of every record any member (live or gone) consumed. */
  const everConsumed = new Set<string>();
  let producing: Promise<void> | null = null;
  let stopProducing = false;
  /** What each step saw, for the test's diagnostic line. */
  const log: string[] = [];

  before(async () => {
    kb = await startKafkajsBroker('groups-kafkajs', { clientId: 'interop-kafkajs-groups', retry: { retries: 5, initialRetryTime: 50 } });
    ({ kafka, admin, producer } = kb);
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
  });

  after(async () => {
    stopProducing = true;
    await producing?.catch(() => undefined);
    await Promise.allSettled(members.map((m) => m.consumer.disconnect()));
    await kb?.stop();
  });

  /** Writes one record at a time, round the partitions, until told to stop. */
  async function produceContinuously(): Promise<void> {
    for (let seq = 0; !stopProducing; seq++) {
      const partition = seq % PARTITIONS;
      const value = `record-${seq}`;
      const [meta] = await producer.send({ topic: TOPIC, acks: -1, messages: [{ partition, value }] });
      produced.push({ partition, offset: Number(meta!.baseOffset), value });
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async function join(name: string): Promise<Member> {
    const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, rebalanceTimeout: 10_000, heartbeatInterval: 100, maxWaitTimeInMs: 100 });
    const member: Member = { name, consumer, joined: null, consumed: new Set(), crashed: null };
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      member.joined = { memberId: payload.memberId, partitions: [...(payload.memberAssignment[TOPIC] ?? [])].sort((a, b) => a - b) };
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      member.crashed = payload.error;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        member.consumed.add(key(partition, Number(message.offset)));
        everConsumed.add(key(partition, Number(message.offset)));
      },
    });
    members.push(member);
    return member;
  }

  async function leave(member: Member): Promise<void> {
    await member.consumer.disconnect();
    members.splice(members.indexOf(member), 1);
  }

  /**
   * Waits until the broker describes a Stable group of exactly these members, each assigned what
   * it was told in its GROUP_JOIN, the partitions split among them with none left out or shared.
   * Returns partition → owning member.
   */
  async function settled(live: readonly Member[]): Promise<Map<number, Member>> {
    return eventually(
      `a Stable group of ${live.map((m) => m.name).join(', ')}`,
      async () => {
        for (const m of live) if (m.crashed) throw new Error(`${m.name} crashed: ${m.crashed.message}`);
        const { groups } = await admin.describeGroups([GROUP]);
        const g = groups[0]!;
        if (g.state !== 'Stable') return undefined;
        const described = new Map(g.members.map((d) => [d.memberId, AssignerProtocol.MemberAssignment.decode(d.memberAssignment)!]));
        if (described.size !== live.length || live.some((m) => m.joined === null || !described.has(m.joined.memberId))) return undefined;
        const owners = new Map<number, Member>();
        for (const m of live) {
          const onBroker = [...(described.get(m.joined!.memberId)!.assignment[TOPIC] ?? [])].sort((a, b) => a - b);
          // The member may not have its SyncGroup answer yet: wait for it.
          if (JSON.stringify(onBroker) !== JSON.stringify(m.joined!.partitions)) return undefined;
          for (const p of onBroker) {
            assert.ok(!owners.has(p), `partition ${p} assigned to both ${owners.get(p)?.name} and ${m.name}`);
            owners.set(p, m);
          }
        }
        assert.deepEqual([...owners.keys()].sort((a, b) => a - b), [...Array(PARTITIONS).keys()], 'every partition has an owner');
        // A fair split: KafkaJS's round robin gives each member PARTITIONS / members, give or take one.
        for (const m of live) assert.ok(Math.abs(m.joined!.partitions.length - PARTITIONS / live.length) < 1, `${m.name} owns ${m.joined!.partitions}`);
        return owners;
      },
      STEP_TIMEOUT_MS,
    );
  }

  /** Waits until every record produced so far was consumed by somebody; returns how many there were. */
  async function allConsumed(what: string): Promise<number> {
    const upTo = produced.length;
    await eventually(
      `${what}: all ${upTo} records produced so far consumed`,
      async () => {
        const missing = produced.slice(0, upTo).filter((r) => !everConsumed.has(key(r.partition, r.offset)));
        return missing.length === 0 ? true : undefined;
      },
      STEP_TIMEOUT_MS,
    );
    return upTo;
  }

  /** Every record produced after `from` (an index into produced) is consumed by its partition's owner. */
  async function consumedByOwners(owners: Map<number, Member>, from: number, what: string): Promise<void> {
    await eventually(`${what}: records produced after the rebalance consumed by their owners`, async () => {
      const upTo = produced.length;
      if (upTo - from < PARTITIONS * 3) return undefined; // a few records per partition first
      const missed = produced.slice(from, upTo).filter((r) => !owners.get(r.partition)!.consumed.has(key(r.partition, r.offset)));
      return missed.length === 0 ? true : undefined;
    }, STEP_TIMEOUT_MS);
  }

  async function step(live: Member[], what: string): Promise<void> {
    const owners = await settled(live);
    log.push(`${what}: ${live.map((m) => `${m.name}=${m.joined!.partitions.join(',')}`).join(' ')}`);
    const from = produced.length;
    await consumedByOwners(owners, from, what);
    await allConsumed(what);
  }

  test('three members join one by one, then leave one by one; partitions move, no record is lost', async (t) => {
    producing = produceContinuously();
    const a = await join('a');
    await step([a], 'a joined');
    const b = await join('b');
    await step([a, b], 'b joined');
    const c = await join('c');
    await step([a, b, c], 'c joined');
    // a was the first member, so the leader: the group goes on without it.
    await leave(a);
    await step([b, c], 'a left');
    await leave(b);
    await step([c], 'b left');
    stopProducing = true;
    await producing;
    const total = await allConsumed('producer stopped');
    assert.equal(total, produced.length);
    assert.ok(total > PARTITIONS * 15, `only ${total} records produced`);
    await leave(c);
    t.diagnostic(`${log.join('; ')}; ${total} records, ${everConsumed.size} distinct consumed`);

    const { groups } = await admin.describeGroups([GROUP]);
    assert.equal(groups[0]!.state, 'Empty');
    assert.deepEqual(groups[0]!.members, []);
    // Each member committed what it consumed before it left: the group would resume at the end.
    const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    const ends = await admin.fetchTopicOffsets(TOPIC);
    const byPartition = (rows: { partition: number; offset: string }[]): string[] => rows.sort((x, y) => x.partition - y.partition).map((r) => `${r.partition}@${r.offset}`);
    assert.deepEqual(byPartition(committed!.partitions), byPartition(ends.map((e) => ({ partition: e.partition, offset: e.high }))));
  });
});

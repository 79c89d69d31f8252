/**
 * kcat -G (librdkafka's balanced consumer, apt package kcat) against a broker: three members of
 * one group over a multi-partition topic share the partitions (what each kcat says it was
 * assigned matches the broker's DescribeGroups, every partition has exactly one owner) and
 * consume every record; stopped with SIGTERM they commit and leave, and the group is empty with
 * its offsets at the end. A member killed with SIGKILL (no LeaveGroup) is removed when its
 * session times out, and the others take its partitions and consume what was written to them.
 * The test's own producer and admin are KafkaJS's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import kafkajs, { type Admin, type Producer } from 'kafkajs';
import { eventually, hasKcat, killChildren, skipUnless, startChild, type LiveChild, type TestBroker } from '../support/interop.js';
import { startKafkajsBroker, type KafkajsBroker } from '../support/kafkajs-broker.js';

const { AssignerProtocol } = kafkajs;

const available = hasKcat();
const SESSION_TIMEOUT_MS = 1000;
const STEP_TIMEOUT_MS = 15_000;

/** One `kcat -G` process: its member id, current assignment and consumed records, from its output. */
class KcatMember {
  constructor(
    readonly name: string,
    readonly live: LiveChild,
  ) {}

  /** `% Group g rebalanced (memberid m): assigned: t [0], t [3]` (or `revoked: ...`) lines. */
  private rebalances(): { memberId: string; kind: string; partitions: number[] }[] {
    return this.live.stderr.flatMap((line) => {
      const m = /^% Group \S+ rebalanced \(memberid (\S+)\): (assigned|revoked): (.*)$/.exec(line);
      return m ? [{ memberId: m[1]!, kind: m[2]!, partitions: [...m[3]!.matchAll(/\[(\d+)\]/g)].map((p) => Number(p[1])) }] : [];
    });
  }

  get memberId(): string | null {
    return this.rebalances().at(-1)?.memberId ?? null;
  }

  /** The partitions it holds now: those of its last `assigned`, none after a `revoked`. */
  get assigned(): number[] {
    const last = this.rebalances().at(-1);
    return last?.kind === 'assigned' ? [...last.partitions].sort((a, b) => a - b) : [];
  }

  /** "partition:offset" → value of every record it printed (`-f '%p %o %s\n'`). */
  consumed(): Map<string, string> {
    const out = new Map<string, string>();
    for (const line of this.live.stdout) {
      const [p, o, value] = line.split(' ');
      out.set(`${p}:${o}`, value!);
    }
    return out;
  }
}

describe('kcat -G (balanced consumer groups)', skipUnless(available, 'kcat not installed: apt-get install kcat'), () => {
  let tb: TestBroker;
  let admin: Admin;
  let producer: Producer;
  const members: KcatMember[] = [];

  let kb: KafkajsBroker | undefined;

  before(async () => {
    kb = await startKafkajsBroker('groups-kcat', { clientId: 'interop-kcat-groups', config: { 'group.min.session.timeout.ms': String(SESSION_TIMEOUT_MS) } });
    ({ tb, admin, producer } = kb);
  });

  after(async () => {
    killChildren();
    await kb?.stop();
  });

  function startMember(name: string, group: string, topic: string): KcatMember {
    const live = startChild('kcat', [
      '-G', group, '-b', tb.address, '-u', '-f', '%p %o %s\\n',
      '-X', `session.timeout.ms=${SESSION_TIMEOUT_MS}`, '-X', 'heartbeat.interval.ms=100',
      '-X', 'auto.offset.reset=earliest', '-X', 'auto.commit.interval.ms=100', '-X', 'fetch.wait.max.ms=50',
      topic,
    ]);
    const member = new KcatMember(name, live);
    members.push(member);
    return member;
  }

  /** Writes `perPartition` records "<tag>-<partition>-<i>" to every partition; returns "partition:offset" → value. */
  async function produce(topic: string, partitions: number, perPartition: number, tag: string): Promise<Map<string, string>> {
    const sent = new Map<string, string>();
    for (let p = 0; p < partitions; p++) {
      const values = Array.from({ length: perPartition }, (_, i) => `${tag}-${p}-${i}`);
      const [meta] = await producer.send({ topic, acks: -1, messages: values.map((value) => ({ partition: p, value })) });
      values.forEach((v, i) => sent.set(`${p}:${Number(meta!.baseOffset) + i}`, v));
    }
    return sent;
  }

  /**
   * Waits until the broker describes a Stable group of exactly these members, each assigned on
   * the broker what its kcat says it holds, every partition owned once. Returns partition → owner.
   */
  async function settled(group: string, topic: string, partitions: number, live: readonly KcatMember[]): Promise<Map<number, KcatMember>> {
    return eventually(`a Stable group of ${live.map((m) => m.name).join(', ')}`, async () => {
      const { groups } = await admin.describeGroups([group]);
      const g = groups[0]!;
      if (g.state !== 'Stable' || g.members.length !== live.length) return undefined;
      const described = new Map(g.members.map((d) => [d.memberId, AssignerProtocol.MemberAssignment.decode(d.memberAssignment)!]));
      const owners = new Map<number, KcatMember>();
      for (const m of live) {
        const onBroker = m.memberId === null ? undefined : described.get(m.memberId);
        if (onBroker === undefined) return undefined;
        const partitionsOnBroker = [...(onBroker.assignment[topic] ?? [])].sort((a, b) => a - b);
        if (JSON.stringify(partitionsOnBroker) !== JSON.stringify(m.assigned)) return undefined;
        for (const p of partitionsOnBroker) {
          assert.ok(!owners.has(p), `partition ${p} assigned to both ${owners.get(p)?.name} and ${m.name}`);
          owners.set(p, m);
        }
      }
      assert.deepEqual([...owners.keys()].sort((a, b) => a - b), [...Array(partitions).keys()], 'every partition has an owner');
      for (const m of live) assert.ok(Math.abs(m.assigned.length - partitions / live.length) < 1, `${m.name} holds ${m.assigned}: a balanced share`);
      return owners;
    }, STEP_TIMEOUT_MS);
  }

  /** Waits until every sent record was printed by one of `by`. */
  async function allConsumed(sent: Map<string, string>, by: readonly KcatMember[], what: string): Promise<void> {
    await eventually(`${what}: all ${sent.size} records consumed`, async () => {
      const seen = new Map(by.flatMap((m) => [...m.consumed()]));
      const missing = [...sent].filter(([k]) => !seen.has(k));
      for (const [k, v] of sent) if (seen.has(k)) assert.equal(seen.get(k), v, `record ${k}`);
      return missing.length === 0 ? true : undefined;
    }, STEP_TIMEOUT_MS);
  }

  test('three members share a 6-partition topic, consume every record, commit and leave on SIGTERM', async (t) => {
    const group = 'kcat-group';
    const topic = 'kcat-group-records';
    await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
    const before = await produce(topic, 6, 10, 'before');
    const trio = ['a', 'b', 'c'].map((name) => startMember(name, group, topic));
    const owners = await settled(group, topic, 6, trio);
    t.diagnostic(trio.map((m) => `${m.name}=${m.assigned.join(',')}`).join(' '));
    const during = await produce(topic, 6, 10, 'during');
    await allConsumed(new Map([...before, ...during]), trio, 'three members');
    // Records written once the group settled go to their partition's owner.
    for (const [k, v] of during) assert.equal(owners.get(Number(k.split(':')[0]))!.consumed().get(k), v, `record ${k} consumed by its owner`);

    for (const m of trio) m.live.child.kill('SIGTERM');
    const exits = await Promise.all(trio.map((m) => m.live.exited));
    assert.deepEqual(exits.map((e) => e.signal), [null, null, null], 'kcat handles SIGTERM: it closes the consumer and exits');
    const { groups } = await admin.describeGroups([group]);
    assert.equal(groups[0]!.state, 'Empty', 'every member left');
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    assert.deepEqual(committed!.partitions.map((p) => `${p.partition}@${p.offset}`).sort(), [0, 1, 2, 3, 4, 5].map((p) => `${p}@20`), 'offsets committed on close');
  });

  test(`a member killed with SIGKILL leaves after its session timeout (${SESSION_TIMEOUT_MS} ms); the others take its partitions`, async (t) => {
    const group = 'kcat-group-kill';
    const topic = 'kcat-group-kill-records';
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    const trio = ['x', 'y', 'z'].map((name) => startMember(name, group, topic));
    await settled(group, topic, 4, trio);
    const [victim, ...survivors] = [...trio].sort((m, n) => n.assigned.length - m.assigned.length) as [KcatMember, ...KcatMember[]];
    const victimPartitions = victim.assigned;
    const victimId = victim.memberId!;

    const killedAt = Date.now();
    victim.live.child.kill('SIGKILL');
    await victim.live.exited;
    const sent = await produce(topic, 4, 10, 'after-kill');
    // Kafka keeps a member whose connection dropped until its session runs out.
    const removedAfterMs = await eventually('the killed member removed', async () => {
      const { groups } = await admin.describeGroups([group]);
      return groups[0]!.members.some((m) => m.memberId === victimId) ? undefined : Date.now() - killedAt;
    }, STEP_TIMEOUT_MS);
    const owners = await settled(group, topic, 4, survivors);
    t.diagnostic(`killed ${victim.name} (held ${victimPartitions.join(',')}); removed after ${removedAfterMs} ms; now ${survivors.map((m) => `${m.name}=${m.assigned.join(',')}`).join(' ')}`);
    assert.ok(removedAfterMs >= SESSION_TIMEOUT_MS - 300, `removed ${removedAfterMs} ms after the kill: not before its session timed out`);
    await allConsumed(sent, survivors, 'after the kill');
    for (const p of victimPartitions) {
      for (const [k, v] of sent) {
        if (Number(k.split(':')[0]) === p) assert.equal(owners.get(p)!.consumed().get(k), v, `record ${k} of the killed member's partition consumed by its new owner`);
      }
    }
  });
});

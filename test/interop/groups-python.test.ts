/**
 * Python group consumers against a broker, each member its own process
 * (test/interop/python/group_member.py, run with /usr/bin/python3), committing synchronously
 * after every poll and in its revoke callback:
 * - confluent-kafka-python 1.7 with partition.assignment.strategy=range: eager rebalances (the
 *   first member gives up everything when the second joins), contiguous ranges;
 * - confluent-kafka-python with cooperative-sticky: incremental rebalances (the first member
 *   gives up only the partitions that move and keeps the rest throughout; when the second leaves
 *   it is handed those back without losing anything);
 * - kafka-python 2.0.2 with its default assignors.
 * In each: a member joins, a second joins, the second leaves, the first leaves. After each change
 * the broker's Stable group (DescribeGroups) matches what each member's callbacks say it holds,
 * every partition owned once; every record is consumed exactly once (a partition's next owner
 * starts at the previous owner's commit); the broker's committed offsets are what the members
 * committed, and the end offsets once the group is empty.
 * And a kafka-python member killed with SIGKILL (no LeaveGroup) is removed when its session times
 * out; the others take its partitions and read what was written to them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import kafkajs, { type Admin, type Producer } from 'kafkajs';
import { PYTHON_DIR, SYSTEM_PYTHON, eventually, killChildren, pythonHas, skipUnless, startChild, type LiveChild, type TestBroker } from '../support/interop.js';
import { startKafkajsBroker, type KafkajsBroker } from '../support/kafkajs-broker.js';

const { AssignerProtocol } = kafkajs;

const SCRIPT = join(PYTHON_DIR, 'group_member.py');
const hasConfluent = pythonHas('confluent_kafka');
const hasKafkaPython = pythonHas('kafka');
const PARTITIONS = 4;
const STEP_TIMEOUT_MS = 15_000;
/** The session timeout of the members of the kill -9 test (the broker's minimum is lowered to it). */
const KILL_SESSION_TIMEOUT_MS = 1000;

interface MemberEvent {
  event: 'assigned' | 'revoked' | 'lost' | 'records' | 'committed' | 'error' | 'closed';
  ms: number;
  partitions?: [string, number][];
  records?: [string, number, number, string][];
  offsets?: [string, number, number][];
  message?: string;
  trace?: string;
}

/** One group_member.py process, known to the broker by its client id (its name). */
class PyMember {
  constructor(
    readonly name: string,
    readonly live: LiveChild,
  ) {}

  events(): MemberEvent[] {
    return this.live.stdout.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as MemberEvent);
  }

  /** The partitions of `topic` it holds by its callbacks: assigned ones added, revoked or lost ones removed. */
  holdings(topic: string): number[] {
    const held = new Set<number>();
    for (const e of this.events()) {
      for (const [t, p] of e.partitions ?? []) {
        if (t !== topic) continue;
        if (e.event === 'assigned') held.add(p);
        else held.delete(p);
      }
    }
    return [...held].sort((a, b) => a - b);
  }

  /** Every record it consumed, as "partition:offset" → value, with who and when. */
  consumed(): { key: string; value: string; ms: number }[] {
    return this.events().flatMap((e) => (e.records ?? []).map(([, p, o, v]) => ({ key: `${p}:${o}`, value: v, ms: e.ms })));
  }

  /** Its latest committed offset per partition. */
  committed(): Map<number, number> {
    const out = new Map<number, number>();
    for (const e of this.events()) for (const [, p, o] of e.offsets ?? []) out.set(p, o);
    return out;
  }

  /** Fails on any error the member reported. */
  checkErrors(): void {
    const errors = this.events().filter((e) => e.event === 'error');
    assert.deepEqual(errors.map((e) => `${e.message}${e.trace ? `\n${e.trace}` : ''}`), [], `${this.name} reported errors`);
  }

  describeOutput(): string {
    return `--- ${this.name} stdout ---\n${this.live.stdout.filter((l) => !l.includes('"records"')).join('\n')}\n--- stderr ---\n${this.live.stderr.slice(-30).join('\n')}`;
  }
}

interface Flavour {
  client: 'confluent' | 'kafka-python';
  /** The protocol the broker chooses for the group. */
  protocol: string;
  config: Record<string, unknown>;
  /** Whether a rebalance moves only what changes owner (cooperative) rather than revoking everything (eager). */
  incremental: boolean;
}

const FLAVOURS: { title: string; flavour: Flavour; available: boolean; missing: string }[] = [
  {
    title: 'confluent-kafka-python 1.7, range (eager)',
    flavour: { client: 'confluent', protocol: 'range', incremental: false, config: { 'partition.assignment.strategy': 'range', 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 100 } },
    available: hasConfluent,
    missing: 'confluent-kafka-python not installed: apt-get install python3-confluent-kafka (run by /usr/bin/python3)',
  },
  {
    title: 'confluent-kafka-python 1.7, cooperative-sticky (incremental)',
    flavour: { client: 'confluent', protocol: 'cooperative-sticky', incremental: true, config: { 'partition.assignment.strategy': 'cooperative-sticky', 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 100 } },
    available: hasConfluent,
    missing: 'confluent-kafka-python not installed: apt-get install python3-confluent-kafka (run by /usr/bin/python3)',
  },
  {
    title: 'kafka-python 2.0.2, default assignors (range first)',
    flavour: { client: 'kafka-python', protocol: 'range', incremental: false, config: { session_timeout_ms: 6000, heartbeat_interval_ms: 100 } },
    available: hasKafkaPython,
    missing: 'kafka-python not installed: apt-get install python3-kafka (run by /usr/bin/python3)',
  },
];

/** One group over one topic: its member processes, the records sent, and checks against the broker. */
class GroupHarness {
  readonly members: PyMember[] = [];
  /** "partition:offset" → value of every record sent. */
  readonly sent = new Map<string, string>();

  private constructor(
    private readonly address: string,
    private readonly admin: Admin,
    private readonly producer: Producer,
    readonly topic: string,
    readonly group: string,
    readonly partitions: number,
    readonly flavour: Flavour,
  ) {}

  static async create(address: string, admin: Admin, producer: Producer, topic: string, group: string, partitions: number, flavour: Flavour): Promise<GroupHarness> {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
    return new GroupHarness(address, admin, producer, topic, group, partitions, flavour);
  }

  start(name: string): PyMember {
    const spec = { client: this.flavour.client, name, group: this.group, topics: [this.topic], config: this.flavour.config };
    const m = new PyMember(name, startChild(SYSTEM_PYTHON, [SCRIPT, this.address, JSON.stringify(spec)]));
    this.members.push(m);
    return m;
  }

  /** Writes `perPartition` records "<tag>-<partition>-<i>" to every partition. */
  async produce(tag: string, perPartition: number): Promise<void> {
    for (let p = 0; p < this.partitions; p++) {
      const values = Array.from({ length: perPartition }, (_, j) => `${tag}-${p}-${j}`);
      const [meta] = await this.producer.send({ topic: this.topic, acks: -1, messages: values.map((value) => ({ partition: p, value })) });
      values.forEach((v, j) => this.sent.set(`${p}:${Number(meta!.baseOffset) + j}`, v));
    }
  }

  /**
   * Waits for a Stable group of exactly `live` whose assignments on the broker are what their
   * callbacks say they hold, every partition owned once, shares balanced. Returns partition → owner.
   */
  async settled(live: readonly PyMember[], what: string): Promise<Map<number, PyMember>> {
    const topic = this.topic;
    return eventually(`${what}: a Stable group of ${live.map((m) => m.name).join(', ')}`, async () => {
      for (const m of live) m.checkErrors();
      const { groups } = await this.admin.describeGroups([this.group]);
      const g = groups[0]!;
      if (g.state !== 'Stable' || g.members.length !== live.length) return undefined;
      assert.equal(g.protocol, this.flavour.protocol, 'the protocol the broker chose');
      const owners = new Map<number, PyMember>();
      for (const m of live) {
        const d = g.members.find((x) => x.clientId === m.name);
        if (d === undefined) return undefined;
        const onBroker = [...(AssignerProtocol.MemberAssignment.decode(d.memberAssignment)!.assignment[topic] ?? [])].sort((a, b) => a - b);
        if (JSON.stringify(onBroker) !== JSON.stringify(m.holdings(topic))) return undefined;
        for (const p of onBroker) {
          assert.ok(!owners.has(p), `partition ${p} owned by ${owners.get(p)?.name} and ${m.name}`);
          owners.set(p, m);
        }
      }
      assert.equal(owners.size, this.partitions, `every partition owned: ${JSON.stringify([...owners].map(([p, m]) => [p, m.name]))}`);
      for (const m of live) assert.ok(Math.abs(m.holdings(topic).length - this.partitions / live.length) < 1, `${m.name} holds ${m.holdings(topic)}: a balanced share`);
      return owners;
    }, STEP_TIMEOUT_MS).catch((e: Error) => {
      throw new Error(`${e.message}\n${this.members.map((m) => m.describeOutput()).join('\n')}`);
    });
  }

  /** Waits until every record sent so far was consumed by a member, with its value; `once`: by exactly one, once. */
  async allConsumed(what: string, { once }: { once: boolean }): Promise<void> {
    await eventually(`${what}: all ${this.sent.size} records consumed`, async () => {
      const seen = new Map<string, number>();
      for (const m of this.members) {
        for (const r of m.consumed()) {
          seen.set(r.key, (seen.get(r.key) ?? 0) + 1);
          assert.equal(r.value, this.sent.get(r.key), `record ${r.key}`);
        }
      }
      if ([...this.sent.keys()].some((k) => !seen.has(k))) return undefined;
      if (once) {
        const twice = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
        assert.deepEqual(twice, [], 'consumed more than once (each owner commits before it gives a partition up)');
      }
      return true;
    }, STEP_TIMEOUT_MS);
  }

  /** Waits until the broker's committed offsets equal the members' latest commits (per partition, latest by time). */
  async commitsOnBroker(what: string): Promise<void> {
    await eventually(`${what}: committed offsets`, async () => {
      const latest = new Map<number, number>();
      const events = this.members.flatMap((m) => m.events().filter((e) => e.event === 'committed')).sort((a, b) => a.ms - b.ms);
      for (const e of events) for (const [, p, o] of e.offsets!) latest.set(p, o);
      const [onBroker] = await this.admin.fetchOffsets({ groupId: this.group, topics: [this.topic] });
      const got = onBroker!.partitions.filter((p) => p.offset !== '-1').map((p) => `${p.partition}@${p.offset}`).sort();
      const want = [...latest].map(([p, o]) => `${p}@${o}`).sort();
      return JSON.stringify(got) === JSON.stringify(want) ? true : undefined;
    }, STEP_TIMEOUT_MS);
  }
}

describe('Python group consumers', () => {
  let tb: TestBroker;
  let admin: Admin;
  let producer: Producer;

  let kb: KafkajsBroker | undefined;

  before(async () => {
    kb = await startKafkajsBroker('groups-python', { clientId: 'interop-python-groups', config: { 'group.min.session.timeout.ms': String(KILL_SESSION_TIMEOUT_MS) } });
    ({ tb, admin, producer } = kb);
  });

  after(async () => {
    killChildren();
    await kb?.stop();
  });

  for (const [i, { title, flavour, available, missing }] of FLAVOURS.entries()) {
    test(`${title}: a second member joins and leaves; partitions move, every record once, commits`, skipUnless(available, missing), async (t) => {
      const topic = `py-group-${i}`;
      const group = `py-group-${i}`;
      const h = await GroupHarness.create(tb.address, admin, producer, topic, group, PARTITIONS, flavour);

      await h.produce('before', 5);
      const first = h.start(`${flavour.client}-first`);
      await h.settled([first], 'first joined');
      await h.allConsumed('first joined', { once: true });
      await h.commitsOnBroker('first joined');
      const firstEventsBefore = first.events().length;

      const second = h.start(`${flavour.client}-second`);
      await h.settled([first, second], 'second joined');
      const movedToSecond = second.holdings(topic);
      const kept = first.holdings(topic);
      const firstRevoked = first.events().slice(firstEventsBefore).filter((e) => e.event === 'revoked').flatMap((e) => e.partitions!.map(([, p]) => p));
      if (flavour.incremental) {
        assert.deepEqual([...new Set(firstRevoked)].sort(), movedToSecond, 'cooperative: the first member gives up exactly what moves');
        assert.ok(kept.every((p) => !firstRevoked.includes(p)), `cooperative: the partitions it keeps (${kept}) are never revoked`);
      } else {
        assert.deepEqual([...new Set(firstRevoked)].sort(), [0, 1, 2, 3], 'eager: the first member gives up everything before the new generation');
      }
      if (flavour.protocol === 'range') {
        for (const held of [kept, movedToSecond]) assert.equal(held[held.length - 1]! - held[0]!, held.length - 1, `range: contiguous partitions (${held})`);
      }
      await h.produce('two-members', 5);
      await h.allConsumed('second joined', { once: true });
      await h.commitsOnBroker('second joined');
      // The second member took each of its partitions up where the first had committed.
      for (const p of movedToSecond) {
        const firstOffset = Math.min(...second.consumed().filter((r) => r.key.startsWith(`${p}:`)).map((r) => Number(r.key.split(':')[1])));
        assert.equal(firstOffset, first.committed().get(p) ?? 0, `partition ${p}: the second member starts at the first one's commit`);
      }

      const firstEventsBeforeLeave = first.events().length;
      second.live.endInput();
      assert.equal((await second.live.exited).code, 0, second.describeOutput());
      await h.settled([first], 'second left');
      if (flavour.incremental) {
        const after = first.events().slice(firstEventsBeforeLeave);
        assert.deepEqual(after.filter((e) => e.event === 'revoked' || e.event === 'lost').flatMap((e) => e.partitions!), [], 'cooperative: nothing revoked from the member that stays');
        assert.deepEqual(after.filter((e) => e.event === 'assigned').flatMap((e) => e.partitions!.map(([, p]) => p)).sort(), movedToSecond, 'cooperative: it is handed only the partitions of the member that left');
      }
      await h.produce('after-leave', 5);
      await h.allConsumed('second left', { once: true });
      await h.commitsOnBroker('second left');

      first.live.endInput();
      assert.equal((await first.live.exited).code, 0, first.describeOutput());
      for (const m of h.members) m.checkErrors();
      const { groups } = await admin.describeGroups([group]);
      assert.equal(groups[0]!.state, 'Empty');
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      assert.deepEqual(committed!.partitions.map((p) => `${p.partition}@${p.offset}`).sort(), [0, 1, 2, 3].map((p) => `${p}@15`), 'the empty group has committed every record');
      t.diagnostic(`first kept ${kept}, second took ${movedToSecond}; first revoked ${firstRevoked}`);
    });
  }

  test(`kafka-python 2.0.2: a member killed with SIGKILL leaves after its session timeout (${KILL_SESSION_TIMEOUT_MS} ms); the others take its partitions`, skipUnless(hasKafkaPython, 'kafka-python not installed: apt-get install python3-kafka (run by /usr/bin/python3)'), async (t) => {
    const flavour: Flavour = { client: 'kafka-python', protocol: 'range', incremental: false, config: { session_timeout_ms: KILL_SESSION_TIMEOUT_MS, heartbeat_interval_ms: 100 } };
    const h = await GroupHarness.create(tb.address, admin, producer, 'py-group-kill', 'py-group-kill', 3, flavour);
    await h.produce('before', 5);
    const trio = ['kp-x', 'kp-y', 'kp-z'].map((name) => h.start(name));
    await h.settled(trio, 'three joined');
    await h.allConsumed('three joined', { once: false });
    const [victim, ...survivors] = trio as [PyMember, ...PyMember[]];
    const victimPartitions = victim.holdings(h.topic);
    const { groups } = await admin.describeGroups([h.group]);
    const victimId = groups[0]!.members.find((m) => m.clientId === victim.name)!.memberId;

    const killedAt = Date.now();
    victim.live.child.kill('SIGKILL');
    await victim.live.exited;
    await h.produce('after-kill', 5);
    // Kafka keeps a member whose connection dropped until its session runs out.
    const removedAfterMs = await eventually('the killed member removed', async () => {
      const { groups: g } = await admin.describeGroups([h.group]);
      return g[0]!.members.some((m) => m.memberId === victimId) ? undefined : Date.now() - killedAt;
    }, STEP_TIMEOUT_MS);
    assert.ok(removedAfterMs >= KILL_SESSION_TIMEOUT_MS - 300, `removed ${removedAfterMs} ms after the kill: not before its session timed out`);
    const owners = await h.settled(survivors, 'after the kill');
    // At least once: what the killed member read but had not committed is read again.
    await h.allConsumed('after the kill', { once: false });
    for (const p of victimPartitions) {
      const owner = owners.get(p)!;
      const read = new Set(owner.consumed().map((r) => r.key));
      for (const k of h.sent.keys()) if (k.startsWith(`${p}:`) && Number(k.split(':')[1]) >= 5) assert.ok(read.has(k), `record ${k} of the killed member's partition read by its new owner ${owner.name}`);
    }
    t.diagnostic(`killed ${victim.name} (held ${victimPartitions}); removed after ${removedAfterMs} ms; now ${survivors.map((m) => `${m.name}=${m.holdings(h.topic)}`).join(' ')}`);
    for (const m of survivors) m.live.endInput();
    await Promise.all(survivors.map((m) => m.live.exited));
  });
});

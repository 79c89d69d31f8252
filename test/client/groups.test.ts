/**
 * Consumer groups of our client against our broker's group coordinator, with records produced
 * all the while: members join and leave one by one (range, eager) and the partitions follow,
 * every record read exactly once (auto-commit before revoking and on close); commits survive the
 * member and a broker restart; cooperative-sticky moves only what must move and never lets two
 * members own a partition at once; a static member restarting within session.timeout.ms gets its
 * partitions back without a rebalance; partitions added to a topic are picked up; the consumer
 * keeps its place across a broker restart (coordinator failover to the new process); the async
 * iterator and run() are group members too; a member killed without leaving (another process) is
 * dropped after its session timeout and the others take over from its commits.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, type ConsumerRecord } from '../../src/index.js';
import { startBroker, type RunningBroker } from '../../src/server/broker.js';
import { quiet, startClientTestBroker, uniqueTopic, type ClientTestBroker } from '../support/client.js';
import { Member, SteadyProducer, closeAll, missing, produceNumbered, track, waitFor } from '../support/groups.js';
import { killChildren, startChild } from '../support/interop.js';

let tb: ClientTestBroker;
let kafka: Kafka;

/** The broker's smallest session timeout (group.min.session.timeout.ms) and quick heartbeats. */
const FAST = { 'session.timeout.ms': 6000, 'heartbeat.interval.ms': 300, 'fetch.max.wait.ms': 100, 'auto.offset.reset': 'earliest', 'auto.commit.interval.ms': 200 } as const;

before(async () => {
  tb = await startClientTestBroker('groups');
  kafka = tb.kafka;
});
afterEach(async () => {
  killChildren();
  await closeAll();
});
after(async () => {
  killChildren();
  await closeAll();
  await tb.stop();
});

async function createTopic(k: Kafka, topic: string, numPartitions: number): Promise<void> {
  const admin = k.admin();
  try {
    await admin.createTopics([{ topic, numPartitions }]);
  } finally {
    await admin.close();
  }
}

/** The live members' assignments are disjoint and cover `all` partitions; returns the counts. */
function partitionCounts(members: readonly Member[], all: number): number[] | null {
  const owned = members.flatMap((m) => m.assigned());
  if (owned.length !== all || new Set(owned).size !== all) return null;
  return members.map((m) => m.assigned().length);
}

/** Values read more than once across `members`. */
function duplicates(members: readonly Member[]): string[] {
  const seen = new Set<string>();
  const dup: string[] = [];
  for (const v of members.flatMap((m) => m.values())) {
    if (seen.has(v)) dup.push(v);
    seen.add(v);
  }
  return dup;
}

test('members join and leave one by one (range): the partitions follow and every record is read exactly once', async () => {
  const topic = uniqueTopic('grp-range');
  await createTopic(kafka, topic, 6);
  const producer = new SteadyProducer(kafka.producer({ 'linger.ms': 0 }), topic, 6, 'r', 5);
  const config = { ...FAST, 'group.id': `${topic}-g` };
  const a = new Member('a', kafka.consumer(config)).start([topic]);
  await waitFor('a owns all six', () => partitionCounts([a], 6)?.join() === '6');
  const b = new Member('b', kafka.consumer(config)).start([topic]);
  await waitFor('a and b own three each', () => partitionCounts([a, b], 6)?.join() === '3,3');
  const c = new Member('c', kafka.consumer(config)).start([topic]);
  await waitFor('two each', () => partitionCounts([a, b, c], 6)?.join() === '2,2,2');
  await waitFor('c reads', () => c.records.length > 10);
  await c.close();
  await waitFor('three each after c left', () => partitionCounts([a, b], 6)?.join() === '3,3');
  await waitFor('b reads', () => b.records.length > 20);
  await b.close();
  await waitFor('a owns all six again', () => partitionCounts([a], 6)?.join() === '6');
  const sent = await producer.stop();
  await waitFor('every record read', () => missing(sent, [...a.values(), ...b.values(), ...c.values()]).length === 0);
  await a.close();
  assert.deepEqual(duplicates([a, b, c]), [], 'commits before revoking and on close hand over exactly');
  assert.deepEqual([...a.errors, ...b.errors, ...c.errors], []);
  for (const m of [a, b]) assert.ok(m.events.some((e) => e.kind === 'revoked'), `${m.name} revoked before rebalancing`);
  assert.ok(!a.events.some((e) => e.kind === 'lost'));
});

test('cooperative-sticky: each join or leave moves only what must move, and no partition is ever owned by two members', async () => {
  const topic = uniqueTopic('grp-coop');
  await createTopic(kafka, topic, 6);
  const producer = new SteadyProducer(kafka.producer({ 'linger.ms': 0 }), topic, 6, 'c', 5);
  const config = { ...FAST, 'group.id': `${topic}-g`, 'partition.assignment.strategy': 'cooperative-sticky' };
  const members: Member[] = [];
  let overlap: string | null = null;
  const sampler = setInterval(() => {
    const owned = members.flatMap((m) => m.assigned());
    if (new Set(owned).size !== owned.length && overlap === null) overlap = owned.join(' ');
  }, 5);
  try {
    const a = new Member('a', kafka.consumer(config)).start([topic]);
    members.push(a);
    await waitFor('a owns all six', () => partitionCounts([a], 6)?.join() === '6');
    const b = new Member('b', kafka.consumer(config)).start([topic]);
    members.push(b);
    await waitFor('three each', () => partitionCounts([a, b], 6)?.join() === '3,3');
    const c = new Member('c', kafka.consumer(config)).start([topic]);
    members.push(c);
    await waitFor('two each', () => partitionCounts([a, b, c], 6)?.join() === '2,2,2');
    // a gave up 3 then 1, b gave up 1; nobody gave up everything.
    const revokedCounts = (m: Member): number[] => m.events.filter((e) => e.kind === 'revoked').map((e) => e.partitions.length);
    assert.deepEqual(revokedCounts(a), [3, 1], JSON.stringify(a.events));
    assert.deepEqual(revokedCounts(b), [1], JSON.stringify(b.events));
    assert.deepEqual(revokedCounts(c), []);
    await waitFor('c reads', () => c.records.length > 10);
    await c.close();
    members.splice(members.indexOf(c), 1);
    await waitFor('three each after c left', () => partitionCounts([a, b], 6)?.join() === '3,3');
    assert.deepEqual(revokedCounts(a), [3, 1], 'a leaving member takes nothing from the others');
    assert.deepEqual(revokedCounts(b), [1]);
    const sent = await producer.stop();
    await waitFor('every record read', () => missing(sent, [...a.values(), ...b.values(), ...c.values()]).length === 0);
    assert.equal(overlap, null, `two members owned a partition at once: ${overlap}`);
    await Promise.all([a.close(), b.close()]);
    assert.deepEqual(duplicates([a, b, c]), []);
    assert.deepEqual([...a.errors, ...b.errors, ...c.errors], []);
  } finally {
    clearInterval(sampler);
  }
});

test('a static member restarting with its group.instance.id within session.timeout.ms gets its partitions back without a rebalance', async () => {
  const topic = uniqueTopic('grp-static');
  await createTopic(kafka, topic, 4);
  const config = { ...FAST, 'group.id': `${topic}-g` };
  const a = new Member('a', kafka.consumer({ ...config, 'group.instance.id': 'static-a' })).start([topic]);
  await waitFor('a owns all four', () => partitionCounts([a], 4) !== null);
  const b = new Member('b', kafka.consumer({ ...config, 'group.instance.id': 'static-b' })).start([topic]);
  await waitFor('two each', () => partitionCounts([a, b], 4)?.join() === '2,2');
  const bOwned = b.assigned();
  const aEvents = a.events.length;
  const generation = a.consumer.groupMetadata().generationId;
  await b.close(); // a static member sends no LeaveGroup
  const b2 = new Member('b2', kafka.consumer({ ...config, 'group.instance.id': 'static-b' })).start([topic]);
  await waitFor('b2 owns what b owned', () => b2.assigned().join() === bOwned.join());
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(a.events.length, aEvents, `a saw no rebalance: ${JSON.stringify(a.events.slice(aEvents))}`);
  assert.equal(a.consumer.groupMetadata().generationId, generation);
  assert.deepEqual([...a.errors, ...b2.errors], []);
});

test('partitions added to a subscribed topic are assigned (the leader sees the metadata change)', async () => {
  const topic = uniqueTopic('grp-grow');
  await createTopic(kafka, topic, 2);
  const config = { ...FAST, 'group.id': `${topic}-g`, 'metadata.max.age.ms': 1000 };
  const a = new Member('a', kafka.consumer(config)).start([topic]);
  const b = new Member('b', kafka.consumer(config)).start([topic]);
  await waitFor('one each', () => partitionCounts([a, b], 2)?.join() === '1,1');
  const admin = kafka.admin();
  await admin.createPartitions([{ topic, count: 4 }]);
  await admin.close();
  await waitFor('two each of four', () => partitionCounts([a, b], 4)?.join() === '2,2', 20_000);
  const sent = await produceNumbered(kafka, topic, 4, 'grow', 16);
  await waitFor('records of the new partitions read', () => missing(sent, [...a.values(), ...b.values()]).length === 0);
});

test('commits survive the member and a broker restart; a member resumes after them across the restart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-client-groups-restart-'));
  let broker: RunningBroker | null = null;
  try {
    broker = await startBroker({ port: 0, logDir: dir, logger: quiet });
    const port = broker.port;
    const k = new Kafka({ 'bootstrap.servers': broker.address });
    const topic = 'restart-topic';
    await createTopic(k, topic, 2);
    const first = await produceNumbered(k, topic, 2, 'before', 10);
    const c1 = track(k.consumer({ ...FAST, 'group.id': 'g-restart', 'enable.auto.commit': false }));
    c1.subscribe([topic]);
    const got: ConsumerRecord[] = [];
    const deadline = Date.now() + 15_000;
    while (got.length < 10 && Date.now() < deadline) got.push(...(await c1.poll(200)));
    assert.deepEqual(got.map((r) => r.value!.toString()).sort(), [...first].sort());
    await c1.commit([{ topic, partition: 0, offset: 5, metadata: 'five' }, { topic, partition: 1, offset: 3, metadata: 'three' }]);
    await c1.close();

    await broker.close();
    broker = await startBroker({ port, logDir: dir, logger: quiet });
    const k2 = new Kafka({ 'bootstrap.servers': broker.address });
    const c2 = track(k2.consumer({ ...FAST, 'group.id': 'g-restart', 'enable.auto.commit': false }));
    const committed = await c2.committed([{ topic, partition: 0 }, { topic, partition: 1 }]);
    assert.deepEqual(committed.map((c) => [c?.offset, c?.metadata]), [[5, 'five'], [3, 'three']]);
    // A member resumes after the commits, and keeps its place across another restart.
    const m = new Member('m', c2).start([topic]);
    await waitFor('the uncommitted records again', () => m.records.length >= 2);
    await waitFor('resumed at the commits', () => m.values().length === 2 && m.records.every((r) => r.offset >= (r.partition === 0 ? 5 : 3)));
    await m.consumer.commit();
    await broker.close();
    broker = await startBroker({ port, logDir: dir, logger: quiet });
    const after = await produceNumbered(new Kafka({ 'bootstrap.servers': broker.address }), topic, 2, 'after', 6);
    await waitFor('records after the restart read by the same member', () => missing(after, m.values()).length === 0, 30_000);
    assert.ok(m.values().filter((v) => v.startsWith('before')).length === 2, `nothing read twice: ${m.values().join(' ')}`);
    await m.close();
  } finally {
    await closeAll();
    await broker?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the async iterator and run() join the group too: auto-commit while reading, a commit on close, the next member resumes', async () => {
  const topic = uniqueTopic('grp-iter');
  await createTopic(kafka, topic, 2);
  const group = `${topic}-g`;
  const first = await produceNumbered(kafka, topic, 2, 'it', 10);
  const iter = track(kafka.consumer({ ...FAST, 'group.id': group }));
  const assigned: string[] = [];
  iter.subscribe([topic], { onPartitionsAssigned: (ps) => void assigned.push(...ps.map((p) => `${p.topic}-${p.partition}`)) });
  const seen: string[] = [];
  for await (const r of iter) {
    seen.push(r.value!.toString());
    if (seen.length === 6) break;
  }
  assert.deepEqual(assigned.sort(), [`${topic}-0`, `${topic}-1`]);
  await iter.close(); // commits the positions after the six records handed out
  const committed = await (async () => {
    const probe = track(kafka.consumer({ ...FAST, 'group.id': group }));
    const c = await probe.committed([{ topic, partition: 0 }, { topic, partition: 1 }]);
    await probe.close();
    return c;
  })();
  assert.equal(committed.reduce((n, c) => n + (c?.offset ?? 0), 0), 6);

  const runner = track(kafka.consumer({ ...FAST, 'group.id': group }));
  runner.subscribe([topic]);
  const rest: string[] = [];
  await runner.run({
    eachRecord: (r) => {
      rest.push(r.value!.toString());
      if (rest.length === 4) runner.stop();
    },
  });
  assert.deepEqual([...seen, ...rest].sort(), [...first].sort(), 'the second member read exactly the four left');
  await runner.close();
});

test('a member killed without leaving is dropped after session.timeout.ms; the others take its partitions from its last commits', async () => {
  const topic = uniqueTopic('grp-crash');
  await createTopic(kafka, topic, 4);
  const group = `${topic}-g`;
  const producer = new SteadyProducer(kafka.producer({ 'linger.ms': 0 }), topic, 4, 'k', 5);
  const a = new Member('a', kafka.consumer({ ...FAST, 'group.id': group })).start([topic]);
  await waitFor('a owns all four', () => a.assigned().length === 4);
  const child = startChild(process.execPath, [fileURLToPath(new URL('../support/group-member-child.js', import.meta.url)), tb.address, group, topic]);
  const childAssigned = (): string[] => (child.stdout.filter((l) => l.startsWith('assigned')).at(-1)?.slice('assigned '.length).split(',') ?? []).filter((s) => s !== '');
  await waitFor('two and two', () => a.assigned().length === 2 && childAssigned().length === 2, 20_000);
  await waitFor('the child reads', () => child.stdout.filter((l) => l.startsWith('record ')).length > 10);
  child.child.kill('SIGKILL');
  await child.exited;
  const killedAt = Date.now();
  await waitFor('a owns all four again', () => a.assigned().length === 4, 20_000);
  assert.ok(Date.now() - killedAt >= 3_000, 'not before the session timed out');
  const sent = await producer.stop();
  const childValues = child.stdout.filter((l) => l.startsWith('record ')).map((l) => l.slice('record '.length));
  await waitFor('every record read by a or the killed member', () => missing(sent, [...a.values(), ...childValues]).length === 0);
  await a.close();
  assert.ok(!a.events.some((e) => e.kind === 'lost'));
});

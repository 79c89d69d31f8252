/**
 * Consumer groups through librdkafka's mock cluster (another implementation of the group
 * protocol: FindCoordinator v2, JoinGroup v5, SyncGroup v3, Heartbeat v3, LeaveGroup v1,
 * OffsetCommit v7, OffsetFetch v5; it waits group.initial.rebalance.delay (3 s) on a first join
 * and session.timeout.ms - 1 s for members to rejoin, so the sessions here are short).
 * One member: subscribe, consume, commit, committed(), and a later member resumes there; two
 * members share a topic (range) and the survivor takes over when one leaves, with records
 * produced throughout and none lost; cooperative-sticky moves only half the partitions, in two
 * rebalances; assign() with a group.id commits (generation -1, metadata kept) and starts at
 * committed offsets; a pattern subscription picks up a new topic; a member that stops polling
 * leaves and finds its partitions lost on its next poll. Skipped, loudly, without librdkafka-dev
 * and a C compiler.
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, KafkaError, type ConsumerRecord } from '../../src/index.js';
import { skipUnless } from '../support/interop.js';
import { HAVE_LIBRDKAFKA_MOCK, Member, SteadyProducer, closeAll, missing, produceNumbered, sortedKeys, startMockCluster, track, waitFor, type MockCluster } from '../support/groups.js';

const skip = skipUnless(HAVE_LIBRDKAFKA_MOCK, 'consumer groups against librdkafka\'s mock cluster: install librdkafka-dev and a C compiler (apt-get install librdkafka-dev gcc) and keep ../shared/bench');

const P = 4;
let mock: MockCluster | null = null;
let kafka: Kafka;

/** Short sessions: the mock waits session.timeout.ms - 1 s for members to rejoin. */
const FAST = { 'session.timeout.ms': 3000, 'heartbeat.interval.ms': 300, 'fetch.max.wait.ms': 100, 'auto.offset.reset': 'earliest' } as const;

before(async () => {
  if (!HAVE_LIBRDKAFKA_MOCK) return;
  mock = await startMockCluster(['mg-one:4', 'mg-two:4', 'mg-coop:4', 'mg-assign:4', 'mgp-1:2', 'mg-poll:4']);
  kafka = new Kafka({ 'bootstrap.servers': mock.bootstrap });
});

afterEach(closeAll);
after(async () => {
  await closeAll();
  await mock?.stop();
});

async function pollUntil(consumer: ReturnType<Kafka['consumer']>, count: number, timeoutMs = 15_000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) out.push(...(await consumer.poll(200)));
  return out;
}

test('one member: subscribe, read everything, commit, committed(); the next member of the group resumes after the commit', skip, async () => {
  const sent = await produceNumbered(kafka, 'mg-one', P, 'one', 40);
  const c1 = track(kafka.consumer({ ...FAST, 'group.id': 'g-one', 'enable.auto.commit': false }));
  const assigned: string[][] = [];
  c1.subscribe(['mg-one'], { onPartitionsAssigned: (ps) => void assigned.push(sortedKeys(ps)) });
  const got = await pollUntil(c1, 40);
  assert.deepEqual(got.map((r) => r.value!.toString()).sort(), [...sent].sort());
  assert.deepEqual(assigned, [['mg-one-0', 'mg-one-1', 'mg-one-2', 'mg-one-3']]);
  assert.deepEqual(c1.subscription(), ['mg-one']);
  const meta = c1.groupMetadata();
  assert.equal(meta.groupId, 'g-one');
  assert.ok(meta.generationId >= 0 && meta.memberId !== '');
  assert.deepEqual(await c1.committed([{ topic: 'mg-one', partition: 0 }]), [null]);
  await c1.commit();
  const committed = await c1.committed(Array.from({ length: P }, (_, partition) => ({ topic: 'mg-one', partition })));
  assert.deepEqual(committed.map((c) => c?.offset), [10, 10, 10, 10]);
  await c1.close();

  const more = await produceNumbered(kafka, 'mg-one', P, 'one-more', 8);
  const c2 = track(kafka.consumer({ ...FAST, 'group.id': 'g-one' }));
  c2.subscribe(['mg-one']);
  const next = await pollUntil(c2, 8);
  assert.deepEqual(next.map((r) => r.value!.toString()).sort(), [...more].sort(), 'only what came after the commit');
  await c2.close();
});

test('two members share a topic (range), the survivor takes over when one leaves; records produced throughout, none lost', skip, async () => {
  const producer = new SteadyProducer(kafka.producer({ 'linger.ms': 0 }), 'mg-two', P, 'two', 15);
  const a = new Member('a', kafka.consumer({ ...FAST, 'group.id': 'g-two', 'auto.commit.interval.ms': 200 })).start(['mg-two']);
  await waitFor('a owns all four partitions', () => a.assigned().length === P);
  const b = new Member('b', kafka.consumer({ ...FAST, 'group.id': 'g-two', 'auto.commit.interval.ms': 200 })).start(['mg-two']);
  await waitFor('a and b own two partitions each', () => a.assigned().length === 2 && b.assigned().length === 2);
  assert.deepEqual([...a.assigned(), ...b.assigned()].sort(), ['mg-two-0', 'mg-two-1', 'mg-two-2', 'mg-two-3']);
  // Eager (range): a gave up everything before the second join, then got its half.
  assert.deepEqual(a.events.slice(0, 3).map((e) => e.kind), ['assigned', 'revoked', 'assigned']);
  await waitFor('b reads records', () => b.records.length > 5);
  await b.close();
  assert.equal(b.events.at(-1)?.kind, 'revoked', 'close revokes');
  await waitFor('a owns all four partitions again', () => a.assigned().length === P);
  const sent = await producer.stop();
  await waitFor('every record read by a or b', () => missing(sent, [...a.values(), ...b.values()]).length === 0);
  await a.close();
  assert.deepEqual([...a.errors, ...b.errors], []);
});

test('cooperative-sticky: a second member gets half the partitions in two rebalances; the first one keeps reading the rest throughout', skip, async () => {
  const producer = new SteadyProducer(kafka.producer({ 'linger.ms': 0 }), 'mg-coop', P, 'coop', 15);
  const coop = { ...FAST, 'group.id': 'g-coop', 'partition.assignment.strategy': 'cooperative-sticky', 'auto.commit.interval.ms': 200 } as const;
  const a = new Member('a', kafka.consumer(coop)).start(['mg-coop']);
  await waitFor('a owns all four partitions', () => a.assigned().length === P);
  const b = new Member('b', kafka.consumer(coop)).start(['mg-coop']);
  await waitFor('a and b own two partitions each', () => a.assigned().length === 2 && b.assigned().length === 2, 30_000);
  const kept = a.assigned();
  // a never gave up everything: it revoked only what moved to b, and kept reading the rest.
  const revoked = a.events.filter((e) => e.kind === 'revoked');
  assert.equal(revoked.length, 1, JSON.stringify(a.events));
  assert.equal(revoked[0]!.partitions.length, 2);
  assert.deepEqual([...revoked[0]!.partitions, ...kept].sort(), ['mg-coop-0', 'mg-coop-1', 'mg-coop-2', 'mg-coop-3']);
  assert.deepEqual(sortedKeys(b.consumer.assignment()), [...revoked[0]!.partitions]);
  assert.deepEqual(a.events[0], { kind: 'assigned', partitions: ['mg-coop-0', 'mg-coop-1', 'mg-coop-2', 'mg-coop-3'] });
  for (const e of a.events.slice(1)) if (e.kind === 'assigned') assert.deepEqual(e.partitions, [], 'later rebalances add nothing to a');
  assert.deepEqual(b.events.filter((e) => e.kind === 'revoked'), []);
  const sent = await producer.stop();
  await waitFor('every record read', () => missing(sent, [...a.values(), ...b.values()]).length === 0);
  await Promise.all([a.close(), b.close()]);
  assert.deepEqual([...a.errors, ...b.errors], []);
});

test('assign() with a group.id: commit with metadata (generation -1), committed(), and a new consumer starts at the committed offsets', skip, async () => {
  await produceNumbered(kafka, 'mg-assign', P, 'as', 20);
  const c1 = track(kafka.consumer({ ...FAST, 'group.id': 'g-assign', 'enable.auto.commit': false }));
  c1.assign([{ topic: 'mg-assign', partition: 0 }, { topic: 'mg-assign', partition: 1 }]);
  assert.equal((await pollUntil(c1, 10)).length, 10);
  await c1.commit([{ topic: 'mg-assign', partition: 0, offset: 2, metadata: 'checkpoint-a' }, { topic: 'mg-assign', partition: 1, offset: 4 }]);
  const [c0, c1c, none] = await c1.committed([{ topic: 'mg-assign', partition: 0 }, { topic: 'mg-assign', partition: 1 }, { topic: 'mg-assign', partition: 2 }]);
  assert.deepEqual([c0?.offset, c0?.metadata, c1c?.offset, c1c?.metadata, none], [2, 'checkpoint-a', 4, '', null]);
  assert.throws(() => c1.subscribe(['mg-assign']), /mutually exclusive/);
  await c1.close();

  const c2 = track(kafka.consumer({ ...FAST, 'group.id': 'g-assign', 'auto.offset.reset': 'latest' }));
  c2.assign([{ topic: 'mg-assign', partition: 0 }, { topic: 'mg-assign', partition: 1 }, { topic: 'mg-assign', partition: 2 }]);
  assert.equal(await c2.position({ topic: 'mg-assign', partition: 0 }), 2);
  assert.equal(await c2.position({ topic: 'mg-assign', partition: 1 }), 4);
  assert.equal(await c2.position({ topic: 'mg-assign', partition: 2 }), 5, 'nothing committed: auto.offset.reset=latest');
  const rest = await pollUntil(c2, 4);
  assert.deepEqual(rest.map((r) => `${r.partition}:${r.offset}`).sort(), ['0:2', '0:3', '0:4', '1:4']);
  await c2.close();
});

test('a pattern subscription picks up a matching topic created later', skip, async () => {
  const c = track(kafka.consumer({ ...FAST, 'group.id': 'g-pattern', 'metadata.max.age.ms': 1000 }));
  const m = new Member('p', c).start(/mgp-.*/);
  await waitFor('the existing topic is assigned', () => m.assigned().length === 2);
  assert.deepEqual(c.subscription(), ['mgp-1']);
  // The mock creates a topic on the first metadata request for it (the producer's).
  const later = await produceNumbered(kafka, 'mgp-2', 1, 'pat', 5);
  await waitFor('the new topic is subscribed and assigned', () => c.subscription().includes('mgp-2') && m.assigned().some((k) => k.startsWith('mgp-2-')), 20_000);
  await waitFor('its records are read', () => missing(later, m.values()).length === 0);
  await m.close();
});

test('a member that stops polling for max.poll.interval.ms leaves the group; its next poll finds the partitions lost and rejoins', skip, async () => {
  const c = track(kafka.consumer({ ...FAST, 'group.id': 'g-poll', 'max.poll.interval.ms': 1500 }));
  const m = new Member('slow', c).start(['mg-poll']);
  await waitFor('assigned', () => m.assigned().length === P);
  await m.pause();
  const generation = c.groupMetadata().generationId;
  await waitFor('the member left the group', () => c.groupMetadata().memberId === '', 10_000);
  await assert.rejects(c.commit(), (e: unknown) => e instanceof KafkaError && ['REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION'].includes(e.errorName));
  await c.poll(100);
  assert.deepEqual(m.events.at(-1), { kind: 'lost', partitions: ['mg-poll-0', 'mg-poll-1', 'mg-poll-2', 'mg-poll-3'] });
  assert.deepEqual(c.assignment(), []);
  const deadline = Date.now() + 15_000;
  while (c.assignment().length < P && Date.now() < deadline) await c.poll(200);
  assert.equal(c.assignment().length, P, 'rejoined');
  assert.ok(c.groupMetadata().generationId > generation);
  await c.close();
});

/**
 * A rebalance must not wait for the members' fetch long polls. With fetch.max.wait.ms at 15 s and
 * nothing to read, every member has a Fetch parked at the broker on its partition leader's
 * connection; a member joining then rebalances the group in well under 5 s (the bound only
 * catches "waited for the long poll"): the leader asks for the metadata of every member's topics
 * on a connection no fetch holds (the coordinator's).
 * (15 s, not more: the broker keeps a parked fetch's timer after close(), so the test process
 * lingers that long before it exits.)
 */
import { after, afterEach, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kafka } from '../../src/index.js';
import { startClientTestBroker, uniqueTopic, type ClientTestBroker } from '../support/client.js';
import { Member, closeAll, waitFor } from '../support/groups.js';

let tb: ClientTestBroker;
let kafka: Kafka;

const LONG_POLL = {
  'fetch.max.wait.ms': 15_000,
  'session.timeout.ms': 6000,
  'heartbeat.interval.ms': 100,
  'auto.offset.reset': 'latest',
  'auto.commit.interval.ms': 200,
} as const;

/** Far below fetch.max.wait.ms, far above a rebalance on loopback. */
const REBALANCE_BOUND_MS = 5_000;

before(async () => {
  tb = await startClientTestBroker('groups-long-poll');
  kafka = tb.kafka;
});
afterEach(async () => {
  await closeAll();
});
after(async () => {
  await closeAll();
  await tb.stop();
});

async function createTopics(topics: { topic: string; numPartitions: number }[]): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.createTopics(topics);
  } finally {
    await admin.close();
  }
}

/** Each member's partition count of `topic` when the members own all `all` of them once, else null. */
function countsOf(members: readonly Member[], topic: string, all: number): number[] | null {
  const owned = members.flatMap((m) => m.assigned().filter((k) => k.startsWith(`${topic}-`)));
  if (owned.length !== all || new Set(owned).size !== all) return null;
  return members.map((m) => m.assigned().filter((k) => k.startsWith(`${topic}-`)).length);
}

function sameGeneration(members: readonly Member[]): boolean {
  const generations = new Set(members.map((m) => m.consumer.groupMetadata().generationId));
  return generations.size === 1 && !generations.has(-1);
}

/** Time for the long polls of a stable group to be sent and parked at the broker. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 500));

test('a member joining a group whose members are in a 15 s fetch long poll: the rebalance completes in seconds', async () => {
  const topic = uniqueTopic('lp-join');
  await createTopics([{ topic, numPartitions: 12 }]);
  const config = { ...LONG_POLL, 'group.id': `${topic}-g` };
  const a = new Member('a', kafka.consumer(config)).start([topic]);
  const b = new Member('b', kafka.consumer(config)).start([topic]);
  await waitFor('a and b own six each', () => countsOf([a, b], topic, 12)?.join() === '6,6' && sameGeneration([a, b]));
  await settle();

  const started = Date.now();
  const c = new Member('c', kafka.consumer(config)).start([topic]);
  await waitFor('a, b and c own four each, in one generation', () => countsOf([a, b, c], topic, 12)?.join() === '4,4,4' && sameGeneration([a, b, c]), REBALANCE_BOUND_MS);
  const tookMs = Date.now() - started;
  assert.ok(tookMs < REBALANCE_BOUND_MS, `the rebalance took ${tookMs} ms`);
  assert.deepEqual([...a.errors, ...b.errors, ...c.errors], []);
});

test("a member subscribing to a topic the leader has no metadata for: the leader's metadata request does not queue behind its long poll", async () => {
  const shared = uniqueTopic('lp-shared');
  const extra = uniqueTopic('lp-extra');
  await createTopics([
    { topic: shared, numPartitions: 4 },
    { topic: extra, numPartitions: 3 },
  ]);
  const config = { ...LONG_POLL, 'group.id': `${shared}-g` };
  const a = new Member('a', kafka.consumer(config)).start([shared]);
  const b = new Member('b', kafka.consumer(config)).start([shared]);
  await waitFor('a and b own two each', () => countsOf([a, b], shared, 4)?.join() === '2,2' && sameGeneration([a, b]));
  await settle();

  const started = Date.now();
  const c = new Member('c', kafka.consumer(config)).start([shared, extra]);
  // Range: the shared topic's four partitions over three members, the extra topic's all to c.
  await waitFor(
    'every partition of both topics owned once, in one generation',
    () => countsOf([a, b, c], shared, 4) !== null && countsOf([c], extra, 3)?.join() === '3' && countsOf([a, b], extra, 0) !== null && sameGeneration([a, b, c]),
    REBALANCE_BOUND_MS,
  );
  const tookMs = Date.now() - started;
  assert.ok(tookMs < REBALANCE_BOUND_MS, `the rebalance took ${tookMs} ms`);
  assert.deepEqual([...a.errors, ...b.errors, ...c.errors], []);
});

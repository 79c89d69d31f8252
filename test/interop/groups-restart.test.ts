/**
 * Committed group offsets survive a broker restart. The broker runs in a child process
 * (dist/src/server/main.js, as kafka-server-start.sh runs it) on a fixed port and log dir; a
 * KafkaJS group member in its own process (test/support/kafkajs-group-member.ts) commits part of
 * what it read, then the broker stops — cleanly (SIGTERM, after the member left) or with SIGKILL
 * (the member killed first, without leaving, so still in the group) — and starts again on
 * the same log dir. A new member of the group then resumes exactly at the committed offsets: no
 * committed record is read again, none after them is skipped. After SIGKILL the group comes back
 * as it was written (Stable, with the old member), and the old member is dropped when its
 * session times out, as Kafka does when it loads a group.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { freePort, startBrokerProcess } from '../support/broker-process.js';
import { eventually, killChildren, startChild, type LiveChild } from '../support/interop.js';

const { Kafka, logLevel } = kafkajs;
type Kafka = InstanceType<typeof Kafka>;

const MEMBER = fileURLToPath(new URL('../support/kafkajs-group-member.js', import.meta.url));
const TOPIC = 'restart-records';
const GROUP = 'restart-group';
const PARTITIONS = 3;
const BEFORE_RESTART = 10;
const COMMITTED = 4;
const AFTER_RESTART = 5;
const SESSION_TIMEOUT_MS = 1000;

/** The broker process on a fixed port and log dir, so that a restart finds the group where it was. */
const startBroker = (port: number, dir: string) => startBrokerProcess({ port, logDir: dir, overrides: { 'group.min.session.timeout.ms': String(SESSION_TIMEOUT_MS) } });

const client = (port: number, name: string): Kafka =>
  new Kafka({ clientId: name, brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 } });

async function produce(kafka: Kafka, perPartition: number, tag: string): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let p = 0; p < PARTITIONS; p++) {
      await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: perPartition }, (_, i) => ({ partition: p, value: `${tag}-${p}-${i}` })) });
    }
  } finally {
    await producer.disconnect();
  }
}

for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
  test(`committed offsets survive a broker restart after ${signal}: the group resumes exactly there`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), `tributary-groups-restart-${signal}-`));
    const port = await freePort();
    let broker = await startBroker(port, dir);
    try {
      const before = client(port, 'before-restart');
      const admin = before.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
      await produce(before, BEFORE_RESTART, 'before');

      // The first member reads everything and commits the records before offset COMMITTED.
      const member = startChild(process.execPath, [MEMBER, `127.0.0.1:${port}`, GROUP, TOPIC, String(COMMITTED), String(SESSION_TIMEOUT_MS)], { env: { ...process.env, KAFKAJS_GROUP_MEMBER: '1' } });
      const lines = (m: LiveChild, key: string): unknown[] => m.stdout.map((l) => JSON.parse(l)).filter((o) => key in o);
      await eventually('the first member read everything and committed up to offset 4', async () => {
        if (lines(member, 'read').length < PARTITIONS * BEFORE_RESTART) return undefined;
        const [c] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
        return c!.partitions.every((p) => p.offset === String(COMMITTED)) ? true : undefined;
      }, 15_000).catch((e: Error) => {
        throw new Error(`${e.message}\n${member.stdout.join('\n')}\n${member.stderr.join('\n')}`);
      });
      const { groups } = await admin.describeGroups([GROUP]);
      assert.equal(groups[0]!.state, 'Stable');
      const oldMemberId = groups[0]!.members[0]!.memberId;
      await admin.disconnect();

      if (signal === 'SIGTERM') {
        member.endInput();
        assert.equal((await member.exited).code, 0, member.stderr.join('\n'));
        assert.equal(lines(member, 'closed').length, 1, 'the member left the group');
        broker.child.kill('SIGTERM');
        assert.deepEqual(await broker.exited, { code: 0, signal: null }, broker.output());
      } else {
        // The member dies without a word, still in the group; then the broker dies too.
        member.child.kill('SIGKILL');
        await member.exited;
        broker.child.kill('SIGKILL');
        assert.equal((await broker.exited).signal, 'SIGKILL');
      }

      broker = await startBroker(port, dir);
      const after = client(port, 'after-restart');
      const admin2 = after.admin();
      await admin2.connect();
      try {
        const [committed] = await admin2.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
        assert.deepEqual(committed!.partitions.map((p) => `${p.partition}@${p.offset}`).sort(), [0, 1, 2].map((p) => `${p}@${COMMITTED}`), 'committed offsets after the restart');
        const { groups: loaded } = await admin2.describeGroups([GROUP]);
        if (signal === 'SIGTERM') {
          assert.equal(loaded[0]!.state, 'Empty', 'the member left before the broker stopped');
        } else {
          assert.deepEqual([loaded[0]!.state, loaded[0]!.members.map((m) => m.memberId)], ['Stable', [oldMemberId]], 'the group as last written: Stable, with its member');
          await eventually('the old member expires with its session', async () => {
            const { groups: g } = await admin2.describeGroups([GROUP]);
            return g[0]!.state === 'Empty' && g[0]!.members.length === 0 ? true : undefined;
          }, 10_000);
        }
        await produce(after, AFTER_RESTART, 'after');

        const readAfter: string[] = [];
        const resumed = after.consumer({ groupId: GROUP, sessionTimeout: SESSION_TIMEOUT_MS * 6, heartbeatInterval: 100, maxWaitTimeInMs: 100 });
        await resumed.connect();
        try {
          await resumed.subscribe({ topics: [TOPIC], fromBeginning: true });
          await resumed.run({ eachMessage: async ({ partition, message }) => void readAfter.push(`${partition}:${message.offset}`) });
          const total = BEFORE_RESTART + AFTER_RESTART;
          await eventually('the resumed member read to the end', async () => (readAfter.length >= PARTITIONS * (total - COMMITTED) ? true : undefined), 15_000);
          await new Promise((r) => setTimeout(r, 200)); // anything more would be a duplicate: give it a moment to show
          const expected = [0, 1, 2].flatMap((p) => Array.from({ length: total - COMMITTED }, (_, i) => `${p}:${COMMITTED + i}`));
          assert.deepEqual([...readAfter].sort(), expected.sort(), 'from the committed offsets to the end, each once: nothing committed read again, nothing skipped');
          t.diagnostic(`${signal}: ${readAfter.length} records read after the restart`);
        } finally {
          await resumed.disconnect();
        }
      } finally {
        await admin2.disconnect();
      }
      broker.child.kill('SIGTERM');
      assert.equal((await broker.exited).code, 0, broker.output());
    } finally {
      killChildren();
      if (broker.child.exitCode === null && broker.child.signalCode === null) broker.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/**
 * The admin client's group calls against the broker: listGroups (state and type filters),
 * describeGroups (an empty group, a live group of kcat -G members with their decoded
 * subscriptions and assignments, an unknown group), alterConsumerGroupOffsets (a new group, and
 * the refusal while members are active), listConsumerGroupOffsets (all partitions, chosen ones,
 * several groups in one call), deleteConsumerGroupOffsets (per partition; refused for topics a
 * live group consumes), deleteGroups (empty, live, unknown); errors as KafkaError naming the group.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { KafkaError, type Admin, type Kafka } from '../../src/index.js';
import { startClientTestBroker, uniqueTopic, type ClientTestBroker } from '../support/client.js';
import { hasKcat, skipUnless } from '../support/interop.js';

let tb: ClientTestBroker;
let kafka: Kafka;
let admin: Admin;
const children = new Set<ChildProcess>();

before(async () => {
  tb = await startClientTestBroker('admin-groups');
  kafka = tb.kafka;
  admin = kafka.admin({ 'default.api.timeout.ms': 15_000 });
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await admin.close();
  await tb.stop();
});

function isKafkaError(name: string, groupId?: string): (e: unknown) => boolean {
  return (e) => e instanceof KafkaError && e.errorName === name && (groupId === undefined || e.context?.['groupId'] === groupId);
}

let groupCounter = 0;
const uniqueGroup = (prefix: string): string => `${prefix}-${process.pid}-${++groupCounter}`;

async function topicWithRecords(prefix: string, partitions: number, perPartition: number): Promise<string> {
  const topic = uniqueTopic(prefix);
  await admin.createTopics([{ topic, numPartitions: partitions }]);
  const producer = kafka.producer();
  await Promise.all(Array.from({ length: partitions * perPartition }, (_, i) => producer.send({ topic, partition: i % partitions, value: `v${i}` })));
  await producer.close();
  return topic;
}

async function eventually<T>(what: string, probe: () => Promise<T | null>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a group made by alterConsumerGroupOffsets: offsets, listing, filters, describe, delete offsets, delete group', async () => {
  const topic = await topicWithRecords('adm-grp', 3, 4);
  const group = uniqueGroup('simple');
  await admin.alterConsumerGroupOffsets(group, [
    { topic, partition: 0, offset: 2, metadata: 'note' },
    { topic, partition: 1, offset: 4, leaderEpoch: 0 },
  ]);

  const [offsets] = await admin.listConsumerGroupOffsets([{ groupId: group }]);
  assert.equal(offsets!.groupId, group);
  assert.deepEqual(
    offsets!.offsets.map((o) => [o.topic, o.partition, o.offset, o.metadata]),
    [
      [topic, 0, 2, 'note'],
      [topic, 1, 4, ''],
    ],
  );
  assert.equal(offsets!.offsets[1]!.leaderEpoch, 0);
  const [chosen] = await admin.listConsumerGroupOffsets([{ groupId: group, partitions: [{ topic, partition: 2 }, { topic, partition: 0 }] }], { requireStable: true });
  assert.deepEqual(chosen!.offsets.map((o) => [o.partition, o.offset]), [[0, 2], [2, null]]);

  const listed = (await admin.listGroups()).find((g) => g.groupId === group);
  assert.deepEqual(listed, { groupId: group, protocolType: '', state: 'Empty', type: 'classic' });
  assert.ok((await admin.listGroups({ states: ['EMPTY'], types: ['classic'] })).some((g) => g.groupId === group));
  assert.ok(!(await admin.listGroups({ states: ['Stable'] })).some((g) => g.groupId === group));
  assert.ok(!(await admin.listGroups({ types: ['consumer'] })).some((g) => g.groupId === group));
  await assert.rejects(admin.listGroups({ states: ['sleepy'] }), /unknown group state 'sleepy'/);

  const [d] = await admin.describeGroups([group]);
  assert.equal(d!.groupId, group);
  assert.equal(d!.state, 'Empty');
  assert.equal(d!.protocolType, '');
  assert.deepEqual(d!.members, []);
  assert.equal(d!.coordinator.nodeId, tb.broker.nodeId);
  assert.equal(`${d!.coordinator.host}:${d!.coordinator.port}`, tb.address);

  // Offsets can be changed again while the group has no members.
  await admin.alterConsumerGroupOffsets(group, [{ topic, partition: 0, offset: 0 }]);
  const deleted = await admin.deleteConsumerGroupOffsets(group, [{ topic, partition: 1 }, { topic, partition: 2 }]);
  assert.deepEqual(deleted.map((r) => [r.partition, r.error]), [[1, null], [2, null]]);
  const [after] = await admin.listConsumerGroupOffsets([{ groupId: group }]);
  assert.deepEqual(after!.offsets.map((o) => [o.partition, o.offset]), [[0, 0]]);

  await admin.deleteGroups([group]);
  await assert.rejects(admin.describeGroups([group]), isKafkaError('GROUP_ID_NOT_FOUND', group));
  assert.ok(!(await admin.listGroups()).some((g) => g.groupId === group));
  const [gone] = await admin.listConsumerGroupOffsets([{ groupId: group }]);
  assert.deepEqual(gone!.offsets, []);
});

test('several groups: offsets of each in one call, describe and delete report each group', async () => {
  const topic = await topicWithRecords('adm-grp-many', 2, 1);
  const [a, b, c] = [uniqueGroup('many-a'), uniqueGroup('many-b'), uniqueGroup('many-c')];
  await Promise.all([admin.alterConsumerGroupOffsets(a, [{ topic, partition: 0, offset: 1 }]), admin.alterConsumerGroupOffsets(b, [{ topic, partition: 1, offset: 1 }])]);
  const both = await admin.listConsumerGroupOffsets([{ groupId: b }, { groupId: a }, { groupId: c }]);
  assert.deepEqual(
    both.map((g) => [g.groupId, g.offsets.map((o) => o.partition)]),
    [
      [b, [1]],
      [a, [0]],
      [c, []],
    ],
  );
  const described = await admin.describeGroups([a, b]);
  assert.deepEqual(described.map((d) => [d.groupId, d.state]), [[a, 'Empty'], [b, 'Empty']]);
  // The first failing group is thrown; the others were still deleted.
  await assert.rejects(admin.deleteGroups([a, c, b]), isKafkaError('GROUP_ID_NOT_FOUND', c));
  await assert.rejects(admin.describeGroups([a]), isKafkaError('GROUP_ID_NOT_FOUND', a));
  await assert.rejects(admin.describeGroups([b]), isKafkaError('GROUP_ID_NOT_FOUND', b));
});

test('bad arguments are TypeErrors; deleting offsets of an unknown group is GROUP_ID_NOT_FOUND', async () => {
  await assert.rejects(admin.describeGroups(['']), TypeError);
  await assert.rejects(admin.deleteGroups([5 as unknown as string]), TypeError);
  await assert.rejects(admin.alterConsumerGroupOffsets('g', [{ topic: 't', partition: 0, offset: -1 }]), /invalid offset -1/);
  await assert.rejects(admin.alterConsumerGroupOffsets('g', [{ topic: '', partition: 0, offset: 1 }]), TypeError);
  await assert.rejects(admin.deleteConsumerGroupOffsets('g', [{ topic: 't', partition: -1 }]), /invalid partition -1/);
  await assert.rejects(admin.listGroups({ types: ['modern' as 'classic'] }), /unknown group type 'modern'/);
  await assert.rejects(admin.deleteConsumerGroupOffsets(uniqueGroup('none'), [{ topic: 't', partition: 0 }]), isKafkaError('GROUP_ID_NOT_FOUND'));
});

test('a live group of kcat -G members: described with decoded assignments; offsets and deletion refused', skipUnless(hasKcat(), 'kcat not installed: apt-get install kcat'), async () => {
  const topic = await topicWithRecords('adm-grp-live', 4, 3);
  const group = uniqueGroup('live');
  const members = [0, 1].map(() => {
    const c = spawn('kcat', ['-b', tb.address, '-G', group, '-o', 'beginning', '-q', '-X', 'client.id=kcat-member', topic], { stdio: ['ignore', 'ignore', 'pipe'] });
    children.add(c);
    return c;
  });
  try {
    const d = await eventually('a Stable group of two members that own every partition', async () => {
      const [g] = await admin.describeGroups([group]).catch(() => [null]);
      const owned = g?.members.flatMap((m) => m.consumerAssignment?.partitions ?? []) ?? [];
      return g?.state === 'Stable' && g.members.length === 2 && owned.length === 4 ? g : null;
    });
    assert.equal(d.protocolType, 'consumer');
    assert.equal(d.protocol, 'range');
    for (const m of d.members) {
      assert.equal(m.clientId, 'kcat-member');
      assert.equal(m.host, '/127.0.0.1');
      assert.deepEqual(m.subscription?.topics, [topic]);
      assert.equal(m.consumerAssignment!.partitions.length, 2);
      assert.ok(m.metadata.length > 0 && m.assignment.length > 0);
    }
    const owned = d.members.flatMap((m) => m.consumerAssignment!.partitions.map((p) => `${p.topic}-${p.partition}`)).sort();
    assert.deepEqual(owned, [0, 1, 2, 3].map((p) => `${topic}-${p}`));
    const listed = (await admin.listGroups({ states: ['stable'] })).find((g) => g.groupId === group);
    assert.deepEqual(listed, { groupId: group, protocolType: 'consumer', state: 'Stable', type: 'classic' });

    // kcat commits what it read; the committed offsets reach the end of each partition.
    await eventually('committed offsets at the log end', async () => {
      const [o] = await admin.listConsumerGroupOffsets([{ groupId: group }]);
      return o!.offsets.length === 4 && o!.offsets.every((x) => x.offset === 3) ? o : null;
    });

    await assert.rejects(
      admin.alterConsumerGroupOffsets(group, [{ topic, partition: 0, offset: 0 }]),
      (e: unknown) => e instanceof KafkaError && e.errorName === 'UNKNOWN_MEMBER_ID' && /only be altered while the group has no active members/.test(e.message) && e.context?.['groupId'] === group,
    );
    await assert.rejects(admin.deleteGroups([group]), isKafkaError('NON_EMPTY_GROUP', group));
    const refused = await admin.deleteConsumerGroupOffsets(group, [{ topic, partition: 0 }]);
    assert.equal(refused[0]!.error?.errorName, 'GROUP_SUBSCRIBED_TO_TOPIC');
  } finally {
    await Promise.all(
      members.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
  }
  // Once the members have left, the group is Empty and can be changed and deleted.
  await eventually('an Empty group', async () => {
    const [g] = await admin.describeGroups([group]);
    return g!.state === 'Empty' ? g : null;
  });
  await admin.alterConsumerGroupOffsets(group, [{ topic, partition: 0, offset: 1 }]);
  const [o] = await admin.listConsumerGroupOffsets([{ groupId: group, partitions: [{ topic, partition: 0 }] }]);
  assert.equal(o!.offsets[0]!.offset, 1);
  await admin.deleteGroups([group]);
});

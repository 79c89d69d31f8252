/**
 * The admin client's group calls against scripted fake brokers, for what a one-node broker never
 * shows: groups on different coordinators, FindCoordinator one key per request (v0-v3) and
 * batched (v4+), a coordinator that moved (NOT_COORDINATOR: found again) or is loading
 * (COORDINATOR_LOAD_IN_PROGRESS: asked again), a deadline that runs out while it loads,
 * OffsetFetch one group per request (v7) and several (v8+), ListGroups from every broker with
 * the state filter refused before v4 and the type filter applied by the client before v5.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Kafka, KafkaError, type Admin } from '../../src/index.js';
import { encodeAssignment, encodeSubscription } from '../../src/client/group/consumer-protocol.js';
import { FakeBroker, metadataBody, type SeenRequest } from '../support/fake-broker.js';

const FIND_COORDINATOR = 10;
const DESCRIBE_GROUPS = 15;
const LIST_GROUPS = 16;
const OFFSET_FETCH = 9;
const METADATA = 3;
const OPERATIONS_NOT_REQUESTED = -2147483648;

const brokers: FakeBroker[] = [];
const admins: Admin[] = [];

afterEach(async () => {
  for (const a of admins.splice(0)) await a.close();
  for (const b of brokers.splice(0)) await b.close();
});

/** Two fake brokers (node ids 1 and 2) sharing one script; each knows both through Metadata. */
async function cluster(script: (req: SeenRequest, self: FakeBroker, all: FakeBroker[]) => unknown | undefined, versions?: (nodeId: number) => Map<number, [number, number]> | undefined): Promise<FakeBroker[]> {
  const all: FakeBroker[] = [];
  for (const nodeId of [1, 2]) {
    const v = versions?.(nodeId);
    const b = await FakeBroker.start({
      nodeId,
      ...(v === undefined ? {} : { versions: v }),
      handle: (req, self) => {
        if (req.apiKey === METADATA) return { body: metadataBody(all, {}) };
        const body = script(req, self, all);
        return body === undefined ? undefined : { body };
      },
    });
    all.push(b);
    brokers.push(b);
  }
  return all;
}

function adminOf(b: FakeBroker): Admin {
  const a = new Kafka({ 'bootstrap.servers': b.address }).admin({ 'retry.backoff.ms': 10, 'retry.backoff.max.ms': 50 });
  admins.push(a);
  return a;
}

function coordinatorAnswer(req: SeenRequest, nodeFor: (key: string) => FakeBroker): unknown {
  if (req.version >= 4) {
    return {
      throttleTimeMs: 0,
      coordinators: req.body.coordinatorKeys.map((key: string) => {
        const n = nodeFor(key);
        return { key, nodeId: n.nodeId, host: '127.0.0.1', port: n.port, errorCode: 0, errorMessage: null };
      }),
    };
  }
  const n = nodeFor(req.body.key);
  return { throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: n.nodeId, host: '127.0.0.1', port: n.port };
}

function describedGroup(groupId: string, topic: string, errorCode = 0): unknown {
  return {
    errorCode,
    groupId,
    groupState: 'Stable',
    protocolType: 'consumer',
    protocolData: 'range',
    members: [
      {
        memberId: `${groupId}-m1`,
        groupInstanceId: null,
        clientId: 'app',
        clientHost: '/10.1.2.3',
        memberMetadata: encodeSubscription({ topics: [topic], userData: null, ownedPartitions: [], generationId: 1, rackId: null }),
        memberAssignment: encodeAssignment({ partitions: [{ topic, partition: 1 }, { topic, partition: 0 }], userData: null }),
      },
    ],
    authorizedOperations: OPERATIONS_NOT_REQUESTED,
  };
}

test('FindCoordinator v3, one key per request; a moved coordinator is found again, a loading one asked again', async () => {
  let lookupsOfA = 0;
  let loadingAnswers = 0;
  const [b1, b2] = await cluster(
    (req, self, all) => {
      if (req.apiKey === FIND_COORDINATOR) {
        return coordinatorAnswer(req, (key) => (key === 'a' && lookupsOfA++ === 0 ? all[0]! : all[1]!));
      }
      if (req.apiKey === DESCRIBE_GROUPS) {
        const groups: string[] = req.body.groups;
        if (self.nodeId === 1) return { throttleTimeMs: 0, groups: groups.map((g) => ({ ...(describedGroup(g, 't') as object), errorCode: 16 /* NOT_COORDINATOR */ })) };
        if (loadingAnswers++ === 0) return { throttleTimeMs: 0, groups: groups.map((g) => ({ ...(describedGroup(g, 't') as object), errorCode: 14 /* COORDINATOR_LOAD_IN_PROGRESS */ })) };
        return { throttleTimeMs: 0, groups: groups.map((g) => describedGroup(g, `topic-of-${g}`)) };
      }
      return undefined;
    },
    () => new Map([[18, [0, 3]], [3, [0, 12]], [FIND_COORDINATOR, [0, 3]], [DESCRIBE_GROUPS, [0, 5]]]),
  );
  const admin = adminOf(b1!);
  const [a, b] = await admin.describeGroups(['a', 'b']);
  for (const [d, id] of [[a!, 'a'], [b!, 'b']] as const) {
    assert.equal(d.groupId, id);
    assert.equal(d.state, 'Stable');
    assert.equal(d.protocol, 'range');
    assert.equal(d.coordinator.nodeId, 2);
    assert.equal(d.coordinator.port, b2!.port);
    assert.equal(d.authorizedOperations, null);
    const m = d.members[0]!;
    assert.deepEqual([m.memberId, m.clientId, m.host], [`${id}-m1`, 'app', '/10.1.2.3']);
    assert.deepEqual(m.subscription?.topics, [`topic-of-${id}`]);
    assert.equal(m.subscription?.generationId, 1);
    assert.deepEqual(m.consumerAssignment?.partitions, [{ topic: `topic-of-${id}`, partition: 1 }, { topic: `topic-of-${id}`, partition: 0 }]);
  }
  const finds = [...b1!.requests(FIND_COORDINATOR), ...b2!.requests(FIND_COORDINATOR)];
  assert.ok(finds.every((r) => r.version === 3 && r.body.keyType === 0));
  assert.deepEqual(finds.map((r) => r.body.key).sort(), ['a', 'a', 'b'], "'a' is looked up again after NOT_COORDINATOR; 'b' is not after LOAD_IN_PROGRESS");
  assert.equal(b1!.requests(DESCRIBE_GROUPS).length, 1);
  assert.ok(b2!.requests(DESCRIBE_GROUPS).length >= 2);
});

test('FindCoordinator v4+ asks for every group at once; OffsetFetch v8+ fetches them in one request, v7 one request per group', async () => {
  const fetchAnswer = (req: SeenRequest): unknown => {
    const partitions = (group: string) => [{ partitionIndex: group === 'a' ? 0 : 1, committedOffset: 7n, committedLeaderEpoch: 3, metadata: 'm', errorCode: 0 }];
    if (req.version >= 8) {
      return { throttleTimeMs: 0, groups: req.body.groups.map((g: { groupId: string }) => ({ groupId: g.groupId, errorCode: 0, topics: [{ name: 't', partitions: partitions(g.groupId) }] })) };
    }
    return { throttleTimeMs: 0, errorCode: 0, topics: [{ name: 't', partitions: partitions(req.body.groupId) }] };
  };
  for (const [fetchMax, expect] of [
    [9, [['a', 'b']]],
    [7, [['a'], ['b']]],
  ] as const) {
    const [b1] = await cluster(
      (req, _self, all) => {
        if (req.apiKey === FIND_COORDINATOR) return coordinatorAnswer(req, () => all[0]!);
        if (req.apiKey === OFFSET_FETCH) return fetchAnswer(req);
        return undefined;
      },
      () => new Map([[18, [0, 3]], [3, [0, 12]], [FIND_COORDINATOR, [0, 6]], [OFFSET_FETCH, [0, fetchMax]]]),
    );
    const admin = adminOf(b1!);
    const got = await admin.listConsumerGroupOffsets([{ groupId: 'a' }, { groupId: 'b' }], { requireStable: true });
    assert.deepEqual(
      got.map((g) => [g.groupId, g.offsets.map((o) => [o.topic, o.partition, o.offset, o.leaderEpoch, o.metadata])]),
      [
        ['a', [['t', 0, 7, 3, 'm']]],
        ['b', [['t', 1, 7, 3, 'm']]],
      ],
    );
    const finds = b1!.requests(FIND_COORDINATOR);
    assert.equal(finds.length, 1);
    assert.deepEqual(finds[0]!.body.coordinatorKeys, ['a', 'b']);
    const fetches = b1!.requests(OFFSET_FETCH);
    assert.ok(fetches.every((r) => r.version === fetchMax && r.body.requireStable === true));
    const asked = fetches.map((r) => (r.version >= 8 ? r.body.groups.map((g: { groupId: string; topics: unknown }) => (assert.equal(g.topics, null), g.groupId)) : [r.body.groupId])).sort();
    assert.deepEqual(asked, expect);
    for (const a of admins.splice(0)) await a.close();
    for (const b of brokers.splice(0)) await b.close();
  }
});

test('requireStable needs OffsetFetch v7; every partition of a group needs v2', async () => {
  const [b1] = await cluster(
    (req, _self, all) => (req.apiKey === FIND_COORDINATOR ? coordinatorAnswer(req, () => all[0]!) : undefined),
    () => new Map([[18, [0, 3]], [3, [0, 12]], [FIND_COORDINATOR, [0, 6]], [OFFSET_FETCH, [0, 1]]]),
  );
  const admin = adminOf(b1!);
  await assert.rejects(admin.listConsumerGroupOffsets([{ groupId: 'a' }], { requireStable: true }), (e: unknown) => e instanceof KafkaError && e.errorName === 'UNSUPPORTED_VERSION' && /requireStable needs v7/.test(e.message));
  await assert.rejects(admin.listConsumerGroupOffsets([{ groupId: 'a' }]), (e: unknown) => e instanceof KafkaError && e.errorName === 'UNSUPPORTED_VERSION' && /every partition of a group needs v2/.test(e.message));
  assert.equal(b1!.requests(OFFSET_FETCH).length, 0, 'nothing was sent');
});

test('a coordinator still loading when the deadline passes: the call fails with that retriable error', async () => {
  const [b1] = await cluster((req, _self, all) => {
    if (req.apiKey === FIND_COORDINATOR) return coordinatorAnswer(req, () => all[0]!);
    if (req.apiKey === DESCRIBE_GROUPS) return { throttleTimeMs: 0, groups: req.body.groups.map((g: string) => ({ ...(describedGroup(g, 't') as object), errorCode: 14 })) };
    return undefined;
  });
  const admin = adminOf(b1!);
  const started = Date.now();
  await assert.rejects(admin.describeGroups(['a'], { timeoutMs: 400 }), (e: unknown) => e instanceof KafkaError && e.errorName === 'COORDINATOR_LOAD_IN_PROGRESS' && e.retriable && e.context?.['groupId'] === 'a');
  const took = Date.now() - started;
  assert.ok(took >= 300 && took < 2_000, `gave up after ${took} ms`);
  assert.ok(b1!.requests(DESCRIBE_GROUPS).length >= 3, 'asked again while it loaded');
});

test('ListGroups goes to every broker; states need v4 (else UNSUPPORTED_VERSION), types are filtered here before v5', async () => {
  const groupsOf = (nodeId: number) =>
    nodeId === 1
      ? [{ groupId: 'old-g', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' }]
      : [
          { groupId: 'new-g', protocolType: 'consumer', groupState: 'Empty', groupType: 'Consumer' },
          { groupId: 'connect-g', protocolType: 'connect', groupState: 'Stable', groupType: 'classic' },
        ];
  const [b1, b2] = await cluster(
    (req, self) => (req.apiKey === LIST_GROUPS ? { throttleTimeMs: 0, errorCode: 0, groups: groupsOf(self.nodeId) } : undefined),
    (nodeId) => new Map([[18, [0, 3]], [3, [0, 12]], [LIST_GROUPS, [0, nodeId === 1 ? 3 : 5]]]),
  );
  const admin = adminOf(b1!);
  assert.deepEqual(await admin.listGroups(), [
    { groupId: 'connect-g', protocolType: 'connect', state: 'Stable', type: 'classic' },
    { groupId: 'new-g', protocolType: 'consumer', state: 'Empty', type: 'consumer' },
    { groupId: 'old-g', protocolType: 'consumer', state: null, type: null },
  ]);
  assert.deepEqual(b1!.requests(LIST_GROUPS).map((r) => r.version), [3]);
  assert.deepEqual(b2!.requests(LIST_GROUPS).map((r) => r.version), [5]);

  // v3 cannot filter by state: the call fails rather than answering unfiltered.
  await assert.rejects(admin.listGroups({ states: ['stable'] }), (e: unknown) => e instanceof KafkaError && e.errorName === 'UNSUPPORTED_VERSION' && /cannot filter by state/.test(e.message));
  // Types: sent to the v5 broker in Kafka's spelling; before v5 every group is classic.
  const consumerType = await admin.listGroups({ types: ['consumer'] });
  assert.deepEqual(b2!.requests(LIST_GROUPS).at(-1)!.body.typesFilter, ['Consumer']);
  assert.ok(!consumerType.some((g) => g.groupId === 'old-g'));
  const classic = await admin.listGroups({ types: ['classic'] });
  assert.ok(classic.some((g) => g.groupId === 'old-g'));
  assert.deepEqual(b2!.requests(LIST_GROUPS).at(-1)!.body.typesFilter, ['Classic']);
});

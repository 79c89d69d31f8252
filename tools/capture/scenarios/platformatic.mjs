// @platformatic/kafka scenario driver for the golden-bytes capture.
//   node platformatic.mjs <bootstrap> <scenario> <facts-json>
//
// This client only implements recent (mostly flexible) versions: Metadata v9+, Fetch v12+,
// JoinGroup v6+, SyncGroup v4+, Heartbeat v4, LeaveGroup v4+, OffsetCommit/OffsetFetch v8+,
// AddPartitionsToTxn v3+ ... The librdkafka mock serves none of those, so the high-level Producer
// works (Produce v7, InitProducerId v4, Metadata answered by the proxy) but the Consumer and the
// transactional producer stop at the first request the mock cannot serve (the proxy records it and
// closes the connection). The `api-sweep` scenario covers the rest: it sends one request per
// version the client implements, through the client's own exported per-version API functions
// (the functions its Producer/Consumer/Admin call), each on a fresh connection.
import {
  Admin,
  ConfigResourceTypes,
  Connection,
  Consumer,
  Producer,
  Writer,
  serializersFrom,
  deserializersFrom,
  stringSerializer,
  stringDeserializer,
  apiVersionsV3,
  apiVersionsV4,
  metadataV9,
  metadataV10,
  metadataV11,
  metadataV12,
  findCoordinatorV4,
  findCoordinatorV5,
  findCoordinatorV6,
  initProducerIdV3,
  initProducerIdV4,
  initProducerIdV5,
  produceV7,
  produceV8,
  produceV9,
  produceV10,
  produceV11,
  listOffsetsV5,
  listOffsetsV6,
  listOffsetsV7,
  listOffsetsV8,
  listOffsetsV9,
  joinGroupV6,
  joinGroupV7,
  joinGroupV8,
  joinGroupV9,
  syncGroupV4,
  syncGroupV5,
  heartbeatV4,
  offsetFetchV8,
  offsetFetchV9,
  fetchV12,
  fetchV13,
  fetchV14,
  fetchV15,
  fetchV16,
  fetchV17,
  offsetCommitV8,
  offsetCommitV9,
  leaveGroupV4,
  leaveGroupV5,
  offsetForLeaderEpochV4,
  consumerGroupHeartbeatV0,
  consumerGroupHeartbeatV1,
  addPartitionsToTxnV3,
  addPartitionsToTxnV4,
  addPartitionsToTxnV5,
  addOffsetsToTxnV1,
  addOffsetsToTxnV2,
  addOffsetsToTxnV3,
  addOffsetsToTxnV4,
  txnOffsetCommitV3,
  txnOffsetCommitV4,
  endTxnV3,
  endTxnV4,
  createTopicsV7,
  createPartitionsV1,
  createPartitionsV2,
  createPartitionsV3,
  deleteTopicsV6,
  describeConfigsV2,
  describeConfigsV3,
  describeConfigsV4,
  alterConfigsV2,
  incrementalAlterConfigsV1,
  listGroupsV4,
  listGroupsV5,
  describeGroupsV5,
  deleteGroupsV2,
  deleteRecordsV2,
  offsetDeleteV0,
  describeClusterV0,
  describeClusterV1,
} from '@platformatic/kafka';

const [bootstrap, scenario, factsJson] = process.argv.slice(2);
const facts = JSON.parse(factsJson);
const CLIENT_ID = 'golden-platformatic';
const watchdog = setTimeout(() => {
  console.error('watchdog: scenario took too long');
  process.exit(3);
}, 35_000);

const base = { clientId: CLIENT_ID, bootstrapBrokers: [bootstrap], retries: 0, timeout: 5000 };

function messages() {
  return facts.records.map((r) => ({ topic: facts.topic, key: r.key, value: r.value, headers: new Map(facts.headers) }));
}

async function produce(options) {
  const producer = new Producer({ ...base, serializers: serializersFrom(stringSerializer), ...options });
  try {
    const result = await producer.send({ messages: messages(), acks: -1, compression: facts.compression });
    console.log(JSON.stringify(result, (k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  } finally {
    await producer.close();
  }
}

async function expectFailure(what, fn) {
  try {
    const r = await fn();
    console.log(`${what}: ${JSON.stringify(r, (k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
  } catch (e) {
    console.log(`${what}: expected error against the mock: ${e.message}`);
  }
}

async function withAdmin(fn) {
  const admin = new Admin(base);
  await expectFailure(scenario, () => fn(admin));
  await admin.close().catch(() => {});
}

// One request per call, each on its own connection (the proxy closes a connection after a request
// the mock cannot serve). Waits for the answer or the close, at most timeoutMs.
async function send(api, ...args) {
  const [host, port] = bootstrap.split(':');
  const conn = new Connection(CLIENT_ID);
  await conn.connect(host, Number(port));
  const outcome = await new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), 2000);
    api.api(conn, ...args, (error) => {
      clearTimeout(timer);
      resolve(error ? `error: ${error.message}` : 'ok');
    });
  });
  console.log(`${api.api.name} key ${api.api.key} v${api.api.version}: ${outcome}`);
  await conn.close().catch(() => {});
}

// the consumer protocol subscription, encoded the way the client's Consumer does it
function subscription(topics) {
  return Writer.create()
    .appendInt16(1)
    .appendArray(topics, (w, t) => w.appendString(t, false), false, false)
    .appendBytes(undefined, false).buffer;
}

function assignment(topic, partitions) {
  return Writer.create()
    .appendInt16(0)
    .appendArray([{ topic, partitions }], (w, a) => {
      w.appendString(a.topic, false).appendArray(a.partitions, (w, p) => w.appendInt32(p), false, false);
    }, false, false)
    .appendInt32(0).buffer;
}

async function sweep() {
  const s = facts.sweep;
  const topic = facts.topic;
  const group = s.groupId;
  const member = s.memberId;
  const txn = s.transactionalId;
  const pid = BigInt(s.producerId);
  const epoch = s.producerEpoch;
  const topicId = s.topicId; // as the proxy's Metadata answer gives it
  const msgs = () => facts.records.map((r) => ({
    topic,
    partition: 0,
    key: Buffer.from(r.key),
    value: Buffer.from(r.value),
    headers: new Map(facts.headers.map(([k, v]) => [Buffer.from(k), Buffer.from(v)])),
  }));
  for (const api of [apiVersionsV3, apiVersionsV4]) await send(api, 'platformatic-kafka', s.clientVersion);
  for (const api of [metadataV9, metadataV10, metadataV11, metadataV12]) await send(api, [topic], false, false);
  for (const api of [findCoordinatorV4, findCoordinatorV5, findCoordinatorV6]) await send(api, 0, [group]);
  for (const api of [initProducerIdV3, initProducerIdV4, initProducerIdV5]) await send(api, null, 60000, -1n, -1);
  for (const api of [produceV7, produceV8, produceV9, produceV10, produceV11]) {
    await send(api, -1, 30000, msgs(), { compression: 'none' });
  }
  const offsetsReq = [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -2n }] }];
  for (const api of [listOffsetsV5, listOffsetsV6, listOffsetsV7, listOffsetsV8, listOffsetsV9]) await send(api, -1, 0, offsetsReq);
  const protocols = [{ name: 'roundrobin', metadata: subscription([topic]) }];
  for (const api of [joinGroupV6, joinGroupV7, joinGroupV8, joinGroupV9]) {
    await send(api, group, 6000, 60000, member, null, 'consumer', protocols, 'golden reason');
  }
  const assignments = [{ memberId: member, assignment: assignment(topic, [0]) }];
  for (const api of [syncGroupV4, syncGroupV5]) await send(api, group, 1, member, null, 'consumer', 'roundrobin', assignments);
  await send(heartbeatV4, group, 1, member, null);
  const fetchGroups = [{ groupId: group, memberId: member, memberEpoch: 1, topics: [{ name: topic, partitionIndexes: [0] }] }];
  for (const api of [offsetFetchV8, offsetFetchV9]) await send(api, fetchGroups, true);
  const fetchPartitions = [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, partitionMaxBytes: 1048576 }];
  await send(fetchV12, 100, 1, 10485760, 0, 0, -1, [{ topicId: topic, partitions: fetchPartitions }], [], '');
  for (const api of [fetchV13, fetchV14, fetchV15, fetchV16, fetchV17]) {
    await send(api, 100, 1, 10485760, 0, 0, -1, [{ topicId, partitions: fetchPartitions }], [], '');
  }
  const commitTopics = [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 3n, committedLeaderEpoch: -1, committedMetadata: null }] }];
  for (const api of [offsetCommitV8, offsetCommitV9]) await send(api, group, 1, member, null, commitTopics);
  for (const api of [leaveGroupV4, leaveGroupV5]) await send(api, group, [{ memberId: member, groupInstanceId: null, reason: 'golden reason' }]);
  await send(offsetForLeaderEpochV4, -1, [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }]);
  for (const api of [consumerGroupHeartbeatV0, consumerGroupHeartbeatV1]) {
    await send(api, group, member, 0, null, null, 60000, [topic], null, 'uniform', []);
  }
  const txnTopics = [{ name: topic, partitions: [0] }];
  for (const api of [addPartitionsToTxnV3, addPartitionsToTxnV4, addPartitionsToTxnV5]) {
    await send(api, [{ transactionalId: txn, producerId: pid, producerEpoch: epoch, verifyOnly: false, topics: txnTopics }]);
  }
  for (const api of [addOffsetsToTxnV1, addOffsetsToTxnV2, addOffsetsToTxnV3, addOffsetsToTxnV4]) await send(api, txn, pid, epoch, group);
  for (const api of [txnOffsetCommitV3, txnOffsetCommitV4]) await send(api, txn, group, pid, epoch, -1, '', null, commitTopics);
  for (const api of [endTxnV3, endTxnV4]) await send(api, txn, pid, epoch, true);
  const ct = facts.sweep.createTopic;
  const configs = Object.entries(ct.configs).map(([name, value]) => ({ name, value }));
  await send(createTopicsV7, [{ name: ct.name, numPartitions: ct.partitions, replicationFactor: ct.replicationFactor, assignments: [], configs }], 3000, false);
  for (const api of [createPartitionsV1, createPartitionsV2, createPartitionsV3]) {
    await send(api, [{ name: ct.name, count: 6, assignments: [] }], 3000, false);
  }
  await send(deleteTopicsV6, [{ name: ct.name, topicId: null }], 3000);
  const resources = [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ['retention.ms'] }];
  for (const api of [describeConfigsV2, describeConfigsV3, describeConfigsV4]) await send(api, resources, false, false);
  await send(alterConfigsV2, [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configs: [{ name: 'retention.ms', value: '86400000' }] }], false);
  await send(incrementalAlterConfigsV1, [{
    resourceType: ConfigResourceTypes.TOPIC,
    resourceName: topic,
    configs: [{ name: 'retention.ms', configOperation: 0, value: '86400000' }],
  }], false);
  await send(listGroupsV4, ['stable'], []);
  await send(listGroupsV5, ['Stable'], ['classic']);
  await send(describeGroupsV5, [group], false);
  await send(deleteGroupsV2, [group]);
  await send(deleteRecordsV2, [{ name: topic, partitions: [{ partitionIndex: 0, offset: 1n }] }], 3000);
  await send(offsetDeleteV0, group, [{ name: topic, partitions: [{ partitionIndex: 0 }] }]);
  for (const api of [describeClusterV0, describeClusterV1]) await send(api, false, 1);
}

async function main() {
  switch (scenario) {
    case 'metadata': {
      const admin = new Admin(base);
      const md = await admin.metadata({ topics: [facts.topic] });
      console.log(JSON.stringify(md, (k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Map ? Object.fromEntries(v) : v)));
      await admin.close();
      return;
    }
    case 'produce-idempotent':
      await produce({ idempotent: true });
      return;
    case 'produce-transactional': {
      const producer = new Producer({ ...base, serializers: serializersFrom(stringSerializer), transactionalId: facts.transactionalId, idempotent: true });
      await expectFailure(scenario, async () => {
        const tx = await producer.beginTransaction();
        await tx.send({ messages: messages(), acks: -1 });
        await tx.commit();
      });
      await producer.close(true).catch(() => {});
      return;
    }
    case 'list-offsets': {
      const consumer = new Consumer({ ...base, groupId: facts.groupId, deserializers: deserializersFrom(stringDeserializer) });
      await expectFailure(scenario, () => consumer.listOffsets({ topics: [facts.topic] }));
      await consumer.close(true).catch(() => {});
      return;
    }
    case 'consume-group': {
      const consumer = new Consumer({
        ...base,
        groupId: facts.groupId,
        deserializers: deserializersFrom(stringDeserializer),
        sessionTimeout: 6000,
        heartbeatInterval: 500,
        maxWaitTime: 100,
      });
      await expectFailure(scenario, async () => {
        const stream = await consumer.consume({ topics: [facts.topic], mode: 'earliest', autocommit: 500 });
        let n = 0;
        for await (const _ of stream) {
          if (++n >= facts.expectRecords) break;
        }
        await stream.close();
        return `consumed ${n}`;
      });
      await consumer.close(true).catch(() => {});
      return;
    }
    case 'admin-create-topics': {
      const t = facts.createTopic;
      const configs = Object.entries(t.configs).map(([name, value]) => ({ name, value }));
      await withAdmin((a) => a.createTopics({ topics: [t.name], partitions: t.partitions, replicas: t.replicationFactor, configs }));
      return;
    }
    case 'admin-create-partitions':
      await withAdmin((a) => a.createPartitions({ topics: [{ name: facts.topic, count: facts.totalCount }] }));
      return;
    case 'admin-delete-topics':
      await withAdmin((a) => a.deleteTopics({ topics: facts.deleteTopics }));
      return;
    case 'admin-describe-configs':
      await withAdmin((a) =>
        a.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: facts.resourceName, configurationKeys: [] }] }));
      return;
    case 'admin-alter-configs':
      await withAdmin((a) =>
        a.alterConfigs({
          resources: [{
            resourceType: ConfigResourceTypes.TOPIC,
            resourceName: facts.resourceName,
            configs: Object.entries(facts.configs).map(([name, value]) => ({ name, value })),
          }],
        }));
      return;
    case 'admin-list-groups':
      await withAdmin((a) => a.listGroups());
      return;
    case 'admin-describe-groups':
      await withAdmin((a) => a.describeGroups({ groups: facts.groupIds }));
      return;
    case 'admin-delete-groups':
      await withAdmin((a) => a.deleteGroups({ groups: facts.groupIds }));
      return;
    case 'admin-list-group-offsets':
      await withAdmin((a) => a.listConsumerGroupOffsets({ groups: [facts.groupId] }));
      return;
    case 'admin-list-offsets':
      await withAdmin((a) => a.listOffsets({ topics: [{ name: facts.topic, partitions: [{ partitionIndex: 0, timestamp: -1n }] }] }));
      return;
    case 'api-sweep':
      await sweep();
      return;
    default:
      if (scenario.startsWith('produce-')) {
        await produce({});
        return;
      }
      throw new Error(`unknown scenario ${scenario}`);
  }
}

main().then(
  () => {
    clearTimeout(watchdog);
    process.exit(0);
  },
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

// KafkaJS scenario driver for the golden-bytes capture.
//   node kafkajs.mjs <bootstrap> <scenario> <facts-json>
// Admin scenarios hit APIs the mock lacks; the capture proxy records the request and closes the
// connection, so an error here is expected and not a failure of the scenario.
import kafkajs from 'kafkajs';

const { Kafka, CompressionTypes, ConfigResourceTypes, logLevel } = kafkajs;

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const [bootstrap, scenario, factsJson] = process.argv.slice(2);
const facts = JSON.parse(factsJson);
const watchdog = setTimeout(() => {
  console.error('watchdog: scenario took too long');
  process.exit(3);
}, 30_000);

const kafka = new Kafka({
  brokers: [bootstrap],
  logLevel: logLevel.WARN,
  connectionTimeout: 3000,
  requestTimeout: 5000,
  retry: { retries: 2, initialRetryTime: 100 },
});

const CODECS = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP };

function messages() {
  return facts.records.map((r) => ({ key: r.key, value: r.value, headers: Object.fromEntries(facts.headers) }));
}

async function produce(options) {
  const producer = kafka.producer(options);
  await producer.connect();
  try {
    await producer.send({ topic: facts.topic, acks: -1, compression: CODECS[facts.compression], messages: messages() });
  } finally {
    await producer.disconnect();
  }
}

async function withAdmin(fn) {
  const admin = kafka.admin({ retry: { retries: 0 } });
  await admin.connect();
  try {
    const result = await fn(admin);
    console.log(JSON.stringify(result));
  } catch (e) {
    console.log(`expected error from a broker without this API: ${e.name}: ${e.message}`);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function main() {
  switch (scenario) {
    case 'metadata':
      await withAdmin((a) => a.fetchTopicMetadata({ topics: [facts.topic] }));
      return;
    case 'produce-none':
    case 'produce-gzip':
      await produce({});
      return;
    case 'produce-idempotent':
      await produce({ idempotent: true, maxInFlightRequests: 1 });
      return;
    case 'produce-transactional': {
      const producer = kafka.producer({ transactionalId: facts.transactionalId, idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      const txn = await producer.transaction();
      await txn.send({ topic: facts.topic, acks: -1, messages: messages() });
      if (facts.sendOffsets) {
        await txn.sendOffsets({
          consumerGroupId: facts.sendOffsets.groupId,
          topics: [{ topic: facts.topic, partitions: [{ partition: 0, offset: String(facts.sendOffsets.offset) }] }],
        });
      }
      await txn.commit();
      await producer.disconnect();
      return;
    }
    case 'consume-group': {
      const consumer = kafka.consumer({
        groupId: facts.groupId,
        sessionTimeout: 6000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 100,
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [facts.topic], fromBeginning: true });
      let n = 0;
      await consumer.run({
        autoCommitInterval: 500,
        eachMessage: async () => {
          n++;
        },
      });
      // long enough for heartbeats and an interval commit
      await new Promise((r) => setTimeout(r, 4000));
      console.log(`consumed ${n} messages`);
      await consumer.disconnect();
      return;
    }
    case 'admin-create-topics':
      await withAdmin((a) =>
        a.createTopics({
          timeout: 3000,
          topics: [{
            topic: facts.createTopic.name,
            numPartitions: facts.createTopic.partitions,
            replicationFactor: facts.createTopic.replicationFactor,
            configEntries: Object.entries(facts.createTopic.configs).map(([name, value]) => ({ name, value })),
          }],
        }));
      return;
    case 'admin-create-partitions':
      await withAdmin((a) => a.createPartitions({ timeout: 3000, topicPartitions: [{ topic: facts.topic, count: facts.totalCount }] }));
      return;
    case 'admin-delete-topics':
      await withAdmin((a) => a.deleteTopics({ timeout: 3000, topics: facts.deleteTopics }));
      return;
    case 'admin-describe-configs':
      await withAdmin((a) =>
        a.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: facts.resourceName }] }));
      return;
    case 'admin-alter-configs':
      await withAdmin((a) =>
        a.alterConfigs({
          validateOnly: false,
          resources: [{
            type: ConfigResourceTypes.TOPIC,
            name: facts.resourceName,
            configEntries: Object.entries(facts.configs).map(([name, value]) => ({ name, value })),
          }],
        }));
      return;
    case 'admin-list-groups':
      await withAdmin((a) => a.listGroups());
      return;
    case 'admin-describe-groups':
      await withAdmin((a) => a.describeGroups(facts.groupIds));
      return;
    case 'admin-delete-groups':
      await withAdmin((a) => a.deleteGroups(facts.groupIds));
      return;
    case 'admin-list-offsets':
      await withAdmin((a) => a.fetchTopicOffsets(facts.topic));
      return;
    case 'admin-list-group-offsets':
      await withAdmin((a) => a.fetchOffsets({ groupId: facts.groupId, topics: [facts.topic] }));
      return;
    default:
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

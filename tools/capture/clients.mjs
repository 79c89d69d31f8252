// The clients the capture drives, and the scenarios each one runs. A scenario is one process run
// against the proxy; `facts` is exactly what the scenario was asked to do, and lands in the manifest
// next to every request captured while it ran.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { topicIdFor } from './proxy.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const DATA = JSON.parse(readFileSync(join(here, 'scenarios/data.json'), 'utf8'));
const PYTHON = process.env.GOLDEN_PYTHON ?? '/usr/bin/python3';

const produceFacts = (compression, extra = {}) => ({
  topic: DATA.topic,
  compression,
  records: DATA.records,
  headers: DATA.headers,
  ...extra,
});

// Produce/consume/admin scenario list shared by the driver-script clients; `only` filters by name.
function standardScenarios(client, { codecs, idempotent = true, transactions = false, sendOffsets = false, consumeAssign = true, admin = [] }) {
  const group = `golden-group-${client}`;
  const list = [{ name: 'metadata', facts: { topic: DATA.topic } }];
  for (const c of codecs) list.push({ name: `produce-${c}`, facts: produceFacts(c) });
  if (idempotent) list.push({ name: 'produce-idempotent', facts: produceFacts('none', { idempotent: true }) });
  if (transactions) {
    list.push({
      name: 'produce-transactional',
      facts: produceFacts('none', {
        transactionalId: `golden-txn-${client}`,
        idempotent: true,
        ...(sendOffsets ? { sendOffsets: { groupId: `golden-txn-group-${client}`, partition: 0, offset: 3 } } : {}),
      }),
    });
  }
  if (consumeAssign) list.push({ name: 'consume', facts: { topic: DATA.topic, partition: 0, from: 'beginning' } });
  list.push({ name: 'consume-group', facts: { topic: DATA.topic, groupId: group, from: 'beginning' } });
  const adminFacts = {
    'admin-create-topics': { createTopic: DATA.createTopic },
    'admin-delete-topics': { deleteTopics: [DATA.createTopic.name] },
    'admin-create-partitions': { topic: DATA.createTopic.name, totalCount: 6 },
    'admin-describe-configs': { resourceType: 'topic', resourceName: DATA.topic },
    'admin-alter-configs': { resourceType: 'topic', resourceName: DATA.topic, configs: { 'retention.ms': '86400000' } },
    'admin-list-groups': {},
    'admin-describe-groups': { groupIds: [group] },
    'admin-delete-groups': { groupIds: [group] },
    'admin-list-offsets': { topic: DATA.topic, partition: 0 },
    'admin-list-group-offsets': { groupId: group, topic: DATA.topic },
  };
  for (const a of admin) list.push({ name: a, facts: adminFacts[a] });
  return list;
}

// version from an installed package's package.json (read directly: some packages do not export it)
function packageVersion(name) {
  return JSON.parse(readFileSync(join(here, '../../node_modules', name, 'package.json'), 'utf8')).version;
}

function formatUuid(b) {
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function kcatVersions() {
  const out = execFileSync('kcat', ['-V'], { encoding: 'utf8' });
  const m = /Version (\S+) .*librdkafka (\S+)/.exec(out);
  if (!m) throw new Error(`cannot read kcat version from: ${out}`);
  return { kcat: m[1], librdkafka: m[2] };
}

function python(code) {
  return execFileSync(PYTHON, ['-c', code], { encoding: 'utf8' }).trim();
}

export const CLIENTS = {
  kcat: {
    versions: kcatVersions,
    dir: (v) => `kcat-librdkafka-${v.librdkafka}`,
    scenarios() {
      const common = ['-X', 'fetch.wait.max.ms=100', '-m', '5'];
      const lines = DATA.records.map((r) => `${r.key}:${r.value}`).join('\n') + '\n';
      const headers = DATA.headers.flatMap(([k, v]) => ['-H', `${k}=${v}`]);
      const produce = (extra) => (bs) => ['-b', bs, '-P', '-t', DATA.topic, '-K', ':', ...headers, ...common, ...extra];
      const list = [
        { name: 'metadata', facts: { topic: DATA.topic }, cmd: 'kcat', args: (bs) => ['-b', bs, '-L', '-t', DATA.topic, ...common] },
      ];
      for (const c of ['none', 'gzip', 'snappy', 'lz4', 'zstd']) {
        list.push({
          name: `produce-${c}`,
          facts: produceFacts(c),
          cmd: 'kcat',
          stdin: lines,
          args: produce(['-X', `compression.codec=${c}`]),
        });
      }
      list.push({
        name: 'produce-idempotent',
        facts: produceFacts('none', { idempotent: true }),
        cmd: 'kcat',
        stdin: lines,
        args: produce(['-X', 'enable.idempotence=true']),
      });
      list.push({
        name: 'produce-transactional',
        facts: produceFacts('none', { transactionalId: 'golden-txn-kcat', idempotent: true }),
        cmd: 'kcat',
        stdin: lines,
        args: produce(['-X', 'transactional.id=golden-txn-kcat']),
      });
      list.push({
        name: 'consume',
        facts: { topic: DATA.topic, partition: 0, from: 'beginning' },
        cmd: 'kcat',
        args: (bs) => ['-b', bs, '-C', '-t', DATA.topic, '-p', '0', '-o', 'beginning', '-e', ...common],
      });
      list.push({
        name: 'consume-group',
        facts: { topic: DATA.topic, groupId: 'golden-group-kcat', from: 'beginning' },
        cmd: 'kcat',
        // runs until SIGINT (stopAfterMs), then closes: final OffsetCommit and LeaveGroup
        stopAfterMs: 9000,
        args: (bs) => [
          '-b', bs, '-G', 'golden-group-kcat', ...common,
          '-X', 'heartbeat.interval.ms=1000', '-X', 'session.timeout.ms=6000',
          '-X', 'auto.commit.interval.ms=1000', '-X', 'auto.offset.reset=earliest', DATA.topic,
        ],
      });
      list.push({
        name: 'query-offsets',
        facts: { topic: DATA.topic, partition: 0, timestamp: -1 },
        cmd: 'kcat',
        args: (bs) => ['-b', bs, '-Q', '-t', `${DATA.topic}:0:-1`, ...common],
      });
      return list;
    },
  },

  kafkajs: {
    versions: () => ({ kafkajs: packageVersion('kafkajs') }),
    dir: (v) => `kafkajs-${v.kafkajs}`,
    scenarios() {
      return standardScenarios('kafkajs', {
        codecs: ['none', 'gzip'],
        transactions: true,
        sendOffsets: true,
        consumeAssign: false,
        admin: [
          'admin-create-topics', 'admin-create-partitions', 'admin-delete-topics', 'admin-describe-configs',
          'admin-alter-configs', 'admin-list-groups', 'admin-describe-groups', 'admin-delete-groups',
          'admin-list-offsets', 'admin-list-group-offsets',
        ],
      }).map((s) => ({ ...s, cmd: process.execPath, args: (bs) => [join(here, 'scenarios/kafkajs.mjs'), bs, s.name, JSON.stringify(s.facts)] }));
    },
  },

  platformatic: {
    versions: () => ({ '@platformatic/kafka': packageVersion('@platformatic/kafka') }),
    dir: (v) => `platformatic-kafka-${v['@platformatic/kafka']}`,
    // Its minimum versions exceed the mock's for these APIs; advertise them (Kafka 4.0 spec max) so
    // the high-level clients send their first request instead of failing locally.
    extraApis: {
      1: [0, 17], // Fetch
      8: [0, 9], // OffsetCommit
      9: [0, 9], // OffsetFetch
      11: [0, 9], // JoinGroup
      12: [0, 4], // Heartbeat
      13: [0, 5], // LeaveGroup
      14: [0, 5], // SyncGroup
      24: [0, 5], // AddPartitionsToTxn
      25: [0, 4], // AddOffsetsToTxn
      26: [0, 5], // EndTxn
      28: [0, 4], // TxnOffsetCommit
    },
    notes: [
      'The client implements only recent versions (Metadata 9+, Fetch 12+, JoinGroup 6+, SyncGroup 4+, Heartbeat 4, ' +
        'LeaveGroup 4+, OffsetCommit/OffsetFetch 8+, AddPartitionsToTxn 3+, ...); the librdkafka mock serves none of them. ' +
        'Producer scenarios ran end to end (Produce v7 and InitProducerId v4 served by the mock, Metadata by the proxy); ' +
        'the consumer-group and transactional scenarios stop at their first request the mock cannot serve (recorded, then ' +
        'the proxy closes the connection). Scenario api-sweep sends one request for every version the client implements ' +
        "through the client's exported per-version API functions (the ones its Producer/Consumer/Admin call), each on a " +
        'fresh connection, with the arguments given in its facts.',
      'zstd: the client compresses zstd with node:zlib, which Node 20 lacks (zstd needs Node 22.15+), so no zstd produce.',
      'Client quirk kept as captured: the Metadata v11 request carries one byte too many (the client still writes ' +
        'include_cluster_authorized_operations, which v11 dropped), so a strict decoder sees one trailing byte.',
      'Client quirk: InitProducerId for an idempotent producer carries producer_id 0 / producer_epoch 0 instead of -1/-1; ' +
        'Kafka ignores them for a non-transactional producer, the mock does not, so the proxy forwards -1/-1 (see ' +
        'rewrittenForMock); the fixture holds the bytes as the client sent them.',
      'Record batches from this client carry producer_epoch 0 and base_sequence 0 even when not idempotent.',
    ],
    scenarios() {
      const version = packageVersion('@platformatic/kafka');
      const group = 'golden-group-platformatic';
      const sweepFacts = {
        topic: DATA.topic,
        records: DATA.records,
        headers: DATA.headers,
        compression: 'none',
        sweep: {
          groupId: group,
          memberId: 'golden-member-1',
          transactionalId: 'golden-txn-platformatic',
          producerId: '1000',
          producerEpoch: 0,
          topicId: formatUuid(topicIdFor(DATA.topic)),
          clientVersion: version,
          createTopic: DATA.createTopic,
        },
      };
      return standardScenarios('platformatic', {
        codecs: ['none', 'gzip', 'snappy', 'lz4'],
        transactions: true,
        consumeAssign: false,
        admin: [
          'admin-create-topics', 'admin-create-partitions', 'admin-delete-topics', 'admin-describe-configs', 'admin-alter-configs',
          'admin-list-groups', 'admin-describe-groups', 'admin-delete-groups', 'admin-list-group-offsets', 'admin-list-offsets',
        ],
      })
        .map((s) => {
          if (s.name === 'consume-group') {
            return { ...s, facts: { ...s.facts, expectRecords: 3 }, incomplete: 'stops at JoinGroup v9, which the mock cannot serve' };
          }
          if (s.name === 'produce-transactional') {
            return { ...s, incomplete: 'stops at InitProducerId/AddPartitionsToTxn, which the mock rejects or cannot serve' };
          }
          return s;
        })
        .concat([{ name: 'list-offsets', facts: { topic: DATA.topic, groupId: group } }])
        .concat([{ name: 'api-sweep', facts: sweepFacts }])
        .map((s) => ({ ...s, cmd: process.execPath, args: (bs) => [join(here, 'scenarios/platformatic.mjs'), bs, s.name, JSON.stringify(s.facts)] }));
    },
  },

  'kafka-python': {
    versions: () => ({ 'kafka-python': python('import kafka; print(kafka.__version__)') }),
    dir: (v) => `kafka-python-${v['kafka-python']}`,
    scenarios() {
      return standardScenarios('kafka-python', {
        codecs: ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
        idempotent: false,
        admin: [
          'admin-create-topics', 'admin-create-partitions', 'admin-delete-topics', 'admin-describe-configs', 'admin-alter-configs',
          'admin-list-groups', 'admin-describe-groups', 'admin-list-group-offsets', 'admin-delete-groups',
        ],
      }).map((s) => ({ ...s, cmd: PYTHON, args: (bs) => [join(here, 'scenarios/kafka_python.py'), bs, s.name, JSON.stringify(s.facts)] }));
    },
  },

  'confluent-kafka-python': {
    versions: () => {
      const [ck, lib] = python('import confluent_kafka as c; print(c.version()[0], c.libversion()[0])').split(' ');
      return { 'confluent-kafka-python': ck, librdkafka: lib };
    },
    dir: (v) => `confluent-kafka-python-${v['confluent-kafka-python']}`,
    scenarios() {
      return standardScenarios('confluent-kafka-python', {
        codecs: ['none', 'gzip', 'snappy', 'lz4', 'zstd'],
        transactions: true,
        sendOffsets: true,
        admin: ['admin-create-topics', 'admin-create-partitions', 'admin-delete-topics', 'admin-describe-configs', 'admin-alter-configs', 'admin-list-groups', 'admin-describe-groups'],
      }).map((s) => ({ ...s, cmd: PYTHON, args: (bs) => [join(here, 'scenarios/confluent_kafka_driver.py'), bs, s.name, JSON.stringify(s.facts)] }));
    },
  },
};

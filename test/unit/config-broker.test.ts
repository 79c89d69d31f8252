/** Broker config: defaults against Kafka 4.0's documented values, parsing, and errors naming the key. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BROKER_CONFIG_KEYS, BROKER_CONFIG_BY_KEY, ConfigError, INT_MAX, LONG_MAX, REQUIRED, TOPIC_CONFIG_KEYS,
  brokerValue, formatValue, isBrokerKeySet, logDirs, parseProperties, resolveBrokerConfig, type BrokerConfig,
} from '../../src/common/config/index.js';

const MINIMAL = { 'node.id': '1', 'process.roles': 'broker,controller' };

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ConfigError');
}

test('defaults match Kafka 4.0\'s broker config reference', () => {
  const { values } = resolveBrokerConfig(MINIMAL);
  const expected: Partial<Record<keyof BrokerConfig, unknown>> = {
    logSegmentBytes: 1073741824,
    logRollHours: 168,
    logRollMs: null,
    logRetentionHours: 168,
    logRetentionMinutes: null,
    logRetentionMs: null,
    logRetentionBytes: -1,
    logRetentionCheckIntervalMs: 300000,
    logIndexIntervalBytes: 4096,
    logIndexSizeMaxBytes: 10485760,
    logFlushIntervalMessages: LONG_MAX,
    logFlushIntervalMs: null,
    logFlushSchedulerIntervalMs: LONG_MAX,
    logSegmentDeleteDelayMs: 60000,
    logCleanupPolicy: ['delete'],
    logCleanerDeleteRetentionMs: 86400000,
    logCleanerMinCleanableRatio: 0.5,
    logCleanerMaxCompactionLagMs: LONG_MAX,
    logMessageTimestampAfterMaxMs: 3600000,
    logMessageTimestampType: 'CreateTime',
    messageMaxBytes: 1048588,
    numPartitions: 1,
    defaultReplicationFactor: 1,
    autoCreateTopicsEnable: true,
    deleteTopicEnable: true,
    minInsyncReplicas: 1,
    numNetworkThreads: 3,
    numIoThreads: 8,
    numRecoveryThreadsPerDataDir: 2,
    socketRequestMaxBytes: 104857600,
    socketSendBufferBytes: 102400,
    queuedMaxRequests: 500,
    connectionsMaxIdleMs: 600000,
    listeners: 'PLAINTEXT://:9092',
    advertisedListeners: null,
    logDir: '/tmp/kafka-logs',
    logDirs: null,
    compressionType: 'producer',
    offsetsTopicNumPartitions: 50,
    offsetsTopicReplicationFactor: 3,
    offsetsRetentionMinutes: 10080,
    groupInitialRebalanceDelayMs: 3000,
    groupMinSessionTimeoutMs: 6000,
    groupMaxSessionTimeoutMs: 1800000,
    groupMaxSize: INT_MAX,
    transactionStateLogMinIsr: 2,
    transactionalIdExpirationMs: 604800000,
    transactionMaxTimeoutMs: 900000,
    producerIdExpirationMs: 86400000,
    replicaLagTimeMaxMs: 30000,
    replicaFetchMaxBytes: 1048576,
    replicaFetchWaitMaxMs: 500,
    fetchMaxBytes: 57671680,
    uncleanLeaderElectionEnable: false,
    controllerQuorumVoters: [],
    brokerRack: null,
  };
  for (const [name, value] of Object.entries(expected)) {
    assert.deepEqual(values[name as keyof BrokerConfig], value, name);
  }
  assert.equal(values.nodeId, 1);
  assert.deepEqual(values.processRoles, ['broker', 'controller']);
});

test('valid ranges match Kafka 4.0 where they are easy to get wrong', () => {
  const text = (key: string): string | undefined => BROKER_CONFIG_BY_KEY.get(key)?.validator?.text;
  assert.equal(text('log.segment.bytes'), '[1048576,...]');
  assert.equal(text('log.index.size.max.bytes'), '[4,...]');
  assert.equal(text('log.flush.interval.messages'), '[1,...]');
  assert.equal(text('log.cleaner.min.cleanable.ratio'), '[0,...,1]');
  assert.equal(text('compression.gzip.level'), '[1,...,9] or -1');
  assert.equal(text('compression.zstd.level'), '[-131072,...,22]');
  assert.equal(text('fetch.max.bytes'), '[1024,...]');
  assert.equal(text('log.retention.hours'), undefined);
});

test('the table is consistent: unique keys and names, units last, update modes only on broker keys', () => {
  const keys = new Set<string>();
  const names = new Set<string>();
  for (const def of BROKER_CONFIG_KEYS) {
    assert.ok(!keys.has(def.key), `duplicate key ${def.key}`);
    assert.ok(!names.has(def.name), `duplicate name ${def.name}`);
    keys.add(def.key);
    names.add(def.name);
    const unit = /\.(ms|bytes|hours|minutes|seconds|size)$/.exec(def.key)?.[1];
    if (unit !== undefined && unit !== 'size') {
      assert.ok(def.name.endsWith(unit[0]!.toUpperCase() + unit.slice(1)), `${def.name} should end with its unit (${def.key})`);
    }
    if (unit === 'size' && def.key.includes('buffer')) assert.ok(def.name.endsWith('Bytes'), def.name);
    assert.ok(def.doc.length > 10, `${def.key} needs documentation`);
    if (def.default !== REQUIRED && def.default !== null && def.validator !== null) {
      assert.equal(def.validator.check(def.default as never), null, `default of ${def.key} passes its validator`);
    }
  }
  for (const def of TOPIC_CONFIG_KEYS) {
    for (const s of def.synonyms) assert.ok(BROKER_CONFIG_BY_KEY.has(s.key), `${def.key} synonym ${s.key} is a broker key`);
  }
});

test('node.id and process.roles are required', () => {
  const e = errorOf(() => resolveBrokerConfig({ 'process.roles': 'broker' }));
  assert.equal(e.key, 'node.id');
  assert.equal(e.problem, 'missing-required');
  assert.match(e.message, /node\.id/);
  assert.equal(errorOf(() => resolveBrokerConfig({ 'node.id': '1' })).key, 'process.roles');
});

test('an unknown key stops resolution and is named, with a hint', () => {
  const typo = errorOf(() => resolveBrokerConfig({ ...MINIMAL, 'num.partition': '3' }));
  assert.equal(typo.key, 'num.partition');
  assert.equal(typo.problem, 'unknown-key');
  assert.match(typo.message, /"num\.partition".*did you mean num\.partitions\?/);

  const topicKey = errorOf(() => resolveBrokerConfig({ ...MINIMAL, 'retention.ms': '1000' }));
  assert.match(topicKey.message, /retention\.ms is a topic config; its broker-wide default is log\.retention\.ms/);

  const removed = errorOf(() => resolveBrokerConfig({ ...MINIMAL, 'zookeeper.connect': 'localhost:2181' }));
  assert.equal(removed.key, 'zookeeper.connect');
  assert.match(removed.message, /Unknown configuration "zookeeper\.connect"/);
});

test('a bad value names the key, the value and what is allowed', () => {
  const low = errorOf(() => resolveBrokerConfig({ ...MINIMAL, 'num.partitions': '0' }));
  assert.equal(low.key, 'num.partitions');
  assert.equal(low.value, '0');
  assert.equal(low.allowed, '[1,...]');
  assert.match(low.message, /Invalid value "0" for configuration "num\.partitions": must be at least 1 \(valid values: \[1,\.\.\.\]\)/);

  const nan = errorOf(() => resolveBrokerConfig({ ...MINIMAL, 'num.io.threads': 'eight' }));
  assert.match(nan.message, /"eight".*"num\.io\.threads".*not a number of type int/);

  const overflow = errorOf(() => resolveBrokerConfig({ ...MINIMAL, 'message.max.bytes': '2147483648' }));
  assert.match(overflow.message, /out of range/);

  const bool = errorOf(() => resolveBrokerConfig({ ...MINIMAL, 'auto.create.topics.enable': 'yes' }));
  assert.match(bool.message, /expected true or false/);

  const codec = errorOf(() => resolveBrokerConfig({ ...MINIMAL, 'compression.type': 'brotli' }));
  assert.equal(codec.allowed, '[uncompressed, zstd, lz4, snappy, gzip, producer]');

  const small = errorOf(() => resolveBrokerConfig({ ...MINIMAL, 'log.segment.bytes': '1000' }));
  assert.match(small.message, /must be at least 1048576/);

  const roles = errorOf(() => resolveBrokerConfig({ 'node.id': '1', 'process.roles': 'broker,broker' }));
  assert.equal(roles.key, 'process.roles');
  assert.equal(errorOf(() => resolveBrokerConfig({ 'node.id': '1', 'process.roles': 'leader' })).key, 'process.roles');
  assert.equal(errorOf(() => resolveBrokerConfig({ 'node.id': '1', 'process.roles': '' })).key, 'process.roles');

  const voters = errorOf(() => resolveBrokerConfig({ ...MINIMAL, 'controller.quorum.voters': '1@localhost:9093,two@host:1' }));
  assert.match(voters.message, /two@host:1/);

  const map = errorOf(() => resolveBrokerConfig({ ...MINIMAL, 'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,EXTERNAL:TLS' }));
  assert.match(map.message, /unknown security protocol "TLS"/);
});

test('a broker value that would give topics an invalid default is rejected under the broker key', () => {
  const e = errorOf(() => resolveBrokerConfig({ ...MINIMAL, 'log.roll.ms': '0' }));
  assert.equal(e.key, 'log.roll.ms');
  assert.match(e.message, /segment\.ms/);
});

test('values are trimmed and parsed as Kafka does', () => {
  const { values } = resolveBrokerConfig({
    ...MINIMAL,
    'process.roles': ' broker ,  controller ',
    'num.partitions': '  +3\t',
    'auto.create.topics.enable': 'FALSE',
    'log.cleaner.min.cleanable.ratio': '0.25',
    'log.retention.bytes': '-1',
    'log.flush.interval.messages': '9223372036854775807',
    'controller.quorum.voters': '1@localhost:9093, 2@[::1]:9094',
    'log.cleanup.policy': 'compact,delete,',
  });
  assert.deepEqual(values.processRoles, ['broker', 'controller']);
  assert.equal(values.numPartitions, 3);
  assert.equal(values.autoCreateTopicsEnable, false);
  assert.equal(values.logCleanerMinCleanableRatio, 0.25);
  assert.equal(values.logFlushIntervalMessages, LONG_MAX);
  assert.deepEqual(values.controllerQuorumVoters, ['1@localhost:9093', '2@[::1]:9094']);
  assert.deepEqual(values.logCleanupPolicy, ['compact', 'delete']);
});

test('layers remember what was set, so "set to the default" differs from "not set"', () => {
  const config = resolveBrokerConfig({ ...MINIMAL, 'log.segment.bytes': '1073741824' });
  assert.equal(isBrokerKeySet(config, 'log.segment.bytes'), true);
  assert.equal(isBrokerKeySet(config, 'log.retention.hours'), false);
  assert.equal(brokerValue(config, 'log.retention.hours'), 168);
  assert.equal(brokerValue(config, 'log.retention.ms'), null);
  assert.equal(config.layers[0]!.source, 'STATIC_BROKER_CONFIG');
});

test('Kafka\'s text for values', () => {
  assert.equal(formatValue('long', LONG_MAX), '9223372036854775807');
  assert.equal(formatValue('long', -(2 ** 63)), '-9223372036854775808');
  assert.equal(formatValue('double', 0.5), '0.5');
  assert.equal(formatValue('double', 1), '1.0');
  assert.equal(formatValue('double', Number.MAX_VALUE), '1.7976931348623157E308');
  assert.equal(formatValue('double', 1e7), '1.0E7');
  assert.equal(formatValue('double', 0.0001), '1.0E-4');
  assert.equal(formatValue('list', ['compact', 'delete']), 'compact,delete');
  assert.equal(formatValue('boolean', false), 'false');
  assert.equal(formatValue('string', null), null);
});

test('log dirs: log.dirs wins over log.dir', () => {
  assert.deepEqual(logDirs(resolveBrokerConfig(MINIMAL)), ['/tmp/kafka-logs']);
  assert.deepEqual(logDirs(resolveBrokerConfig({ ...MINIMAL, 'log.dir': '/data' })), ['/data']);
  assert.deepEqual(logDirs(resolveBrokerConfig({ ...MINIMAL, 'log.dir': '/data', 'log.dirs': '/a, /b' })), ['/a', '/b']);
});

test('a Kafka 4.0 style server.properties resolves', () => {
  const text = [
    'process.roles=broker,controller', 'node.id=1', 'controller.quorum.bootstrap.servers=localhost:9093',
    'listeners=PLAINTEXT://:9092,CONTROLLER://:9093', 'inter.broker.listener.name=PLAINTEXT',
    'advertised.listeners=PLAINTEXT://localhost:9092,CONTROLLER://localhost:9093', 'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    'num.network.threads=3', 'num.io.threads=8', 'socket.send.buffer.bytes=102400', 'socket.receive.buffer.bytes=102400',
    'socket.request.max.bytes=104857600', 'log.dirs=/tmp/kraft-combined-logs', 'num.partitions=1',
    'num.recovery.threads.per.data.dir=1', 'offsets.topic.replication.factor=1',
    'share.coordinator.state.topic.replication.factor=1', 'share.coordinator.state.topic.min.isr=1',
    'transaction.state.log.replication.factor=1', 'transaction.state.log.min.isr=1', '#log.flush.interval.messages=10000',
    'log.retention.hours=168', 'log.segment.bytes=1073741824', 'log.retention.check.interval.ms=300000',
  ].join('\n');
  const { values } = resolveBrokerConfig(parseProperties(text));
  assert.equal(values.controllerListenerNames, 'CONTROLLER');
  assert.equal(values.offsetsTopicReplicationFactor, 1);
  assert.deepEqual(values.controllerQuorumBootstrapServers, ['localhost:9093']);
});

test('typed values: nullable only where Kafka\'s default is null (compile-time check)', () => {
  const { values } = resolveBrokerConfig(MINIMAL);
  const nodeId: number = values.nodeId;
  const roles: readonly string[] = values.processRoles;
  const retentionMs: number | null = values.logRetentionMs;
  const autoCreate: boolean = values.autoCreateTopicsEnable;
  const listeners: string = values.listeners;
  // @ts-expect-error log.retention.ms has no default, so its value may be null
  const notNullable: number = values.logRetentionMs;
  assert.deepEqual([nodeId, roles, retentionMs, autoCreate, listeners, notNullable], [1, ['broker', 'controller'], null, true, 'PLAINTEXT://:9092', null]);
});

test('broker.id and node.id are synonyms, as in Kafka', () => {
  assert.equal(resolveBrokerConfig(MINIMAL).values.brokerId, 1);
  const fromBrokerId = resolveBrokerConfig({ 'broker.id': '7', 'process.roles': 'broker' }).values;
  assert.equal(fromBrokerId.nodeId, 7);
  assert.equal(fromBrokerId.brokerId, 7);
  const differ = errorOf(() => resolveBrokerConfig({ ...MINIMAL, 'broker.id': '2' }));
  assert.equal(differ.problem, 'conflict');
  assert.match(differ.message, /node\.id \(1\) and broker\.id \(2\) must be equal/);
  assert.equal(errorOf(() => resolveBrokerConfig({ 'broker.id': '-1', 'process.roles': 'broker' })).key, 'node.id');
});

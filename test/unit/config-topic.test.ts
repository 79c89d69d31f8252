/** Topic config resolution: defaults, synonym precedence, overrides, DescribeConfigs sources, flush "not set". */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConfigError, LONG_MAX, TOPIC_CONFIG_BY_KEY, TOPIC_CONFIG_KEYS, resolveBrokerConfig, resolveTopicConfig,
  type ResolvedTopicConfig, type TopicConfigEntry,
} from '../../src/common/config/index.js';

const MINIMAL = { 'node.id': '1', 'process.roles': 'broker,controller' };

function broker(extra: Record<string, string> = {}) {
  return resolveBrokerConfig({ ...MINIMAL, ...extra });
}

function entry(resolved: ResolvedTopicConfig, key: string): TopicConfigEntry {
  const found = resolved.entries.find((e) => e.key === key);
  assert.ok(found, key);
  return found;
}

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ConfigError');
}

test('every Kafka 4.0 topic config is there, and nothing removed in 4.0', () => {
  const keys = TOPIC_CONFIG_KEYS.map((d) => d.key);
  assert.deepEqual(keys, [
    'cleanup.policy', 'compression.type', 'compression.gzip.level', 'compression.lz4.level', 'compression.zstd.level',
    'delete.retention.ms', 'file.delete.delay.ms', 'flush.messages', 'flush.ms', 'follower.replication.throttled.replicas',
    'index.interval.bytes', 'leader.replication.throttled.replicas', 'local.retention.bytes', 'local.retention.ms',
    'max.compaction.lag.ms', 'max.message.bytes', 'message.timestamp.after.max.ms', 'message.timestamp.before.max.ms',
    'message.timestamp.type', 'min.cleanable.dirty.ratio', 'min.compaction.lag.ms', 'min.insync.replicas', 'preallocate',
    'remote.log.copy.disable', 'remote.log.delete.on.disable', 'remote.storage.enable', 'retention.bytes', 'retention.ms',
    'segment.bytes', 'segment.index.bytes', 'segment.jitter.ms', 'segment.ms', 'unclean.leader.election.enable',
  ]);
  for (const gone of ['message.downconversion.enable', 'message.format.version', 'message.timestamp.difference.max.ms']) {
    assert.equal(TOPIC_CONFIG_BY_KEY.has(gone), false, gone);
  }
});

test('defaults match Kafka 4.0\'s topic config reference', () => {
  const { values } = resolveTopicConfig({}, broker());
  assert.equal(values.segmentBytes, 1073741824);
  assert.equal(values.segmentMs, 604800000);
  assert.equal(values.segmentJitterMs, 0);
  assert.equal(values.segmentIndexBytes, 10485760);
  assert.equal(values.indexIntervalBytes, 4096);
  assert.equal(values.retentionMs, 604800000);
  assert.equal(values.retentionBytes, -1);
  assert.equal(values.fileDeleteDelayMs, 60000);
  assert.equal(values.deleteRetentionMs, 86400000);
  assert.equal(values.minCleanableDirtyRatio, 0.5);
  assert.equal(values.maxCompactionLagMs, LONG_MAX);
  assert.equal(values.minCompactionLagMs, 0);
  assert.equal(values.flushMessages, LONG_MAX);
  assert.equal(values.flushMs, LONG_MAX);
  assert.equal(values.maxMessageBytes, 1048588);
  assert.equal(values.messageTimestampAfterMaxMs, 3600000);
  assert.equal(values.messageTimestampBeforeMaxMs, LONG_MAX);
  assert.equal(values.messageTimestampType, 'CreateTime');
  assert.deepEqual(values.cleanupPolicy, ['delete']);
  assert.equal(values.compressionType, 'producer');
  assert.equal(values.compressionGzipLevel, -1);
  assert.equal(values.compressionLz4Level, 9);
  assert.equal(values.compressionZstdLevel, 3);
  assert.equal(values.localRetentionMs, -2);
  assert.equal(values.minInsyncReplicas, 1);
  assert.equal(values.preallocate, false);
  assert.equal(values.uncleanLeaderElectionEnable, false);
  assert.deepEqual(values.leaderReplicationThrottledReplicas, []);
});

test('each topic default equals what its broker chain yields from broker defaults', () => {
  const resolved = resolveTopicConfig({}, broker());
  for (const def of TOPIC_CONFIG_KEYS) {
    assert.deepEqual(entry(resolved, def.key).value, def.default, def.key);
  }
});

test('retention.ms precedence: log.retention.ms > log.retention.minutes > log.retention.hours', () => {
  const retention = (extra: Record<string, string>) => resolveTopicConfig({}, broker(extra)).values.retentionMs;
  assert.equal(retention({ 'log.retention.hours': '24' }), 86400000);
  assert.equal(retention({ 'log.retention.hours': '24', 'log.retention.minutes': '90' }), 5400000);
  assert.equal(retention({ 'log.retention.hours': '24', 'log.retention.minutes': '90', 'log.retention.ms': '1234' }), 1234);
  assert.equal(retention({ 'log.retention.ms': '1234', 'log.retention.hours': '1' }), 1234);
  assert.equal(retention({ 'log.retention.ms': '-1' }), -1);
  assert.equal(retention({ 'log.retention.hours': '-1' }), -1, 'any negative time means no limit');
  assert.equal(retention({ 'log.retention.minutes': '-5' }), -1);
});

test('segment.ms and segment.jitter.ms: log.roll.ms > log.roll.hours', () => {
  assert.equal(resolveTopicConfig({}, broker({ 'log.roll.hours': '1' })).values.segmentMs, 3600000);
  assert.equal(resolveTopicConfig({}, broker({ 'log.roll.hours': '1', 'log.roll.ms': '5000' })).values.segmentMs, 5000);
  assert.equal(resolveTopicConfig({}, broker({ 'log.roll.jitter.hours': '2' })).values.segmentJitterMs, 7200000);
});

test('a topic override beats every broker synonym', () => {
  const resolved = resolveTopicConfig({ 'retention.ms': '5000', 'segment.bytes': '1000' },
    broker({ 'log.retention.ms': '1000', 'log.segment.bytes': '2097152' }));
  assert.equal(resolved.values.retentionMs, 5000);
  assert.equal(resolved.values.segmentBytes, 1000, 'topic minimum is 14, broker minimum 1048576');
  assert.equal(resolved.logConfig.retentionMs, 5000);
  assert.deepEqual([...resolved.overrides.keys()], ['retention.ms', 'segment.bytes']);
});

test('DescribeConfigs source and synonyms, in Kafka\'s order', () => {
  const resolved = resolveTopicConfig({ 'retention.ms': '5000' },
    broker({ 'log.retention.ms': '1000', 'log.retention.hours': '2', 'log.segment.bytes': '2097152' }));
  const retention = entry(resolved, 'retention.ms');
  assert.equal(retention.source, 'DYNAMIC_TOPIC_CONFIG');
  assert.equal(retention.valueText, '5000');
  assert.deepEqual(retention.synonyms, [
    { key: 'retention.ms', value: '5000', source: 'DYNAMIC_TOPIC_CONFIG' },
    { key: 'log.retention.ms', value: '1000', source: 'STATIC_BROKER_CONFIG' },
    { key: 'log.retention.hours', value: '2', source: 'STATIC_BROKER_CONFIG' },
    { key: 'log.retention.hours', value: '168', source: 'DEFAULT_CONFIG' },
  ]);

  const segment = entry(resolved, 'segment.bytes');
  assert.equal(segment.source, 'STATIC_BROKER_CONFIG');
  assert.deepEqual(segment.synonyms, [
    { key: 'log.segment.bytes', value: '2097152', source: 'STATIC_BROKER_CONFIG' },
    { key: 'log.segment.bytes', value: '1073741824', source: 'DEFAULT_CONFIG' },
  ]);

  const maxBytes = entry(resolved, 'max.message.bytes');
  assert.equal(maxBytes.source, 'DEFAULT_CONFIG');
  assert.deepEqual(maxBytes.synonyms, [{ key: 'message.max.bytes', value: '1048588', source: 'DEFAULT_CONFIG' }]);

  const remote = entry(resolved, 'remote.storage.enable');
  assert.equal(remote.source, 'DEFAULT_CONFIG');
  assert.deepEqual(remote.synonyms, []);

  const flush = entry(resolved, 'flush.ms');
  assert.equal(flush.valueText, '9223372036854775807');
  assert.equal(entry(resolved, 'min.cleanable.dirty.ratio').valueText, '0.5');
  assert.equal(entry(resolved, 'cleanup.policy').valueText, 'delete');
});

test('Kafka quirk kept: without the primary broker key, hours-only retention reports no synonyms', () => {
  const retention = entry(resolveTopicConfig({}, broker({ 'log.retention.hours': '24' })), 'retention.ms');
  assert.equal(retention.value, 86400000);
  assert.equal(retention.source, 'DEFAULT_CONFIG');
  assert.deepEqual(retention.synonyms, []);
});

test('flush settings: null in LogConfig unless the user set one (topic or broker)', () => {
  const none = resolveTopicConfig({}, broker()).logConfig;
  assert.equal(none.flushMessages, null);
  assert.equal(none.flushMs, null);

  const topicMs = resolveTopicConfig({ 'flush.ms': '1000' }, broker()).logConfig;
  assert.equal(topicMs.flushMs, 1000);
  assert.equal(topicMs.flushMessages, null);

  const brokerMessages = resolveTopicConfig({}, broker({ 'log.flush.interval.messages': '10000' })).logConfig;
  assert.equal(brokerMessages.flushMessages, 10000);
  assert.equal(brokerMessages.flushMs, null);

  const brokerMs = resolveTopicConfig({}, broker({ 'log.flush.interval.ms': '200' })).logConfig;
  assert.equal(brokerMs.flushMs, 200);

  const scheduler = resolveTopicConfig({}, broker({ 'log.flush.scheduler.interval.ms': '3000' })).logConfig;
  assert.equal(scheduler.flushMs, 3000, 'flush.ms falls back to log.flush.scheduler.interval.ms, as in Kafka');

  const both = resolveTopicConfig({}, broker({ 'log.flush.interval.ms': '200', 'log.flush.scheduler.interval.ms': '3000' })).logConfig;
  assert.equal(both.flushMs, 200);

  const explicitMax = resolveTopicConfig({ 'flush.messages': '9223372036854775807' }, broker()).logConfig;
  assert.equal(explicitMax.flushMessages, LONG_MAX, 'set to Kafka\'s default is still set');

  const explicitBrokerMax = resolveTopicConfig({}, broker({ 'log.flush.interval.messages': '9223372036854775807' })).logConfig;
  assert.equal(explicitBrokerMax.flushMessages, LONG_MAX);
});

test('LogConfig: typed, unit-last fields for the storage engine', () => {
  const log = resolveTopicConfig({ 'cleanup.policy': 'compact, delete', 'message.timestamp.type': 'LogAppendTime' }, broker()).logConfig;
  assert.deepEqual(log.cleanupPolicy, { delete: true, compact: true });
  assert.equal(log.messageTimestampType, 'LogAppendTime');
  assert.equal(log.segmentBytes, 1073741824);
  assert.equal(log.retentionBytes, -1);
  assert.deepEqual(resolveTopicConfig({ 'cleanup.policy': 'compact' }, broker()).logConfig.cleanupPolicy, { delete: false, compact: true });
  assert.deepEqual(resolveTopicConfig({}, broker({ 'log.cleanup.policy': 'compact' })).logConfig.cleanupPolicy,
    { delete: false, compact: true });
});

test('unknown topic keys and bad values are errors naming the key', () => {
  const unknown = errorOf(() => resolveTopicConfig({ 'retention.hours': '1' }, broker()));
  assert.equal(unknown.key, 'retention.hours');
  assert.equal(unknown.problem, 'unknown-key');

  const brokerName = errorOf(() => resolveTopicConfig({ 'log.retention.ms': '1' }, broker()));
  assert.match(brokerName.message, /log\.retention\.ms is a broker config; the topic config is retention\.ms/);

  const removed = errorOf(() => resolveTopicConfig({ 'message.downconversion.enable': 'true' }, broker()));
  assert.equal(removed.key, 'message.downconversion.enable');

  const bad = errorOf(() => resolveTopicConfig({ 'retention.ms': '-2' }, broker()));
  assert.equal(bad.key, 'retention.ms');
  assert.equal(bad.value, '-2');
  assert.equal(bad.allowed, '[-1,...]');

  assert.equal(errorOf(() => resolveTopicConfig({ 'cleanup.policy': 'delete,archive' }, broker())).key, 'cleanup.policy');
  assert.equal(errorOf(() => resolveTopicConfig({ 'segment.bytes': '13' }, broker())).key, 'segment.bytes');
  assert.equal(errorOf(() => resolveTopicConfig({ 'min.cleanable.dirty.ratio': '1.5' }, broker())).key, 'min.cleanable.dirty.ratio');
  assert.equal(errorOf(() => resolveTopicConfig({ 'message.timestamp.type': 'createtime' }, broker())).key, 'message.timestamp.type');
  assert.equal(errorOf(() => resolveTopicConfig({ 'compression.gzip.level': '0' }, broker())).key, 'compression.gzip.level');
});

test('throttled replica lists: * alone, or partitionId:brokerId entries', () => {
  assert.deepEqual(resolveTopicConfig({ 'leader.replication.throttled.replicas': '0:1, 1:2' }, broker()).values
    .leaderReplicationThrottledReplicas, ['0:1', '1:2']);
  assert.deepEqual(resolveTopicConfig({ 'follower.replication.throttled.replicas': '*' }, broker()).values
    .followerReplicationThrottledReplicas, ['*']);
  assert.equal(errorOf(() => resolveTopicConfig({ 'leader.replication.throttled.replicas': '0:1,*' }, broker())).key,
    'leader.replication.throttled.replicas');
});

test('conflicts across keys are errors', () => {
  const lag = errorOf(() => resolveTopicConfig({ 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' }, broker()));
  assert.equal(lag.key, 'min.compaction.lag.ms');
  assert.equal(lag.problem, 'conflict');
  const tiered = errorOf(() => resolveTopicConfig({ 'remote.storage.enable': 'true' }, broker()));
  assert.equal(tiered.key, 'remote.storage.enable');
});

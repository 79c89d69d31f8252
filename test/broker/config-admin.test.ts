/**
 * DescribeConfigs, AlterConfigs and IncrementalAlterConfigs against a real broker: KafkaJS
 * 2.2.4's describeConfigs (v2, with synonyms) and alterConfigs (legacy v1), raw requests for
 * what KafkaJS cannot send (v4 documentation and types, incremental APPEND/SUBTRACT, broker
 * resources). Dynamic configs must apply without a restart — produce limits, segment rolling,
 * retention — and survive one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel, type Admin, type ConfigResourceTypes, type Producer } from 'kafkajs';
import { eventually, AdminRawClient, startAdminBroker, type AdminTestBroker } from '../support/admin-broker.js';
import { startBroker } from '../../src/server/broker.js';
import { ErrorCode } from '../../src/protocol/errors.js';

const DESCRIBE_CONFIGS = 32;
const ALTER_CONFIGS = 33;
const INCREMENTAL_ALTER_CONFIGS = 44;
const TOPIC = 2;
const BROKER = 4;
const SET = 0;
const DELETE = 1;
const APPEND = 2;
const SUBTRACT = 3;
// Wire ids of config sources.
const DYNAMIC_TOPIC = 1;
const DYNAMIC_BROKER = 2;
const DYNAMIC_DEFAULT_BROKER = 3;
const STATIC_BROKER = 4;
const DEFAULT = 5;

// KafkaJS's ConfigResourceTypes enum is not a named export of its CommonJS module.
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;
const BROKER_RESOURCE = 4 as ConfigResourceTypes;

const quiet = { info: () => {}, warn: () => {}, error: () => {} };

interface RawEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
  configType: number;
  documentation: string | null;
}

type Op = { name: string; configOperation: number; value: string | null };

describe('config administration', { timeout: 30_000 }, () => {
  let tb: AdminTestBroker;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let raw: AdminRawClient;

  before(async () => {
    tb = await startAdminBroker('config-admin', { 'log.retention.check.interval.ms': '100', 'log.retention.hours': '168' });
    kafka = new Kafka({ brokers: [tb.address], clientId: 'config-test', logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
    raw = await AdminRawClient.connect(tb.host, tb.port);
  });

  after(async () => {
    raw?.destroy();
    await producer?.disconnect();
    await admin?.disconnect();
    await tb?.stop();
  });

  const describeRaw = async (version: number, resourceType: number, resourceName: string, keys: string[] | null, includeDocumentation = false) => {
    const r = await raw.request(DESCRIBE_CONFIGS, version, { resources: [{ resourceType, resourceName, configurationKeys: keys }], includeSynonyms: true, includeDocumentation });
    return r.results[0] as { errorCode: number; errorMessage: string | null; configs: RawEntry[] };
  };
  const entryOf = async (resourceType: number, resourceName: string, key: string): Promise<RawEntry> => {
    const r = await describeRaw(4, resourceType, resourceName, [key]);
    assert.equal(r.errorCode, 0, r.errorMessage ?? '');
    return r.configs.find((c) => c.name === key)!;
  };
  const incremental = async (resourceType: number, resourceName: string, configs: Op[], validateOnly = false): Promise<[number, string | null]> => {
    const r = await raw.request(INCREMENTAL_ALTER_CONFIGS, 1, { resources: [{ resourceType, resourceName, configs }], validateOnly });
    return [r.responses[0].errorCode, r.responses[0].errorMessage];
  };
  const syn = (e: RawEntry) => e.synonyms.map((s) => [s.name, s.value, s.source]);

  test('DescribeConfigs of a topic (KafkaJS, with synonyms): values, sources, synonyms, key filter', async () => {
    await admin.createTopics({ topics: [{ topic: 'described', configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
    const { resources } = await admin.describeConfigs({
      includeSynonyms: true,
      resources: [{ type: TOPIC_RESOURCE, name: 'described', configNames: ['retention.ms', 'max.message.bytes', 'cleanup.policy', 'no.such.key'] }],
    });
    assert.equal(resources.length, 1);
    assert.equal(resources[0]!.errorCode, 0);
    const byName = new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
    assert.deepEqual([...byName.keys()].sort(), ['cleanup.policy', 'max.message.bytes', 'retention.ms']);
    const retention = byName.get('retention.ms')!;
    assert.deepEqual([retention.configValue, retention.configSource, retention.readOnly, retention.isSensitive], ['3600000', DYNAMIC_TOPIC, false, false]);
    // Kafka quirk: log.retention.ms itself is not set, so the broker synonyms (log.retention.hours)
    // are cut away and only the override is listed.
    assert.deepEqual(retention.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource]), [['retention.ms', '3600000', DYNAMIC_TOPIC]]);
    const maxBytes = byName.get('max.message.bytes')!;
    assert.deepEqual([maxBytes.configValue, maxBytes.configSource], ['1048588', DEFAULT]);
    assert.deepEqual(maxBytes.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource]), [['message.max.bytes', '1048588', DEFAULT]]);
    assert.equal(byName.get('cleanup.policy')!.configValue, 'delete');

    // Everything when no key is named; an unknown topic is an error.
    const all = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC_RESOURCE, name: 'described' }] });
    assert.ok(all.resources[0]!.configEntries.length > 30, `${all.resources[0]!.configEntries.length} entries`);
    await assert.rejects(
      admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC_RESOURCE, name: 'no-such-topic' }] }),
      (e: Error & { type?: string }) => e.type === 'UNKNOWN_TOPIC_OR_PARTITION',
    );
  });

  test('DescribeConfigs v1-v4 raw: config types, documentation, broker resources and their errors', async () => {
    const v4 = await describeRaw(4, TOPIC, 'described', ['retention.ms', 'cleanup.policy'], true);
    const byName = new Map(v4.configs.map((c) => [c.name, c]));
    assert.equal(byName.get('retention.ms')!.configType, 5, 'LONG');
    assert.equal(byName.get('cleanup.policy')!.configType, 7, 'LIST');
    assert.match(byName.get('retention.ms')!.documentation ?? '', /\w+/);
    const v1 = await describeRaw(1, TOPIC, 'described', ['retention.ms']);
    assert.equal(v1.configs[0]!.configSource, DYNAMIC_TOPIC);
    assert.equal(v1.configs[0]!.configType, 0, 'no type before v3');
    assert.equal((await describeRaw(4, TOPIC, 'described', ['retention.ms'])).configs[0]!.documentation, null, 'documentation only when asked');

    const bad = await describeRaw(4, TOPIC, 'bad/name', null);
    assert.equal(bad.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);

    // This broker: read-only keys, sources, Kafka's synonym lists.
    const nodeId = await entryOf(BROKER, '1', 'node.id');
    assert.deepEqual([nodeId.value, nodeId.readOnly, nodeId.configSource], ['1', true, STATIC_BROKER]);
    const hours = await entryOf(BROKER, '1', 'log.retention.hours');
    assert.deepEqual([hours.value, hours.configSource, syn(hours)], ['168', STATIC_BROKER, [['log.retention.hours', '168', STATIC_BROKER], ['log.retention.hours', '168', DEFAULT]]]);
    // Kafka quirk: log.retention.ms is not set, so its synonym list (cut before its own name) is empty.
    const ms = await entryOf(BROKER, '1', 'log.retention.ms');
    assert.deepEqual([ms.value, ms.configSource, ms.readOnly, syn(ms)], [null, DEFAULT, false, []]);
    const maxBytes = await entryOf(BROKER, '1', 'message.max.bytes');
    assert.deepEqual([maxBytes.value, maxBytes.readOnly, maxBytes.configType], ['1048588', false, 3]);
    assert.ok((await describeRaw(4, BROKER, '1', null)).configs.length > 100);

    const clusterDefaults = await describeRaw(4, BROKER, '', null);
    assert.deepEqual([clusterDefaults.errorCode, clusterDefaults.configs], [0, []], 'no cluster-wide defaults yet');
    const other = await describeRaw(4, BROKER, '2', null);
    assert.deepEqual([other.errorCode, other.errorMessage], [ErrorCode.INVALID_REQUEST, 'Unexpected broker id, expected 1 or empty string, but received 2']);
    const notNumber = await describeRaw(2, BROKER, 'one', null);
    assert.deepEqual([notNumber.errorCode, notNumber.errorMessage], [ErrorCode.INVALID_REQUEST, 'Broker id must be an integer, but it is: one']);
  });

  test('AlterConfigs (KafkaJS, legacy): replaces the overrides, validateOnly, INVALID_CONFIG naming the key', async () => {
    await admin.createTopics({ topics: [{ topic: 'altered' }] });
    const topicValue = async (key: string) => {
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: TOPIC_RESOURCE, name: 'altered', configNames: [key] }] });
      const e = resources[0]!.configEntries[0]!;
      return [e.configValue, e.configSource];
    };
    const alter = (configEntries: { name: string; value: string }[], validateOnly = false) =>
      admin.alterConfigs({ validateOnly, resources: [{ type: TOPIC_RESOURCE, name: 'altered', configEntries }] });

    await alter([{ name: 'retention.ms', value: '86400000' }, { name: 'segment.bytes', value: '2000000' }]);
    assert.deepEqual(await topicValue('retention.ms'), ['86400000', DYNAMIC_TOPIC]);
    assert.deepEqual(await topicValue('segment.bytes'), ['2000000', DYNAMIC_TOPIC]);
    await alter([{ name: 'retention.ms', value: '1000' }], true);
    assert.deepEqual(await topicValue('retention.ms'), ['86400000', DYNAMIC_TOPIC], 'validateOnly changes nothing');
    // AlterConfigs sets the whole override set: segment.bytes goes back to the broker default.
    await alter([{ name: 'retention.ms', value: '7200000' }]);
    assert.deepEqual(await topicValue('retention.ms'), ['7200000', DYNAMIC_TOPIC]);
    assert.deepEqual(await topicValue('segment.bytes'), ['1073741824', DEFAULT]);

    await assert.rejects(alter([{ name: 'retention.ms', value: 'soon' }]), (e: Error & { type?: string }) => e.type === 'INVALID_CONFIG');
    // KafkaJS does not show the broker's message; ask directly.
    const rawAlter = async (configs: { name: string; value: string | null }[]) => {
      const r = await raw.request(ALTER_CONFIGS, 2, { resources: [{ resourceType: TOPIC, resourceName: 'altered', configs }], validateOnly: false });
      return [r.responses[0].errorCode, r.responses[0].errorMessage];
    };
    const [badCode, badMessage] = await rawAlter([{ name: 'retention.ms', value: 'soon' }]);
    assert.equal(badCode, ErrorCode.INVALID_CONFIG);
    assert.match(badMessage, /retention\.ms/);
    assert.deepEqual(await rawAlter([{ name: 'retention.ms', value: '1' }, { name: 'no.such.config', value: '1' }]), [ErrorCode.INVALID_CONFIG, 'Unknown topic config name: no.such.config']);
    assert.deepEqual(await rawAlter([{ name: 'retention.ms', value: null }]), [ErrorCode.INVALID_REQUEST, 'Null value not supported for : retention.ms']);
    assert.deepEqual(await topicValue('retention.ms'), ['7200000', DYNAMIC_TOPIC], 'a refused change changes nothing');
  });

  test('IncrementalAlterConfigs on a topic: SET, DELETE, APPEND, SUBTRACT, and Kafka\'s errors', async () => {
    await admin.createTopics({ topics: [{ topic: 'incremental' }] });
    assert.deepEqual(await incremental(TOPIC, 'incremental', [{ name: 'cleanup.policy', configOperation: APPEND, value: 'compact' }]), [0, null]);
    assert.equal((await entryOf(TOPIC, 'incremental', 'cleanup.policy')).value, 'delete,compact', 'APPEND starts from the default');
    assert.deepEqual(await incremental(TOPIC, 'incremental', [{ name: 'cleanup.policy', configOperation: SUBTRACT, value: 'delete' }, { name: 'retention.ms', configOperation: SET, value: '5000' }]), [0, null]);
    assert.equal((await entryOf(TOPIC, 'incremental', 'cleanup.policy')).value, 'compact');
    assert.equal((await entryOf(TOPIC, 'incremental', 'retention.ms')).value, '5000');
    assert.deepEqual(await incremental(TOPIC, 'incremental', [{ name: 'retention.ms', configOperation: DELETE, value: null }]), [0, null]);
    const retention = await entryOf(TOPIC, 'incremental', 'retention.ms');
    assert.deepEqual([retention.value, retention.configSource], ['604800000', DEFAULT], 'from log.retention.hours, reported as DEFAULT_CONFIG (Kafka quirk)');
    assert.deepEqual(await incremental(TOPIC, 'incremental', [{ name: 'retention.ms', configOperation: SET, value: '1' }], true), [0, null]);
    assert.equal((await entryOf(TOPIC, 'incremental', 'retention.ms')).value, '604800000', 'validateOnly');

    assert.deepEqual(await incremental(TOPIC, 'incremental', [{ name: 'retention.ms', configOperation: APPEND, value: '1' }]), [
      ErrorCode.INVALID_CONFIG, "Can't APPEND to key retention.ms because its type is not LIST.",
    ]);
    const [badCode, badMessage] = await incremental(TOPIC, 'incremental', [{ name: 'max.message.bytes', configOperation: SET, value: '-5' }]);
    assert.equal(badCode, ErrorCode.INVALID_CONFIG);
    assert.match(badMessage ?? '', /max\.message\.bytes/);
    assert.deepEqual(await incremental(TOPIC, 'incremental', [{ name: 'retention.ms', configOperation: SET, value: '1' }, { name: 'retention.ms', configOperation: DELETE, value: null }]), [
      ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys',
    ]);
    assert.deepEqual(await incremental(TOPIC, 'incremental', [{ name: 'retention.ms', configOperation: SET, value: null }]), [ErrorCode.INVALID_REQUEST, 'Null value not supported for : retention.ms']);
    assert.deepEqual(await incremental(TOPIC, 'no-such-topic', [{ name: 'retention.ms', configOperation: SET, value: '1' }]), [
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "The topic 'no-such-topic' does not exist.",
    ]);
    assert.deepEqual(await incremental(TOPIC, '', [{ name: 'retention.ms', configOperation: SET, value: '1' }]), [ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.']);
    const twice = await raw.request(INCREMENTAL_ALTER_CONFIGS, 0, {
      resources: [1, 2].map(() => ({ resourceType: TOPIC, resourceName: 'incremental', configs: [{ name: 'retention.ms', configOperation: SET, value: '9' }] })),
      validateOnly: false,
    });
    assert.deepEqual(twice.responses.map((r: { errorCode: number; errorMessage: string }) => [r.errorCode, r.errorMessage]), [
      [ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
      [ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.'],
    ]);
  });

  test('dynamic topic configs apply at once: max.message.bytes, segment.bytes, retention.ms', async () => {
    await admin.createTopics({ topics: [{ topic: 'live-limit' }, { topic: 'live' }] });
    const send = (topic: string, value: string, timestamp = Date.now()) => producer.send({ topic, acks: -1, messages: [{ value, timestamp: String(timestamp) }] });
    await send('live-limit', 'x'.repeat(2000));
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: TOPIC_RESOURCE, name: 'live-limit', configEntries: [{ name: 'max.message.bytes', value: '1000' }] }] });
    await assert.rejects(send('live-limit', 'x'.repeat(2000)), (e: Error & { type?: string }) => e.type === 'MESSAGE_TOO_LARGE');
    await send('live-limit', 'small enough');

    // Smaller segments: every further batch rolls a new segment file in the open log.
    const old = Date.now() - 3 * 3600 * 1000; // within the default 7 days, beyond the 60 s set below
    for (let i = 0; i < 3; i++) await send('live', `old record ${i} `.repeat(10), old + i);
    const segments = () => readdirSync(join(tb.dir, 'live-0')).filter((f) => f.endsWith('.log')).length;
    assert.equal(segments(), 1);
    assert.deepEqual(await incremental(TOPIC, 'live', [{ name: 'segment.bytes', configOperation: SET, value: '300' }]), [0, null]);
    for (let i = 3; i < 5; i++) await send('live', `old record ${i} `.repeat(10), old + i);
    assert.equal(segments(), 3);

    // Retention: the old segments go at the next check (every 100 ms here), the log start moves.
    const lowBefore = Number((await admin.fetchTopicOffsets('live'))[0]!.low);
    assert.equal(lowBefore, 0);
    assert.deepEqual(await incremental(TOPIC, 'live', [{ name: 'retention.ms', configOperation: SET, value: '60000' }]), [0, null]);
    const low = await eventually('retention to move the log start', async () => {
      const l = Number((await admin.fetchTopicOffsets('live'))[0]!.low);
      return l > 0 ? l : undefined;
    }, 5000);
    assert.ok(low >= 3, `log start ${low}`);
  });

  test('broker resources: dynamic per-broker and cluster-wide configs, read-only keys refused as Kafka does', async () => {
    await admin.createTopics({ topics: [{ topic: 'inherits' }] });
    assert.deepEqual(await incremental(BROKER, '', [{ name: 'message.max.bytes', configOperation: SET, value: '3000' }]), [0, null]);
    let e = await entryOf(TOPIC, 'inherits', 'max.message.bytes');
    assert.deepEqual([e.value, e.configSource, syn(e)], ['3000', DYNAMIC_DEFAULT_BROKER, [['message.max.bytes', '3000', DYNAMIC_DEFAULT_BROKER], ['message.max.bytes', '1048588', DEFAULT]]]);
    await assert.rejects(producer.send({ topic: 'inherits', acks: -1, messages: [{ value: 'y'.repeat(4000) }] }), (err: Error & { type?: string }) => err.type === 'MESSAGE_TOO_LARGE');

    assert.deepEqual(await incremental(BROKER, '1', [{ name: 'message.max.bytes', configOperation: SET, value: '5000' }]), [0, null]);
    e = await entryOf(TOPIC, 'inherits', 'max.message.bytes');
    assert.deepEqual([e.value, e.configSource], ['5000', DYNAMIC_BROKER]);
    const [sent] = await producer.send({ topic: 'inherits', acks: -1, messages: [{ value: 'y'.repeat(4000) }] });
    assert.equal(sent?.errorCode, 0);
    const b = await entryOf(BROKER, '1', 'message.max.bytes');
    assert.deepEqual([b.value, b.configSource, syn(b)], ['5000', DYNAMIC_BROKER, [
      ['message.max.bytes', '5000', DYNAMIC_BROKER], ['message.max.bytes', '3000', DYNAMIC_DEFAULT_BROKER], ['message.max.bytes', '1048588', DEFAULT],
    ]]);
    const defaults = await describeRaw(4, BROKER, '', null);
    assert.deepEqual(defaults.configs.map((c) => [c.name, c.value, c.configSource, syn(c)]), [['message.max.bytes', '3000', DYNAMIC_DEFAULT_BROKER, [['message.max.bytes', '3000', DYNAMIC_DEFAULT_BROKER]]]]);

    // APPEND on a LIST broker key starts from its default.
    assert.deepEqual(await incremental(BROKER, '', [{ name: 'log.cleanup.policy', configOperation: APPEND, value: 'compact' }], true), [0, null]);
    assert.deepEqual(await incremental(BROKER, '', [{ name: 'message.max.bytes', configOperation: APPEND, value: '1' }]), [
      ErrorCode.INVALID_CONFIG, 'Config value append is not allowed for config key: message.max.bytes',
    ]);
    // Kafka's refusals: read-only keys, per-broker keys on the cluster default, other brokers, bad values.
    assert.deepEqual(await incremental(BROKER, '1', [{ name: 'log.dirs', configOperation: SET, value: '/tmp/elsewhere' }]), [
      ErrorCode.INVALID_REQUEST, 'Cannot update these configs dynamically: Set(log.dirs)',
    ]);
    assert.deepEqual(await incremental(BROKER, '', [{ name: 'listeners', configOperation: SET, value: 'PLAINTEXT://:9093' }]), [
      ErrorCode.INVALID_REQUEST, 'Cannot update these configs at default cluster level, broker id must be specified: Set(listeners)',
    ]);
    assert.deepEqual(await incremental(BROKER, '2', [{ name: 'message.max.bytes', configOperation: SET, value: '1' }]), [
      ErrorCode.INVALID_REQUEST, 'Unexpected broker id, expected 1, but received 2',
    ]);
    const [badCode, badMessage] = await incremental(BROKER, '1', [{ name: 'message.max.bytes', configOperation: SET, value: 'lots' }]);
    assert.equal(badCode, ErrorCode.INVALID_REQUEST);
    assert.match(badMessage ?? '', /message\.max\.bytes/);
    const legacy = await admin.alterConfigs({ validateOnly: false, resources: [{ type: BROKER_RESOURCE, name: '1', configEntries: [{ name: 'num.io.threads', value: '4' }] }] }).then(
      () => 'ok',
      (err: Error & { type?: string }) => err.type,
    );
    assert.equal(legacy, 'ok', 'legacy AlterConfigs on this broker');
    // ...and it replaced the broker's whole dynamic set: message.max.bytes now comes from the default.
    assert.deepEqual([(await entryOf(BROKER, '1', 'message.max.bytes')).configSource, (await entryOf(BROKER, '1', 'num.io.threads')).value], [DYNAMIC_DEFAULT_BROKER, '4']);

    assert.deepEqual(await incremental(BROKER, '', [{ name: 'message.max.bytes', configOperation: DELETE, value: null }]), [0, null]);
    assert.deepEqual(await incremental(BROKER, '1', [{ name: 'num.io.threads', configOperation: DELETE, value: null }]), [0, null]);
    e = await entryOf(TOPIC, 'inherits', 'max.message.bytes');
    assert.deepEqual([e.value, e.configSource], ['1048588', DEFAULT]);
  });
});

test('dynamic configs and moved log starts survive a restart', { timeout: 30_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-config-restart-'));
  const running: { close(): Promise<void> }[] = [];
  try {
    const first = await startBroker({ port: 0, host: '127.0.0.1', logDir: dir, logger: quiet });
    running.push(first);
    const kafka = new Kafka({ brokers: [first.address], clientId: 'restart-test', logLevel: logLevel.NOTHING, retry: { retries: 0 } });
    const admin = kafka.admin();
    await admin.connect();
    running.push({ close: () => admin.disconnect() });
    await admin.createTopics({ topics: [{ topic: 'kept', configEntries: [{ name: 'retention.bytes', value: '123456789' }] }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'kept', acks: -1, messages: [{ value: 'a' }, { value: 'b' }, { value: 'c' }] });
    await producer.disconnect();
    await admin.fetchTopicMetadata({ topics: ['kept'] });
    await admin.deleteTopicRecords({ topic: 'kept', partitions: [{ partition: 0, offset: '2' }] });
    const raw = await AdminRawClient.connect(first.host, first.port);
    const r = await raw.request(INCREMENTAL_ALTER_CONFIGS, 1, {
      resources: [{ resourceType: BROKER, resourceName: '', configs: [{ name: 'log.retention.ms', configOperation: SET, value: '4321000' }] }],
      validateOnly: false,
    });
    raw.destroy();
    assert.equal(r.responses[0].errorCode, 0);
    for (const c of running.splice(0).reverse()) await c.close();

    const second = await startBroker({ port: 0, host: '127.0.0.1', logDir: dir, logger: quiet });
    running.push(second);
    const admin2 = new Kafka({ brokers: [second.address], clientId: 'restart-test', logLevel: logLevel.NOTHING, retry: { retries: 0 } }).admin();
    await admin2.connect();
    running.push({ close: () => admin2.disconnect() });
    const { resources } = await admin2.describeConfigs({
      includeSynonyms: true,
      resources: [{ type: TOPIC_RESOURCE, name: 'kept', configNames: ['retention.ms', 'retention.bytes'] }],
    });
    const byName = new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
    assert.deepEqual([byName.get('retention.bytes')!.configValue, byName.get('retention.bytes')!.configSource], ['123456789', DYNAMIC_TOPIC]);
    assert.deepEqual([byName.get('retention.ms')!.configValue, byName.get('retention.ms')!.configSource], ['4321000', DYNAMIC_DEFAULT_BROKER]);
    assert.deepEqual((await admin2.fetchTopicOffsets('kept'))[0], { partition: 0, offset: '3', high: '3', low: '2' });
  } finally {
    for (const c of running.reverse()) await c.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
});

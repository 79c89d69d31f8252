/**
 * The CLI's pure parts: argument parsing as Kafka's tools parse, the console producer's line
 * format, the console consumer's record format, the perf tools' report lines and the
 * describe/config/api-versions line formats.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatUsage, parseArgs, type ToolSpec } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/errors.js';
import { LineParser, RecordFormatter } from '../../src/cli/record-text.js';
import { ProducerStats, consumerPerfSummary, Throttler } from '../../src/cli/perf-stats.js';
import { fixed, formatDate, javaF } from '../../src/cli/format.js';
import { partitionLine, topicLine, parseReplicaAssignment } from '../../src/cli/topics.js';
import { parseAddConfig, configLine } from '../../src/cli/configs.js';
import { apiLines } from '../../src/cli/broker-api-versions.js';
import { parseOffsetSpec, parseRules } from '../../src/cli/get-offsets.js';
import { parseOffsetJson } from '../../src/cli/delete-records.js';
import { statusText } from '../../src/cli/metadata-quorum.js';
import { findTool } from '../../src/cli/tributary.js';
import { API_DEFINITIONS } from '../../src/protocol/generated/registry.js';

const spec: ToolSpec = {
  name: 't.sh',
  description: 'test tool',
  options: [
    { name: 'bootstrap-server', kind: 'string', description: 'b' },
    { name: 'topic', kind: 'string', description: 't' },
    { name: 'topic-id', kind: 'string', description: 'ti' },
    { name: 'partitions', kind: 'int', description: 'p' },
    { name: 'time', kind: 'string', description: 'time' },
    { name: 'from-beginning', kind: 'flag', description: 'f' },
    { name: 'property', kind: 'string', repeatable: true, description: 'prop' },
    { name: 'compression-codec', kind: 'string', optionalValue: true, description: 'c' },
    { name: 'producer-props', kind: 'string', multiValue: true, description: 'pp' },
  ],
};

test('args: values, =, prefixes, repeats, optional and multi values', () => {
  const a = parseArgs(spec, ['--bootstrap', 'h:1', '--topic=x', '--property', 'a=1', '--property', 'b=2', '--from-beginning', '--partitions', '3', '--time', '-1', '--compression-codec', '--producer-props', 'x=1', 'y=2', '--topic-id', 'q']);
  assert.equal(a.string('bootstrap-server'), 'h:1');
  assert.equal(a.string('topic'), 'x');
  assert.deepEqual(a.strings('property'), ['a=1', 'b=2']);
  assert.equal(a.has('from-beginning'), true);
  assert.equal(a.int('partitions'), 3);
  assert.equal(a.string('time'), '-1', 'a required value may start with a dash');
  assert.equal(a.string('compression-codec'), '');
  assert.deepEqual(a.strings('producer-props'), ['x=1', 'y=2']);
  assert.equal(a.string('topic-id'), 'q');
  assert.equal(parseArgs(spec, ['--compression-codec', 'lz4']).string('compression-codec'), 'lz4');
});

test('args: unknown, ambiguous, missing value, bad type are usage errors naming the option', () => {
  const err = (argv: string[]): string => {
    try {
      parseArgs(spec, argv);
    } catch (e) {
      assert.ok(e instanceof UsageError);
      return e.message;
    }
    assert.fail('no error');
  };
  assert.match(err(['--nope']), /--nope is not a recognized option/);
  assert.match(err(['--topic']), /--topic requires an argument/);
  assert.match(err(['--partitions', 'x']), /'x'.*--partitions/);
  assert.match(err(['--partitions', '99999999999']), /--partitions/);
  assert.match(err(['stray']), /Unexpected argument 'stray'/);
  assert.match(err(['--to', 'x']), /ambiguous/);
  assert.match(err(['-x']), /-x is not a recognized option/);
});

test('usage: every option listed with its metavar and default', () => {
  const u = formatUsage({ ...spec, options: [...spec.options, { name: 'timeout', kind: 'long', metavar: 'timeout_ms', defaultValue: '1000', description: 'linger' }] });
  assert.match(u, /^test tool\nOption +Description\n------ +-----------/);
  assert.match(u, /--timeout <Long: timeout_ms> +linger \(default: 1000\)/);
  assert.match(u, /--from-beginning +f/);
});

test('console producer lines: value only, key, headers, null marker, errors', () => {
  const plain = new LineParser(new Map());
  assert.deepEqual(plain.parse('Hello Kafka'), { key: null, value: Buffer.from('Hello Kafka'), headers: [] });
  const keyed = new LineParser(new Map([['parse.key', 'true'], ['key.separator', ':']]));
  const r = keyed.parse('k1:v:1');
  assert.equal(r.key!.toString(), 'k1');
  assert.equal(r.value!.toString(), 'v:1');
  assert.throws(() => keyed.parse('novalue'), /No key separator found on line number 2: 'novalue'/);
  const all = new LineParser(new Map([['parse.key', 'true'], ['parse.headers', 'true'], ['null.marker', 'NULL']]));
  const h = all.parse('h1:v1,h2:NULL\tNULL\tvalue');
  assert.equal(h.key, null);
  assert.equal(h.value!.toString(), 'value');
  assert.deepEqual(h.headers.map((x) => [x.key, x.value?.toString() ?? null]), [['h1', 'v1'], ['h2', null]]);
  assert.throws(() => new LineParser(new Map([['headers.delimiter', ','], ['headers.separator', ',']])), /may not be equal/);
});

test('console consumer format: Kafka field order and separators', () => {
  const rec = { partition: 2, offset: 7, timestamp: 1700000000000, timestampType: 0, key: Buffer.from('k'), value: Buffer.from('v'), headers: [{ key: 'h', value: Buffer.from('x') }, { key: 'n', value: null }] };
  assert.equal(new RecordFormatter(new Map()).format(rec).toString(), 'v\n');
  const all = new RecordFormatter(
    new Map([
      ['print.key', 'true'],
      ['print.timestamp', 'true'],
      ['print.partition', 'true'],
      ['print.offset', 'true'],
      ['print.headers', 'true'],
      ['key.separator', ' | '],
    ]),
  );
  assert.equal(all.format(rec).toString(), 'CreateTime:1700000000000 | Partition:2 | Offset:7 | h:x,n:null | k | v\n');
  assert.equal(new RecordFormatter(new Map([['print.key', 'true']])).format({ ...rec, key: null }).toString(), 'null\tv\n');
  assert.equal(new RecordFormatter(new Map([['print.headers', 'true'], ['print.value', 'false']])).format({ ...rec, headers: [] }).toString(), 'NO_HEADERS\n');
  assert.equal(new RecordFormatter(new Map([['print.timestamp', 'true']])).format({ ...rec, timestampType: 1 }).toString(), 'LogAppendTime:1700000000000\tv\n');
});

test('producer perf report lines', () => {
  let now = 0;
  const lines: string[] = [];
  const s = new ProducerStats(1000, () => now, (l) => lines.push(l));
  for (let i = 0; i < 1000; i++) {
    now = i * 6; // 6 s in all: one window line at 5 s
    s.record(i % 10, 100, now);
  }
  now = 6000;
  s.printTotal();
  assert.match(lines[0]!, /^\d+ records sent, \d+\.\d records\/sec \(\d+\.\d\d MB\/sec\), \d+\.\d ms avg latency, 9\.0 ms max latency\.$/);
  assert.equal(lines[1], '1000 records sent, 166.666667 records/sec (0.02 MB/sec), 4.50 ms avg latency, 9.00 ms max latency, 5 ms 50th, 9 ms 95th, 9 ms 99th, 9 ms 99.9th.');
  const t = new Throttler(1000, 0);
  assert.equal(t.delayMs(10, 0), 10);
  assert.equal(new Throttler(-1, 0).delayMs(10, 0), 0);
});

test('consumer perf summary line and Java number formats', () => {
  const line = consumerPerfSummary({ startMs: 0, endMs: 2000, bytes: 2 * 1024 * 1024, messages: 1000, joinTimeMs: 0, dateFormat: "'t'" });
  assert.equal(line, 't, t, 2.0000, 1.0000, 1000, 500.0000, 0, 2000, 1.0000, 500.0000');
  assert.equal(fixed(Infinity, 4), 'Infinity');
  assert.equal(javaF(1 / 3), '0.333333');
  assert.equal(formatDate(new Date(2024, 0, 2, 3, 4, 5, 6).getTime(), 'yyyy-MM-dd HH:mm:ss:SSS'), '2024-01-02 03:04:05:006');
});

test('topics describe lines', () => {
  const td = { topic: 't', topicId: 'abc', isInternal: false, partitions: [{ partition: 0, leader: 1, leaderEpoch: 0, replicas: [1], isr: [1], offlineReplicas: [], error: null }] };
  const cfg = (name: string, value: string, isDefault: boolean) => ({ name, value, isDefault, source: 'DEFAULT_CONFIG' as const, isReadOnly: false, isSensitive: false, synonyms: [], type: 'STRING' as const, documentation: null });
  assert.equal(topicLine(td, [cfg('cleanup.policy', 'compact', false), cfg('retention.ms', '1', true)]), 'Topic: t\tTopicId: abc\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: cleanup.policy=compact');
  assert.equal(partitionLine('t', { partition: 0, leader: 1, replicas: [1, 2], isr: [1], elr: [], lastKnownElr: [] }), '\tTopic: t\tPartition: 0\tLeader: 1\tReplicas: 1,2\tIsr: 1\tElr: \tLastKnownElr: ');
  assert.equal(partitionLine('t', { partition: 1, leader: -1, replicas: [1], isr: [], elr: null, lastKnownElr: null }), '\tTopic: t\tPartition: 1\tLeader: none\tReplicas: 1\tIsr: \tElr: N/A\tLastKnownElr: N/A');
  assert.deepEqual(parseReplicaAssignment('1:2, 3:4'), [[1, 2], [3, 4]]);
  assert.throws(() => parseReplicaAssignment('1:1'), /duplicate/);
});

test('configs: add-config with brackets, describe line', () => {
  assert.deepEqual([...parseAddConfig('a=1,b=[x,y],c=3')], [['a', '1'], ['b', 'x,y'], ['c', '3']]);
  assert.equal(
    configLine({ name: 'retention.ms', value: '100', source: 'DYNAMIC_TOPIC_CONFIG', isDefault: false, isReadOnly: false, isSensitive: false, type: 'LONG', documentation: null, synonyms: [{ name: 'retention.ms', value: '100', source: 'DYNAMIC_TOPIC_CONFIG' }, { name: 'log.retention.hours', value: '168', source: 'DEFAULT_CONFIG' }] }),
    '  retention.ms=100 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=100, DEFAULT_CONFIG:log.retention.hours=168}',
  );
});

test('api versions lines', () => {
  const lines = apiLines([{ apiKey: 0, minVersion: 3, maxVersion: 11 }, { apiKey: 18, minVersion: 0, maxVersion: 4 }, { apiKey: 1, minVersion: 4, maxVersion: 4 }], API_DEFINITIONS);
  assert.equal(lines[0], '\tProduce(0): 3 to 11 [usable: 11],');
  assert.equal(lines[1], '\tFetch(1): 4 [usable: 4],');
  assert.equal(lines[2], '\tListOffsets(2): UNSUPPORTED,');
  assert.ok(lines.some((l) => l.startsWith('\tApiVersions(18): 0 to 4 [usable: ')));
  assert.ok(!lines[lines.length - 1]!.endsWith(','));
});

test('get-offsets specs and rules; delete-records json; tributary names', () => {
  assert.equal(parseOffsetSpec('-2'), 'earliest');
  assert.deepEqual(parseOffsetSpec('1700000000000'), { timestamp: 1700000000000 });
  assert.throws(() => parseOffsetSpec('soon'), /Malformed time argument soon/);
  const [r] = parseRules('t.*:1-3');
  assert.equal(r!.topic('tx'), true);
  assert.equal(r!.partition(2), true);
  assert.equal(r!.partition(3), false);
  assert.deepEqual(parseOffsetJson('{"partitions":[{"topic":"a","partition":0,"offset":3}],"version":1}'), [{ topic: 'a', partition: 0, offset: 3 }]);
  assert.throws(() => parseOffsetJson('{"partitions":[{"topic":"a","partition":0,"offset":3},{"topic":"a","partition":0,"offset":4}]}'), /duplicate topic partitions: a-0/);
  assert.throws(() => parseOffsetJson('nope'), /not a valid JSON/);
  assert.equal(findTool('kafka-topics.sh')?.name, 'topics');
  assert.equal(findTool('console-consumer')?.name, 'console-consumer');
  assert.equal(findTool('nope'), undefined);
});

test('metadata quorum status text', () => {
  const text = statusText('cid', {
    leaderId: 1,
    leaderEpoch: 1,
    highWatermark: 10,
    voters: [{ replicaId: 1, replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA', logEndOffset: 10, lastFetchTimestamp: -1, lastCaughtUpTimestamp: 5 }],
    observers: [],
    nodes: new Map([[1, [{ name: 'CONTROLLER', host: 'localhost', port: 9093 }]]]),
  });
  assert.equal(
    text,
    [
      'ClusterId:              cid',
      'LeaderId:               1',
      'LeaderEpoch:            1',
      'HighWatermark:          10',
      'MaxFollowerLag:         0',
      'MaxFollowerLagTimeMs:   0',
      'CurrentVoters:          [{"id": 1, "endpoints": ["CONTROLLER://localhost:9093"]}]',
      'CurrentObservers:       []',
    ].join('\n'),
  );
});

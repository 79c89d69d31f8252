/**
 * Kafka's tools against a broker, as child processes (bin/*.sh): their flags, their output lines
 * and their exit statuses.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeRun, killAll, run, start, startCliBroker, type CliBroker, type RunResult } from '../support/cli.js';

let b: CliBroker;
let B: string;
before(async () => {
  b = await startCliBroker('tools');
  B = b.address;
});
after(async () => {
  killAll();
  await b?.stop();
});

function ok(r: RunResult): RunResult {
  assert.equal(r.code, 0, describeRun(r));
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r;
}

const topics = (...args: string[]): Promise<RunResult> => run('kafka-topics.sh', ['--bootstrap-server', B, ...args]);

test('kafka-topics.sh: create, list, describe, alter, delete, --if-exists / --if-not-exists', async () => {
  assert.equal(ok(await topics('--create', '--topic', 'orders', '--partitions', '3', '--replication-factor', '1', '--config', 'cleanup.policy=compact')).stdout, 'Created topic orders.\n');
  ok(await topics('--create', '--topic', 'other'));
  const [list, describe, again, quiet] = await Promise.all([
    topics('--list'),
    topics('--describe', '--topic', 'orders'),
    topics('--create', '--topic', 'orders'),
    topics('--create', '--topic', 'orders', '--if-not-exists'),
  ]);
  assert.deepEqual(ok(list).stdout.split('\n').filter((l) => !l.startsWith('__')), ['orders', 'other', '']);
  const lines = ok(describe).stdout.split('\n');
  assert.match(lines[0]!, /^Topic: orders\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: cleanup.policy=compact$/);
  for (let p = 0; p < 3; p++) assert.equal(lines[p + 1], `\tTopic: orders\tPartition: ${p}\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: \tLastKnownElr: `);
  assert.equal(again.code, 1, describeRun(again));
  assert.match(again.stderr, /Error while executing topic command : Topic 'orders' already exists/);
  assert.equal(ok(quiet).stdout, '');

  ok(await topics('--alter', '--topic', 'orders', '--partitions', '4'));
  const [altered, regex, missing, missingOk] = await Promise.all([
    topics('--describe', '--topic', 'orders'),
    topics('--describe', '--topic', 'ord.*,oth.*'),
    topics('--describe', '--topic', 'nope'),
    topics('--delete', '--topic', 'nope', '--if-exists'),
  ]);
  assert.match(ok(altered).stdout, /PartitionCount: 4/);
  assert.equal(ok(regex).stdout.split('\n').filter((l) => l.startsWith('Topic: ')).length, 2);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Topic 'nope' does not exist as expected/);
  ok(missingOk);

  ok(await topics('--delete', '--topic', 'other'));
  assert.doesNotMatch(ok(await topics('--list')).stdout, /^other$/m);
});

test('console producer and consumer: keys, headers, partition/offset, print.* properties, --timeout-ms', async () => {
  ok(await topics('--create', '--topic', 'keyed', '--partitions', '2'));
  const lines = 'k1:v1\nk2:v2\nk1:v3\n';
  ok(await run('kafka-console-producer.sh', ['--bootstrap-server', B, '--topic', 'keyed', '--property', 'parse.key=true', '--property', 'key.separator=:', '--compression-codec', 'lz4', '--request-required-acks', '1', '--producer-property', 'linger.ms=0']));
  ok(await run('kafka-console-producer.sh', ['--bootstrap-server', B, '--topic', 'keyed', '--property', 'parse.key=true', '--property', 'key.separator=:', '--sync'], { stdin: lines }));
  ok(await run('kafka-console-producer.sh', ['--bootstrap-server', B, '--topic', 'keyed', '--property', 'parse.key=true', '--property', 'parse.headers=true'], { stdin: 'h1:x,h2:y\tk3\tv4\n' }));
  const printAll = ['--property', 'print.key=true', '--property', 'print.partition=true', '--property', 'print.offset=true', '--property', 'print.headers=true', '--property', 'print.timestamp=true'];
  const [all, one, fromOffset, timeout] = await Promise.all([
    run('kafka-console-consumer.sh', ['--bootstrap-server', B, '--topic', 'keyed', '--from-beginning', '--max-messages', '4', ...printAll]),
    run('kafka-console-consumer.sh', ['--bootstrap-server', B, '--topic', 'keyed', '--from-beginning', '--max-messages', '4', '--property', 'print.key=true', '--property', 'key.separator=='] ),
    run('kafka-console-consumer.sh', ['--bootstrap-server', B, '--topic', 'keyed', '--partition', '0', '--offset', '1', '--timeout-ms', '1500']),
    run('kafka-console-consumer.sh', ['--bootstrap-server', B, '--topic', 'keyed', '--timeout-ms', '700']),
  ]);
  const rows = ok(all)
    .stdout.trimEnd()
    .split('\n')
    .map((l) => l.split('\t'));
  assert.equal(rows.length, 4);
  for (const r of rows) {
    assert.match(r[0]!, /^CreateTime:\d{13}$/);
    assert.match(r[1]!, /^Partition:[01]$/);
    assert.match(r[2]!, /^Offset:\d$/);
  }
  const byKey = new Map(rows.map((r) => [`${r[4]}=${r[5]}`, r]));
  assert.equal(byKey.get('k1=v1')![1], byKey.get('k1=v3')![1], 'the same key goes to the same partition');
  assert.equal(byKey.get('k3=v4')![3], 'h1:x,h2:y');
  assert.equal(byKey.get('k1=v1')![3], 'NO_HEADERS');
  assert.deepEqual(ok(one).stdout.trimEnd().split('\n').sort(), ['k1=v1', 'k1=v3', 'k2=v2', 'k3=v4']);
  const p0 = rows.filter((r) => r[1] === 'Partition:0').length;
  assert.equal(ok(fromOffset).stdout.split('\n').filter((l) => l !== '').length, Math.max(0, p0 - 1));
  assert.match(fromOffset.stderr, new RegExp(`Processed a total of ${Math.max(0, p0 - 1)} messages`));
  assert.equal(ok(timeout).stdout, '');
  assert.match(timeout.stderr, /Processed a total of 0 messages/);
  assert.ok(timeout.elapsedMs < 8_000);
});

test('console consumer: started before its topic exists; Ctrl-C prints the total; --group reads from the group\'s committed offsets and commits', async () => {
  const early = start('kafka-console-consumer.sh', ['--bootstrap-server', B, '--topic', 'later', '--from-beginning', '--max-messages', '1']);
  await new Promise((r) => setTimeout(r, 500));
  ok(await run('kafka-console-producer.sh', ['--bootstrap-server', B, '--topic', 'sig'], { stdin: 'a\nb\nc\n' }));
  ok(await run('kafka-console-producer.sh', ['--bootstrap-server', B, '--topic', 'later'], { stdin: 'finally\n' }));
  const e = ok(await early.result);
  assert.equal(e.stdout, 'finally\n');
  const c = start('kafka-console-consumer.sh', ['--bootstrap-server', B, '--topic', 'sig', '--from-beginning']);
  await c.waitForStdout('a\nb\nc\n');
  c.child.kill('SIGINT');
  const r = await c.result;
  assert.match(r.stderr, /Processed a total of 3 messages/, describeRun(r));
  assert.doesNotMatch(r.stderr, /\n\s+at /);

  // A new group starts at the end unless --from-beginning; on exit it commits where it got to.
  const first = ok(await run('kafka-console-consumer.sh', ['--bootstrap-server', B, '--topic', 'sig', '--group', 'g1', '--from-beginning', '--max-messages', '3']));
  assert.equal(first.stdout, 'a\nb\nc\n');
  ok(await run('kafka-console-producer.sh', ['--bootstrap-server', B, '--topic', 'sig'], { stdin: 'd\n' }));
  ok(await run('kafka-console-producer.sh', ['--bootstrap-server', B, '--topic', 'sig'], { stdin: 'e\nf\n' }));
  const again = ok(await run('kafka-console-consumer.sh', ['--bootstrap-server', B, '--topic', 'sig', '--consumer-property', 'group.id=g1', '--from-beginning', '--max-messages', '1']));
  assert.equal(again.stdout, 'd\n', 'resumes after the committed offset');
  const rest = ok(await run('kafka-console-consumer.sh', ['--bootstrap-server', B, '--topic', 'sig', '--group', 'g1', '--max-messages', '2']));
  assert.equal(rest.stdout, 'e\nf\n', 'records read but not printed (past --max-messages) are not committed');
  // Without --from-beginning a new group starts at the end: it sees only records sent after it joined.
  const late = start('kafka-console-consumer.sh', ['--bootstrap-server', B, '--include', 'si.*', '--group', 'g2', '--max-messages', '1']);
  let done = false;
  const lateResult = late.result.finally(() => (done = true));
  while (!done) {
    ok(await run('kafka-console-producer.sh', ['--bootstrap-server', B, '--topic', 'sig'], { stdin: 'g\n' }));
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.equal(ok(await lateResult).stdout, 'g\n');
});

test('kafka-configs.sh: describe and alter topic and broker configs', async () => {
  ok(await topics('--create', '--topic', 'cfg'));
  const alter = ok(await run('kafka-configs.sh', ['--bootstrap-server', B, '--alter', '--entity-type', 'topics', '--entity-name', 'cfg', '--add-config', 'retention.ms=60000,cleanup.policy=[compact,delete]']));
  assert.equal(alter.stdout, 'Completed updating config for topic cfg.\n');
  const d = ok(await run('kafka-configs.sh', ['--bootstrap-server', B, '--describe', '--entity-type', 'topics', '--entity-name', 'cfg']));
  const lines = d.stdout.split('\n');
  assert.equal(lines[0], 'Dynamic configs for topic cfg are:');
  assert.match(d.stdout, /^ {2}cleanup\.policy=compact,delete sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:cleanup\.policy=compact,delete, DEFAULT_CONFIG:log\.cleanup\.policy=delete\}$/m);
  assert.match(d.stdout, /^ {2}retention\.ms=60000 sensitive=false synonyms=\{DYNAMIC_TOPIC_CONFIG:retention\.ms=60000/m);
  ok(await run('kafka-configs.sh', ['--bootstrap-server', B, '--alter', '--topic', 'cfg', '--delete-config', 'retention.ms']));
  const [after1, bad, brokerAlter] = await Promise.all([
    run('kafka-configs.sh', ['--bootstrap-server', B, '--describe', '--topic', 'cfg']),
    run('kafka-configs.sh', ['--bootstrap-server', B, '--alter', '--topic', 'cfg', '--delete-config', 'nope']),
    run('kafka-configs.sh', ['--bootstrap-server', B, '--alter', '--entity-type', 'brokers', '--entity-default', '--add-config', 'log.retention.ms=3600000']),
  ]);
  assert.doesNotMatch(ok(after1).stdout, /retention\.ms/);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Invalid config\(s\): nope/);
  assert.equal(ok(brokerAlter).stdout, 'Completed updating default config for brokers in the cluster.\n');
  const brokers = ok(await run('kafka-configs.sh', ['--bootstrap-server', B, '--describe', '--entity-type', 'brokers']));
  assert.match(brokers.stdout, /^Dynamic configs for broker 1 are:\nDefault configs for brokers in the cluster are:\n {2}log\.retention\.ms=3600000 sensitive=false synonyms=\{DYNAMIC_DEFAULT_BROKER_CONFIG:log\.retention\.ms=3600000/);
});

test('kafka-get-offsets.sh and kafka-delete-records.sh', async () => {
  ok(await topics('--create', '--topic', 'offs', '--partitions', '2'));
  ok(await run('kafka-console-producer.sh', ['--bootstrap-server', B, '--topic', 'offs', '--property', 'parse.key=true', '--property', 'key.separator=:'], { stdin: 'a:1\na:2\na:3\na:4\n' }));
  const latest = ok(await run('kafka-get-offsets.sh', ['--bootstrap-server', B, '--topic', 'offs']));
  const ends = latest.stdout.trimEnd().split('\n');
  assert.equal(ends.length, 2);
  const full = ends.find((l) => l.endsWith(':4'));
  assert.ok(full !== undefined, latest.stdout);
  const p = Number(full.split(':')[1]);
  const file = join(b.dir, 'delete.json');
  writeFileSync(file, JSON.stringify({ partitions: [{ topic: 'offs', partition: p, offset: 3 }], version: 1 }));
  const del = ok(await run('kafka-delete-records.sh', ['--bootstrap-server', B, '--offset-json-file', file]));
  assert.equal(del.stdout, `Executing records delete operation\nRecords delete operation completed:\npartition: offs-${p}\tlow_watermark: 3\n`);
  const [earliest, byPartition, byTime] = await Promise.all([
    run('kafka-get-offsets.sh', ['--bootstrap-server', B, '--topic', 'offs', '--time', '-2']),
    run('kafka-get-offsets.sh', ['--bootstrap-server', B, '--topic-partitions', `offs:${p}`, '--time', 'earliest']),
    run('kafka-get-offsets.sh', ['--bootstrap-server', B, '--topic', 'offs', '--partitions', String(p), '--time', '0']),
  ]);
  assert.equal(ok(earliest).stdout, `offs:0:${p === 0 ? 3 : 0}\noffs:1:${p === 1 ? 3 : 0}\n`);
  assert.equal(ok(byPartition).stdout, `offs:${p}:3\n`);
  assert.equal(ok(byTime).stdout, `offs:${p}:3\n`);
});

test('kafka-broker-api-versions.sh and kafka-metadata-quorum.sh describe --status', async () => {
  const [versions, status] = await Promise.all([
    run('kafka-broker-api-versions.sh', ['--bootstrap-server', B]),
    run('kafka-metadata-quorum.sh', ['--bootstrap-server', B, 'describe', '--status']),
  ]);
  const lines = ok(versions).stdout.trimEnd().split('\n');
  assert.equal(lines[0], `${B} (id: 1 rack: null isFenced: false) -> (`);
  assert.match(lines[1]!, /^\tProduce\(0\): \d+ to \d+ \[usable: \d+\],$/);
  assert.ok(lines.some((l) => /^\tApiVersions\(18\): 0 to 4 \[usable: 4\],$/.test(l)), versions.stdout);
  assert.equal(lines[lines.length - 1], ')');
  assert.match(ok(status).stdout, /^ClusterId: {14}\S+\nLeaderId: {15}1\nLeaderEpoch: {12}\d+\nHighWatermark: {10}\d+\nMaxFollowerLag: {9}0\nMaxFollowerLagTimeMs: {3}0\nCurrentVoters: {10}\[\{"id": 1, "endpoints": \["PLAINTEXT:\/\/[^"]+"\]\}\]\nCurrentObservers: {7}\[\]\n$/);
});

test('perf tests: producer report lines, consumer header and summary', async () => {
  ok(await topics('--create', '--topic', 'perf'));
  const p = ok(await run('kafka-producer-perf-test.sh', ['--topic', 'perf', '--num-records', '5000', '--record-size', '100', '--throughput', '-1', '--producer-props', `bootstrap.servers=${B}`, 'acks=1']));
  assert.match(p.stdout, /^5000 records sent, \d+\.\d{6} records\/sec \(\d+\.\d\d MB\/sec\), \d+\.\d\d ms avg latency, \d+\.\d\d ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.\n$/m);
  const c = ok(await run('kafka-consumer-perf-test.sh', ['--bootstrap-server', B, '--topic', 'perf', '--messages', '5000', '--timeout', '5000']));
  const lines = c.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
  assert.match(lines[1]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d{3}, 0\.4768, [\d.]+, 5000, [\d.]+, \d+, \d+, [\d.]+, [\d.]+$/);
});

test('tributary: one command for every tool', async () => {
  const help = ok(await run('tributary', ['--help']));
  for (const t of ['topics', 'console-producer', 'console-consumer', 'configs', 'get-offsets', 'delete-records', 'broker-api-versions', 'producer-perf-test', 'consumer-perf-test', 'metadata-quorum']) {
    assert.match(help.stdout, new RegExp(`^  ${t} `, 'm'));
  }
  const [list, usage] = await Promise.all([run('tributary', ['topics', '--bootstrap-server', B, '--list']), run('tributary', ['kafka-topics.sh', '--help'])]);
  assert.match(ok(list).stdout, /^perf$/m);
  assert.match(ok(usage).stdout, /^--bootstrap-server <String: server to +REQUIRED: The Kafka server to connect/m);
});

/**
 * Bad input (issue 5 §4): an unknown flag prints the usage naming it and exits 2; a missing
 * required flag is named; an unreachable broker is one clear line within the timeout and exit 1;
 * never a stack trace for a user's mistake.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../support/broker-process.js';
import { describeRun, killAll, run, type RunResult } from '../support/cli.js';

after(() => killAll());

function noStack(r: RunResult): void {
  assert.doesNotMatch(r.stderr, /\n\s+at /, `stack trace printed:\n${describeRun(r)}`);
  assert.doesNotMatch(r.stdout, /\n\s+at /);
}

const TOOLS = [
  'kafka-topics.sh',
  'kafka-console-producer.sh',
  'kafka-console-consumer.sh',
  'kafka-configs.sh',
  'kafka-get-offsets.sh',
  'kafka-delete-records.sh',
  'kafka-broker-api-versions.sh',
  'kafka-producer-perf-test.sh',
  'kafka-consumer-perf-test.sh',
  'kafka-metadata-quorum.sh',
];

test('an unknown flag: usage naming the flag, exit 2, for every tool', async () => {
  const results = await Promise.all(TOOLS.map((t) => run(t, ['--bootstrap-server', '127.0.0.1:1', '--no-such-flag', 'x'])));
  results.forEach((r, i) => {
    assert.equal(r.code, 2, `${TOOLS[i]}: ${describeRun(r)}`);
    assert.match(r.stderr, new RegExp(`^${TOOLS[i]!.replace('.', '\\.')}: --no-such-flag is not a recognized option\n`), TOOLS[i]);
    assert.match(r.stderr, /\nOption +Description\n/, `${TOOLS[i]} prints its usage`);
    noStack(r);
  });
  const t = await run('tributary', ['no-such-tool']);
  assert.equal(t.code, 2);
  assert.match(t.stderr, /unknown tool 'no-such-tool'/);
});

test('a missing required flag is named', async () => {
  const cases: [string, string[], RegExp][] = [
    ['kafka-topics.sh', ['--list'], /"\[bootstrap-server\]"/],
    ['kafka-topics.sh', ['--bootstrap-server', '127.0.0.1:1', '--create'], /"\[topic\]"/],
    ['kafka-topics.sh', ['--bootstrap-server', '127.0.0.1:1', '--alter', '--topic', 'x'], /"\[partitions\]"/],
    ['kafka-topics.sh', ['--bootstrap-server', '127.0.0.1:1'], /exactly one action: --list, --describe, --create, --alter or --delete/],
    ['kafka-console-producer.sh', ['--bootstrap-server', '127.0.0.1:1'], /"\[topic\]"/],
    ['kafka-console-producer.sh', ['--topic', 't'], /"\[bootstrap-server\]"/],
    ['kafka-console-consumer.sh', ['--topic', 't'], /"\[bootstrap-server\]"/],
    ['kafka-console-consumer.sh', ['--bootstrap-server', '127.0.0.1:1'], /--topic, --include/],
    ['kafka-console-consumer.sh', ['--bootstrap-server', '127.0.0.1:1', '--topic', 't', '--offset', '3'], /The partition is required when offset is specified/],
    ['kafka-configs.sh', ['--bootstrap-server', '127.0.0.1:1', '--describe'], /--entity-type/],
    ['kafka-delete-records.sh', ['--bootstrap-server', '127.0.0.1:1'], /"\[offset-json-file\]"/],
    ['kafka-producer-perf-test.sh', ['--topic', 't', '--record-size', '10', '--throughput', '-1'], /"\[num-records\]"/],
    ['kafka-consumer-perf-test.sh', ['--bootstrap-server', '127.0.0.1:1', '--topic', 't'], /"\[messages\]"/],
    ['kafka-metadata-quorum.sh', ['--bootstrap-server', '127.0.0.1:1', 'describe'], /One of --status or --replication must be specified/],
    ['kafka-topics.sh', ['--bootstrap-server', '127.0.0.1:1', '--create', '--topic', 't', '--partitions', 'many'], /'many'.*--partitions/],
    ['kafka-topics.sh', ['--bootstrap-server', 'no-port', '--list'], /host:port/],
  ];
  const results = await Promise.all(cases.map(([tool, args]) => run(tool, args)));
  results.forEach((r, i) => {
    const [tool, args, re] = cases[i]!;
    assert.equal(r.code, 2, `${tool} ${args.join(' ')}: ${describeRun(r)}`);
    assert.match(r.stderr, re, `${tool} ${args.join(' ')}`);
    noStack(r);
  });
});

test('an unreachable broker: one clear line within the timeout, exit 1', async () => {
  const port = await freePort(); // nothing listens there
  const addr = `127.0.0.1:${port}`;
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const cfg = join(mkdtempSync(join(tmpdir(), 'tributary-cli-bad-')), 'admin.properties');
  writeFileSync(cfg, 'default.api.timeout.ms=1500\n');
  const cases: [string, string[], string?][] = [
    ['kafka-topics.sh', ['--bootstrap-server', addr, '--list', '--command-config', cfg]],
    ['kafka-console-consumer.sh', ['--bootstrap-server', addr, '--topic', 't', '--consumer-property', 'default.api.timeout.ms=1500']],
    ['kafka-console-producer.sh', ['--bootstrap-server', addr, '--topic', 't', '--max-block-ms', '1500'], 'x\n'],
    ['kafka-get-offsets.sh', ['--bootstrap-server', addr, '--command-config', cfg]],
  ];
  const results = await Promise.all(cases.map(([tool, args, stdin]) => run(tool, args, stdin === undefined ? {} : { stdin })));
  results.forEach((r, i) => {
    const [tool] = cases[i]!;
    assert.equal(r.code, 1, `${tool}: ${describeRun(r)}`);
    assert.match(r.stderr, new RegExp(`Could not connect to any broker of --bootstrap-server ${addr} within 1500 ms \\(last error: .*ECONNREFUSED.*\\)`), tool);
    assert.ok(r.elapsedMs < 6_000, `${tool} took ${r.elapsedMs} ms`);
    noStack(r);
  });
});

/**
 * kafka-consumer-groups.sh against a broker, as a child process: --list (with --state and
 * --type), --describe (offsets, --members, --members --verbose, --state) of a live group of
 * kcat -G members and of the same group once empty, --reset-offsets (dry run, --execute, every
 * scenario, --export into --from-file, refused while members are active), --delete-offsets and
 * --delete (refused while active, then done), unknown groups, usage errors; Kafka's lines and
 * our exit statuses.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka } from '../../src/index.js';
import { describeRun, killAll, run, startCliBroker, type CliBroker, type RunResult } from '../support/cli.js';
import { hasKcat, skipUnless } from '../support/interop.js';

let b: CliBroker;
let kafka: Kafka;
let dir: string;
const members = new Set<ChildProcess>();

before(async () => {
  b = await startCliBroker('consumer-groups');
  kafka = new Kafka({ 'bootstrap.servers': b.address });
  dir = mkdtempSync(join(tmpdir(), 'tributary-cg-'));
});
after(async () => {
  for (const c of members) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  killAll();
  await b?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const cg = (...args: string[]): Promise<RunResult> => run('kafka-consumer-groups.sh', ['--bootstrap-server', b.address, ...args]);

function ok(r: RunResult): RunResult {
  assert.equal(r.code, 0, describeRun(r));
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r;
}

function failed(r: RunResult, code = 1): RunResult {
  assert.equal(r.code, code, describeRun(r));
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  return r;
}

async function produce(topic: string, partitions: number, perPartition: number): Promise<void> {
  const admin = kafka.admin();
  await admin.createTopics([{ topic, numPartitions: partitions }]);
  await admin.close();
  const producer = kafka.producer();
  // Record i of partition p has timestamp 1_600_000_000_000 + i * 1000.
  await Promise.all(Array.from({ length: partitions * perPartition }, (_, n) => producer.send({ topic, partition: n % partitions, value: `v${n}`, timestamp: 1_600_000_000_000 + Math.floor(n / partitions) * 1000 })));
  await producer.close();
}

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The table lines of a describe-style output (Kafka starts each table with an empty line). */
const lines = (r: RunResult): string[] => r.stdout.split('\n').filter((l) => l !== '');

test('usage errors name the problem and exit 2; an unknown group exits 1 with Kafka\'s message', async () => {
  const [unknownFlag, noAction, noGroup, twoScenarios, badDate, empty, unknown] = await Promise.all([
    cg('--list', '--no-such-flag'),
    cg(),
    cg('--describe'),
    cg('--reset-offsets', '--group', 'g', '--to-earliest', '--to-latest', '--all-topics'),
    cg('--reset-offsets', '--group', 'g', '--to-datetime', '2024-02-30T00:00:00.000', '--all-topics'),
    cg('--list'),
    cg('--describe', '--group', 'no-such-group'),
  ]);
  assert.match(failed(unknownFlag, 2).stderr, /^kafka-consumer-groups\.sh: --no-such-flag is not a recognized option\n/);
  assert.match(unknownFlag.stderr, /\nOption +Description\n/);
  assert.match(failed(noAction, 2).stderr, /Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets/);
  assert.match(failed(noGroup, 2).stderr, /Option \[describe\] takes one of these options: \[group\], \[all-groups\]/);
  assert.match(failed(twoScenarios, 2).stderr, /Option "\[to-earliest\]" can't be used with option "\[to-latest\]"/);
  assert.match(failed(badDate, 2).stderr, /Invalid --to-datetime '2024-02-30T00:00:00.000': day 30 out of range/);
  assert.equal(ok(empty).stdout, '');
  assert.equal(failed(unknown).stdout, "\nError: Consumer group 'no-such-group' does not exist.\n");
  const viaTributary = await run('tributary', ['consumer-groups', '--bootstrap-server', b.address, '--list']);
  assert.equal(ok(viaTributary).stdout, '');
});

test('a live kcat -G group, then empty: list, describe views, resets, offset and group deletion', skipUnless(hasKcat(), 'kcat not installed: apt-get install kcat'), async () => {
  const topic = 'cg-orders';
  const group = 'cg-group';
  await produce(topic, 3, 4);
  const kcat = [0, 1].map(() => {
    const c = spawn('kcat', ['-b', b.address, '-G', group, '-o', 'beginning', '-q', '-X', 'client.id=cg-client', topic], { stdio: ['ignore', 'ignore', 'pipe'] });
    members.add(c);
    return c;
  });

  // ---- live
  await until('a Stable group with both members and every offset committed', async () => {
    const r = await cg('--describe', '--group', group);
    return r.code === 0 && lines(r).length === 4 && lines(r).slice(1).every((l) => /^cg-group\s+cg-orders\s+\d\s+4\s+4\s+0\s+cg-client-\S+ \/127\.0\.0\.1\s+cg-client$/.test(l));
  });
  const [list, listState, listType, describe, membersView, verbose, state] = await Promise.all([
    cg('--list'),
    cg('--list', '--state'),
    cg('--list', '--state', 'stable', '--type'),
    cg('--describe', '--group', group, '--offsets'),
    cg('--describe', '--group', group, '--members'),
    cg('--describe', '--all-groups', '--members', '--verbose'),
    cg('--describe', '--group', group, '--state'),
  ]);
  assert.equal(ok(list).stdout, `${group}\n`);
  assert.equal(ok(listState).stdout, `GROUP                     STATE               \n${group.padEnd(25)} Stable              \n`);
  assert.equal(ok(listType).stdout, `GROUP                     TYPE                 STATE               \n${group.padEnd(25)} Classic              Stable              \n`);
  const d = lines(ok(describe));
  const idWidth = d[1]!.split(/\s+/)[6]!.length;
  assert.equal(d[0], `GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             ${'CONSUMER-ID'.padEnd(idWidth)} HOST            CLIENT-ID`);
  assert.deepEqual(d.slice(1).map((l) => l.split(/\s+/).slice(2, 6)).sort(), [['0', '4', '4', '0'], ['1', '4', '4', '0'], ['2', '4', '4', '0']]);
  assert.equal(describe.stdout.startsWith('\nGROUP '), true, 'a blank line first, as Kafka prints');
  const m = lines(ok(membersView));
  assert.match(m[0]!, /^GROUP {11}CONSUMER-ID +HOST {12}CLIENT-ID {7}#PARTITIONS {5}$/);
  assert.deepEqual(m.slice(1).map((l) => l.trim().split(/\s+/)[4]).sort(), ['1', '2']);
  const v = lines(ok(verbose));
  assert.match(v[0]!, /#PARTITIONS {5}CURRENT-EPOCH {3}CURRENT-ASSIGNMENT {3}TARGET-EPOCH {4}TARGET-ASSIGNMENT {3}$/);
  assert.deepEqual(v.slice(1).map((l) => l.trim().split(/\s+/).slice(5)).sort(), [['-', `${topic}:0,1`, '-', '-'], ['-', `${topic}:2`, '-', '-']]);
  assert.equal(ok(state).stdout, `\nGROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                #MEMBERS\n${group}        ${`${b.address}  (1)`.padEnd(25)} range                Stable               2\n`);

  const [reset, del, delOffsets] = await Promise.all([
    cg('--reset-offsets', '--group', group, '--to-earliest', '--all-topics', '--execute'),
    cg('--delete', '--group', group),
    cg('--delete-offsets', '--group', group, '--topic', topic),
  ]);
  assert.equal(failed(reset).stdout, `\nError: Assignments can only be reset if the group '${group}' is inactive, but the current state is Stable.\n\nGROUP           TOPIC           PARTITION  NEW-OFFSET\n`);
  assert.equal(
    failed(del).stdout,
    `\nError: Deletion of some consumer groups failed:\n* Group '${group}' could not be deleted due to: org.apache.kafka.common.errors.GroupNotEmptyException: The group is not empty.\n`,
  );
  assert.match(failed(delOffsets).stdout, /^\nError: Encountered some partition-level error, see the follow-up details.\n\nTOPIC {11}PARTITION  STATUS {9}\ncg-orders {7}0 {10}Error: .*subscribed/);

  for (const c of kcat) c.kill('SIGTERM');
  await Promise.all(kcat.map((c) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)))));

  // ---- empty
  await until('an Empty group', async () => (await cg('--describe', '--group', group, '--state')).stdout.includes(' Empty '));
  const empty = ok(await cg('--describe', '--group', group));
  assert.equal(empty.stderr, `\nConsumer group '${group}' has no active members.\n`);
  assert.equal(
    empty.stdout,
    '\nGROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID' +
      [0, 1, 2].map((p) => `\ncg-group        cg-orders       ${p}          4               4               0               -               -               -`).join('') +
      '\n',
  );
  const emptyMembers = ok(await cg('--describe', '--group', group, '--members'));
  assert.equal(emptyMembers.stdout, '\nGROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     \n');

  const plan = (offsets: number[]): string => `\nGROUP           TOPIC           PARTITION  NEW-OFFSET${offsets.map((o, p) => `\ncg-group        cg-orders       ${p}          ${o}`).join('')}\n`;
  const dry = ok(await cg('--reset-offsets', '--group', group, '--to-earliest', '--all-topics'));
  assert.equal(dry.stdout, plan([0, 0, 0]));
  assert.match(dry.stderr, /^WARN: No action will be performed as the --execute option is missing\./);
  assert.match(ok(await cg('--describe', '--group', group)).stdout, /cg-orders       0          4 /, 'a dry run changes nothing');

  assert.equal(ok(await cg('--reset-offsets', '--group', group, '--to-offset', '1', '--topic', `${topic}:0,2`, '--execute')).stdout, `\nGROUP           TOPIC           PARTITION  NEW-OFFSET\ncg-group        cg-orders       0          1\ncg-group        cg-orders       2          1\n`);
  assert.equal(ok(await cg('--reset-offsets', '--group', group, '--shift-by', '2', '--all-topics', '--execute')).stdout, plan([3, 4, 3]));
  const clamped = ok(await cg('--reset-offsets', '--group', group, '--shift-by', '-10', '--topic', topic, '--dry-run'));
  assert.equal(clamped.stdout, plan([0, 0, 0]));
  assert.match(clamped.stderr, /WARN New offset \(-7\) is lower than earliest offset for topic partition cg-orders-0\. Value will be set to 0\./);
  assert.equal(ok(await cg('--reset-offsets', '--group', group, '--to-datetime', '2020-09-13T12:26:42.000Z', '--topic', topic, '--dry-run')).stdout, plan([2, 2, 2]));
  assert.equal(ok(await cg('--reset-offsets', '--group', group, '--to-datetime', '2020-09-13T14:26:41.000+02:00', '--topic', topic, '--dry-run')).stdout, plan([1, 1, 1]));
  // No record in the last hour: Kafka warns (on stdout) and falls back to the log end.
  const warns = [0, 1, 2].map((p) => `\nWarn: Partition ${p} from topic ${topic} is empty. Falling back to latest known offset.\n`).join('');
  assert.equal(ok(await cg('--reset-offsets', '--group', group, '--by-duration', 'PT1H', '--topic', topic, '--dry-run')).stdout, warns + plan([4, 4, 4]));
  assert.equal(ok(await cg('--reset-offsets', '--group', group, '--to-current', '--topic', topic, '--dry-run')).stdout, plan([3, 4, 3]));
  assert.equal(ok(await cg('--reset-offsets', '--group', group, '--to-latest', '--topic', topic, '--dry-run')).stdout, plan([4, 4, 4]));

  const exported = ok(await cg('--reset-offsets', '--group', group, '--to-earliest', '--topic', `${topic}:1`, '--dry-run', '--export'));
  assert.equal(exported.stdout, `${topic},1,0\n\n`);
  const file = join(dir, 'plan.csv');
  writeFileSync(file, exported.stdout);
  assert.equal(ok(await cg('--reset-offsets', '--group', group, '--from-file', file, '--execute')).stdout, `\nGROUP           TOPIC           PARTITION  NEW-OFFSET\ncg-group        cg-orders       1          0\n`);
  assert.match(ok(await cg('--describe', '--group', group)).stdout, /cg-orders       0          3 .*\n.*cg-orders       1          0               4               4 /);

  const [missingPartition, missingTopic] = await Promise.all([
    cg('--reset-offsets', '--group', group, '--to-latest', '--topic', `${topic}:7`, '--execute'),
    cg('--reset-offsets', '--group', group, '--to-latest', '--topic', 'no-such-topic', '--execute'),
  ]);
  assert.match(failed(missingPartition).stderr, /Executing consumer group command failed due to The partitions "cg-orders-7" do not exist/);
  assert.match(failed(missingTopic).stderr, /Executing consumer group command failed due to Topic 'no-such-topic' does not exist/);

  const deleted = ok(await cg('--delete-offsets', '--group', group, '--topic', `${topic}:0`));
  assert.equal(deleted.stdout, `Request succeeded for deleting offsets from group ${group}.\n\nTOPIC           PARTITION  STATUS         \ncg-orders       0          Successful     \n`);
  assert.doesNotMatch(ok(await cg('--describe', '--group', group)).stdout, /cg-orders       0 /);
  assert.equal(ok(await cg('--delete', '--group', group)).stdout, `Deletion of requested consumer groups ('${group}') was successful.\n`);
  const gone = failed(await cg('--describe', '--group', group, '--state'));
  assert.equal(gone.stdout, `\nError: Consumer group '${group}' does not exist.\n`);
  const deleteAgain = failed(await cg('--delete', '--group', group));
  assert.match(deleteAgain.stdout, /could not be deleted due to: org\.apache\.kafka\.common\.errors\.GroupIdNotFoundException: /);
});

/**
 * kafka-consumer-groups.sh's pure parts: Kafka's argument checks, --to-datetime and --by-duration
 * parsing, --topic t:p,p and --from-file CSV parsing, reset planning (clamping, fall-backs,
 * errors) over given log offsets, and the tables, column for column as Kafka prints them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs } from '../../src/cli/args.js';
import { UsageError } from '../../src/cli/errors.js';
import { checkArgs, parseStates, parseTypes, spec } from '../../src/cli/consumer-groups.js';
import {
  exportCsv,
  parseDateTime,
  parseDuration,
  parseResetPlan,
  parseTopicWithPartitions,
  planReset,
  ResetPlanError,
  splitTopicArgs,
  tpKey,
  type LogOffsets,
  type ResetSpec,
} from '../../src/cli/group-reset.js';
import { assignmentText, formatDeleteOffsets, formatGroupList, formatMembers, formatOffsets, formatResetPlan, formatState } from '../../src/cli/group-output.js';
import type { TopicPartition } from '../../src/client/types.js';

const B = ['--bootstrap-server', 'h:1'];
const check = (...argv: string[]): ReturnType<typeof checkArgs> => checkArgs(parseArgs(spec, [...B, ...argv]));
const usage = (message: RegExp | string) => (e: unknown) => e instanceof UsageError && (typeof message === 'string' ? e.message === message : message.test(e.message));

test('checkArgs: Kafka\'s checks and messages', () => {
  assert.throws(() => checkArgs(parseArgs(spec, ['--list'])), usage('Missing required argument "[bootstrap-server]"'));
  assert.throws(() => check(), usage('Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets'));
  assert.throws(() => check('--list', '--describe', '--group', 'g'), usage(/^Option "\[group\]" can't be used with option "\[list\]"$/));
  assert.throws(() => check('--describe'), usage('Option [describe] takes one of these options: [group], [all-groups]'));
  assert.throws(() => check('--describe', '--group', 'g', '--members', '--state'), usage('Option [describe] takes at most one of these options: [members], [offsets], [state]'));
  assert.throws(() => check('--describe', '--group', 'g', '--state', 'stable'), usage('Option [describe] does not take a value for [state]'));
  assert.throws(() => check('--describe', '--group', 'g', '--all-groups'), usage('Option "[group]" can\'t be used with option "[all-groups]"'));
  assert.throws(() => check('--describe', '--group', 'g', '--topic', 't'), usage('Option "[topic]" can\'t be used with option "[describe]"'));
  assert.throws(() => check('--list', '--members'), usage('Option(s) [members] are unavailable given other options on the command line'));
  assert.throws(() => check('--describe', '--group', 'g', '--type'), usage('Option(s) [type] are unavailable given other options on the command line'));
  assert.throws(() => check('--delete'), usage('Option [delete] takes one of these options: [group], [all-groups]'));
  assert.throws(() => check('--delete', '--group', 'g', '--topic', 't'), usage('The consumer does not support topic-specific offset deletion from a consumer group.'));
  assert.throws(() => check('--delete-offsets', '--group', 'g'), usage('Option [delete-offsets] takes the following options: [group], [topic]'));
  assert.throws(() => check('--reset-offsets', '--group', 'g', '--to-earliest', '--dry-run', '--execute'), usage('Option [reset-offsets] only accepts one of [execute] and [dry-run]'));
  assert.throws(() => check('--reset-offsets', '--to-earliest', '--topic', 't'), usage('Option [reset-offsets] takes one of these options: [group], [all-groups]'));
  assert.throws(() => check('--reset-offsets', '--group', 'g', '--to-earliest', '--to-offset', '3', '--all-topics'), usage('Option "[to-offset]" can\'t be used with option "[to-earliest]"'));
  assert.throws(() => check('--reset-offsets', '--group', 'g', '--all-topics'), usage(/^Option '\[reset-offsets\]' requires one of the following scenarios: \[\[to-offset\], \[shift-by\], .*\[from-file\]\]$/));
  assert.throws(() => check('--reset-offsets', '--group', 'g', '--to-latest'), usage('One of the reset scopes should be defined: --all-topics, --topic.'));
  assert.throws(() => check('--reset-offsets', '--group', 'g', '--to-latest', '--topic', 't:x'), usage("Invalid partition 'x' specified in topic arg 't:x'"));
  assert.throws(() => check('--reset-offsets', '--group', 'g', '--to-datetime', 'yesterday', '--all-topics'), usage(/^Invalid --to-datetime 'yesterday'/));
  assert.throws(() => check('--reset-offsets', '--group', 'g', '--by-duration', 'P', '--all-topics'), usage(/^Invalid --by-duration 'P'/));
  assert.throws(() => check('--list', '--state', 'stable,sleepy'), usage(/^Invalid state list 'stable,sleepy'\. Valid states are: PreparingRebalance, /));
  assert.throws(() => check('--shift-by', 'x'), usage(/Cannot parse argument 'x' of option --shift-by/));

  const d = check('--describe', '--group', 'b', '--group', 'a', '--group', 'b', '--members', '--verbose', '--timeout', '100');
  assert.deepEqual([d.action, d.groups, d.describe, d.timeoutMs], ['describe', ['b', 'a'], { view: 'members', verbose: true }, 100]);
  assert.equal(check('--describe', '--all-groups').describe.view, 'offsets');
  assert.equal(check('--describe', '--group', 'g', '--state').describe.view, 'state');
  const l = check('--list', '--state', 'STABLE,empty', '--type', 'Classic');
  assert.deepEqual(l.list, { includeState: true, states: ['Stable', 'Empty'], includeType: true, types: ['classic'] });
  assert.deepEqual(check('--list', '--state').list, { includeState: true, states: [], includeType: false, types: [] });
  const r = check('--reset-offsets', '--group', 'g', '--topic', 't:0,2', '--topic', 'u', '--shift-by', '-2');
  assert.deepEqual(r.reset.spec, { kind: 'shift-by', shift: -2 });
  assert.equal(r.reset.warnNoExecute, true);
  assert.equal(r.reset.execute, false);
  assert.equal(check('--reset-offsets', '--all-groups', '--to-earliest', '--all-topics', '--execute').reset.execute, true);
  assert.deepEqual(parseStates('assigning'), ['Assigning']);
  assert.deepEqual(parseTypes('CONSUMER,classic'), ['consumer', 'classic']);
  assert.throws(() => parseTypes('share'), usage("Invalid types list 'share'. Valid types are: Classic, Consumer"));
});

test('--to-datetime: Kafka\'s format, zones, strict fields', () => {
  assert.equal(parseDateTime('2020-11-10T16:51:38.198'), Date.UTC(2020, 10, 10, 16, 51, 38, 198));
  assert.equal(parseDateTime('2020-11-10T16:51:38.198Z'), Date.UTC(2020, 10, 10, 16, 51, 38, 198));
  const local = Date.UTC(2020, 10, 10, 16, 51, 38, 198);
  assert.equal(parseDateTime('2020-11-10T16:51:38.198+0800'), local - 8 * 3600_000);
  assert.equal(parseDateTime('2020-11-10T16:51:38.198+08'), local - 8 * 3600_000);
  assert.equal(parseDateTime('2020-11-10T16:51:38.198+08:00'), local - 8 * 3600_000);
  assert.equal(parseDateTime('2020-11-10T16:51:38.198-05:30'), local + 5.5 * 3600_000);
  assert.equal(parseDateTime('2024-02-29T00:00:00.000'), Date.UTC(2024, 1, 29));
  for (const bad of ['2020-11-10 16:51:38.198', '2020-11-10T16:51:38', '2020-13-10T00:00:00.000', '2023-02-29T00:00:00.000', '2020-11-10T24:00:00.000', '2020-11-10T16:60:00.000', '2020-11-10T16:51:38.198+25:00', '2020-1-10T16:51:38.198', 'T']) {
    assert.throws(() => parseDateTime(bad), (e: unknown) => e instanceof UsageError && e.message.startsWith(`Invalid --to-datetime '${bad}'`), bad);
  }
});

test('--by-duration: java.time.Duration.parse', () => {
  assert.equal(parseDuration('PT1H'), 3_600_000);
  assert.equal(parseDuration('P1DT2H3M4S'), ((24 + 2) * 3600 + 3 * 60 + 4) * 1000);
  assert.equal(parseDuration('PT0.5S'), 500);
  assert.equal(parseDuration('pt1,25s'), 1250);
  assert.equal(parseDuration('P2D'), 2 * 86_400_000);
  assert.equal(parseDuration('-PT1M'), -60_000);
  assert.equal(parseDuration('PT-1M30S'), -30_000);
  assert.equal(parseDuration('PT-1.5S'), -1500);
  for (const bad of ['P', 'PT', '1H', 'PT1X', 'P1H', 'PT1.5M', '', 'P1W']) {
    assert.throws(() => parseDuration(bad), (e: unknown) => e instanceof UsageError && e.message.startsWith(`Invalid --by-duration '${bad}'`), bad);
  }
});

test('--topic t:p,p and --from-file CSV', () => {
  assert.deepEqual(parseTopicWithPartitions('t:0,2'), [{ topic: 't', partition: 0 }, { topic: 't', partition: 2 }]);
  assert.deepEqual(parseTopicWithPartitions('t:1,'), [{ topic: 't', partition: 1 }]);
  assert.throws(() => parseTopicWithPartitions('t:'), usage("Invalid topic arg 't:', expected topic name and partitions"));
  assert.throws(() => parseTopicWithPartitions('a:b:1'), usage("Invalid topic arg 'a:b:1', expected topic name and partitions"));
  assert.deepEqual(splitTopicArgs(['a', 'b:3']), { topics: ['a'], partitions: [{ topic: 'b', partition: 3 }] });

  const single = parseResetPlan('t,0,5\nt,1,7\r\nu,0,0\n', 'g');
  assert.deepEqual([...single.keys()], ['g']);
  assert.deepEqual([...single.get('g')!.values()], [{ topic: 't', partition: 0, offset: 5 }, { topic: 't', partition: 1, offset: 7 }, { topic: 'u', partition: 0, offset: 0 }]);
  const many = parseResetPlan('g1,t,0,5\ng2,t,0,9\n', null);
  assert.deepEqual([...many.keys()], ['g1', 'g2']);
  assert.equal(many.get('g2')!.get(tpKey({ topic: 't', partition: 0 }))!.offset, 9);
  // With one --group, a file with a group column is read as such.
  assert.deepEqual([...parseResetPlan('g1,t,0,5\n', 'g1').keys()], ['g1']);
  assert.throws(() => parseResetPlan('t,0,5\n', null), usage(/^Invalid --from-file line 1: 't,0,5' \(expected group,topic,partition,offset\)$/));
  assert.throws(() => parseResetPlan('t,0,5\nt,x,1\n', 'g'), usage(/^Invalid --from-file line 2/));
  const plan = new Map([['g', [{ topic: 't', partition: 0, offset: 5 }]], ['h', [{ topic: 'u', partition: 1, offset: 2 }]]]);
  assert.equal(exportCsv(plan, false), 'g,t,0,5\nh,u,1,2\n');
  assert.equal(exportCsv(new Map([['g', [{ topic: 't', partition: 0, offset: 5 }]]]), true), 't,0,5\n');
  // What --export prints, --from-file reads back.
  assert.deepEqual([...parseResetPlan(exportCsv(plan, false), null).get('h')!.values()], [{ topic: 'u', partition: 1, offset: 2 }]);
});

/** Log offsets of a small made-up cluster: t-0 holds 10..20 (times 1000+i*10), t-1 holds 0..5, e-0 is empty at 7. */
function logs(calls: string[] = []): LogOffsets {
  const start = new Map([['t\u00000', 10], ['t\u00001', 0], ['e\u00000', 7]]);
  const end = new Map([['t\u00000', 20], ['t\u00001', 5], ['e\u00000', 7]]);
  const pick = (m: Map<string, number>, ps: readonly TopicPartition[]): Map<string, number | null> => new Map(ps.map((p) => [tpKey(p), m.get(tpKey(p)) ?? null]));
  return {
    earliest: async (ps) => (calls.push('earliest'), pick(start, ps)),
    latest: async (ps) => (calls.push('latest'), pick(end, ps)),
    forTimestamp: async (ps, ts) => {
      calls.push(`time ${ts}`);
      return new Map(ps.map((p) => [tpKey(p), p.topic === 't' && p.partition === 0 && ts <= 1090 ? 10 + Math.max(0, Math.ceil((ts - 1000) / 10)) : p.topic === 'x' ? null : -1]));
    },
  };
}

test('reset planning: each scenario, clamping, fall-backs and errors', async () => {
  const t0 = { topic: 't', partition: 0 };
  const t1 = { topic: 't', partition: 1 };
  const e0 = { topic: 'e', partition: 0 };
  const committed = new Map([[tpKey(t0), 15], [tpKey(t1), 2]]);
  const out: string[] = [];
  const err: string[] = [];
  const notices = { stdout: (s: string) => out.push(s), stderr: (s: string) => err.push(s) };
  const plan = (spec: ResetSpec, ps: TopicPartition[] = [t1, t0], nowMs = 0) => planReset(spec, 'g', ps, committed, logs(), notices, nowMs);
  const offsets = async (spec: ResetSpec, ps?: TopicPartition[], nowMs?: number) => (await plan(spec, ps, nowMs)).map((o) => `${o.topic}-${o.partition}:${o.offset}`);

  assert.deepEqual(await offsets({ kind: 'to-earliest' }), ['t-0:10', 't-1:0']);
  assert.deepEqual(await offsets({ kind: 'to-latest' }), ['t-0:20', 't-1:5']);
  assert.deepEqual(await offsets({ kind: 'to-current' }, [t0, t1, e0]), ['e-0:7', 't-0:15', 't-1:2']);
  assert.deepEqual(await offsets({ kind: 'shift-by', shift: 2 }), ['t-0:17', 't-1:4']);
  assert.deepEqual(err, []);
  assert.deepEqual(await offsets({ kind: 'shift-by', shift: -10 }), ['t-0:10', 't-1:0']);
  assert.deepEqual(err, [
    'WARN New offset (-8) is lower than earliest offset for topic partition t-1. Value will be set to 0.',
    'WARN New offset (5) is lower than earliest offset for topic partition t-0. Value will be set to 10.',
  ]);
  err.length = 0;
  assert.deepEqual(await offsets({ kind: 'to-offset', offset: 12 }), ['t-0:12', 't-1:5']);
  assert.deepEqual(err, ['WARN New offset (12) is higher than latest offset for topic partition t-1. Value will be set to 5.']);
  assert.deepEqual(await offsets({ kind: 'to-datetime', timestampMs: 1035 }, [t0, e0]), ['e-0:7', 't-0:14']);
  assert.deepEqual(out, ['\nWarn: Partition 0 from topic e is empty. Falling back to latest known offset.']);
  // --by-duration counts back from now.
  assert.deepEqual(await offsets({ kind: 'by-duration', durationMs: 60 }, [t0], 1080), ['t-0:12']);
  const file = parseResetPlan('t,0,3\nt,1,4\n', 'g');
  assert.deepEqual(await offsets({ kind: 'from-file', plan: file }, []), ['t-0:10', 't-1:4']);
  out.length = 0;
  assert.deepEqual(await planReset({ kind: 'from-file', plan: file }, 'other', [], committed, logs(), notices, 0), []);
  assert.deepEqual(out, ['\nError: No reset plan for group other found.']);

  await assert.rejects(plan({ kind: 'shift-by', shift: 1 }, [e0]), (e: unknown) => e instanceof ResetPlanError && e.message === 'Cannot shift offset for partition e-0 since there is no current committed offset');
  await assert.rejects(plan({ kind: 'to-earliest' }, [{ topic: 'x', partition: 0 }]), (e: unknown) => e instanceof ResetPlanError && e.message === 'Error getting starting offset of topic partition: x-0');
  await assert.rejects(plan({ kind: 'to-latest' }, [{ topic: 'x', partition: 0 }]), (e: unknown) => e instanceof ResetPlanError && e.message === 'Error getting ending offset of topic partition: x-0');
  await assert.rejects(plan({ kind: 'to-datetime', timestampMs: 5 }, [{ topic: 'x', partition: 0 }]), (e: unknown) => e instanceof ResetPlanError && /timestamp offset of topic partition: x-0/.test(e.message));
});

test('tables: Kafka\'s columns, widths, "-" and blank lines', () => {
  const rows = [
    { group: 'g', topic: 'orders', partition: 0, leaderEpoch: 3, offset: 5, logEndOffset: 9, lag: 4, consumerId: 'consumer-1-a5e1c0de', host: '/127.0.0.1', clientId: 'consumer-1' },
    { group: 'g', topic: 'a-much-longer-topic-name', partition: 12, leaderEpoch: null, offset: null, logEndOffset: 3, lag: null, consumerId: null, host: null, clientId: null },
  ];
  assert.equal(
    formatOffsets(rows, false),
    '\n' +
      'GROUP           TOPIC                    PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID         HOST            CLIENT-ID\n' +
      'g               orders                   0          5               9               4               consumer-1-a5e1c0de /127.0.0.1      consumer-1\n' +
      'g               a-much-longer-topic-name 12         -               3               -               -                   -               -\n',
  );
  assert.match(formatOffsets(rows, true).split('\n')[1]!, /^GROUP {11}TOPIC {20}PARTITION  LEADER-EPOCH    CURRENT-OFFSET  /);
  assert.match(formatOffsets(rows, true).split('\n')[2]!, /^g {15}orders {19}0 {10}3 {15}5 /);

  const members = [
    { group: 'g', consumerId: 'c-1', groupInstanceId: '', host: '/10.0.0.1', clientId: 'app', partitions: [{ topic: 't', partition: 2 }, { topic: 'a', partition: 1 }, { topic: 't', partition: 10 }] },
    { group: 'g', consumerId: 'c-2', groupInstanceId: '', host: '/10.0.0.2', clientId: 'app', partitions: [] },
  ];
  assert.equal(assignmentText(members[0]!.partitions), 'a:1;t:2,10');
  assert.equal(assignmentText([]), '-');
  assert.equal(
    formatMembers(members, false),
    '\n' + 'GROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     \n' + 'g               c-1             /10.0.0.1       app             3               \n' + 'g               c-2             /10.0.0.2       app             0               \n',
  );
  assert.equal(
    formatMembers(members, true).split('\n')[1],
    'GROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     CURRENT-EPOCH   CURRENT-ASSIGNMENT   TARGET-EPOCH    TARGET-ASSIGNMENT   ',
  );
  assert.equal(formatMembers(members, true).split('\n')[2], 'g               c-1             /10.0.0.1       app             3               -               a:1;t:2,10           -               -                   ');
  assert.match(formatMembers([{ ...members[1]!, groupInstanceId: 'static-1' }], false), /\nGROUP {11}CONSUMER-ID {5}GROUP-INSTANCE-ID HOST {12}CLIENT-ID {7}#PARTITIONS {5}\ng {15}c-2 {13}static-1 {10}\/10\.0\.0\.2 /);
  // An empty group still prints the header (with Kafka's minimum widths).
  assert.equal(formatMembers([], false), '\nGROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     \n');

  assert.equal(
    formatState({ group: 'g', coordinator: { host: 'localhost', port: 9092, nodeId: 1 }, assignmentStrategy: 'range', state: 'Stable', members: 2 }, false),
    '\nGROUP           COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE                #MEMBERS' + '\ng               localhost:9092  (1)       range                Stable               2\n',
  );
  assert.match(formatState({ group: 'g', coordinator: { host: 'h', port: 1, nodeId: 1 }, assignmentStrategy: '', state: 'Empty', members: 0 }, true), /\ng {15}h:1  \(1\) {18}- {20}Empty {16}- {15}- {25}0\n$/);

  assert.equal(
    formatResetPlan(new Map([['g', [{ topic: 't', partition: 0, offset: 5 }, { topic: 't', partition: 1, offset: 0 }]]])),
    '\nGROUP           TOPIC           PARTITION  NEW-OFFSET\ng               t               0          5\ng               t               1          0\n',
  );
  assert.equal(formatResetPlan(new Map([['g', []]])), '\nGROUP           TOPIC           PARTITION  NEW-OFFSET\n');
  assert.equal(formatResetPlan(new Map()), '\n');

  assert.equal(formatGroupList([{ groupId: 'g', type: 'Classic', state: 'Stable' }], false, true), 'GROUP                     STATE               \ng                         Stable              \n');
  assert.equal(formatGroupList([], true, true), 'GROUP                     TYPE                 STATE               \n');

  assert.equal(
    formatDeleteOffsets([
      { topic: 't', partition: 1, error: null },
      { topic: 't', partition: 0, error: 'The consumer group is actively subscribed to the topic' },
      { topic: 'nope', partition: -1, error: "Topic 'nope' does not exist." },
    ]),
    '\nTOPIC           PARTITION  STATUS         ' + "\nnope            -          Error: Topic 'nope' does not exist." + '\nt               0          Error: The consumer group is actively subscribed to the topic' + '\nt               1          Successful     \n',
  );
});

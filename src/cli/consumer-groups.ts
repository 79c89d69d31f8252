/**
 * kafka-consumer-groups.sh: list, describe (offsets, members, state) and delete consumer groups,
 * reset their offsets (dry run by default) and delete their offsets, with Kafka's flags, checks
 * (ConsumerGroupCommandOptions.checkArgs), messages and output. This file parses and checks the
 * command line; consumer-groups-service.ts (loaded only once the arguments are good) talks to
 * the cluster; group-output.ts prints Kafka's tables; group-reset.ts plans offset resets.
 *
 * Exit status: 2 for a usage error, 1 when a group could not be described, deleted or reset
 * (Kafka prints the same messages but exits 0), else 0.
 */
import { readFileSync } from 'node:fs';
import { rejectCombination, requireOptions, type ParsedArgs, type ToolSpec } from './args.js';
import { commandConfigOption } from './common.js';
import { ToolError, UsageError } from './errors.js';
import { parseDateTime, parseDuration, parseResetPlan, splitTopicArgs, type ResetSpec } from './group-reset.js';
import { isMain, main, type Tool } from './run.js';

const NL = '\n';

export const spec: ToolSpec = {
  name: 'kafka-consumer-groups.sh',
  description: 'This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets.',
  options: [
    { name: 'bootstrap-server', kind: 'string', metavar: 'server to connect to', required: true, description: 'REQUIRED: The server(s) to connect to.' },
    { name: 'group', kind: 'string', metavar: 'consumer group', repeatable: true, description: 'The consumer group we wish to act on.' },
    {
      name: 'topic',
      kind: 'string',
      metavar: 'topic',
      repeatable: true,
      description:
        'The topic whose consumer group information should be deleted or topic whose should be included in the reset offset process. ' +
        'In `reset-offsets` case, partitions can be specified using this format: `topic1:0,1,2`, where 0,1,2 are the partition to be included in the process. ' +
        'Reset-offsets also supports multiple topic inputs.',
    },
    { name: 'all-topics', kind: 'flag', description: 'Consider all topics assigned to a group in the `reset-offsets` process.' },
    { name: 'list', kind: 'flag', description: 'List all consumer groups.' },
    { name: 'describe', kind: 'flag', description: 'Describe consumer group and list offset lag (number of messages not yet processed) related to given group.' },
    { name: 'all-groups', kind: 'flag', description: 'Apply to all consumer groups.' },
    { name: 'delete', kind: 'flag', description: 'Pass in groups to delete topic partition offsets and ownership information over the entire consumer group. For instance --group g1 --group g2' },
    {
      name: 'timeout',
      kind: 'long',
      metavar: 'timeout (ms)',
      defaultValue: '5000',
      description:
        'The timeout that can be set for some use cases. For example, it can be used when describing the group to specify the maximum amount of time in milliseconds to wait before the group stabilizes (when the group is just created, or is going through some changes).',
    },
    commandConfigOption('Admin Client and Consumer'),
    {
      name: 'reset-offsets',
      kind: 'flag',
      description:
        'Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive' + NL +
        'Has 2 execution options: --dry-run (the default) to plan which offsets to reset, and --execute to update the offsets. Additionally, the --export option is used to export the results to a CSV format.' + NL +
        'You must choose one of the following reset specifications: --to-datetime, --by-duration, --to-earliest, --to-latest, --shift-by, --from-file, --to-current, --to-offset.' + NL +
        "To define the scope use --all-topics or --topic. One scope must be specified unless you use '--from-file'.",
    },
    { name: 'delete-offsets', kind: 'flag', description: 'Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics.' },
    { name: 'dry-run', kind: 'flag', description: 'Only show results without executing changes on Consumer Groups. Supported operations: reset-offsets.' },
    { name: 'execute', kind: 'flag', description: 'Execute operation. Supported operations: reset-offsets.' },
    { name: 'export', kind: 'flag', description: 'Export operation execution to a CSV file. Supported operations: reset-offsets.' },
    { name: 'to-offset', kind: 'long', metavar: 'offset', description: 'Reset offsets to a specific offset.' },
    { name: 'from-file', kind: 'string', metavar: 'path to CSV file', description: 'Reset offsets to values defined in CSV file.' },
    { name: 'to-datetime', kind: 'string', metavar: 'datetime', description: "Reset offsets to offset from datetime. Format: 'YYYY-MM-DDTHH:mm:SS.sss'" },
    { name: 'by-duration', kind: 'string', metavar: 'duration', description: "Reset offsets to offset by duration from current timestamp. Format: 'PnDTnHnMnS'" },
    { name: 'to-earliest', kind: 'flag', description: 'Reset offsets to earliest offset.' },
    { name: 'to-latest', kind: 'flag', description: 'Reset offsets to latest offset.' },
    { name: 'to-current', kind: 'flag', description: 'Reset offsets to current offset.' },
    { name: 'shift-by', kind: 'long', metavar: 'number-of-offsets', description: "Reset offsets shifting current offset by 'n', where 'n' can be positive or negative." },
    {
      name: 'members',
      kind: 'flag',
      description: "Describe members of the group. This option may be used with '--describe' and '--bootstrap-server' options only." + NL + 'Example: --bootstrap-server localhost:9092 --describe --group group1 --members',
    },
    {
      name: 'verbose',
      kind: 'flag',
      description:
        "Provide additional information, if any, when describing the group. This option may be used with '--offsets'/'--members'/'--state' and '--bootstrap-server' options only." + NL +
        'Example: --bootstrap-server localhost:9092 --describe --group group1 --members --verbose',
    },
    {
      name: 'offsets',
      kind: 'flag',
      description:
        "Describe the group and list all topic partitions in the group along with their offset lag. This is the default sub-action of and may be used with '--describe' and '--bootstrap-server' options only." + NL +
        'Example: --bootstrap-server localhost:9092 --describe --group group1 --offsets',
    },
    {
      name: 'state',
      kind: 'string',
      optionalValue: true,
      description:
        "When specified with '--describe', includes the state of the group." + NL +
        'Example: --bootstrap-server localhost:9092 --describe --group group1 --state' + NL +
        "When specified with '--list', it displays the state of all groups. It can also be used to list groups with specific states." + NL +
        'Example: --bootstrap-server localhost:9092 --list --state stable,empty' + NL +
        "This option may be used with '--describe', '--list' and '--bootstrap-server' options only.",
    },
    {
      name: 'type',
      kind: 'string',
      optionalValue: true,
      description:
        "When specified with '--list', it displays the types of all the groups. It can also be used to list groups with specific types." + NL +
        'Example: --bootstrap-server localhost:9092 --list --type classic,consumer' + NL +
        "This option may be used with the '--list' option only.",
    },
  ],
};

const ACTIONS = ['list', 'describe', 'delete', 'reset-offsets', 'delete-offsets'] as const;
export type Action = (typeof ACTIONS)[number];
const SCENARIOS = ['to-offset', 'shift-by', 'to-datetime', 'by-duration', 'to-earliest', 'to-latest', 'to-current', 'from-file'] as const;

/** The group states a consumer group can be in (GroupState.groupStatesForType(CONSUMER)), in Kafka's spelling. */
export const CONSUMER_GROUP_STATES = ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty', 'Assigning', 'Reconciling'] as const;
const GROUP_TYPES = { classic: 'Classic', consumer: 'Consumer' } as const;

export interface GroupCommand {
  action: Action;
  /** --group values, duplicates removed, in order. */
  groups: string[];
  allGroups: boolean;
  timeoutMs: number;
  describe: { view: 'offsets' | 'members' | 'state'; verbose: boolean };
  list: { includeState: boolean; states: string[]; includeType: boolean; types: ('classic' | 'consumer')[] };
  reset: { spec: ResetSpec | null; allTopics: boolean; topicArgs: string[]; execute: boolean; export: boolean; warnNoExecute: boolean };
  /** --topic values (delete-offsets). */
  topicArgs: string[];
}

/** Kafka's `--state` list for --list: case-insensitive names, each a consumer-group state. */
export function parseStates(text: string): string[] {
  const parsed = text.split(',').map((s) => CONSUMER_GROUP_STATES.find((k) => k.toUpperCase() === s.trim().toUpperCase()) ?? null);
  if (parsed.some((s) => s === null)) throw new UsageError(`Invalid state list '${text}'. Valid states are: ${CONSUMER_GROUP_STATES.join(', ')}`);
  return [...new Set(parsed as string[])];
}

/** Kafka's `--type` list: classic and/or consumer, any case. */
export function parseTypes(text: string): ('classic' | 'consumer')[] {
  const parsed = text
    .toLowerCase()
    .split(',')
    .map((s) => s.trim());
  if (!parsed.every((t) => t in GROUP_TYPES)) throw new UsageError(`Invalid types list '${text}'. Valid types are: ${Object.values(GROUP_TYPES).join(', ')}`);
  return [...new Set(parsed as ('classic' | 'consumer')[])];
}

function only(args: ParsedArgs, option: string, allowedWith: readonly string[]): void {
  if (args.has(option) && !allowedWith.some((a) => args.has(a))) throw new UsageError(`Option(s) [${option}] are unavailable given other options on the command line`);
}

function readPlanFile(path: string, singleGroup: string | null): ResetSpec {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ToolError(`Cannot read --from-file ${path}: ${(e as Error).message}`);
  }
  return { kind: 'from-file', plan: parseResetPlan(text, singleGroup) };
}

/** The reset scenario given on the command line (checkArgs made sure there is at most one). */
function resetSpec(args: ParsedArgs, groups: readonly string[]): ResetSpec | null {
  if (args.has('to-offset')) return { kind: 'to-offset', offset: args.int('to-offset')! };
  if (args.has('to-earliest')) return { kind: 'to-earliest' };
  if (args.has('to-latest')) return { kind: 'to-latest' };
  if (args.has('shift-by')) return { kind: 'shift-by', shift: args.int('shift-by')! };
  if (args.has('to-datetime')) return { kind: 'to-datetime', timestampMs: parseDateTime(args.string('to-datetime')!) };
  if (args.has('by-duration')) return { kind: 'by-duration', durationMs: parseDuration(args.string('by-duration')!) };
  if (args.has('from-file')) return readPlanFile(args.string('from-file')!, groups.length === 1 ? groups[0]! : null);
  if (args.has('to-current')) return { kind: 'to-current' };
  return null;
}

const list = (names: readonly string[]): string => names.map((n) => `[${n}]`).join(', ');

/** Kafka's checkArgs plus the tool's own: the command to run, or a UsageError naming the problem. */
export function checkArgs(args: ParsedArgs): GroupCommand {
  requireOptions(args, 'bootstrap-server');
  only(args, 'members', ['describe']);
  only(args, 'verbose', ['describe']);
  only(args, 'offsets', ['describe']);
  only(args, 'state', ['describe', 'list']);
  only(args, 'type', ['list']);

  if (args.has('describe')) {
    if (!args.has('group') && !args.has('all-groups')) throw new UsageError(`Option [describe] takes one of these options: ${list(['group', 'all-groups'])}`);
    if (['members', 'offsets', 'state'].filter((o) => args.has(o)).length > 1) throw new UsageError(`Option [describe] takes at most one of these options: ${list(['members', 'offsets', 'state'])}`);
    if (args.has('state') && args.string('state') !== '') throw new UsageError('Option [describe] does not take a value for [state]');
  }
  if (args.has('delete')) {
    if (!args.has('group') && !args.has('all-groups')) throw new UsageError(`Option [delete] takes one of these options: ${list(['group', 'all-groups'])}`);
    if (args.has('topic')) throw new UsageError('The consumer does not support topic-specific offset deletion from a consumer group.');
  }
  if (args.has('delete-offsets')) {
    if (!args.has('group') || !args.has('topic')) throw new UsageError(`Option [delete-offsets] takes the following options: ${list(['group', 'topic'])}`);
    if (args.strings('group').length > 1) throw new UsageError('Found multiple arguments for option group, but you asked for only one');
  }
  let warnNoExecute = false;
  if (args.has('reset-offsets')) {
    if (args.has('dry-run') && args.has('execute')) throw new UsageError('Option [reset-offsets] only accepts one of [execute] and [dry-run]');
    warnNoExecute = !args.has('dry-run') && !args.has('execute');
    if (!args.has('group') && !args.has('all-groups')) throw new UsageError(`Option [reset-offsets] takes one of these options: ${list(['group', 'all-groups'])}`);
    for (const s of SCENARIOS) {
      rejectCombination(
        args,
        s,
        SCENARIOS.filter((o) => o !== s),
      );
    }
  }
  rejectCombination(args, 'group', ['all-groups']);
  rejectCombination(args, 'group', ['list']);
  rejectCombination(args, 'topic', ['list', 'describe']);

  const actions = ACTIONS.filter((a) => args.has(a));
  if (actions.length !== 1) throw new UsageError(`Command must include exactly one action: ${ACTIONS.map((a) => `--${a}`).join(', ')}`);
  const action = actions[0]!;
  const groups = [...new Set(args.strings('group'))];
  for (const g of groups) if (g === '') throw new UsageError('The group id must not be empty (--group)', false);

  const timeoutMs = args.int('timeout') ?? 5000;
  if (timeoutMs <= 0) throw new UsageError(`Invalid --timeout ${timeoutMs}: it must be positive`, false);

  const stateValue = args.string('state');
  const typeValue = args.string('type');
  const command: GroupCommand = {
    action,
    groups,
    allGroups: args.has('all-groups'),
    timeoutMs,
    describe: { view: args.has('members') ? 'members' : args.has('state') ? 'state' : 'offsets', verbose: args.has('verbose') },
    list: {
      includeState: args.has('state'),
      states: action === 'list' && stateValue !== undefined && stateValue !== '' ? parseStates(stateValue) : [],
      includeType: args.has('type'),
      types: action === 'list' && typeValue !== undefined && typeValue !== '' ? parseTypes(typeValue) : [],
    },
    reset: { spec: null, allTopics: args.has('all-topics'), topicArgs: args.strings('topic'), execute: args.has('execute'), export: args.has('export'), warnNoExecute },
    topicArgs: args.strings('topic'),
  };
  if (action === 'reset-offsets') {
    const s = resetSpec(args, groups);
    if (s === null) throw new UsageError(`Option '[reset-offsets]' requires one of the following scenarios: [${list(SCENARIOS)}]`);
    if (!command.reset.allTopics && command.reset.topicArgs.length === 0 && s.kind !== 'from-file') {
      throw new UsageError('One of the reset scopes should be defined: --all-topics, --topic.');
    }
    // Topic arguments are checked now, before anything is asked of the cluster.
    splitTopicArgs(command.reset.topicArgs);
    command.reset.spec = s;
  }
  if (action === 'delete-offsets') splitTopicArgs(command.topicArgs);
  return command;
}

/** Kafka prints this on stderr when --reset-offsets has neither --dry-run nor --execute. */
export const NO_EXECUTE_WARNING =
  'WARN: No action will be performed as the --execute option is missing.' +
  'In a future major release, the default behavior of this command will be to prompt the user before executing the reset rather than doing a dry run. ' +
  'You should add the --dry-run option explicitly if you are scripting this command and want to keep the current default behavior without prompting.';

export const tool: Tool = {
  spec,
  async run(args, io) {
    const command = checkArgs(args);
    if (command.action === 'reset-offsets' && command.reset.warnNoExecute) io.stderr.write(`${NO_EXECUTE_WARNING}\n`);
    const { runGroupCommand } = await import('./consumer-groups-service.js');
    return runGroupCommand(command, args, io);
  },
};

if (isMain(import.meta.url)) await main(tool);

/**
 * kafka-topics.sh: create, delete, describe, list or change topics, with Kafka's flags, checks
 * and output (`Created topic x.`; describe's `Topic: x\tTopicId: ...\tPartitionCount: ...` line
 * and one tab-indented line per partition). --topic is a regular expression except with --create.
 */
import type { ConfigEntry, TopicDescription } from '../client/types.js';
import { parseKeyValues, rejectCombination, requireOptions, type ParsedArgs, type ToolSpec } from './args.js';
import { bootstrapOption, commandConfigOption, INTERNAL_TOPICS, topicFilter } from './common.js';
import { ToolError, UsageError } from './errors.js';
import { openAdmin, type CliAdmin } from './lazy.js';
import { isMain, main, type Tool, type ToolIO } from './run.js';

const ALTER_CONFIGS_HINT = ' (To alter topic configurations, the kafka-configs tool can be used.)';

export const spec: ToolSpec = {
  name: 'kafka-topics.sh',
  description: 'This tool helps to create, delete, describe, or change a topic.',
  options: [
    bootstrapOption('REQUIRED: The Kafka server to connect to.'),
    commandConfigOption(),
    { name: 'list', kind: 'flag', description: 'List all available topics.' },
    { name: 'create', kind: 'flag', description: 'Create a new topic.' },
    { name: 'delete', kind: 'flag', description: 'Delete a topic.' },
    { name: 'alter', kind: 'flag', description: `Alter the number of partitions and replica assignment.${ALTER_CONFIGS_HINT}` },
    { name: 'describe', kind: 'flag', description: 'List details for the given topics.' },
    { name: 'topic', kind: 'string', metavar: 'topic', description: 'The topic to create, alter, describe or delete. It also accepts a regular expression, except for --create option.' },
    { name: 'topic-id', kind: 'string', metavar: 'topic-id', description: 'The topic-id to describe.' },
    { name: 'config', kind: 'string', metavar: 'name=value', repeatable: true, description: `A topic configuration override for the topic being created. It is supported only in combination with --create.${ALTER_CONFIGS_HINT}` },
    { name: 'partitions', kind: 'int', metavar: '# of partitions', description: 'The number of partitions for the topic being created or altered. If not supplied with --create, the topic uses the cluster default. (WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected).' },
    { name: 'replication-factor', kind: 'int', metavar: 'replication factor', description: 'The replication factor for each partition in the topic being created. If not supplied, the topic uses the cluster default.' },
    { name: 'replica-assignment', kind: 'string', metavar: 'broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , broker_id_for_part2_replica1 : broker_id_for_part2_replica2 , ...', description: 'A list of manual partition-to-broker assignments for the topic being created or altered.' },
    { name: 'under-replicated-partitions', kind: 'flag', description: 'If set when describing topics, only show under-replicated partitions.' },
    { name: 'unavailable-partitions', kind: 'flag', description: 'If set when describing topics, only show partitions whose leader is not available.' },
    { name: 'under-min-isr-partitions', kind: 'flag', description: 'If set when describing topics, only show partitions whose isr count is less than the configured minimum.' },
    { name: 'at-min-isr-partitions', kind: 'flag', description: 'If set when describing topics, only show partitions whose isr count is equal to the configured minimum.' },
    { name: 'topics-with-overrides', kind: 'flag', description: 'If set when describing topics, only show topics that have overridden configs.' },
    { name: 'if-exists', kind: 'flag', description: 'If set when altering or deleting or describing topics, the action will only execute if the topic exists.' },
    { name: 'if-not-exists', kind: 'flag', description: 'If set when creating topics, the create request will not fail if the topic already exists, but the request will still be sent.' },
    { name: 'exclude-internal', kind: 'flag', description: 'Exclude internal topics when listing or describing topics. By default, the internal topics are included.' },
    { name: 'partition-size-limit-per-response', kind: 'int', metavar: 'maximum number of partitions per response', description: 'The maximum partition size to be included in one DescribeTopicPartitions response.' },
  ],
};

const ACTIONS = ['create', 'list', 'alter', 'describe', 'delete'] as const;
type Action = (typeof ACTIONS)[number];
const REPORTS = ['under-replicated-partitions', 'unavailable-partitions', 'under-min-isr-partitions', 'at-min-isr-partitions'] as const;

/** Kafka's checkArgs: one action, the options each action needs, no option an action forbids. */
export function checkArgs(args: ParsedArgs): Action {
  const actions = ACTIONS.filter((a) => args.has(a));
  if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --list, --describe, --create, --alter or --delete');
  const action = actions[0]!;
  requireOptions(args, 'bootstrap-server');
  if (action !== 'list' && action !== 'describe') requireOptions(args, 'topic');
  if (action === 'alter') {
    rejectCombination(args, 'config', ['alter']);
    requireOptions(args, 'partitions');
  }
  const others = (allowed: readonly Action[]): Action[] => ACTIONS.filter((a) => !allowed.includes(a));
  for (const o of ['config', 'partitions', 'replica-assignment']) rejectCombination(args, o, others(['alter', 'create']));
  rejectCombination(args, 'replication-factor', others(['create']));
  if (action === 'create') rejectCombination(args, 'replica-assignment', ['partitions', 'replication-factor']);
  for (const r of REPORTS) rejectCombination(args, r, [...others(['describe']), 'topics-with-overrides']);
  rejectCombination(args, 'topics-with-overrides', [...others(['describe']), ...REPORTS]);
  rejectCombination(args, 'if-exists', others(['alter', 'delete', 'describe']));
  rejectCombination(args, 'if-not-exists', others(['create']));
  rejectCombination(args, 'exclude-internal', others(['list', 'describe']));
  return action;
}

/** `1:2,3:4` → partition 0 on brokers 1,2; partition 1 on 3,4. */
export function parseReplicaAssignment(text: string): number[][] {
  const out: number[][] = [];
  for (const part of text.split(',')) {
    const brokers = part.split(':').map((s) => {
      const t = s.trim();
      if (!/^\d+$/.test(t)) throw new UsageError(`Invalid --replica-assignment '${text}': '${s}' is not a broker id`);
      return Number(t);
    });
    const dup = brokers.filter((b, i) => brokers.indexOf(b) !== i);
    if (dup.length > 0) throw new ToolError(`Partition replica lists may not contain duplicate entries: ${[...new Set(dup)].join(',')}`);
    if (out.length > 0 && brokers.length !== out[0]!.length) throw new ToolError(`Partition ${out.length} has different replication factor: [${brokers.join(', ')}]`);
    out.push(brokers);
  }
  return out;
}

function parseTopicConfigs(args: ParsedArgs): Record<string, string> {
  const list = args.strings('config');
  for (const kv of list) {
    if (kv.split(/\s*=\s*/).length !== 2) {
      throw new UsageError('requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".', false);
    }
  }
  const out: Record<string, string> = {};
  for (const [k, v] of parseKeyValues(list, 'config')) out[k.trim()] = v.trim();
  return out;
}

// ------------------------------------------------------------------ output

/** The topic line of --describe. Configs: the entries that are not defaults, as name=value. */
export function topicLine(td: TopicDescription, configs: readonly ConfigEntry[]): string {
  const configText = configs
    .filter((c) => !c.isDefault)
    .map((c) => `${c.name}=${c.value ?? ''}`)
    .join(',');
  const rf = td.partitions[0]?.replicas.length ?? 0;
  const id = td.topicId === '' || td.topicId === 'AAAAAAAAAAAAAAAAAAAAAA' ? '' : `\tTopicId: ${td.topicId}`;
  return `Topic: ${td.topic}${id}\tPartitionCount: ${td.partitions.length}\tReplicationFactor: ${rf}\tConfigs: ${configText}`;
}

export interface PartitionLineInfo {
  partition: number;
  leader: number;
  replicas: readonly number[];
  isr: readonly number[];
  elr?: readonly number[] | null;
  lastKnownElr?: readonly number[] | null;
}

/** One partition line of --describe (tab-indented, Kafka 4.0's fields). */
export function partitionLine(topic: string, p: PartitionLineInfo): string {
  const list = (l: readonly number[] | null | undefined): string => (l === null ? 'N/A' : (l ?? []).join(','));
  return (
    `\tTopic: ${topic}\tPartition: ${p.partition}\tLeader: ${p.leader < 0 ? 'none' : p.leader}` +
    `\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}\tElr: ${list(p.elr)}\tLastKnownElr: ${list(p.lastKnownElr)}`
  );
}

// ------------------------------------------------------------------ actions

async function selectTopics(admin: CliAdmin, args: ParsedArgs): Promise<string[]> {
  const exclude = args.has('exclude-internal');
  const all = (await admin.listTopics(true)).sort();
  const pattern = args.string('topic');
  const match = pattern === undefined ? () => true : topicFilter(pattern);
  return all.filter((t) => match(t) && !(exclude && INTERNAL_TOPICS.has(t)));
}

function ensureExists(found: readonly string[], args: ParsedArgs): void {
  const requested = args.string('topic');
  if (requested !== undefined && requested !== '' && !args.has('if-exists') && found.length === 0) {
    throw new ToolError(`Topic '${requested}' does not exist as expected`);
  }
}

async function create(admin: CliAdmin, args: ParsedArgs, io: ToolIO): Promise<void> {
  const name = args.string('topic')!;
  const partitions = args.int('partitions');
  const rf = args.int('replication-factor');
  if (rf !== undefined && (rf < 1 || rf > 32767)) throw new ToolError('The replication factor must be between 1 and 32767 inclusive');
  if (partitions !== undefined && partitions < 1) throw new ToolError('The partitions must be greater than 0');
  const configs = parseTopicConfigs(args);
  const assignment = args.string('replica-assignment');
  if (/[._]/.test(name)) {
    io.stdout.write("WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\n");
  }
  try {
    if (assignment !== undefined && assignment !== '') {
      const parsed = parseReplicaAssignment(assignment);
      await admin.createTopic({ topic: name, assignments: Object.fromEntries(parsed.map((b, i) => [i, b])), configs });
    } else {
      await admin.createTopic({ topic: name, numPartitions: partitions ?? -1, replicationFactor: rf ?? -1, configs });
    }
    io.stdout.write(`Created topic ${name}.\n`);
  } catch (e) {
    if (args.has('if-not-exists') && (e as { errorName?: string }).errorName === 'TOPIC_ALREADY_EXISTS') return;
    throw e;
  }
}

async function describe(admin: CliAdmin, args: ParsedArgs, io: ToolIO): Promise<void> {
  const topicId = args.string('topic-id');
  let topics: string[];
  if (topicId !== undefined && topicId !== 'AAAAAAAAAAAAAAAAAAAAAA') {
    const all = await admin.describeTopics(await admin.listTopics(!args.has('exclude-internal')));
    topics = all.filter((t) => t.topicId === topicId).map((t) => t.topic);
    if (topics.length === 0 && !args.has('if-exists')) throw new ToolError(`TopicId '${topicId}' does not exist as expected`);
  } else {
    topics = await selectTopics(admin, args);
    ensureExists(topics, args);
  }
  if (topics.length === 0) return;
  const descriptions = (await admin.describeTopics(topics)).sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
  const configs = await admin.topicConfigs(descriptions.map((d) => d.topic));
  const reports = REPORTS.filter((r) => args.has(r));
  const overridesOnly = args.has('topics-with-overrides');
  const liveBrokers = reports.includes('unavailable-partitions') ? new Set((await admin.describeCluster()).brokers.map((b) => b.nodeId)) : new Set<number>();
  const out: string[] = [];
  for (const td of descriptions) {
    const entries = configs.get(td.topic) ?? [];
    const partitions = [...td.partitions].sort((a, b) => a.partition - b.partition);
    if (reports.length === 0) {
      if (!overridesOnly || entries.some((c) => !c.isDefault)) out.push(topicLine({ ...td, partitions }, entries));
      if (overridesOnly) continue;
    }
    const minIsr = Number(entries.find((c) => c.name === 'min.insync.replicas')?.value ?? '1');
    for (const p of partitions) {
      const hasLeader = p.leader >= 0;
      const show =
        reports.length === 0 ||
        (reports.includes('under-replicated-partitions') && p.replicas.length - p.isr.length > 0) ||
        (reports.includes('unavailable-partitions') && (!hasLeader || !liveBrokers.has(p.leader))) ||
        (reports.includes('under-min-isr-partitions') && (!hasLeader || p.isr.length < minIsr)) ||
        (reports.includes('at-min-isr-partitions') && p.isr.length === minIsr);
      if (show) out.push(partitionLine(td.topic, { ...p, elr: p.elr ?? [], lastKnownElr: p.lastKnownElr ?? [] }));
    }
  }
  if (out.length > 0) io.stdout.write(`${out.join('\n')}\n`);
}

async function alter(admin: CliAdmin, args: ParsedArgs): Promise<void> {
  const topics = await selectTopics(admin, args);
  ensureExists(topics, args);
  if (topics.length === 0) return;
  const count = args.int('partitions')!;
  const assignment = args.string('replica-assignment');
  const parsed = assignment !== undefined && assignment !== '' ? parseReplicaAssignment(assignment) : undefined;
  const current = parsed === undefined ? [] : await admin.describeTopics(topics);
  await admin.createPartitions(
    topics.map((t) => {
      if (parsed === undefined) return { topic: t, count };
      const existing = current.find((d) => d.topic === t)?.partitions.length ?? 0;
      return { topic: t, count, assignments: parsed.slice(existing) };
    }),
  );
}

async function remove(admin: CliAdmin, args: ParsedArgs): Promise<void> {
  const topics = await selectTopics(admin, args);
  ensureExists(topics, args);
  if (topics.length > 0) await admin.deleteTopics(topics);
}

async function list(admin: CliAdmin, args: ParsedArgs, io: ToolIO): Promise<void> {
  const topics = await selectTopics(admin, args);
  io.stdout.write(`${topics.join('\n')}\n`);
}

export const tool: Tool = {
  spec,
  async run(args, io) {
    const action = checkArgs(args);
    const admin = await openAdmin(args, io);
    try {
      switch (action) {
        case 'create':
          await create(admin, args, io);
          break;
        case 'describe':
          await describe(admin, args, io);
          break;
        case 'alter':
          await alter(admin, args);
          break;
        case 'delete':
          await remove(admin, args);
          break;
        case 'list':
          await list(admin, args, io);
          break;
      }
    } catch (e) {
      throw admin.wrapError(e, 'Error while executing topic command');
    } finally {
      await admin.close();
    }
  },
};

if (isMain(import.meta.url)) await main(tool);

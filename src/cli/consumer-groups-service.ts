/**
 * kafka-consumer-groups.sh's conversation with the cluster (Kafka's ConsumerGroupService): which
 * groups, their descriptions, committed offsets and log-end offsets, resets and deletions, and
 * the per-group messages Kafka prints around its tables ("Consumer group 'g' has no active
 * members." on stderr, "Error: ..." lines on stdout). Loaded only after the arguments parse.
 */
import type { Admin } from '../client/admin/admin.js';
import type { GroupDescription, GroupListing } from '../client/admin/group-types.js';
import type { TopicPartition } from '../client/types.js';
import { ErrorCode, KafkaError, errorInfo } from '../protocol/errors.js';
import type { ParsedArgs } from './args.js';
import type { GroupCommand } from './consumer-groups.js';
import { ToolError } from './errors.js';
import {
  formatDeleteOffsets,
  formatGroupList,
  formatMembers,
  formatOffsets,
  formatResetPlan,
  formatState,
  type DeleteOffsetRow,
  type OffsetRow,
} from './group-output.js';
import { compareTp, exportCsv, planReset, ResetPlanError, splitTopicArgs, tpKey, tpName, type LogOffsets, type NewOffset } from './group-reset.js';
import { openAdmin, type CliAdmin } from './kafka.js';
import type { ToolIO } from './run.js';

/** Kafka's exception classes for the errors a group command meets most, as its messages name them. */
const KAFKA_EXCEPTIONS: Readonly<Record<number, string>> = {
  [ErrorCode.NON_EMPTY_GROUP]: 'GroupNotEmptyException',
  [ErrorCode.GROUP_ID_NOT_FOUND]: 'GroupIdNotFoundException',
  [ErrorCode.GROUP_AUTHORIZATION_FAILED]: 'GroupAuthorizationException',
  [ErrorCode.INVALID_GROUP_ID]: 'InvalidGroupIdException',
  [ErrorCode.COORDINATOR_NOT_AVAILABLE]: 'CoordinatorNotAvailableException',
  [ErrorCode.NOT_COORDINATOR]: 'NotCoordinatorException',
  [ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]: 'CoordinatorLoadInProgressException',
  [ErrorCode.REQUEST_TIMED_OUT]: 'TimeoutException',
};

/** An error as Java's Throwable.toString shows it (Kafka's "could not be deleted due to: ..."). */
function javaError(e: Error): string {
  if (e instanceof KafkaError) {
    const cls = KAFKA_EXCEPTIONS[e.code];
    return cls === undefined ? `${e.errorName}: ${e.message}` : `org.apache.kafka.common.errors.${cls}: ${e.message}`;
  }
  return e.message;
}

function isNotFound(e: unknown): boolean {
  return e instanceof KafkaError && e.code === ErrorCode.GROUP_ID_NOT_FOUND;
}

const REBALANCING = new Set(['PreparingRebalance', 'CompletingRebalance', 'Assigning', 'Reconciling']);

class GroupService {
  /** Set when something failed that Kafka reports and goes on: the exit status becomes 1. */
  failed = false;

  constructor(
    private readonly cli: CliAdmin,
    private readonly cmd: GroupCommand,
    private readonly io: ToolIO,
  ) {}

  private get admin(): Admin {
    return this.cli.admin;
  }

  private get call(): { timeoutMs: number } {
    return { timeoutMs: this.cmd.timeoutMs };
  }

  private out(text: string): void {
    this.io.stdout.write(text);
  }

  private err(text: string): void {
    this.io.stderr.write(text);
  }

  /** Kafka's printError: "\nError: ..." on stdout. */
  private error(message: string): void {
    this.failed = true;
    this.out(`\nError: ${message}\n`);
  }

  // ---------------------------------------------------------------- which groups

  /** Consumer groups: protocol "consumer" (or none: groups that only commit offsets), classic or consumer type. */
  private async consumerGroups(filter: { states?: string[]; types?: ('classic' | 'consumer')[] } = {}): Promise<GroupListing[]> {
    const all = await this.admin.listGroups({ ...this.call, ...(filter.states?.length ? { states: filter.states } : {}), ...(filter.types?.length ? { types: filter.types } : {}) });
    return all.filter((g) => (g.protocolType === 'consumer' || g.protocolType === '') && (g.type === null || g.type === 'classic' || g.type === 'consumer'));
  }

  private async targetGroups(): Promise<string[]> {
    return this.cmd.allGroups ? (await this.consumerGroups()).map((g) => g.groupId) : this.cmd.groups;
  }

  // ---------------------------------------------------------------- --list

  async list(): Promise<void> {
    const { includeState, includeType, states, types } = this.cmd.list;
    const groups = await this.consumerGroups({ states, types });
    if (!includeState && !includeType) {
      if (groups.length > 0) this.out(`${groups.map((g) => g.groupId).join('\n')}\n`);
      return;
    }
    const typeName = (t: string | null): string => (t === 'classic' ? 'Classic' : t === 'consumer' ? 'Consumer' : 'Unknown');
    this.out(formatGroupList(groups.map((g) => ({ groupId: g.groupId, type: typeName(g.type), state: g.state ?? 'Unknown' })), includeType, includeState));
  }

  // ---------------------------------------------------------------- --describe

  /** Each group's description, or null (after printing Kafka's message) for a group that does not exist. */
  private async describeEach(groups: readonly string[]): Promise<Map<string, GroupDescription | null>> {
    const sorted = [...new Set(groups)].sort();
    const settled = await Promise.allSettled(sorted.map((g) => this.admin.describeGroups([g], this.call)));
    const out = new Map<string, GroupDescription | null>();
    sorted.forEach((g, i) => {
      const s = settled[i]!;
      if (s.status === 'fulfilled') out.set(g, s.value[0]!);
      else if (isNotFound(s.reason)) out.set(g, null);
      else throw s.reason;
    });
    return out;
  }

  /** Kafka's shouldPrintMemberState: the state messages, and whether there is a table to print. */
  private stateNotice(group: string, state: string, rows: number): boolean {
    if (state === 'Empty') this.err(`\nConsumer group '${group}' has no active members.\n`);
    else if (REBALANCING.has(state)) this.err(`\nWarning: Consumer group '${group}' is rebalancing.\n`);
    return rows > 0;
  }

  async describe(): Promise<void> {
    const groups = await this.targetGroups();
    const described = await this.describeEach(groups);
    const { view, verbose } = this.cmd.describe;
    for (const [group, d] of described) {
      if (d === null) {
        this.error(`Consumer group '${group}' does not exist.`);
        continue;
      }
      if (view === 'state') {
        this.stateNotice(group, d.state, 1);
        this.out(formatState({ group, coordinator: d.coordinator, assignmentStrategy: d.protocol, state: d.state, members: d.members.length }, verbose));
      } else if (view === 'members') {
        const rows = d.members.map((m) => ({
          group,
          consumerId: m.memberId,
          groupInstanceId: m.groupInstanceId ?? '',
          host: m.host,
          clientId: m.clientId,
          partitions: m.consumerAssignment?.partitions ?? [],
        }));
        this.stateNotice(group, d.state, rows.length);
        this.out(formatMembers(rows, verbose));
      } else {
        const rows = await this.offsetRows(d);
        if (this.stateNotice(group, d.state, rows.length)) this.out(formatOffsets(rows, verbose));
      }
    }
  }

  /** Kafka's collectGroupOffsets: members' partitions (most partitions first), then committed partitions nobody owns. */
  private async offsetRows(d: GroupDescription): Promise<OffsetRow[]> {
    const [committed] = await this.admin.listConsumerGroupOffsets([{ groupId: d.groupId }], this.call);
    const offsets = new Map(committed!.offsets.map((o) => [tpKey(o), o]));
    const owned = d.members
      .map((m) => ({ m, partitions: [...(m.consumerAssignment?.partitions ?? [])].sort(compareTp) }))
      .filter((x) => x.partitions.length > 0)
      .sort((a, b) => b.partitions.length - a.partitions.length);
    const assigned = new Set(owned.flatMap((x) => x.partitions.map(tpKey)));
    const unowned = committed!.offsets.filter((o) => !assigned.has(tpKey(o))).sort(compareTp);
    const ends = await this.logEndOffsets([...owned.flatMap((x) => x.partitions), ...unowned]);
    const row = (tp: TopicPartition, who: { memberId: string; host: string; clientId: string } | null): OffsetRow => {
      const c = offsets.get(tpKey(tp));
      const offset = c?.offset ?? null;
      const end = ends.get(tpKey(tp)) ?? null;
      return {
        group: d.groupId,
        topic: tp.topic,
        partition: tp.partition,
        leaderEpoch: c?.leaderEpoch ?? null,
        offset,
        logEndOffset: end,
        lag: offset !== null && end !== null ? end - offset : null,
        consumerId: who?.memberId ?? null,
        host: who?.host ?? null,
        clientId: who?.clientId ?? null,
      };
    };
    return [...owned.flatMap(({ m, partitions }) => partitions.map((tp) => row(tp, m))), ...unowned.map((tp) => row(tp, null))];
  }

  // ---------------------------------------------------------------- log offsets

  /** Partitions with a leader, per topic (Kafka skips the others: their log end is unknown). */
  private async withLeader(partitions: readonly TopicPartition[]): Promise<TopicPartition[]> {
    const topics = [...new Set(partitions.map((p) => p.topic))];
    const led = new Set<string>();
    await Promise.all(
      topics.map(async (t) => {
        try {
          const [d] = await this.admin.describeTopics([t], this.call);
          for (const p of d!.partitions) if (p.leader >= 0) led.add(tpKey({ topic: t, partition: p.partition }));
        } catch (e) {
          if (!(e instanceof KafkaError)) throw e;
        }
      }),
    );
    return partitions.filter((p) => led.has(tpKey(p)));
  }

  /** ListOffsets for each partition; null where it failed or the partition has no leader. */
  private async listOffsets(partitions: readonly TopicPartition[], spec: 'earliest' | 'latest' | { timestamp: number }): Promise<Map<string, number | null>> {
    const out = new Map<string, number | null>(partitions.map((p) => [tpKey(p), null]));
    const led = await this.withLeader(partitions);
    if (led.length === 0) return out;
    const one = async (list: readonly TopicPartition[]): Promise<void> => {
      const found = await this.admin.listOffsets(list.map((p) => ({ ...p, spec })), this.call);
      for (const f of found) out.set(tpKey(f), f.offset);
    };
    try {
      await one(led);
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      // One partition's failure must not hide the others' offsets.
      await Promise.all(led.map((p) => one([p]).catch((err: unknown) => {
        if (!(err instanceof KafkaError)) throw err;
      })));
    }
    return out;
  }

  private logEndOffsets(partitions: readonly TopicPartition[]): Promise<Map<string, number | null>> {
    return this.listOffsets(partitions, 'latest');
  }

  private logOffsets(): LogOffsets {
    return {
      earliest: (ps) => this.listOffsets(ps, 'earliest'),
      latest: (ps) => this.listOffsets(ps, 'latest'),
      forTimestamp: (ps, timestamp) => this.listOffsets(ps, { timestamp }),
    };
  }

  // ---------------------------------------------------------------- --delete

  async deleteGroups(): Promise<void> {
    const groups = await this.targetGroups();
    const settled = await Promise.allSettled(groups.map((g) => this.admin.deleteGroups([g], this.call)));
    const ok: string[] = [];
    const failed: [string, Error][] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') ok.push(groups[i]!);
      else if (s.reason instanceof KafkaError) failed.push([groups[i]!, s.reason]);
      else throw s.reason;
    });
    const quoted = (l: readonly string[]): string => l.map((g) => `'${g}'`).join(', ');
    if (failed.length === 0) {
      this.out(`Deletion of requested consumer groups (${quoted(ok)}) was successful.\n`);
      return;
    }
    this.error('Deletion of some consumer groups failed:');
    for (const [g, e] of failed) this.out(`* Group '${g}' could not be deleted due to: ${javaError(e)}\n`);
    if (ok.length > 0) this.out(`\nThese consumer groups were deleted successfully: ${quoted(ok)}\n`);
  }

  // ---------------------------------------------------------------- --reset-offsets

  async resetOffsets(): Promise<void> {
    const groups = await this.targetGroups();
    const plan = new Map<string, NewOffset[]>();
    for (const group of groups) {
      let state: string | null = null;
      try {
        [{ state }] = (await this.admin.describeGroups([group], this.call)) as [GroupDescription];
      } catch (e) {
        // A group nobody has used yet can be given offsets.
        if (!isNotFound(e)) throw e;
      }
      if (state !== null && state !== 'Empty' && state !== 'Dead') {
        this.error(`Assignments can only be reset if the group '${group}' is inactive, but the current state is ${state}.`);
        plan.set(group, []);
        continue;
      }
      plan.set(group, await this.resetInactiveGroup(group));
    }
    if (this.cmd.reset.export) this.out(`${exportCsv(plan, this.cmd.groups.length === 1)}\n`);
    else this.out(formatResetPlan(plan));
  }

  private async committed(group: string): Promise<Map<string, number>> {
    const [c] = await this.admin.listConsumerGroupOffsets([{ groupId: group }], this.call);
    return new Map(c!.offsets.filter((o) => o.offset !== null).map((o) => [tpKey(o), o.offset!]));
  }

  private async resetInactiveGroup(group: string): Promise<NewOffset[]> {
    const { spec, allTopics, topicArgs, execute } = this.cmd.reset;
    const committed = await this.committed(group);
    let partitions: TopicPartition[];
    if (allTopics) {
      partitions = [...committed.keys()].map((k) => {
        const [topic, p] = k.split('\u0000') as [string, string];
        return { topic, partition: Number(p) };
      });
    } else if (topicArgs.length > 0) {
      const { topics, partitions: explicit } = splitTopicArgs(topicArgs);
      partitions = [...explicit, ...(await this.partitionsOf(topics))];
    } else {
      partitions = [];
    }
    if (spec!.kind === 'from-file') partitions = [...partitions, ...[...(spec!.plan.get(group)?.values() ?? [])]];
    // Kafka prints "No reset plan for group" and goes on; the exit status says it.
    if (spec!.kind === 'from-file' && !spec!.plan.has(group)) this.failed = true;
    await this.checkPartitions(partitions);
    let offsets: NewOffset[];
    try {
      offsets = await planReset(spec!, group, partitions, committed, this.logOffsets(), { stdout: (t) => this.out(`${t}\n`), stderr: (t) => this.err(`${t}\n`) }, Date.now());
    } catch (e) {
      if (e instanceof ResetPlanError) throw new ToolError(e.message);
      throw e;
    }
    if (execute) await this.admin.alterConsumerGroupOffsets(group, offsets, this.call);
    return offsets;
  }

  /** Every partition of `topics` (a topic that does not exist is an error naming it). */
  private async partitionsOf(topics: readonly string[]): Promise<TopicPartition[]> {
    if (topics.length === 0) return [];
    const described = await this.admin.describeTopics([...new Set(topics)], this.call);
    return described.flatMap((d) => d.partitions.map((p) => ({ topic: d.topic, partition: p.partition })));
  }

  /** Kafka's checkAllTopicPartitionsValid: every partition exists and has a leader. */
  private async checkPartitions(partitions: readonly TopicPartition[]): Promise<void> {
    const topics = [...new Set(partitions.map((p) => p.topic))];
    if (topics.length === 0) return;
    const described = new Map((await this.admin.describeTopics(topics, this.call)).map((d) => [d.topic, d]));
    const missing = partitions.filter((p) => described.get(p.topic)?.partitions.find((x) => x.partition === p.partition) === undefined);
    if (missing.length > 0) throw new ToolError(`The partitions "${missing.map(tpName).join(',')}" do not exist`);
    const leaderless = partitions.filter((p) => described.get(p.topic)!.partitions.find((x) => x.partition === p.partition)!.leader < 0);
    if (leaderless.length > 0) throw new ToolError(`The partitions "${leaderless.map(tpName).join(',')}" have no leader`);
  }

  // ---------------------------------------------------------------- --delete-offsets

  async deleteOffsets(): Promise<void> {
    const group = this.cmd.groups[0]!;
    const { topics, partitions: explicit } = splitTopicArgs(this.cmd.topicArgs);
    const rows: DeleteOffsetRow[] = [];
    const partitions: TopicPartition[] = [...explicit];
    for (const t of [...new Set(topics)]) {
      try {
        partitions.push(...(await this.partitionsOf([t])));
      } catch (e) {
        if (!(e instanceof KafkaError)) throw e;
        rows.push({ topic: t, partition: -1, error: e.message });
      }
    }
    const unique = [...new Map(partitions.map((p) => [tpKey(p), p])).values()];
    let top: number = ErrorCode.NONE;
    try {
      const results = await this.admin.deleteConsumerGroupOffsets(group, unique, this.call);
      for (const r of results) {
        rows.push({ topic: r.topic, partition: r.partition, error: r.error?.message ?? null });
        if (r.error !== null && top === ErrorCode.NONE) top = r.error.code;
      }
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      top = e.code;
      for (const p of unique) rows.push({ topic: p.topic, partition: p.partition, error: e.message });
    }
    switch (top) {
      case ErrorCode.NONE:
        this.out(`Request succeeded for deleting offsets from group ${group}.\n`);
        break;
      case ErrorCode.INVALID_GROUP_ID:
      case ErrorCode.GROUP_ID_NOT_FOUND:
      case ErrorCode.GROUP_AUTHORIZATION_FAILED:
      case ErrorCode.NON_EMPTY_GROUP:
        this.error(errorInfo(top).message);
        break;
      case ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC:
      case ErrorCode.TOPIC_AUTHORIZATION_FAILED:
      case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
        this.error('Encountered some partition-level error, see the follow-up details.');
        break;
      default:
        this.error(`Encountered some unknown error: ${errorInfo(top).name}`);
    }
    if (rows.some((r) => r.error !== null)) this.failed = true;
    this.out(formatDeleteOffsets(rows));
  }
}

/** Runs the checked command; resolves with the exit status. */
export async function runGroupCommand(cmd: GroupCommand, args: ParsedArgs, io: ToolIO): Promise<number> {
  const cli = await openAdmin(args, io);
  const service = new GroupService(cli, cmd, io);
  try {
    switch (cmd.action) {
      case 'list':
        await service.list();
        break;
      case 'describe':
        await service.describe();
        break;
      case 'delete':
        await service.deleteGroups();
        break;
      case 'reset-offsets':
        await service.resetOffsets();
        break;
      case 'delete-offsets':
        await service.deleteOffsets();
        break;
    }
  } catch (e) {
    // Kafka's words for a command that failed as a whole.
    throw cli.wrapError(e instanceof ToolError || e instanceof KafkaError ? new ToolError(`Executing consumer group command failed due to ${e.message}`) : e);
  } finally {
    await cli.close();
  }
  return service.failed ? 1 : 0;
}

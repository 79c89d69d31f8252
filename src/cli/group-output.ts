/**
 * kafka-consumer-groups.sh's output, character for character as Kafka's ConsumerGroupCommand
 * prints it: printf-style columns (`%-Ns`: padded, never cut, one space between columns, widths
 * from the longest value with Kafka's minimums), "-" for a missing value, and Kafka's blank
 * lines (each describe table starts with an empty line; each row is written as "\n" + row, the
 * last one followed by a newline). Pure functions from rows to text.
 */
import type { NewOffset } from './group-reset.js';

/** Kafka's MISSING_COLUMN_VALUE. */
export const MISSING = '-';

function cell(v: string | number | null | undefined): string {
  return v === null || v === undefined ? MISSING : String(v);
}

/** Java's `%-Ns`. */
function left(s: string, width: number): string {
  return s.padEnd(width);
}

function widest(min: number, values: Iterable<string>): number {
  let w = min;
  for (const v of values) w = Math.max(w, v.length);
  return w;
}

// ------------------------------------------------------------------ --list

export interface GroupListRow {
  groupId: string;
  /** Kafka's GroupType spelling: 'Classic', 'Consumer', 'Unknown'. */
  type: string;
  /** Kafka's GroupState spelling: 'Stable', 'Empty', ..., 'Unknown'. */
  state: string;
}

/** `--list --state` / `--list --type`: GROUP [TYPE] [STATE], the group column 10 wider than the longest id. */
export function formatGroupList(rows: readonly GroupListRow[], includeType: boolean, includeState: boolean): string {
  const groupWidth = widest(15, rows.map((r) => r.groupId)) + 10;
  const line = (group: string, type: string, state: string): string => {
    let s = left(group, groupWidth);
    if (includeType) s += ` ${left(type, 20)}`;
    if (includeState) s += ` ${left(state, 20)}`;
    return `${s}\n`;
  };
  return line('GROUP', 'TYPE', 'STATE') + rows.map((r) => line(r.groupId, r.type, r.state)).join('');
}

// ------------------------------------------------------------------ --describe (--offsets)

export interface OffsetRow {
  group: string;
  topic: string | null;
  partition: number | null;
  leaderEpoch: number | null;
  offset: number | null;
  logEndOffset: number | null;
  lag: number | null;
  consumerId: string | null;
  host: string | null;
  clientId: string | null;
}

/** The offsets table of one group; `verbose` adds LEADER-EPOCH. */
export function formatOffsets(rows: readonly OffsetRow[], verbose: boolean): string {
  const g = widest(15, rows.map((r) => r.group));
  const t = widest(15, rows.map((r) => cell(r.topic)));
  const c = widest(15, rows.map((r) => cell(r.consumerId)));
  const h = widest(15, rows.map((r) => cell(r.host)));
  const line = (v: string[]): string => {
    const [group, topic, partition, epoch, current, end, lag, consumer, host, client] = v as [string, string, string, string, string, string, string, string, string, string];
    const mid = verbose ? `${left(partition, 10)} ${left(epoch, 15)} ` : `${left(partition, 10)} `;
    return `\n${left(group, g)} ${left(topic, t)} ${mid}${left(current, 15)} ${left(end, 15)} ${left(lag, 15)} ${left(consumer, c)} ${left(host, h)} ${client}`;
  };
  let out = line(['GROUP', 'TOPIC', 'PARTITION', 'LEADER-EPOCH', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID']);
  for (const r of rows) {
    out += line([r.group, cell(r.topic), cell(r.partition), cell(r.leaderEpoch), cell(r.offset), cell(r.logEndOffset), cell(r.lag), cell(r.consumerId), cell(r.host), cell(r.clientId)]);
  }
  return `${out}\n`;
}

// ------------------------------------------------------------------ --describe --members

export interface MemberRow {
  group: string;
  consumerId: string;
  /** '' when the member has none. */
  groupInstanceId: string;
  host: string;
  clientId: string;
  partitions: readonly { topic: string; partition: number }[];
}

/** Kafka's assignment text: `topic:0,1;other:2`, topics sorted, partitions in numeric order; "-" when empty. */
export function assignmentText(partitions: readonly { topic: string; partition: number }[]): string {
  if (partitions.length === 0) return MISSING;
  const byTopic = new Map<string, number[]>();
  for (const p of partitions) {
    let l = byTopic.get(p.topic);
    if (l === undefined) byTopic.set(p.topic, (l = []));
    l.push(p.partition);
  }
  return [...byTopic]
    .map(([topic, ps]) => `${topic}:${[...ps].sort((a, b) => a - b).join(',')}`)
    .sort()
    .join(';');
}

/**
 * The members table of one group (header even without members, as Kafka prints it);
 * GROUP-INSTANCE-ID appears when a member has one; `verbose` adds the epochs and assignments
 * (a classic group has no epochs and no target assignment: "-").
 */
export function formatMembers(rows: readonly MemberRow[], verbose: boolean): string {
  const g = widest(15, rows.map((r) => r.group));
  const c = widest(15, rows.map((r) => r.consumerId));
  const i = widest(17, rows.map((r) => r.groupInstanceId));
  const h = widest(15, rows.map((r) => r.host));
  const cl = widest(15, rows.map((r) => r.clientId));
  const ca = widest(20, rows.map((r) => assignmentText(r.partitions)));
  const ta = 20;
  const withInstance = rows.some((r) => r.groupInstanceId !== '');
  const base = (group: string, consumer: string, instance: string, host: string, client: string, count: string): string =>
    withInstance
      ? `${left(group, g)} ${left(consumer, c)} ${left(instance, i)} ${left(host, h)} ${left(client, cl)} ${left(count, 15)} `
      : `${left(group, g)} ${left(consumer, c)} ${left(host, h)} ${left(client, cl)} ${left(count, 15)} `;
  const extra = (currentEpoch: string, current: string, targetEpoch: string, target: string): string =>
    verbose ? `${left(currentEpoch, 15)} ${left(current, ca)} ${left(targetEpoch, 15)} ${left(target, ta)}` : '';
  let out = `\n${base('GROUP', 'CONSUMER-ID', 'GROUP-INSTANCE-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS')}${extra('CURRENT-EPOCH', 'CURRENT-ASSIGNMENT', 'TARGET-EPOCH', 'TARGET-ASSIGNMENT')}\n`;
  for (const r of rows) {
    out += `${base(r.group, r.consumerId, r.groupInstanceId, r.host, r.clientId, String(r.partitions.length))}${extra(MISSING, assignmentText(r.partitions), MISSING, MISSING)}\n`;
  }
  return out;
}

// ------------------------------------------------------------------ --describe --state

export interface StateRow {
  group: string;
  coordinator: { host: string; port: number; nodeId: number };
  /** The assignor ('range', ...); '' when none. */
  assignmentStrategy: string;
  state: string;
  members: number;
}

export function formatState(r: StateRow, verbose: boolean): string {
  const coordinator = `${r.coordinator.host}:${r.coordinator.port}  (${r.coordinator.nodeId})`;
  const c = Math.max(25, coordinator.length);
  const g = Math.max(15, r.group.length);
  const strategy = r.assignmentStrategy === '' ? MISSING : r.assignmentStrategy;
  const line = (v: readonly string[]): string =>
    verbose
      ? `\n${left(v[0]!, g)} ${left(v[1]!, c)} ${left(v[2]!, 20)} ${left(v[3]!, 20)} ${left(v[4]!, 15)} ${left(v[5]!, 25)} ${v[6]}`
      : `\n${left(v[0]!, g)} ${left(v[1]!, c)} ${left(v[2]!, 20)} ${left(v[3]!, 20)} ${v[6]}`;
  return (
    line(['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', 'GROUP-EPOCH', 'TARGET-ASSIGNMENT-EPOCH', '#MEMBERS']) +
    line([r.group, coordinator, strategy, r.state, MISSING, MISSING, String(r.members)]) +
    '\n'
  );
}

// ------------------------------------------------------------------ --reset-offsets

/** The plan (dry run) or what was done (--execute): GROUP TOPIC PARTITION NEW-OFFSET. */
export function formatResetPlan(plan: ReadonlyMap<string, readonly NewOffset[]>): string {
  const g = widest(15, plan.keys());
  const t = widest(15, [...plan.values()].flatMap((l) => l.map((o) => o.topic)));
  const line = (group: string, topic: string, partition: string, offset: string): string => `\n${left(group, g)} ${left(topic, t)} ${left(partition, 10)} ${offset}`;
  let out = plan.size > 0 ? line('GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET') : '';
  for (const [group, offsets] of plan) for (const o of offsets) out += line(group, o.topic, String(o.partition), String(o.offset));
  return `${out}\n`;
}

// ------------------------------------------------------------------ --delete-offsets

export interface DeleteOffsetRow {
  topic: string;
  /** -1 for a topic that could not be looked up. */
  partition: number;
  /** The error's message, or null when deleted. */
  error: string | null;
}

/** TOPIC PARTITION STATUS, ordered as Kafka orders them (by the text topic + partition). */
export function formatDeleteOffsets(rows: readonly DeleteOffsetRow[]): string {
  const t = widest(15, rows.map((r) => r.topic));
  const line = (topic: string, partition: string, status: string): string => `\n${left(topic, t)} ${left(partition, 10)} ${left(status, 15)}`;
  const sorted = [...rows].sort((a, b) => {
    const x = `${a.topic}${a.partition}`;
    const y = `${b.topic}${b.partition}`;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  let out = line('TOPIC', 'PARTITION', 'STATUS');
  for (const r of sorted) out += line(r.topic, r.partition >= 0 ? String(r.partition) : MISSING, r.error === null ? 'Successful' : `Error: ${r.error}`);
  return `${out}\n`;
}

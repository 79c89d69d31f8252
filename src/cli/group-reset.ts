/**
 * kafka-consumer-groups.sh --reset-offsets without I/O: parsing its arguments the way Kafka does
 * (--to-datetime as Kafka's Utils.getDateTime, --by-duration as java.time.Duration, --topic
 * `t:0,1`, the --from-file CSV) and planning the new offsets from the committed offsets and the
 * partitions' log offsets (GroupOffsetsResetter's rules: explicit offsets are clamped into
 * [log start, log end] with a warning; a time with no record after it falls back to the log end).
 */
import type { TopicPartition } from '../client/types.js';
import { UsageError } from './errors.js';

export type ResetSpec =
  | { kind: 'to-offset'; offset: number }
  | { kind: 'to-earliest' }
  | { kind: 'to-latest' }
  | { kind: 'to-current' }
  | { kind: 'shift-by'; shift: number }
  | { kind: 'to-datetime'; timestampMs: number }
  | { kind: 'by-duration'; durationMs: number }
  | { kind: 'from-file'; plan: ResetPlanFile };

/** group -> "topic\0partition" -> offset, as read from a --from-file CSV. */
export type ResetPlanFile = Map<string, Map<string, { topic: string; partition: number; offset: number }>>;

export interface NewOffset extends TopicPartition {
  offset: number;
}

export function tpKey(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

/** Kafka's TopicPartition.toString: "topic-partition". */
export function tpName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

export function compareTp(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

// ------------------------------------------------------------------ --to-datetime

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Kafka's --to-datetime: `YYYY-MM-DDTHH:mm:SS.sss`, then optionally a zone (`Z`, `+hh`,
 * `+hhmm`, `+hh:mm`, or `-`); without one the time is UTC. Fields are checked strictly (no
 * month 13, no February 30). Returns epoch milliseconds; throws a UsageError.
 */
export function parseDateTime(text: string): number {
  const bad = (why: string): UsageError =>
    new UsageError(`Invalid --to-datetime '${text}': ${why}. Expected YYYY-MM-DDTHH:mm:SS.sss with an optional zone (Z, +hh, +hhmm or +hh:mm; UTC when absent)`, false);
  if (!text.includes('T')) throw bad("it does not contain a 'T' according to ISO8601 format");
  const m = DATETIME.exec(text.trim());
  if (m === null) throw bad('not in the expected format');
  const [year, month, day, hour, minute, second, milli] = m.slice(1, 8).map(Number) as [number, number, number, number, number, number, number];
  if (month < 1 || month > 12) throw bad(`month ${month} out of range`);
  if (day < 1 || day > daysInMonth(year, month)) throw bad(`day ${day} out of range`);
  if (hour > 23 || minute > 59 || second > 59) throw bad('time of day out of range');
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const hours = Number(digits.slice(0, 2));
    const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
    if (hours > 18 || minutes > 59) throw bad(`zone ${zone} out of range`);
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes);
  }
  return Date.UTC(year, month - 1, day, hour, minute, second, milli) - offsetMinutes * 60_000;
}

// ------------------------------------------------------------------ --by-duration

const DURATION = /^([-+]?)P(?:([-+]?\d+)D)?(T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+)(?:[.,](\d{0,9}))?S)?)?$/i;

/**
 * java.time.Duration.parse: ISO-8601 `PnDTnHnMnS` (days of 24 hours; parts may be signed,
 * seconds may have up to 9 decimals; the whole may be negated: `-PT1H`). Returns milliseconds,
 * truncated toward zero; throws a UsageError.
 */
export function parseDuration(text: string): number {
  const bad = new UsageError(`Invalid --by-duration '${text}': expected an ISO-8601 duration PnDTnHnMnS (e.g. PT30M, P1DT12H, PT0.5S)`, false);
  const m = DURATION.exec(text.trim());
  if (m === null) throw bad;
  const [, sign, days, t, hours, minutes, seconds, fraction] = m;
  if (days === undefined && t === undefined) throw bad; // "P" alone
  if (t !== undefined && hours === undefined && minutes === undefined && seconds === undefined) throw bad; // "PT"
  const n = (s: string | undefined): bigint => (s === undefined ? 0n : BigInt(s));
  let nanos = (n(days) * 86_400n + n(hours) * 3_600n + n(minutes) * 60n + n(seconds)) * 1_000_000_000n;
  if (fraction !== undefined && fraction !== '') {
    const f = BigInt(fraction.padEnd(9, '0'));
    nanos += seconds!.startsWith('-') ? -f : f;
  }
  if (sign === '-') nanos = -nanos;
  const ms = nanos / 1_000_000n;
  if (ms > BigInt(Number.MAX_SAFE_INTEGER) || ms < -BigInt(Number.MAX_SAFE_INTEGER)) throw bad;
  return Number(ms);
}

// ------------------------------------------------------------------ --topic t:0,1

/** Java's Integer.parseInt, or null. */
function javaInt(s: string): number | null {
  if (!/^[+-]?\d+$/.test(s)) return null;
  const n = Number(s);
  return n >= -2147483648 && n <= 2147483647 ? n : null;
}

/** Splits like Java's String.split: trailing empty strings are dropped. */
function javaSplit(s: string, sep: string): string[] {
  const parts = s.split(sep);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** A `topic:0,1,2` argument as its partitions (Kafka's parseTopicsWithPartitions). */
export function parseTopicWithPartitions(arg: string): TopicPartition[] {
  const parts = javaSplit(arg, ':');
  if (parts.length !== 2) throw new UsageError(`Invalid topic arg '${arg}', expected topic name and partitions`);
  const [topic, list] = parts as [string, string];
  return javaSplit(list, ',').map((p) => {
    const partition = javaInt(p);
    if (partition === null) throw new UsageError(`Invalid partition '${p}' specified in topic arg '${arg}'`);
    return { topic, partition };
  });
}

/** --topic values: `t` (every partition, looked up later) or `t:0,1` (those partitions). */
export function splitTopicArgs(args: readonly string[]): { topics: string[]; partitions: TopicPartition[] } {
  const topics: string[] = [];
  const partitions: TopicPartition[] = [];
  for (const a of args) {
    if (a.includes(':')) partitions.push(...parseTopicWithPartitions(a));
    else topics.push(a);
  }
  return { topics, partitions };
}

// ------------------------------------------------------------------ --from-file / --export

function csvLine(line: string): string[] {
  return line.replace(/\r$/, '').split(',').map((c) => c.trim());
}

function parseOffset(s: string): number | null {
  if (!/^[+-]?\d+$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * A --from-file CSV (what --export prints): `topic,partition,offset` lines when exactly one
 * --group is given and the first line has that shape, else `group,topic,partition,offset`.
 */
export function parseResetPlan(text: string, singleGroup: string | null): ResetPlanFile {
  const lines = javaSplit(text, '\n').filter((l) => l.trim() !== '');
  const first = lines.length > 0 ? csvLine(lines[0]!) : [];
  const noGroup = singleGroup !== null && first.length === 3 && javaInt(first[1]!) !== null && parseOffset(first[2]!) !== null;
  const plan: ResetPlanFile = new Map();
  lines.forEach((line, i) => {
    const cells = csvLine(line);
    const [group, topic, p, o] = noGroup ? [singleGroup!, ...cells] : cells;
    const partition = p === undefined ? null : javaInt(p);
    const offset = o === undefined ? null : parseOffset(o);
    if (cells.length !== (noGroup ? 3 : 4) || group === '' || topic === '' || partition === null || offset === null) {
      throw new UsageError(`Invalid --from-file line ${i + 1}: '${line}' (expected ${noGroup ? 'topic,partition,offset' : 'group,topic,partition,offset'})`, false);
    }
    let g = plan.get(group!);
    if (g === undefined) plan.set(group!, (g = new Map()));
    g.set(tpKey({ topic: topic!, partition }), { topic: topic!, partition, offset });
  });
  return plan;
}

/** Kafka's --export: the plan as CSV, with a group column unless exactly one --group was given. */
export function exportCsv(plan: ReadonlyMap<string, readonly NewOffset[]>, singleGroup: boolean): string {
  let out = '';
  for (const [group, offsets] of plan) {
    for (const o of offsets) out += singleGroup ? `${o.topic},${o.partition},${o.offset}\n` : `${group},${o.topic},${o.partition},${o.offset}\n`;
  }
  return out;
}

// ------------------------------------------------------------------ planning

/** Log offsets of partitions; null where the broker gave none. */
export interface LogOffsets {
  earliest(partitions: readonly TopicPartition[]): Promise<Map<string, number | null>>;
  latest(partitions: readonly TopicPartition[]): Promise<Map<string, number | null>>;
  /** The first offset with a timestamp at or after `timestampMs`; -1 when there is none. */
  forTimestamp(partitions: readonly TopicPartition[], timestampMs: number): Promise<Map<string, number | null>>;
}

export interface ResetNotices {
  /** Kafka prints these on stdout ("Warn: Partition 0 from topic t is empty. ..."). */
  stdout(text: string): void;
  /** Kafka logs these as WARN (offsets moved into the log's range). */
  stderr(text: string): void;
}

/** Thrown when a plan cannot be made (Kafka's IllegalArgument/IllegalState cases); names the partition. */
export class ResetPlanError extends Error {
  override readonly name = 'ResetPlanError';
}

async function clamp(requested: readonly NewOffset[], logs: LogOffsets, notices: ResetNotices): Promise<NewOffset[]> {
  const [starts, ends] = await Promise.all([logs.earliest(requested), logs.latest(requested)]);
  return requested.map((r) => {
    const end = ends.get(tpKey(r));
    if (end === undefined) throw new ResetPlanError(`Unexpected non-existing offset value for topic partition ${tpName(r)}`);
    if (end !== null && r.offset > end) {
      notices.stderr(`WARN New offset (${r.offset}) is higher than latest offset for topic partition ${tpName(r)}. Value will be set to ${end}.`);
      return { ...r, offset: end };
    }
    const start = starts.get(tpKey(r));
    if (start !== undefined && start !== null && r.offset < start) {
      notices.stderr(`WARN New offset (${r.offset}) is lower than earliest offset for topic partition ${tpName(r)}. Value will be set to ${start}.`);
      return { ...r, offset: start };
    }
    return { ...r };
  });
}

function need(map: Map<string, number | null>, tp: TopicPartition, what: string): number {
  const v = map.get(tpKey(tp));
  if (v === undefined || v === null) throw new ResetPlanError(`Error getting ${what} offset of topic partition: ${tpName(tp)}`);
  return v;
}

async function byTimestamp(partitions: readonly TopicPartition[], timestampMs: number, logs: LogOffsets, notices: ResetNotices): Promise<NewOffset[]> {
  const found = await logs.forTimestamp(partitions, timestampMs);
  const empty = partitions.filter((p) => found.get(tpKey(p)) === -1);
  for (const p of empty) notices.stdout(`\nWarn: Partition ${p.partition} from topic ${p.topic} is empty. Falling back to latest known offset.`);
  const ends = empty.length > 0 ? await logs.latest(empty) : new Map<string, number | null>();
  return partitions.map((p) => (found.get(tpKey(p)) === -1 ? { ...p, offset: need(ends, p, 'ending') } : { ...p, offset: need(found, p, 'timestamp') }));
}

/**
 * The new offsets of `group` for `spec` (unsorted input, output sorted by topic and partition).
 * `committed` holds the group's current offsets; `nowMs` anchors --by-duration.
 */
export async function planReset(
  spec: ResetSpec,
  group: string,
  partitions: readonly TopicPartition[],
  committed: ReadonlyMap<string, number>,
  logs: LogOffsets,
  notices: ResetNotices,
  nowMs: number,
): Promise<NewOffset[]> {
  let out: NewOffset[];
  switch (spec.kind) {
    case 'to-offset':
      out = await clamp(partitions.map((p) => ({ ...p, offset: spec.offset })), logs, notices);
      break;
    case 'to-earliest': {
      const starts = await logs.earliest(partitions);
      out = partitions.map((p) => ({ ...p, offset: need(starts, p, 'starting') }));
      break;
    }
    case 'to-latest': {
      const ends = await logs.latest(partitions);
      out = partitions.map((p) => ({ ...p, offset: need(ends, p, 'ending') }));
      break;
    }
    case 'to-current': {
      const without = partitions.filter((p) => !committed.has(tpKey(p)));
      const ends = without.length > 0 ? await logs.latest(without) : new Map<string, number | null>();
      out = partitions.map((p) => ({ ...p, offset: committed.get(tpKey(p)) ?? need(ends, p, 'ending') }));
      break;
    }
    case 'shift-by': {
      const requested = partitions.map((p) => {
        const current = committed.get(tpKey(p));
        if (current === undefined) throw new ResetPlanError(`Cannot shift offset for partition ${tpName(p)} since there is no current committed offset`);
        return { ...p, offset: current + spec.shift };
      });
      out = await clamp(requested, logs, notices);
      break;
    }
    case 'to-datetime':
      out = await byTimestamp(partitions, spec.timestampMs, logs, notices);
      break;
    case 'by-duration':
      out = await byTimestamp(partitions, nowMs - spec.durationMs, logs, notices);
      break;
    case 'from-file': {
      const forGroup = spec.plan.get(group);
      if (forGroup === undefined) {
        notices.stdout(`\nError: No reset plan for group ${group} found.`);
        return [];
      }
      out = await clamp([...forGroup.values()], logs, notices);
      break;
    }
  }
  return out.sort(compareTp);
}

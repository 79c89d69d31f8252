/**
 * Names of the files of a Kafka log dir (pure). Segments are named by their base offset in 20
 * digits; background operations add Kafka's suffixes (.deleted, .cleaned, .swap).
 */
import { posix } from 'node:path';

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const DELETED_SUFFIX = '.deleted';
export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';

export const META_PROPERTIES = 'meta.properties';
export const RECOVERY_POINT_CHECKPOINT = 'recovery-point-offset-checkpoint';
export const LOG_START_OFFSET_CHECKPOINT = 'log-start-offset-checkpoint';
export const CLEANER_OFFSET_CHECKPOINT = 'cleaner-offset-checkpoint';
export const CLEAN_SHUTDOWN_MARKER = '.kafka_cleanshutdown';
export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
export const PARTITION_METADATA = 'partition.metadata';

/** A topic's directory becomes `<topic>-<partition>.<uniqueId>-delete` while it is being deleted. */
export const DELETE_DIR_SUFFIX = '-delete';

export function offsetFileName(offset: number): string {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`bad base offset ${offset}`);
  return String(offset).padStart(20, '0');
}

export function segmentFileName(baseOffset: number, suffix: string): string {
  return offsetFileName(baseOffset) + suffix;
}

export interface ParsedSegmentFile {
  baseOffset: number;
  /** .log, .index or .timeindex */
  kind: string;
  /** '', .deleted, .cleaned or .swap */
  state: string;
}

const SEGMENT_FILE = /^(\d{20})(\.log|\.index|\.timeindex|\.txnindex|\.snapshot)(\.deleted|\.cleaned|\.swap)?$/;

export function parseSegmentFileName(name: string): ParsedSegmentFile | null {
  const m = SEGMENT_FILE.exec(name);
  if (!m) return null;
  const baseOffset = Number(m[1]);
  if (!Number.isSafeInteger(baseOffset)) return null;
  return { baseOffset, kind: m[2]!, state: m[3] ?? '' };
}

export interface TopicPartitionName {
  topic: string;
  partition: number;
}

/** `<topic>-<partition>` (topic names may contain '-', so the partition is after the last one). */
export function partitionDirName(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export function parsePartitionDirName(name: string): TopicPartitionName | null {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return null;
  const partition = name.slice(dash + 1);
  if (!/^\d+$/.test(partition)) return null;
  return { topic: name.slice(0, dash), partition: Number(partition) };
}

export const join = posix.join;

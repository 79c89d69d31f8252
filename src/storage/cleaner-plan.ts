/**
 * The log cleaner's decisions (pure), with Kafka's rules (LogCleanerManager, LogToClean, Cleaner):
 *
 * - Which range of a compacted log is cleanable. The dirty part starts at the log's entry in
 *   `cleaner-offset-checkpoint` (reset to the log start offset when it lies outside
 *   [logStartOffset, logEndOffset]). It ends at the first uncleanable offset: the lowest of the
 *   active segment's base, the upper bound the caller gives (high watermark / last stable offset)
 *   and, with min.compaction.lag.ms, the base of the first dirty segment holding a record newer
 *   than the lag (KIP-58); rounded down to the base of the segment holding it, as Kafka does.
 * - Whether to clean it now: dirty ratio = cleanable bytes / (clean bytes + cleanable bytes),
 *   strictly above min.cleanable.dirty.ratio (Kafka compares with `>`), or max.compaction.lag.ms
 *   passed for the first batch of the oldest dirty segment (KIP-354) with something to clean.
 * - Which log goes first: the highest dirty ratio among those eligible.
 * - How the segments to rewrite are grouped: consecutive segments while their total size stays
 *   within segment.bytes and their offsets within the 4-byte relative range of one segment.
 * - Which records survive (Kafka's Cleaner.shouldRetainRecord).
 */

/** What the planner needs to know about one inactive segment. */
export interface CleanerSegmentFacts {
  baseOffset: number;
  /** Offset after the segment: the next segment's base. */
  endOffset: number;
  size: number;
  /** Largest batch timestamp in the segment; -1 when unknown or empty (needed with min.compaction.lag.ms). */
  largestTimestamp: number;
  /** Max timestamp of the first batch (Kafka's getFirstBatchTimestamp); -1 when unknown or empty. */
  firstBatchTimestamp: number;
}

export interface CleaningInput {
  /** The log's inactive segments, oldest first (the active segment is never cleaned). */
  segments: readonly CleanerSegmentFacts[];
  activeBaseOffset: number;
  logStartOffset: number;
  logEndOffset: number;
  /** The log's cleaner-offset-checkpoint entry; null when it has none. */
  checkpoint: number | null;
  /** Nothing at or above this offset is cleaned (high watermark, last stable offset). */
  upperBoundOffset: number;
  nowMs: number;
  /** min.cleanable.dirty.ratio */
  minCleanableDirtyRatio: number;
  /** min.compaction.lag.ms */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms */
  maxCompactionLagMs: number;
}

export interface CleaningPlan {
  /** First offset not known to be clean. */
  firstDirtyOffset: number;
  /** True when the checkpoint was missing-but-needed or invalid and must be rewritten as firstDirtyOffset. */
  checkpointReset: boolean;
  /** Exclusive end of the cleanable range: always a segment base. */
  firstUncleanableOffset: number;
  /** Bytes of the segments below the first dirty offset. */
  cleanBytes: number;
  /** Bytes of the segments in [firstDirtyOffset, firstUncleanableOffset). */
  cleanableBytes: number;
  /** cleanableBytes / (cleanBytes + cleanableBytes); 0 for an empty log. */
  dirtyRatio: number;
  /** How long past max.compaction.lag.ms the oldest dirty record is (0 if not past). */
  maxCompactionDelayMs: number;
  /** Whether the log is due for cleaning now. */
  shouldClean: boolean;
}

export function planCleaning(input: CleaningInput): CleaningPlan {
  const { segments, logStartOffset, logEndOffset, nowMs } = input;
  let firstDirtyOffset = input.checkpoint ?? logStartOffset;
  let checkpointReset = false;
  if (firstDirtyOffset < logStartOffset || firstDirtyOffset > logEndOffset) {
    firstDirtyOffset = logStartOffset;
    checkpointReset = true;
  }

  // The inactive segments from the one holding the first dirty offset on (Kafka's nonActiveLogSegmentsFrom).
  const dirty = segments.filter((s) => s.endOffset > firstDirtyOffset);

  let uncleanable = Math.min(input.activeBaseOffset, input.upperBoundOffset);
  const minLagMs = Math.max(0, input.minCompactionLagMs);
  if (minLagMs > 0) {
    const tooNew = dirty.find((s) => s.largestTimestamp > nowMs - minLagMs);
    if (tooNew !== undefined) uncleanable = Math.min(uncleanable, tooNew.baseOffset);
  }
  uncleanable = Math.max(firstDirtyOffset, uncleanable);
  // Rounded down to the base of the segment holding it (the active segment's when none does).
  const holding = segments.find((s) => s.baseOffset <= uncleanable && uncleanable < s.endOffset);
  const firstUncleanableOffset = holding !== undefined ? holding.baseOffset : Math.min(uncleanable, input.activeBaseOffset);

  const cleanBytes = sum(segments.filter((s) => s.baseOffset < firstDirtyOffset));
  const from = Math.min(firstDirtyOffset, firstUncleanableOffset);
  const cleanableBytes =
    from === firstUncleanableOffset ? 0 : sum(segments.filter((s) => s.endOffset > from && s.baseOffset < firstUncleanableOffset));
  const totalBytes = cleanBytes + cleanableBytes;
  const dirtyRatio = totalBytes === 0 ? 0 : cleanableBytes / totalBytes;

  let earliest = Number.POSITIVE_INFINITY;
  for (const s of dirty) if (s.firstBatchTimestamp > 0 && s.firstBatchTimestamp < earliest) earliest = s.firstBatchTimestamp;
  const cleanUntilMs = nowMs - Math.max(0, input.maxCompactionLagMs);
  const maxCompactionDelayMs = earliest < cleanUntilMs ? cleanUntilMs - earliest : 0;

  const shouldClean =
    totalBytes > 0 && ((maxCompactionDelayMs > 0 && cleanableBytes > 0) || dirtyRatio > input.minCleanableDirtyRatio);
  return {
    firstDirtyOffset,
    checkpointReset,
    firstUncleanableOffset,
    cleanBytes,
    cleanableBytes,
    dirtyRatio,
    maxCompactionDelayMs,
    shouldClean,
  };
}

/** Whether the planner needs the largest timestamps of the dirty segments. */
export function needsLargestTimestamps(minCompactionLagMs: number): boolean {
  return minCompactionLagMs > 0;
}

/** Whether the planner needs first-batch timestamps (max.compaction.lag.ms can have passed for some record). */
export function needsFirstBatchTimestamps(maxCompactionLagMs: number, nowMs: number): boolean {
  return nowMs - Math.max(0, maxCompactionLagMs) > 0;
}

/** Index of the log to clean first: the highest dirty ratio among those due; -1 when none is. */
export function pickFilthiest(plans: readonly (CleaningPlan | null)[]): number {
  let best = -1;
  for (let i = 0; i < plans.length; i++) {
    const p = plans[i];
    if (p === null || p === undefined || !p.shouldClean) continue;
    if (best < 0 || p.dirtyRatio > plans[best]!.dirtyRatio) best = i;
  }
  return best;
}

/** Largest offset distance from a segment's base that its 4-byte relative index entries can hold. */
export const MAX_RELATIVE_OFFSET = 0x7fffffff;

/**
 * Groups consecutive segments (Kafka's groupSegmentsBySize): each group becomes one cleaned
 * segment named by its first segment's base. A group grows while its total size stays within
 * `maxBytes` and the last offset of the next segment (the base of the one after it, or
 * `firstUncleanableOffset` for the last) stays within 2^31-1 of the group's base; empty segments
 * skip the offset check. Returns the groups as index ranges [start, end) into `segments`.
 */
export function groupSegmentsBySize(
  segments: readonly { baseOffset: number; size: number }[],
  maxBytes: number,
  firstUncleanableOffset: number,
): { start: number; end: number }[] {
  const groups: { start: number; end: number }[] = [];
  let i = 0;
  while (i < segments.length) {
    const start = i;
    const base = segments[i]!.baseOffset;
    let bytes = segments[i]!.size;
    i++;
    while (i < segments.length) {
      const next = segments[i]!;
      const lastOffset = (i + 1 < segments.length ? segments[i + 1]!.baseOffset : firstUncleanableOffset) - 1;
      if (bytes + next.size > maxBytes) break;
      if (next.size > 0 && lastOffset - base > MAX_RELATIVE_OFFSET) break;
      bytes += next.size;
      i++;
    }
    groups.push({ start, end: i });
  }
  return groups;
}

/** What the retention rule needs from a record. */
export interface RecordFacts {
  offset: number;
  key: Buffer | null;
  hasValue: boolean;
}

/** The offset map as the retention rule sees it. */
export interface OffsetMapView {
  /** Latest offset recorded for `key`; -1 when the key is not in the map. */
  get(key: Buffer): number;
  /** Every offset up to this one was considered when the map was built. */
  readonly latestOffset: number;
}

/**
 * Kafka's Cleaner.shouldRetainRecord for a record of a (non-control) v2 batch:
 * - records past the map's latest offset are not judged: kept;
 * - a record without a key cannot be deduplicated; Kafka counts it as invalid and drops it
 *   (compacted topics reject keyless records at produce time);
 * - otherwise only the latest record of its key survives, and if it is a tombstone (null value)
 *   only while its batch has no delete horizon yet or the horizon is still in the future (KIP-534).
 */
export function shouldRetainRecord(record: RecordFacts, map: OffsetMapView, deleteHorizonMs: number | null, nowMs: number): boolean {
  if (record.offset > map.latestOffset) return true;
  if (record.key === null) return false;
  if (record.offset < map.get(record.key)) return false;
  if (record.hasValue) return true;
  return deleteHorizonMs === null || nowMs < deleteHorizonMs;
}

function sum(segments: readonly { size: number }[]): number {
  let total = 0;
  for (const s of segments) total += s.size;
  return total;
}

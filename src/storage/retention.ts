/**
 * Which segments retention deletes (pure): Kafka's rules, oldest first, never past the high
 * watermark, by log start offset (always), by time and by size (cleanup.policy with delete).
 */
export interface SegmentFacts {
  baseOffset: number;
  size: number;
  /** Largest timestamp in the segment; -1 when empty or unknown. */
  largestTimestamp: number;
  /** Offset after the segment: the next segment's base, or the log end offset for the last. */
  upperBoundOffset: number;
  isEmpty: boolean;
}

export interface RetentionInput {
  segments: readonly SegmentFacts[];
  nowMs: number;
  logStartOffset: number;
  highWatermark: number;
  retentionMs: number;
  retentionBytes: number;
  deletePolicy: boolean;
}

export type DeletionReason = 'log-start-offset' | 'retention-ms' | 'retention-bytes';

/** How many segments, from the oldest, to delete, and why. */
export function segmentsToDelete(input: RetentionInput): { count: number; reason: DeletionReason | null } {
  const { segments } = input;
  const deletable = (i: number): boolean => {
    const s = segments[i]!;
    const isLast = i === segments.length - 1;
    return s.upperBoundOffset <= input.highWatermark && !(isLast && s.isEmpty);
  };
  const count = (pred: (s: SegmentFacts, i: number) => boolean): number => {
    let n = 0;
    while (n < segments.length && deletable(n) && pred(segments[n]!, n)) n++;
    return n;
  };
  const byStart = count((s) => s.upperBoundOffset <= input.logStartOffset);
  if (byStart > 0) return { count: byStart, reason: 'log-start-offset' };
  if (!input.deletePolicy) return { count: 0, reason: null };
  if (input.retentionMs >= 0) {
    const byTime = count((s) => s.largestTimestamp >= 0 && input.nowMs - s.largestTimestamp > input.retentionMs);
    if (byTime > 0) return { count: byTime, reason: 'retention-ms' };
  }
  if (input.retentionBytes >= 0) {
    let excess = segments.reduce((sum, s) => sum + s.size, 0) - input.retentionBytes;
    const bySize = count((s) => {
      if (excess - s.size < 0) return false;
      excess -= s.size;
      return true;
    });
    if (bySize > 0) return { count: bySize, reason: 'retention-bytes' };
  }
  return { count: 0, reason: null };
}

/**
 * An in-memory model of a partition log for the model-based test (test/storage/log-model.test.ts):
 * segments of batches with their offsets, records, timestamps and sizes, and the log start
 * offset, with Kafka's rules written plainly: when a segment rolls, what a read returns, what
 * truncation and retention remove. The real log must answer every question as the model does.
 *
 * Compaction hook: the model never assumes offsets are contiguous inside or across batches (a
 * read looks for the first batch whose LAST offset reaches the one asked for; offsets come from
 * the batches themselves). A compaction step can therefore rewrite `segments` in place, keeping
 * batch offsets and dropping records or whole batches, and everything else keeps working; see
 * `compact` below, which is where it goes.
 */
import type { LogSettings } from '../../src/storage/log-settings.js';

export interface ModelRecord {
  offset: number;
  value: string;
  timestamp: number;
}

export interface ModelBatch {
  baseOffset: number;
  lastOffset: number;
  /** Bytes on disk (the whole v2 batch). */
  size: number;
  maxTimestamp: number;
  records: ModelRecord[];
}

export interface ModelSegment {
  baseOffset: number;
  batches: ModelBatch[];
  /** When it was created (ms): segment.ms of an empty segment counts from here. */
  createdMs: number;
}

export class ModelError extends Error {
  constructor(
    readonly kind: 'offset-out-of-range' | 'record-list-too-large',
    message: string,
  ) {
    super(message);
  }
}

export interface ModelRead {
  records: ModelRecord[];
  /** Base offset of the first batch, or -1. */
  firstBatchOffset: number;
}

export class LogModel {
  segments: ModelSegment[];
  logStartOffset = 0;

  constructor(
    readonly settings: LogSettings,
    nowMs: number,
  ) {
    this.segments = [{ baseOffset: 0, batches: [], createdMs: nowMs }];
  }

  get active(): ModelSegment {
    return this.segments[this.segments.length - 1]!;
  }

  get logEndOffset(): number {
    const a = this.active;
    const last = a.batches[a.batches.length - 1];
    return last === undefined ? a.baseOffset : last.lastOffset + 1;
  }

  get size(): number {
    return this.segments.reduce((n, s) => n + segmentSize(s), 0);
  }

  get segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /**
   * Appends batches of `records` (values and timestamps; offsets are assigned here, from the log
   * end). `sizes` are the bytes of each batch. Rolls first when segment.bytes or segment.ms say
   * so. Returns the first offset.
   */
  append(batches: readonly { size: number; records: readonly { value: string; timestamp: number }[] }[], nowMs: number): number {
    const bytes = batches.reduce((n, b) => n + b.size, 0);
    if (bytes > this.settings.segmentBytes) throw new ModelError('record-list-too-large', `${bytes} bytes > segment.bytes`);
    const active = this.active;
    const activeSize = segmentSize(active);
    const first = active.batches[0];
    const dueBySize = activeSize > 0 && activeSize + bytes > this.settings.segmentBytes;
    // segment.ms: the incoming records' max timestamp minus the first batch's max timestamp
    // (Kafka's rollingBasedTimestamp); for a segment without one, now minus its creation.
    const incomingMaxTimestamp = Math.max(-1, ...batches.flatMap((b) => b.records.map((r) => r.timestamp)));
    const waitedMs = first !== undefined && first.maxTimestamp >= 0 ? incomingMaxTimestamp - first.maxTimestamp : nowMs - active.createdMs;
    const dueByTime = activeSize > 0 && waitedMs > this.settings.segmentMs;
    if (dueBySize || dueByTime) this.roll(nowMs);
    const firstOffset = this.logEndOffset;
    let next = firstOffset;
    for (const b of batches) {
      const records = b.records.map((r, i) => ({ offset: next + i, value: r.value, timestamp: r.timestamp }));
      this.active.batches.push({
        baseOffset: next,
        lastOffset: next + records.length - 1,
        size: b.size,
        maxTimestamp: Math.max(...records.map((r) => r.timestamp)),
        records,
      });
      next += records.length;
    }
    return firstOffset;
  }

  roll(nowMs: number): void {
    if (segmentSize(this.active) === 0) return;
    this.segments.push({ baseOffset: this.logEndOffset, batches: [], createdMs: nowMs });
  }

  /** Whole batches of one segment from the one holding `offset`, within maxBytes, below the bound. */
  read(offset: number, options: { maxBytes: number; upperBound?: number; minOneBatch?: boolean }): ModelRead {
    const end = this.logEndOffset;
    if (offset < this.logStartOffset || offset > end) throw new ModelError('offset-out-of-range', `${offset} not in [${this.logStartOffset}, ${end}]`);
    const upper = Math.min(options.upperBound ?? end, end);
    const none: ModelRead = { records: [], firstBatchOffset: -1 };
    if (offset >= upper) return none;
    for (let i = this.floorIndex(offset); i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      if (seg.baseOffset >= upper) return none;
      const at = seg.batches.findIndex((b) => b.lastOffset >= offset);
      if (at < 0) continue; // nothing at or after `offset` in this segment (compaction): the next one
      const first = seg.batches[at]!;
      if (first.lastOffset >= upper) return none;
      if (first.size > options.maxBytes) {
        // KIP-74: the first batch even when it is too large, unless told not to (then nothing:
        // never a later batch in its place).
        return options.minOneBatch ?? true ? { records: [...first.records], firstBatchOffset: first.baseOffset } : none;
      }
      const records: ModelRecord[] = [];
      let bytes = 0;
      for (const b of seg.batches.slice(at)) {
        if (b.lastOffset >= upper || bytes + b.size > options.maxBytes) break;
        bytes += b.size;
        records.push(...b.records);
      }
      return { records, firstBatchOffset: first.baseOffset };
    }
    return none;
  }

  /** ListOffsets by timestamp: the first record at or after the log start with timestamp >= ts. */
  offsetForTimestamp(timestamp: number): { offset: number; timestamp: number } | null {
    for (const seg of this.segments) {
      for (const b of seg.batches) {
        for (const r of b.records) if (r.offset >= this.logStartOffset && r.timestamp >= timestamp) return { offset: r.offset, timestamp: r.timestamp };
      }
    }
    return null;
  }

  /**
   * Removes every batch from the one holding `offset` on (a batch is never split), and the
   * segments that start at or after it (the first one is always kept). As in Kafka the log then
   * ends at `offset`: when the removed batch began before it, a new empty segment starts at
   * `offset` (replacing an empty active segment).
   */
  truncateTo(offset: number, nowMs: number): void {
    if (offset >= this.logEndOffset) return;
    if (offset < this.logStartOffset) throw new ModelError('offset-out-of-range', `${offset} below the log start ${this.logStartOffset}`);
    while (this.segments.length > 1 && this.active.baseOffset >= offset) this.segments.pop();
    const a = this.active;
    const cut = a.batches.findIndex((b) => b.lastOffset >= offset);
    if (cut >= 0) a.batches.splice(cut);
    if (this.logEndOffset < offset) {
      if (this.active.batches.length === 0) this.segments.pop();
      this.segments.push({ baseOffset: offset, batches: [], createdMs: nowMs });
      this.logStartOffset = Math.max(this.logStartOffset, this.segments[0]!.baseOffset);
    }
  }

  /** DeleteRecords. Returns whether the start moved. */
  advanceLogStartOffset(offset: number): boolean {
    if (offset > this.logEndOffset) throw new ModelError('offset-out-of-range', `${offset} past the log end ${this.logEndOffset}`);
    if (offset <= this.logStartOffset) return false;
    this.logStartOffset = offset;
    return true;
  }

  /**
   * Retention as one Kafka call of deleteOldSegments applies it: segments wholly below the log
   * start, then by retention.bytes, then by retention.ms (each oldest first, none past the high
   * watermark = the log end, never the active segment while it is empty). Deleting every segment
   * rolls first. Returns how many segments went.
   */
  applyRetention(nowMs: number): number {
    let deleted = 0;
    const s = this.settings;
    const upperBound = (i: number): number => this.segments[i + 1]?.baseOffset ?? this.logEndOffset;
    const deletable = (i: number): boolean => upperBound(i) <= this.logEndOffset && !(i === this.segments.length - 1 && segmentSize(this.segments[i]!) === 0);
    const removePrefix = (pred: (seg: ModelSegment, i: number) => boolean): void => {
      let n = 0;
      while (n < this.segments.length && deletable(n) && pred(this.segments[n]!, n)) n++;
      if (n === 0) return;
      if (n === this.segments.length) this.roll(nowMs);
      this.segments.splice(0, n);
      this.logStartOffset = Math.max(this.logStartOffset, this.segments[0]!.baseOffset);
      deleted += n;
    };
    removePrefix((_seg, i) => upperBound(i) <= this.logStartOffset);
    if (s.cleanupPolicy.delete && s.retentionBytes >= 0) {
      let excess = this.size - s.retentionBytes;
      removePrefix((seg) => {
        const size = segmentSize(seg);
        if (excess - size < 0) return false;
        excess -= size;
        return true;
      });
    }
    if (s.cleanupPolicy.delete && s.retentionMs >= 0) {
      removePrefix((seg) => {
        const largest = Math.max(-1, ...seg.batches.map((b) => b.maxTimestamp));
        return largest >= 0 && nowMs - largest > s.retentionMs;
      });
    }
    return deleted;
  }

  /**
   * HOOK (compaction): apply the cleaner's rules here (keep the last record of each key below the
   * cleanable end, tombstones until delete.retention.ms, never the active segment, batch offsets
   * and sizes as the cleaner rewrites them), then add a 'clean' step to the table of steps in
   * test/storage/log-model.test.ts that runs the real cleaner and calls this.
   */
  compact(): never {
    throw new Error('compaction is not modelled yet');
  }

  private floorIndex(offset: number): number {
    let found = 0;
    this.segments.forEach((s, i) => {
      if (s.baseOffset <= offset) found = i;
    });
    return found;
  }
}

export function segmentSize(seg: ModelSegment): number {
  return seg.batches.reduce((n, b) => n + b.size, 0);
}

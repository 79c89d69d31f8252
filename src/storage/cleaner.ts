/**
 * The log cleaner: compaction of the logs whose cleanup.policy includes `compact`, after Kafka's
 * LogCleaner (one cleaner thread's loop, `cleanOnce`) and Cleaner (the cleaning of one log).
 *
 * One cleaning:
 * 1. Picks the log (cleaner-plan.ts): among compacted logs, the highest dirty ratio among those
 *    due (ratio above min.cleanable.dirty.ratio, or max.compaction.lag.ms passed), with the
 *    cleanable range [first dirty offset, first uncleanable offset) of whole inactive segments.
 * 2. Builds the offset map (latest offset per key) over the dirty range, reading segments from
 *    the first dirty offset; when the map is full (log.cleaner.dedupe.buffer.size), only the
 *    prefix it covers is cleaned this time, up to `endOffset`, the map's latest offset + 1.
 * 3. Rewrites every segment from the start of the log up to the one holding `endOffset - 1`, in
 *    groups of consecutive segments (each group within segment.bytes and the 4-byte relative
 *    offset range), each group into one cleaned segment named by the group's first base offset:
 *    records superseded by a later record of their key are dropped, tombstones too once their
 *    batch's delete horizon has passed (cleaner-records.ts has the batch-level rules).
 *    This work (reading, filtering, writing and fsyncing the `.cleaned` files) happens outside the
 *    log's exclusive queue, so appends go on; only the swap (PartitionLog.replaceWithCleaned: a
 *    few renames and two directory fsyncs) runs in the queue. If the log changed meanwhile
 *    (retention removed a segment, a truncation), the swap is refused and the cleaning aborted.
 * 4. Records `endOffset` in the log dir's `cleaner-offset-checkpoint`.
 *
 * Crash safety is Kafka's (.cleaned -> .swap -> final names; see cleaner-recovery.ts). Reads are
 * never blocked: they see either the old segments or the cleaned ones, whole.
 *
 * Deviations from Kafka, on purpose or for now:
 * - the offset map keeps exact keys (bytes) rather than MD5 digests, so two keys never collide;
 *   its bound counts key bytes plus a fixed per-entry overhead;
 * - without producer state yet, "the last batch of an active producer" (kept, emptied if need be,
 *   so the producer's last sequence and epoch survive) is the last batch of each producer id in
 *   the inactive segments: a superset of Kafka's, which also forgets expired producers;
 * - a rewritten batch without a new delete horizon keeps its base timestamp (Kafka's builder takes
 *   the first kept record's); record timestamps are the same either way;
 * - a group that is a single segment left byte for byte unchanged is not rewritten;
 * - the last batch of each group stays (emptied if need be), not only the last of the cleaning
 *   round: a cleaned segment then ends where the segments it replaces ended, so a crash after the
 *   swap's commit point completes to exactly the new content, never a mix (cleaner-recovery.ts).
 * TODO(transactions): aborted transactions' records and obsolete markers (see cleaner-records.ts).
 */
import type { FileSystem } from './fs.js';
import { writeWholeFile } from './atomic-file.js';
import type { CleanerSnapshot, PartitionLog } from './partition-log.js';
import type { LogSegment } from './log-segment.js';
import { OffsetIndex } from './offset-index.js';
import { TimeIndex } from './time-index.js';
import { batchHeaderAt } from './batch-scan.js';
import { LogCorruptError } from './log-errors.js';
import { CLEANED_SUFFIX, CLEANER_OFFSET_CHECKPOINT, join } from './log-files.js';
import { parseOffsetCheckpoint, partitionKey, writeOffsetCheckpoint } from './checkpoint-file.js';
import { readFileIfExists } from './atomic-file.js';
import { isNotFound } from './errors.js';
import {
  groupSegmentsBySize, needsFirstBatchTimestamps, needsLargestTimestamps, pickFilthiest, planCleaning,
  type CleanerSegmentFacts, type CleaningPlan,
} from './cleaner-plan.js';
import { cleanBatch, OffsetMap, scanRecords } from './cleaner-records.js';
import { CLEANED_SEGMENT_KINDS, segmentFilePath } from './cleaner-recovery.js';
import { DecodeError } from '../protocol/primitives/decode-error.js';
import { uncompressedRecords } from '../protocol/records/record-iterator.js';
import {
  BASE_OFFSET_OFFSET, BATCH_LENGTH_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, PRODUCER_ID_OFFSET, RECORD_BATCH_HEADER_SIZE,
  type RecordBatch,
} from '../protocol/records/record-batch.js';
import { validateRecordBatch } from '../protocol/records/validate.js';

export interface CleanerConfig {
  /** log.cleaner.dedupe.buffer.size: bytes the offset map may take (default 128 MiB, Kafka's). */
  dedupeBufferBytes?: number;
  /** log.cleaner.io.buffer.size: bytes read, and buffered before a write, at a time (default 1 MiB). */
  ioBufferBytes?: number;
  /** Largest decompressed records section of one batch the cleaner accepts (default 256 MiB). */
  maxUncompressedBatchBytes?: number;
}

export const DEFAULT_DEDUPE_BUFFER_BYTES = 128 * 1024 * 1024;
export const DEFAULT_CLEANER_IO_BUFFER_BYTES = 1024 * 1024;
export const DEFAULT_MAX_UNCOMPRESSED_BATCH_BYTES = 256 * 1024 * 1024;

/** A log and the log dir (the parent of its directory) whose checkpoint file holds its entry. */
export interface CleanerLog {
  log: PartitionLog;
  logDir: string;
}

export interface CleanOnceOptions {
  /** Cleaning never reaches this offset (the high watermark or last stable offset); default the log end. */
  highWatermark?: (log: PartitionLog) => number;
}

export interface CleaningResult {
  topic: string;
  partition: number;
  /**
   * cleaned: swapped in and checkpointed. aborted: the log changed, closed or was being deleted;
   * nothing checkpointed (what was already swapped stays: it is valid). failed: the log cannot be
   * cleaned (corrupt data); it is skipped from now on, as Kafka marks a partition uncleanable.
   */
  outcome: 'cleaned' | 'aborted' | 'failed';
  error: Error | null;
  firstDirtyOffset: number;
  firstUncleanableOffset: number;
  /** First offset not cleaned (the new checkpoint when cleaned). */
  endOffset: number;
  dirtyRatio: number;
  /** Segments read and rewritten, and cleaned segments swapped in. */
  segmentsRewritten: number;
  segmentsSwapped: number;
  batchesRead: number;
  recordsRead: number;
  recordsKept: number;
  bytesRead: number;
  bytesWritten: number;
}

/** Thrown inside a cleaning when it must stop without error (abort, the log changed or closed). */
class CleaningAborted extends Error {
  override readonly name = 'CleaningAborted';
}

interface CheckpointEntry {
  topic: string;
  partition: number;
  offset: number;
}

/** Facts about an inactive segment, valid while its size and the log's truncation count are those recorded. */
interface SegmentCache {
  size: number;
  truncations: number;
  firstBatchTimestamp?: number;
  /** Producer id -> last offset of its last batch in the segment. */
  producers?: Map<bigint, number>;
}

interface Candidate {
  log: PartitionLog;
  logDir: string;
  snapshot: CleanerSnapshot;
  plan: CleaningPlan;
}

export class Cleaner {
  private readonly fs: FileSystem;
  private readonly dedupeBufferBytes: number;
  private readonly ioBufferBytes: number;
  private readonly maxUncompressedBytes: number;
  /** Per log dir: partition key -> checkpoint entry, as last read or written. */
  private readonly checkpoints = new Map<string, Map<string, CheckpointEntry>>();
  private readonly cache = new WeakMap<LogSegment, SegmentCache>();
  private readonly uncleanable = new WeakSet<PartitionLog>();
  private readonly forgotten = new WeakSet<PartitionLog>();
  private queue: Promise<unknown> = Promise.resolve();
  /** The cleaning in progress: its log, whether it must stop, the segments it still expects in the log. */
  private current: { log: PartitionLog; aborted: boolean; expected: Set<LogSegment> } | null = null;
  /** `.cleaned` files of the cleaning in progress, removed if it stops. */
  private pendingFiles: string[] = [];
  private stopped = false;

  constructor(fs: FileSystem, config: CleanerConfig = {}) {
    this.fs = fs;
    this.dedupeBufferBytes = config.dedupeBufferBytes ?? DEFAULT_DEDUPE_BUFFER_BYTES;
    this.ioBufferBytes = config.ioBufferBytes ?? DEFAULT_CLEANER_IO_BUFFER_BYTES;
    this.maxUncompressedBytes = config.maxUncompressedBatchBytes ?? DEFAULT_MAX_UNCOMPRESSED_BATCH_BYTES;
    if (!(this.ioBufferBytes >= RECORD_BATCH_HEADER_SIZE)) throw new RangeError(`ioBufferBytes ${this.ioBufferBytes} is below a batch header`);
  }

  /**
   * Cleans the filthiest compacted log among `logs` (which must be every log of their log dirs:
   * checkpoint entries of other partitions are dropped, as Kafka does). Resolves with what
   * happened, or null when no log is due. Cleanings run one at a time.
   */
  cleanOnce(logs: readonly CleanerLog[], nowMs: number, options: CleanOnceOptions = {}): Promise<CleaningResult | null> {
    const run = this.queue.then(() => (this.stopped ? null : this.cleanFilthiest(logs, nowMs, options)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Stops a cleaning of `log` in progress (its `.cleaned` files removed) and waits for the cleaner to be idle. */
  async abort(log: PartitionLog): Promise<void> {
    if (this.current?.log === log) this.current.aborted = true;
    await this.queue;
  }

  /**
   * The log is going away (deleted): aborts its cleaning, never cleans it again, and removes its
   * checkpoint entry (`remaining`: the logs left, to rewrite the file with).
   */
  async forget(log: PartitionLog, logDir: string, remaining: readonly CleanerLog[]): Promise<void> {
    this.forgotten.add(log);
    await this.abort(log);
    const entries = await this.dirCheckpoints(logDir);
    if (entries.delete(partitionKey(log.topic, log.partition))) await this.writeCheckpoints(logDir, remaining);
  }

  /** Aborts the cleaning in progress and refuses further ones (shutdown). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.current !== null) this.current.aborted = true;
    await this.queue;
  }

  /** The log's cleaner-offset-checkpoint entry (null when none). */
  async checkpointOf(log: PartitionLog, logDir: string): Promise<number | null> {
    return (await this.dirCheckpoints(logDir)).get(partitionKey(log.topic, log.partition))?.offset ?? null;
  }

  /** Whether a cleaning of the log failed (it is skipped until restart). */
  isUncleanable(log: PartitionLog): boolean {
    return this.uncleanable.has(log);
  }

  // ------------------------------------------------------------------ choosing

  private async cleanFilthiest(logs: readonly CleanerLog[], nowMs: number, options: CleanOnceOptions): Promise<CleaningResult | null> {
    const candidates: Candidate[] = [];
    for (const { log, logDir } of logs) {
      if (!log.settings.cleanupPolicy.compact || log.isClosed || this.uncleanable.has(log) || this.forgotten.has(log)) continue;
      const entries = await this.dirCheckpoints(logDir);
      const key = partitionKey(log.topic, log.partition);
      let changed = false;
      // Kafka's maybeTruncateCheckpoint: what was truncated away is no longer clean.
      const truncatedTo = log.takeTruncationForCleaner();
      const entry = entries.get(key);
      if (truncatedTo !== null && entry !== undefined && entry.offset > truncatedTo) {
        entry.offset = truncatedTo;
        changed = true;
      }
      const snapshot = log.cleanerSnapshot();
      const upperBound = Math.min(options.highWatermark?.(log) ?? snapshot.logEndOffset, snapshot.logEndOffset);
      let facts: CleanerSegmentFacts[];
      try {
        facts = await this.segmentFacts(log, snapshot, entry?.offset ?? null, nowMs);
      } catch (err) {
        // Retention removed a segment while its timestamps were read: plan this log next time.
        if (!log.cleanerSnapshotHolds(snapshot, snapshot.segments.slice(0, -1))) continue;
        if (!(err instanceof LogCorruptError || err instanceof DecodeError)) throw err;
        this.uncleanable.add(log);
        continue;
      }
      const plan = planCleaning({
        segments: facts,
        activeBaseOffset: snapshot.segments[snapshot.segments.length - 1]!.baseOffset,
        logStartOffset: snapshot.logStartOffset,
        logEndOffset: snapshot.logEndOffset,
        checkpoint: entry?.offset ?? null,
        upperBoundOffset: upperBound,
        nowMs,
        minCleanableDirtyRatio: log.settings.minCleanableDirtyRatio,
        minCompactionLagMs: log.settings.minCompactionLagMs,
        maxCompactionLagMs: log.settings.maxCompactionLagMs,
      });
      if (plan.checkpointReset) {
        entries.set(key, { topic: log.topic, partition: log.partition, offset: plan.firstDirtyOffset });
        changed = true;
      }
      if (changed) await this.writeCheckpoints(logDir, logs);
      candidates.push({ log, logDir, snapshot, plan });
    }
    const chosen = pickFilthiest(candidates.map((c) => c.plan));
    if (chosen < 0) return null;
    return this.cleanLog(candidates[chosen]!, logs, nowMs);
  }

  /** The planner's facts for the inactive segments; timestamps only where the settings need them. */
  private async segmentFacts(log: PartitionLog, snapshot: CleanerSnapshot, checkpoint: number | null, nowMs: number): Promise<CleanerSegmentFacts[]> {
    const { segments } = snapshot;
    // The first dirty offset as planCleaning will take it.
    const valid = checkpoint !== null && checkpoint >= snapshot.logStartOffset && checkpoint <= snapshot.logEndOffset;
    const start = valid ? checkpoint : snapshot.logStartOffset;
    const wantLargest = needsLargestTimestamps(log.settings.minCompactionLagMs);
    const wantFirst = needsFirstBatchTimestamps(log.settings.maxCompactionLagMs, nowMs);
    const facts: CleanerSegmentFacts[] = [];
    for (let i = 0; i < segments.length - 1; i++) {
      const seg = segments[i]!;
      const endOffset = segments[i + 1]!.baseOffset;
      const dirty = endOffset > start;
      facts.push({
        baseOffset: seg.baseOffset,
        endOffset,
        size: seg.size,
        largestTimestamp: dirty && wantLargest ? await seg.largestTimestamp() : -1,
        firstBatchTimestamp: dirty && wantFirst ? await this.firstBatchTimestamp(seg, snapshot) : -1,
      });
    }
    return facts;
  }

  private cached(seg: LogSegment, snapshot: CleanerSnapshot): SegmentCache {
    let c = this.cache.get(seg);
    if (c === undefined || c.size !== seg.size || c.truncations !== snapshot.truncations) {
      c = { size: seg.size, truncations: snapshot.truncations };
      this.cache.set(seg, c);
    }
    return c;
  }

  private async firstBatchTimestamp(seg: LogSegment, snapshot: CleanerSnapshot): Promise<number> {
    const c = this.cached(seg, snapshot);
    if (c.firstBatchTimestamp === undefined) {
      let ts = -1;
      await seg.walkHeaders(0, (h) => {
        ts = h.maxTimestamp;
        return false;
      });
      c.firstBatchTimestamp = ts;
    }
    return c.firstBatchTimestamp;
  }

  // ------------------------------------------------------------------ cleaning

  private async cleanLog(candidate: Candidate, logs: readonly CleanerLog[], nowMs: number): Promise<CleaningResult> {
    const { log, logDir, snapshot, plan } = candidate;
    const result: CleaningResult = {
      topic: log.topic,
      partition: log.partition,
      outcome: 'cleaned',
      error: null,
      firstDirtyOffset: plan.firstDirtyOffset,
      firstUncleanableOffset: plan.firstUncleanableOffset,
      endOffset: plan.firstDirtyOffset,
      dirtyRatio: plan.dirtyRatio,
      segmentsRewritten: 0,
      segmentsSwapped: 0,
      batchesRead: 0,
      recordsRead: 0,
      recordsKept: 0,
      bytesRead: 0,
      bytesWritten: 0,
    };
    this.current = { log, aborted: false, expected: new Set(snapshot.segments.slice(0, -1)) };
    try {
      result.endOffset = await this.doClean(log, snapshot, plan, nowMs, result);
      const entries = await this.dirCheckpoints(logDir);
      entries.set(partitionKey(log.topic, log.partition), { topic: log.topic, partition: log.partition, offset: result.endOffset });
      await this.writeCheckpoints(logDir, logs);
      return result;
    } catch (err) {
      await this.removePendingFiles();
      const corrupt = err instanceof LogCorruptError || err instanceof DecodeError;
      // A read failing because retention or a truncation removed the segment is no failure.
      const changed = !log.cleanerSnapshotHolds(snapshot, [...(this.current?.expected ?? [])]);
      if (err instanceof CleaningAborted || (changed && !corrupt)) {
        result.outcome = 'aborted';
        return result;
      }
      this.uncleanable.add(log);
      if (corrupt) {
        result.outcome = 'failed';
        result.error = err;
        return result;
      }
      throw err;
    } finally {
      this.current = null;
      this.pendingFiles = [];
    }
  }

  private checkAborted(log: PartitionLog): void {
    if (this.current === null || this.current.aborted || log.isClosed) throw new CleaningAborted('cleaning aborted');
  }

  /** Steps 2 and 3 of the header; returns the end offset of what was cleaned. */
  private async doClean(log: PartitionLog, snapshot: CleanerSnapshot, plan: CleaningPlan, nowMs: number, result: CleaningResult): Promise<number> {
    const { segments } = snapshot;
    const inactive = segments.slice(0, -1);
    const { firstDirtyOffset, firstUncleanableOffset } = plan;

    const map = new OffsetMap(this.dedupeBufferBytes);
    for (let i = 0; i < inactive.length; i++) {
      const seg = inactive[i]!;
      const segEnd = segments[i + 1]!.baseOffset;
      if (segEnd <= firstDirtyOffset) continue;
      if (seg.baseOffset >= firstUncleanableOffset) break;
      this.checkAborted(log);
      if (await this.mapSegment(log, seg, map, firstDirtyOffset)) break;
      // Kafka fast-forwards over offset gaps: the whole segment was considered.
      map.updateLatestOffset(Math.min(segEnd, firstUncleanableOffset) - 1);
    }
    const endOffset = Math.max(firstDirtyOffset, map.latestOffset + 1);
    if (endOffset <= firstDirtyOffset) return firstDirtyOffset;

    const lastOfProducer = new Map<bigint, number>();
    for (const seg of inactive) {
      this.checkAborted(log);
      for (const [pid, last] of await this.producerSummary(seg, snapshot)) lastOfProducer.set(pid, last);
    }

    const toClean = inactive.filter((s) => s.baseOffset < endOffset);
    const groups = groupSegmentsBySize(toClean, log.settings.segmentBytes, firstUncleanableOffset);
    for (const g of groups) {
      await this.cleanGroup(log, snapshot, toClean.slice(g.start, g.end), { map, nowMs, lastOfProducer, firstUncleanableOffset }, result);
    }
    return endOffset;
  }

  /** Adds the keyed records of `seg` at or after `startOffset` to the map; true when the map filled up. */
  private async mapSegment(log: PartitionLog, seg: LogSegment, map: OffsetMap, startOffset: number): Promise<boolean> {
    const from = startOffset > seg.baseOffset ? (await seg.withIndexes(async (i) => i.offsetIndex.lookup(startOffset))).position : 0;
    for await (const batch of this.batches(seg, from)) {
      this.checkAborted(log);
      const lastOffset = Number(batch.lastOffset);
      if (lastOffset < startOffset) continue;
      // TODO(transactions): Kafka skips the batches of aborted transactions here.
      if (!batch.isControl) {
        const section = uncompressedRecords(batch, { maxUncompressedBytes: this.maxUncompressedBytes });
        for (const r of scanRecords(batch, section)) {
          if (r.key !== null && r.offset >= startOffset && !map.put(r.key, r.offset)) return true;
        }
      }
      map.updateLatestOffset(lastOffset);
    }
    return false;
  }

  /** Cleans one group of segments into one cleaned segment and swaps it in. */
  private async cleanGroup(
    log: PartitionLog,
    snapshot: CleanerSnapshot,
    group: readonly LogSegment[],
    ctx: { map: OffsetMap; nowMs: number; lastOfProducer: Map<bigint, number>; firstUncleanableOffset: number },
    result: CleaningResult,
  ): Promise<void> {
    const base = group[0]!.baseOffset;
    const [indexPath, timeIndexPath, logPath] = CLEANED_SEGMENT_KINDS.map((kind) => segmentFilePath(log.dir, base, kind, CLEANED_SUFFIX)) as [string, string, string];
    this.pendingFiles = [logPath, indexPath, timeIndexPath];
    const { indexIntervalBytes, segmentIndexBytes, deleteRetentionMs } = log.settings;
    const offsetIndex = new OffsetIndex(base, segmentIndexBytes);
    const timeIndex = new TimeIndex(base, segmentIndexBytes);
    const producers = new Map<bigint, number>();
    let position = 0;
    let sinceIndexEntry = 0;
    let maxTimestamp = -1;
    let offsetOfMaxTimestamp = -1;
    let firstBatchTimestamp = -1;
    let unchanged = group.length === 1;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let written = 0;

    const out = await this.fs.open(logPath, 'w+');
    let closed = false;
    try {
      await out.truncate(0);
      const flush = async (): Promise<void> => {
        if (pendingBytes === 0) return;
        await out.writev(pending, written);
        written += pendingBytes;
        pending = [];
        pendingBytes = 0;
      };
      let lastNonEmpty = group.length - 1;
      while (lastNonEmpty > 0 && group[lastNonEmpty]!.size === 0) lastNonEmpty--;
      for (let s = 0; s < group.length; s++) {
        const seg = group[s]!;
        let readPosition = 0;
        for await (const batch of this.batches(seg, 0)) {
          this.checkAborted(log);
          readPosition += batch.bytes.length;
          const lastOffset = Number(batch.lastOffset);
          const producerId = batch.producerId;
          const retainEmpty =
            (producerId >= 0n && ctx.lastOfProducer.get(producerId) === lastOffset) ||
            // Kafka keeps the last batch of the cleaning round, so its last offset is not lost.
            lastOffset + 1 === ctx.firstUncleanableOffset ||
            // And here the last batch of each group: the cleaned segment's offset range then
            // reaches every segment it replaces, which is how recovery completes a swap.
            (s === lastNonEmpty && readPosition === seg.size);
          const cleaned = cleanBatch(batch, {
            map: ctx.map,
            nowMs: ctx.nowMs,
            deleteRetentionMs,
            retainEmpty,
            maxUncompressedBytes: this.maxUncompressedBytes,
          });
          result.batchesRead++;
          result.recordsRead += cleaned.recordsRead;
          result.recordsKept += cleaned.recordsKept;
          result.bytesRead += batch.bytes.length;
          if (cleaned.kind !== 'copied') unchanged = false;
          const bytes = cleaned.bytes;
          if (bytes === null) continue;
          if (position + bytes.length > 0x7fffffff) throw new Error(`cleaned segment ${logPath} would exceed 2 GiB`);
          if (firstBatchTimestamp < 0 && position === 0) firstBatchTimestamp = cleaned.maxTimestamp;
          if (cleaned.maxTimestamp > maxTimestamp) {
            maxTimestamp = cleaned.maxTimestamp;
            offsetOfMaxTimestamp = lastOffset;
          }
          // The same sparse indexing as LogSegment.append (a full index just stays sparser).
          if (sinceIndexEntry > indexIntervalBytes) {
            if (!offsetIndex.isFull) offsetIndex.append(lastOffset, position);
            timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
            sinceIndexEntry = 0;
          }
          position += bytes.length;
          sinceIndexEntry += bytes.length;
          if (producerId >= 0n) producers.set(producerId, lastOffset);
          pending.push(bytes);
          pendingBytes += bytes.length;
          if (pendingBytes >= this.ioBufferBytes) await flush();
        }
      }
      await flush();
      if (unchanged) {
        closed = true;
        await out.close();
        await this.removePendingFiles();
        return;
      }
      await out.datasync();
    } finally {
      if (!closed) await out.close();
    }
    if (maxTimestamp >= 0) timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
    await writeWholeFile(this.fs, indexPath, offsetIndex.bytes);
    await writeWholeFile(this.fs, timeIndexPath, timeIndex.bytes);
    result.segmentsRewritten += group.length;
    result.bytesWritten += position;

    this.checkAborted(log);
    const swapped = await log.replaceWithCleaned(group, snapshot, ctx.nowMs);
    if (swapped === null) throw new CleaningAborted(`the log changed during the cleaning of ${logPath}`);
    this.pendingFiles = [];
    for (const seg of group) this.current?.expected.delete(seg);
    result.segmentsSwapped++;
    // What is known of the new segment without reading it again.
    if (swapped.maxTimestamp < 0 && maxTimestamp >= 0) {
      swapped.maxTimestamp = maxTimestamp;
      swapped.offsetOfMaxTimestamp = offsetOfMaxTimestamp;
    }
    this.cache.set(swapped, { size: swapped.size, truncations: snapshot.truncations, firstBatchTimestamp, producers });
  }

  /** Producer id -> last offset of its last batch in `seg` (cached; read from the batch headers only). */
  private async producerSummary(seg: LogSegment, snapshot: CleanerSnapshot): Promise<Map<bigint, number>> {
    const c = this.cached(seg, snapshot);
    if (c.producers !== undefined) return c.producers;
    const producers = new Map<bigint, number>();
    const size = seg.size;
    let pos = 0;
    while (pos < size) {
      const chunk = await seg.readBytes(pos, Math.min(this.ioBufferBytes, size - pos));
      let at = 0;
      while (chunk.length - at >= RECORD_BATCH_HEADER_SIZE) {
        const batchSize = chunk.readInt32BE(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
        if (batchSize < RECORD_BATCH_HEADER_SIZE) throw new LogCorruptError(seg.logPath, `bad batch size ${batchSize} at position ${pos + at}`);
        const producerId = chunk.readBigInt64BE(at + PRODUCER_ID_OFFSET);
        if (producerId >= 0n) producers.set(producerId, Number(chunk.readBigInt64BE(at + BASE_OFFSET_OFFSET)) + chunk.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET));
        at += batchSize;
      }
      if (at === 0) throw new LogCorruptError(seg.logPath, `partial batch header at position ${pos}`);
      pos += at;
    }
    c.producers = producers;
    return producers;
  }

  /** The valid batches of `seg` from byte `from` (a batch boundary), read a chunk at a time. */
  private async *batches(seg: LogSegment, from: number): AsyncGenerator<RecordBatch> {
    const size = seg.size;
    let pos = from;
    while (pos < size) {
      const want = Math.min(this.ioBufferBytes, size - pos);
      const chunk = await seg.readBytes(pos, want);
      if (chunk.length < want) throw new LogCorruptError(seg.logPath, `ends at ${pos + chunk.length}, expected ${size} bytes`);
      let at = 0;
      while (at < chunk.length) {
        const h = batchHeaderAt(chunk, at, pos);
        if (h === null) break; // the header continues in the next chunk
        if (h === 'invalid' || h.position + h.size > size) throw new LogCorruptError(seg.logPath, `no valid batch at position ${pos + at}`);
        let bytes: Buffer;
        if (chunk.length - at >= h.size) bytes = chunk.subarray(at, at + h.size);
        else if (at > 0) break; // the batch continues in the next chunk
        else bytes = await seg.readBytes(h.position, h.size); // one batch larger than a chunk
        const valid = validateRecordBatch(bytes);
        if (!valid.ok) throw new LogCorruptError(seg.logPath, `batch at position ${h.position}: ${valid.problem.message}`);
        yield valid.batch;
        at += h.size;
      }
      if (at === 0) throw new LogCorruptError(seg.logPath, `partial batch at position ${pos}`);
      pos += at;
    }
  }

  private async removePendingFiles(): Promise<void> {
    const files = this.pendingFiles;
    this.pendingFiles = [];
    for (const path of files) {
      try {
        await this.fs.unlink(path);
      } catch (err) {
        // Gone already, or the disk failed: the next open of the log removes .cleaned files anyway.
        if (!isNotFound(err)) break;
      }
    }
  }

  // ------------------------------------------------------------------ checkpoint

  private async dirCheckpoints(logDir: string): Promise<Map<string, CheckpointEntry>> {
    let entries = this.checkpoints.get(logDir);
    if (entries !== undefined) return entries;
    const path = join(logDir, CLEANER_OFFSET_CHECKPOINT);
    const data = await readFileIfExists(this.fs, path);
    entries = new Map();
    if (data !== null) {
      for (const e of parseOffsetCheckpoint(data.toString('utf8'), path)) entries.set(partitionKey(e.topic, e.partition), e);
    }
    // Another call may have loaded it while this one waited.
    const raced = this.checkpoints.get(logDir);
    if (raced !== undefined) return raced;
    this.checkpoints.set(logDir, entries);
    return entries;
  }

  /** Writes the dir's checkpoint with the entries of the logs in `logs` that are in it. */
  private async writeCheckpoints(logDir: string, logs: readonly CleanerLog[]): Promise<void> {
    const entries = await this.dirCheckpoints(logDir);
    const present = new Set(logs.filter((l) => l.logDir === logDir).map((l) => partitionKey(l.log.topic, l.log.partition)));
    for (const key of [...entries.keys()]) if (!present.has(key)) entries.delete(key);
    const sorted = [...entries.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    await writeOffsetCheckpoint(this.fs, join(logDir, CLEANER_OFFSET_CHECKPOINT), sorted.map((e) => [e.topic, e.partition, e.offset]));
  }
}

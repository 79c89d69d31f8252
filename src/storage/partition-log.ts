/**
 * A partition's log: an ordered list of segments, the log start and end offsets, the leader
 * epoch cache, append (offsets assigned in place, one write per request, group-commit fsync),
 * reads of whole batches, timestamp lookups, truncation, retention and recovery.
 *
 * Appends and structural changes (roll, truncate, delete segments) run one at a time through a
 * per-log queue; reads run concurrently and only ever see complete appends.
 */
import type { FileSystem } from './fs.js';
import type { Flusher } from './flusher.js';
import { LogSegment, type AppendBatch, type SegmentEnv } from './log-segment.js';
import { isStrictDurability, type LogSettings } from './log-settings.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { AppendRejectedError, LogCorruptError, OffsetOutOfRangeError } from './log-errors.js';
import { segmentsToDelete, type DeletionReason, type SegmentFacts } from './retention.js';
import {
  DELETED_SUFFIX, join, LEADER_EPOCH_CHECKPOINT, LOG_SUFFIX, parseSegmentFileName, PARTITION_METADATA,
} from './log-files.js';
import { readFileIfExists, writeFileAtomically } from './atomic-file.js';
import { ErrorCode } from '../protocol/errors.js';
import { RecordBatch, TimestampType } from '../protocol/records/record-batch.js';
import { readRecords } from '../protocol/records/record-iterator.js';
import { validateRecordBatch } from '../protocol/records/validate.js';
import { CLEANED_SEGMENT_KINDS, recoverInterruptedCleaning, segmentFilePath, type CleanerRecoveryReport } from './cleaner-recovery.js';
import { CLEANED_SUFFIX, SWAP_SUFFIX } from './log-files.js';

/** Services shared by all logs of a broker. */
export interface LogContext {
  fs: FileSystem;
  env: SegmentEnv;
  flusher: Flusher;
  /** Uniform in [0, 1): segment.jitter.ms. Seeded in tests. */
  random: () => number;
  /** Hands deleted segment files to the delayed deleter (file.delete.delay.ms). */
  scheduleDelete(paths: string[], delayMs: number): void;
}

export interface OpenLogOptions {
  topic: string;
  partition: number;
  /** Kafka's topic id (base64url), written to partition.metadata. */
  topicId?: string;
  settings: LogSettings;
  /** From recovery-point-offset-checkpoint; 0 when unknown. */
  recoveryPoint: number;
  /** From log-start-offset-checkpoint; 0 when unknown. */
  logStartOffset: number;
  /** The log dir had a clean-shutdown marker: skip the recovery scan. */
  cleanShutdown: boolean;
  nowMs: number;
}

export interface AppendOptions {
  /** The partition leader epoch written into each batch. */
  leaderEpoch: number;
  nowMs: number;
  /** Set for message.timestamp.type=LogAppendTime: batches get this max timestamp (and a fresh CRC). */
  logAppendTimeMs?: number;
}

export interface AppendResult {
  firstOffset: number;
  lastOffset: number;
  /** Resolves when the batches are on disk (at once under relaxed flush settings). */
  durable: Promise<void>;
}

export interface ReadOptions {
  maxBytes: number;
  /** Exclusive: no batch whose last offset reaches it is returned (high watermark, LSO). */
  upperBound?: number;
  /** Return the first batch even if it exceeds maxBytes (KIP-74). Default true. */
  minOneBatch?: boolean;
}

export interface ReadResult {
  /** Whole batches, as stored. Empty when nothing is available. */
  records: Buffer;
  /** Base offset of the first batch returned, or -1. */
  firstBatchOffset: number;
}

export interface TimestampAndOffset {
  timestamp: number;
  offset: number;
  leaderEpoch: number;
}

/** Bytes of the recovery scan per log (for reports). */
export interface RecoveryReport {
  scannedSegments: number;
  truncatedBytes: number;
  deletedSegments: number;
}

export class PartitionLog {
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  settings: LogSettings;
  private readonly ctx: LogContext;
  private segments: LogSegment[] = [];
  private _logStartOffset = 0;
  private readonly epochs: LeaderEpochCache;
  private queue: Promise<unknown> = Promise.resolve();
  private unflushedMessages = 0;
  private lastFlushMs: number;
  private closed = false;
  readonly recovery: RecoveryReport = { scannedSegments: 0, truncatedBytes: 0, deletedSegments: 0 };

  private constructor(ctx: LogContext, dir: string, options: OpenLogOptions, epochs: LeaderEpochCache) {
    this.ctx = ctx;
    this.dir = dir;
    this.topic = options.topic;
    this.partition = options.partition;
    this.settings = options.settings;
    this.epochs = epochs;
    this.lastFlushMs = options.nowMs;
  }

  // ------------------------------------------------------------------ open and recover

  /** Opens (creating if needed) the log in `dir`, recovering it after an unclean shutdown. */
  static async open(ctx: LogContext, dir: string, options: OpenLogOptions): Promise<PartitionLog> {
    const { fs } = ctx;
    const existed = (await fs.stat(dir)) !== null;
    if (!existed) {
      await fs.mkdir(dir);
      await fs.syncDir(join(dir, '..'));
    }
    const epochText = await readFileIfExists(fs, join(dir, LEADER_EPOCH_CHECKPOINT));
    const epochs = epochText === null ? new LeaderEpochCache() : LeaderEpochCache.parse(epochText.toString('utf8'), join(dir, LEADER_EPOCH_CHECKPOINT));
    const log = new PartitionLog(ctx, dir, options, epochs);
    if (options.topicId !== undefined && (!existed || (await fs.stat(join(dir, PARTITION_METADATA))) === null)) {
      await writeFileAtomically(fs, join(dir, PARTITION_METADATA), Buffer.from(`version: 0\ntopic_id: ${options.topicId}\n`));
    }
    await log.loadSegments(options);
    return log;
  }

  private async loadSegments(options: OpenLogOptions): Promise<void> {
    await this.completeInterruptedCleaning(); // compaction support: .cleaned and .swap files
    const { fs } = this.ctx;
    const names = await fs.readdir(this.dir);
    const bases = new Set<number>();
    const leftovers: string[] = [];
    for (const name of names) {
      const parsed = parseSegmentFileName(name);
      if (parsed === null) continue;
      if (parsed.state !== '') {
        // Interrupted background work: .deleted files were on their way out; .cleaned and .swap
        // are the cleaner's, which resolves them before logs open (see log-manager).
        if (parsed.state === DELETED_SUFFIX) leftovers.push(join(this.dir, name));
        continue;
      }
      if (parsed.kind === LOG_SUFFIX) bases.add(parsed.baseOffset);
    }
    for (const name of names) {
      const parsed = parseSegmentFileName(name);
      // An index without its .log is garbage from an interrupted roll or deletion.
      if (parsed !== null && parsed.state === '' && parsed.kind !== LOG_SUFFIX && !bases.has(parsed.baseOffset)) leftovers.push(join(this.dir, name));
    }
    for (const path of leftovers) await fs.unlink(path);

    const sorted = [...bases].sort((a, b) => a - b);
    for (const base of sorted) this.segments.push(await LogSegment.open(this.ctx.env, this.segmentSettings(), this.dir, base, options.nowMs));

    if (this.segments.length === 0) {
      const start = Math.max(0, options.logStartOffset);
      this.segments.push(await this.createSegment(start, options.nowMs));
    } else if (options.cleanShutdown) {
      const last = this.active;
      await last.activate();
      await this.restoreActiveState(last);
    } else {
      await this.recover(options.recoveryPoint);
    }
    this._logStartOffset = Math.max(options.logStartOffset, this.segments[0]!.baseOffset);
    if (this._logStartOffset > this.logEndOffset) this._logStartOffset = this.logEndOffset;
    if (this.epochs.truncateFromEnd(this.logEndOffset)) await this.saveEpochs();
  }

  /** After a clean shutdown the last segment's index is trusted: walk on from its last entry. */
  private async restoreActiveState(seg: LogSegment): Promise<void> {
    const start = await seg.withIndexes(async (i) => i.offsetIndex.lastEntry());
    let next = seg.baseOffset;
    await seg.walkHeaders(start.position, (h) => {
      next = h.lastOffset + 1;
      if (h.maxTimestamp > seg.maxTimestamp) {
        seg.maxTimestamp = h.maxTimestamp;
        seg.offsetOfMaxTimestamp = h.lastOffset;
      }
      return true;
    });
    seg.nextOffset = next;
    // segment.ms counts from the first batch's timestamp.
    await seg.walkHeaders(0, (h) => {
      seg.firstBatchTimestamp = h.maxTimestamp;
      return false;
    });
  }

  /**
   * Scans every segment from the one holding the recovery point on: bad or partial batches are
   * cut off (with every segment after them), indexes rebuilt.
   */
  private async recover(recoveryPoint: number): Promise<void> {
    let from = 0;
    let epochsChanged = false;
    for (let i = 0; i < this.segments.length; i++) if (this.segments[i]!.baseOffset <= recoveryPoint) from = i;
    for (let i = from; i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      if (i === this.segments.length - 1) await seg.openForRecovery();
      // As Kafka's LogSegment.recover: the epochs of recovered batches go into the epoch cache
      // (a batch can reach the disk before the checkpoint naming its epoch does).
      const { truncatedBytes, indexes } = await seg.scan({
        rebuild: true,
        truncate: true,
        onBatch: (h) => {
          if (this.epochs.assign(h.leaderEpoch, h.baseOffset)) epochsChanged = true;
        },
      });
      this.recovery.scannedSegments++;
      this.recovery.truncatedBytes += truncatedBytes;
      if (!seg.isActive) {
        await this.ctx.env.indexes.evict(seg);
        await seg.writeIndexFiles(indexes);
      }
      const next = this.segments[i + 1];
      if (truncatedBytes > 0 || (next !== undefined && next.baseOffset < seg.nextOffset)) {
        // Everything after a damaged batch goes: later segments cannot be trusted to continue it.
        const dropped = this.segments.splice(i + 1);
        for (const d of dropped) await this.deleteSegmentFilesNow(d);
        this.recovery.deletedSegments += dropped.length;
        if (!seg.isActive) await seg.activate();
        break;
      }
    }
    const active = this.active;
    if (!active.isActive) await active.activate();
    await this.ctx.fs.syncDir(this.dir);
    if (epochsChanged) await this.saveEpochs();
  }

  private segmentSettings(): { indexIntervalBytes: number; maxIndexBytes: number } {
    return { indexIntervalBytes: this.settings.indexIntervalBytes, maxIndexBytes: this.settings.segmentIndexBytes };
  }

  private async createSegment(baseOffset: number, nowMs: number): Promise<LogSegment> {
    const jitter = this.settings.segmentJitterMs > 0 ? Math.floor(this.ctx.random() * this.settings.segmentJitterMs) : 0;
    const seg = await LogSegment.create(this.ctx.env, this.segmentSettings(), this.dir, baseOffset, nowMs, jitter);
    // The new .log must survive a crash before anything in it is acknowledged.
    await this.ctx.fs.syncDir(this.dir);
    return seg;
  }

  // ------------------------------------------------------------------ state

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  get logStartOffset(): number {
    return this._logStartOffset;
  }

  get logEndOffset(): number {
    return this.active.nextOffset;
  }

  /** Everything below this offset is flushed with its indexes (the recovery scan starts here). */
  get recoveryPoint(): number {
    // Once closed, every segment is flushed with its indexes.
    return this.closed ? this.logEndOffset : this.active.baseOffset;
  }

  get size(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  get segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  get leaderEpochCache(): LeaderEpochCache {
    return this.epochs;
  }

  /** Runs `fn` after every earlier append or structural change of this log. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new Error(`log ${this.dir} is closed`);
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  // ------------------------------------------------------------------ append

  /**
   * Appends validated batches: assigns offsets from the log end (and the leader epoch) in place,
   * rolls first if needed, writes them in one call. `durable` resolves once they are on disk.
   */
  append(batches: readonly RecordBatch[], options: AppendOptions): Promise<AppendResult> {
    return this.exclusive(async () => {
      if (batches.length === 0) throw new AppendRejectedError(ErrorCode.CORRUPT_MESSAGE, 'no batches to append');
      let next = this.logEndOffset;
      const firstOffset = next;
      const toWrite: AppendBatch[] = [];
      let bytes = 0;
      let messages = 0;
      let maxTimestamp = -1;
      for (const batch of batches) {
        batch.baseOffset = next;
        batch.partitionLeaderEpoch = options.leaderEpoch;
        if (options.logAppendTimeMs !== undefined) {
          batch.timestampType = TimestampType.LOG_APPEND_TIME;
          batch.maxTimestamp = options.logAppendTimeMs;
          batch.updateCrc();
        }
        const lastOffset = next + batch.lastOffsetDelta;
        toWrite.push({ bytes: batch.bytes, lastOffset, maxTimestamp: Number(batch.maxTimestamp) });
        maxTimestamp = Math.max(maxTimestamp, Number(batch.maxTimestamp));
        bytes += batch.bytes.length;
        messages += batch.lastOffsetDelta + 1;
        next = lastOffset + 1;
      }
      const lastOffset = next - 1;
      if (bytes > this.settings.segmentBytes) {
        throw new AppendRejectedError(ErrorCode.RECORD_LIST_TOO_LARGE, `${bytes} bytes exceed segment.bytes ${this.settings.segmentBytes}`);
      }
      if (this.active.wouldOverflow(bytes, lastOffset, this.settings.segmentBytes) || this.active.isDueForRoll(options.nowMs, maxTimestamp, this.settings.segmentMs)) {
        await this.rollLocked(options.nowMs);
      }
      const active = this.active;
      await active.append(toWrite);
      if (this.epochs.assign(options.leaderEpoch, firstOffset)) await this.saveEpochs();
      return { firstOffset, lastOffset, durable: this.durability(active, messages, options.nowMs) };
    });
  }

  private durability(active: LogSegment, messages: number, nowMs: number): Promise<void> {
    const handle = active.writeHandle!;
    if (isStrictDurability(this.settings)) return this.ctx.flusher.sync(handle);
    this.unflushedMessages += messages;
    const { flushMessages } = this.settings;
    if (flushMessages !== null && this.unflushedMessages >= flushMessages) {
      this.unflushedMessages = 0;
      this.lastFlushMs = nowMs;
      // Relaxed mode: the flush happens, but nobody waits for it.
      this.ctx.flusher.sync(handle).catch(() => undefined);
    }
    return Promise.resolve();
  }

  /** Relaxed mode's timer: flush when flush.ms has passed since the last flush. */
  async maybeScheduledFlush(nowMs: number): Promise<void> {
    const { flushMs } = this.settings;
    if (flushMs === null || this.unflushedMessages === 0 || nowMs - this.lastFlushMs < flushMs) return;
    await this.flush(nowMs);
  }

  /** Makes everything appended so far durable. */
  flush(nowMs: number): Promise<void> {
    return this.exclusive(async () => {
      this.unflushedMessages = 0;
      this.lastFlushMs = nowMs;
      const handle = this.active.writeHandle;
      if (handle !== null) await this.ctx.flusher.sync(handle);
    });
  }

  /** Starts a new active segment at the log end. */
  roll(nowMs: number): Promise<void> {
    return this.exclusive(() => this.rollLocked(nowMs));
  }

  private async rollLocked(nowMs: number): Promise<void> {
    const old = this.active;
    if (old.size === 0) return;
    const next = old.nextOffset;
    await this.settleSyncs(old);
    await old.deactivate();
    this.segments.push(await this.createSegment(next, nowMs));
  }

  /**
   * Waits until every durability request on `seg`'s write handle is answered, before the handle
   * closes: otherwise the flusher would fdatasync a closed handle and fail appends that are on
   * disk. No new request can come: callers hold the log's queue.
   */
  private async settleSyncs(seg: LogSegment): Promise<void> {
    const handle = seg.writeHandle;
    if (handle !== null) await this.ctx.flusher.sync(handle);
  }

  private async saveEpochs(): Promise<void> {
    await writeFileAtomically(this.ctx.fs, join(this.dir, LEADER_EPOCH_CHECKPOINT), Buffer.from(this.epochs.format()));
  }

  // ------------------------------------------------------------------ read

  /**
   * Whole batches from the one holding `offset`, within maxBytes (at least one batch unless
   * minOneBatch is false), never reaching `upperBound`.
   */
  async read(offset: number, options: ReadOptions): Promise<ReadResult> {
    const end = this.logEndOffset;
    if (offset < this._logStartOffset || offset > end) throw new OffsetOutOfRangeError(offset, this._logStartOffset, end);
    const upperBound = Math.min(options.upperBound ?? end, end);
    const none: ReadResult = { records: Buffer.alloc(0), firstBatchOffset: -1 };
    if (offset >= upperBound) return none;
    const segments = this.segments;
    let i = floorIndex(segments, offset);
    for (; i < segments.length; i++) {
      const seg = segments[i]!;
      if (seg.baseOffset >= upperBound) break;
      const range = await seg.rangeFrom(offset, options.maxBytes, upperBound, options.minOneBatch ?? true);
      if (range !== null) {
        if (range.length === 0) return none;
        const bytes = await seg.readBytes(range.position, range.length);
        const records = seg.verified ? bytes : verifiedPrefix(bytes, seg.logPath, range.position);
        return { records, firstBatchOffset: range.first.baseOffset };
      }
    }
    return none;
  }

  /** ListOffsets by timestamp: the first record with timestamp >= `timestamp`, or null. */
  async offsetForTimestamp(timestamp: number): Promise<TimestampAndOffset | null> {
    for (const seg of this.segments) {
      if ((await seg.largestTimestamp()) < timestamp) continue;
      const from = await seg.withIndexes(async (i) => i.offsetIndex.lookup(i.timeIndex.lookup(timestamp).offset));
      // A batch can reach the timestamp only with records below the log start (a mid-batch log
      // start): then the search goes on with the next batch, as Kafka's searchForTimestamp does.
      for (let pos = from.position; ; ) {
        let batchAt: { position: number; size: number } | null = null;
        await seg.walkHeaders(pos, (h) => {
          if (h.maxTimestamp >= timestamp && h.lastOffset >= this._logStartOffset) {
            batchAt = h;
            return false;
          }
          return true;
        });
        if (batchAt === null) break;
        const { position, size } = batchAt;
        const found = this.firstRecordAtOrAfter(await seg.readBytes(position, size), (r) => r.timestamp >= timestamp);
        if (found !== null) return found;
        pos = position + size;
      }
    }
    return null;
  }

  /** ListOffsets MAX_TIMESTAMP: the first record holding the largest timestamp in the log. */
  async maxTimestampOffset(): Promise<TimestampAndOffset | null> {
    let best: LogSegment | null = null;
    for (const seg of this.segments) if ((await seg.largestTimestamp()) > (best?.maxTimestamp ?? -1)) best = seg;
    if (best === null || best.maxTimestamp < 0) return null;
    const max = best.maxTimestamp;
    const batch = await best.findBatch(best.offsetOfMaxTimestamp);
    if (batch === null) return null;
    return this.firstRecordAtOrAfter(await best.readBytes(batch.position, batch.size), (r) => r.timestamp === max);
  }

  private firstRecordAtOrAfter(bytes: Buffer, pred: (r: { timestamp: number; offset: number }) => boolean): TimestampAndOffset | null {
    const batch = new RecordBatch(bytes);
    for (const r of readRecords(batch, { maxUncompressedBytes: 64 * 1024 * 1024 })) {
      if (r.offset >= this._logStartOffset && pred(r)) return { timestamp: r.timestamp, offset: r.offset, leaderEpoch: batch.partitionLeaderEpoch };
    }
    return null;
  }

  // ------------------------------------------------------------------ truncation and retention

  /** Removes every batch from the one holding `offset` on (follower truncation). */
  truncateTo(offset: number): Promise<void> {
    return this.exclusive(async () => {
      if (offset >= this.logEndOffset) return;
      if (offset < this._logStartOffset) throw new OffsetOutOfRangeError(offset, this._logStartOffset, this.logEndOffset);
      this.noteTruncationForCleaner(offset); // compaction support
      let reactivated = false;
      while (this.segments.length > 1 && this.active.baseOffset >= offset) {
        await this.settleSyncs(this.active);
        const dropped = this.segments.pop()!;
        await this.deleteSegmentFilesNow(dropped);
        await this.active.activate();
        reactivated = true;
      }
      // A segment that was not active in this process does not know where it ends yet.
      if (reactivated) await this.restoreActiveState(this.active);
      await this.active.truncateTo(offset);
      // The batch holding `offset` went whole; as in Kafka the log still ends at `offset`: a new
      // segment starting there records it (a gap in offsets, as compaction also leaves).
      if (this.logEndOffset < offset) {
        await this.settleSyncs(this.active);
        if (this.active.size === 0) {
          const empty = this.segments.pop()!;
          await this.deleteSegmentFilesNow(empty);
        } else {
          await this.active.deactivate();
        }
        this.segments.push(await this.createSegment(offset, this.lastFlushMs));
        // If that removed everything, nothing is left below the new segment.
        this._logStartOffset = Math.max(this._logStartOffset, this.segments[0]!.baseOffset);
      }
      if (this.epochs.truncateFromEnd(this.logEndOffset)) await this.saveEpochs();
    });
  }

  /** DeleteRecords: moves the log start offset forward (the caller checkpoints it). */
  advanceLogStartOffset(offset: number): Promise<boolean> {
    return this.exclusive(async () => {
      if (offset > this.logEndOffset) throw new OffsetOutOfRangeError(offset, this._logStartOffset, this.logEndOffset);
      if (offset <= this._logStartOffset) return false;
      this._logStartOffset = offset;
      if (this.epochs.truncateFromStart(offset)) await this.saveEpochs();
      return true;
    });
  }

  /**
   * Deletes the segments retention allows (log start offset, retention.ms, retention.bytes),
   * never reaching `highWatermark`. Files are renamed `.deleted` and removed later.
   */
  applyRetention(nowMs: number, highWatermark: number): Promise<{ deleted: number; reason: DeletionReason | null }> {
    return this.exclusive(async () => {
      const facts: SegmentFacts[] = [];
      for (let i = 0; i < this.segments.length; i++) {
        const seg = this.segments[i]!;
        let largest = await seg.largestTimestamp();
        if (largest < 0 && seg.size > 0) largest = (await this.ctx.fs.stat(seg.logPath))?.mtimeMs ?? -1;
        facts.push({
          baseOffset: seg.baseOffset,
          size: seg.size,
          largestTimestamp: largest,
          upperBoundOffset: this.segments[i + 1]?.baseOffset ?? this.logEndOffset,
          isEmpty: seg.size === 0,
        });
      }
      const { count, reason } = segmentsToDelete({
        segments: facts,
        nowMs,
        logStartOffset: this._logStartOffset,
        highWatermark: Math.min(highWatermark, this.logEndOffset),
        retentionMs: this.settings.retentionMs,
        retentionBytes: this.settings.retentionBytes,
        deletePolicy: this.settings.cleanupPolicy.delete,
      });
      if (count === 0) return { deleted: 0, reason: null };
      // Deleting every segment: keep a fresh empty one at the log end.
      if (count === this.segments.length) await this.rollLocked(nowMs);
      const doomed = this.segments.splice(0, count);
      const newStart = this.segments[0]!.baseOffset;
      if (newStart > this._logStartOffset) {
        this._logStartOffset = newStart;
        if (this.epochs.truncateFromStart(newStart)) await this.saveEpochs();
      }
      for (const seg of doomed) await this.retireSegment(seg);
      return { deleted: count, reason };
    });
  }

  /** Renames a segment's files to .deleted and hands them to the delayed deleter. */
  private async retireSegment(seg: LogSegment): Promise<void> {
    await seg.close();
    const paths: string[] = [];
    for (const path of [seg.logPath, seg.indexPath, seg.timeIndexPath]) {
      if ((await this.ctx.fs.stat(path)) === null) continue;
      await this.ctx.fs.rename(path, path + DELETED_SUFFIX);
      paths.push(path + DELETED_SUFFIX);
    }
    await this.ctx.fs.syncDir(this.dir);
    this.ctx.scheduleDelete(paths, this.settings.fileDeleteDelayMs);
  }

  private async deleteSegmentFilesNow(seg: LogSegment): Promise<void> {
    await seg.close();
    for (const path of [seg.logPath, seg.indexPath, seg.timeIndexPath]) {
      if ((await this.ctx.fs.stat(path)) !== null) await this.ctx.fs.unlink(path);
    }
  }

  // ------------------------------------------------------------------ close

  /** Flushes and writes the active segment's indexes (a clean close). */
  close(): Promise<void> {
    return this.exclusive(async () => {
      await this.settleSyncs(this.active);
      for (const seg of this.segments) await seg.close();
      await this.ctx.fs.syncDir(this.dir);
      this.closed = true;
    });
  }

  /** Closes without flushing anything more (a crash, for tests; or a failed log dir). */
  abandon(): void {
    this.closed = true;
  }

  // ---- compaction support ----
  // What the log cleaner (cleaner.ts) needs: a snapshot of the segments to plan and read from
  // outside the queue, the swap of a cleaned segment inside it (Kafka's replaceSegments), the
  // completion of an interrupted swap before segments load, and notice of truncations.

  /** Bumped by every truncation: a cleaning planned before one is never swapped in after it. */
  private truncationsForCleaner = 0;
  /** Lowest offset truncated to since the cleaner last asked (Kafka's maybeTruncateCheckpoint). */
  private truncatedToForCleaner: number | null = null;
  /** What completeInterruptedCleaning found when the log opened. */
  cleanerRecovery: CleanerRecoveryReport = { deletedCleanedFiles: 0, completedSwaps: 0, deletedReplacedFiles: 0 };

  /** Called by truncateTo. */
  private noteTruncationForCleaner(offset: number): void {
    this.truncationsForCleaner++;
    this.truncatedToForCleaner = Math.min(this.truncatedToForCleaner ?? offset, offset);
  }

  /** Deletes `.cleaned` files and completes committed `.swap` ones (cleaner-recovery.ts); runs first in loadSegments. */
  private async completeInterruptedCleaning(): Promise<void> {
    this.cleanerRecovery = await recoverInterruptedCleaning(this.ctx.fs, this.dir);
  }

  /** The segments (the last one active) and offsets, as of now; inactive segments never change while listed. */
  cleanerSnapshot(): CleanerSnapshot {
    return {
      segments: [...this.segments],
      logStartOffset: this._logStartOffset,
      logEndOffset: this.logEndOffset,
      truncations: this.truncationsForCleaner,
    };
  }

  /** The lowest offset the log was truncated to since the last call, or null (and forgets it). */
  takeTruncationForCleaner(): number | null {
    const t = this.truncatedToForCleaner;
    this.truncatedToForCleaner = null;
    return t;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Whether every one of `segments` is still in the log and the log was not truncated since `snapshot`. */
  cleanerSnapshotHolds(snapshot: CleanerSnapshot, segments: readonly LogSegment[]): boolean {
    return !this.closed && snapshot.truncations === this.truncationsForCleaner && segments.every((s) => this.segments.includes(s) && !s.isActive);
  }

  /**
   * Swaps the cleaned segment written at `<base>.{index,timeindex,log}.cleaned` (base = the first
   * replaced segment's) in for `replaced`, consecutive inactive segments of this log, unless the
   * log changed since `snapshot` (a replaced segment gone or active, a truncation): then nothing
   * is renamed and null is returned (the caller deletes its files). In the queue, appends wait
   * only for these renames: .cleaned -> .swap (the .log last) and a directory fsync (the commit
   * point), the replaced segments' files -> .deleted (removed after file.delete.delay.ms),
   * .swap -> final names and a directory fsync. A crash anywhere is resolved at the next open.
   */
  replaceWithCleaned(replaced: readonly LogSegment[], snapshot: CleanerSnapshot, nowMs: number): Promise<LogSegment | null> {
    return this.exclusive(async () => {
      const first = this.segments.indexOf(replaced[0]!);
      const fits =
        replaced.length > 0 &&
        first >= 0 &&
        first + replaced.length < this.segments.length &&
        snapshot.truncations === this.truncationsForCleaner &&
        replaced.every((seg, i) => this.segments[first + i] === seg && !seg.isActive);
      if (!fits) return null;
      const { fs } = this.ctx;
      const base = replaced[0]!.baseOffset;
      for (const kind of CLEANED_SEGMENT_KINDS) {
        await fs.rename(segmentFilePath(this.dir, base, kind, CLEANED_SUFFIX), segmentFilePath(this.dir, base, kind, SWAP_SUFFIX));
      }
      await fs.syncDir(this.dir);
      const retired: string[] = [];
      for (const seg of replaced) retired.push(...(await seg.retireFilesTo(DELETED_SUFFIX)));
      for (const kind of CLEANED_SEGMENT_KINDS) {
        await fs.rename(segmentFilePath(this.dir, base, kind, SWAP_SUFFIX), segmentFilePath(this.dir, base, kind, ''));
      }
      await fs.syncDir(this.dir);
      const cleaned = await LogSegment.open(this.ctx.env, this.segmentSettings(), this.dir, base, nowMs);
      // A new array: reads in flight keep the list (and the retired segments) they started with.
      this.segments = [...this.segments.slice(0, first), cleaned, ...this.segments.slice(first + replaced.length)];
      this.ctx.scheduleDelete(retired, this.settings.fileDeleteDelayMs);
      return cleaned;
    });
  }
}

/** A partition log as the cleaner plans with it (PartitionLog.cleanerSnapshot). */
export interface CleanerSnapshot {
  /** Every segment, oldest first; the last is the active one. */
  segments: readonly LogSegment[];
  logStartOffset: number;
  logEndOffset: number;
  /** Truncations so far (a swap checks that none happened since). */
  truncations: number;
}

/**
 * Never serve bad bytes: checks every batch read (structure and CRC32C, at memory speed) and cuts
 * before the first bad one. A bad first batch is an error naming the file. Segments below the
 * recovery point are not rescanned at start (as in Kafka), so this is where damage to them shows.
 */
function verifiedPrefix(bytes: Buffer, path: string, position: number): Buffer {
  let at = 0;
  while (at < bytes.length) {
    const size = bytes.length - at >= 12 ? bytes.readInt32BE(at + 8) + 12 : -1;
    const ok = size > 0 && at + size <= bytes.length && validateRecordBatch(bytes.subarray(at, at + size)).ok;
    if (!ok) {
      if (at === 0) throw new LogCorruptError(path, `corrupt record batch at position ${position}`);
      return bytes.subarray(0, at);
    }
    at += size;
  }
  return bytes;
}

/** Index of the last segment whose base offset is <= offset (0 if none). */
function floorIndex(segments: readonly LogSegment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (segments[mid]!.baseOffset <= offset) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

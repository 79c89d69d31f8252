/**
 * One segment of a partition log: `<base>.log` (record batches exactly as on the wire) with its
 * sparse `.index` and `.timeindex`. The active segment keeps its write handle and its indexes in
 * memory; inactive segments open their file and load their indexes on demand through bounded
 * pools, so open files and memory stay bounded however long the log grows.
 *
 * Index files are written when a segment stops being active (roll, clean close); in between they
 * live in memory, and after an unclean shutdown recovery rebuilds them from the `.log`.
 */
import type { FileHandle, FileSystem } from './fs.js';
import type { ResourcePool } from '../common/resource-pool.js';
import { OffsetIndex, type OffsetPosition } from './offset-index.js';
import { TimeIndex } from './time-index.js';
import { batchHeaderAt, type BatchHeader } from './batch-scan.js';
import { IndexCorruptError, LogCorruptError } from './log-errors.js';
import { INDEX_SUFFIX, join, LOG_SUFFIX, segmentFileName, TIME_INDEX_SUFFIX } from './log-files.js';
import { validateRecordBatch } from '../protocol/records/validate.js';
import { writeWholeFile } from './atomic-file.js';

/** Bytes read at a time when walking batch headers. */
const SCAN_CHUNK_BYTES = 16 * 1024;
/** Bytes read at a time during recovery. */
const RECOVERY_CHUNK_BYTES = 1024 * 1024;

export interface SegmentIndexes {
  offsetIndex: OffsetIndex;
  timeIndex: TimeIndex;
}

/** What segments share: the file system, bounded pools and the index settings. */
export interface SegmentEnv {
  fs: FileSystem;
  /** Read handles of inactive segments, keyed by path. */
  readHandles: ResourcePool<string, FileHandle>;
  /** Loaded indexes of inactive segments. */
  indexes: ResourcePool<LogSegment, SegmentIndexes>;
}

export interface SegmentSettings {
  indexIntervalBytes: number;
  maxIndexBytes: number;
}

/** A batch about to be appended: its bytes and the header facts the indexes need. */
export interface AppendBatch {
  bytes: Buffer;
  lastOffset: number;
  maxTimestamp: number;
}

export interface SegmentRange {
  /** First byte of the first batch returned. */
  position: number;
  /** Bytes from `position`: whole batches only. */
  length: number;
  /** Header of the first batch (the one holding the wanted offset). */
  first: BatchHeader;
}

export class LogSegment {
  readonly dir: string;
  readonly baseOffset: number;
  readonly logPath: string;
  readonly indexPath: string;
  readonly timeIndexPath: string;
  /** Bytes in the .log. */
  size = 0;
  /** Offset after the last batch; only known for the active segment and after recovery. */
  nextOffset: number;
  /** When the segment was created (ms), for segment.ms when it has no batch timestamps yet. */
  readonly createdMs: number;
  /** Random jitter subtracted from segment.ms for this segment (segment.jitter.ms). */
  readonly rollJitterMs: number;
  /** Largest batch max timestamp so far and the last offset of the batch that has it; -1 if none/unknown. */
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  /** Max timestamp of the first batch: the reference for segment.ms (Kafka's rollingBasedTimestamp). */
  firstBatchTimestamp = -1;

  private readonly env: SegmentEnv;
  private readonly settings: SegmentSettings;
  /**
   * Every batch in the file was checked (CRC included) by this process: appended after the
   * producer's batch was validated, or read by a recovery scan. Reads of other segments (loaded
   * after a clean shutdown, or below the recovery point) check what they serve.
   */
  verified = false;
  /** Set while the segment is active: the write handle and the live indexes. */
  private writer: FileHandle | null = null;
  private live: SegmentIndexes | null = null;
  private bytesSinceLastIndexEntry = 0;

  private constructor(env: SegmentEnv, settings: SegmentSettings, dir: string, baseOffset: number, createdMs: number, rollJitterMs: number) {
    this.env = env;
    this.settings = settings;
    this.dir = dir;
    this.baseOffset = baseOffset;
    this.nextOffset = baseOffset;
    this.logPath = join(dir, segmentFileName(baseOffset, LOG_SUFFIX));
    this.indexPath = join(dir, segmentFileName(baseOffset, INDEX_SUFFIX));
    this.timeIndexPath = join(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX));
    this.createdMs = createdMs;
    this.rollJitterMs = rollJitterMs;
  }

  /** Creates an empty active segment (the caller syncs the directory before relying on it). */
  static async create(env: SegmentEnv, settings: SegmentSettings, dir: string, baseOffset: number, nowMs: number, rollJitterMs: number): Promise<LogSegment> {
    const seg = new LogSegment(env, settings, dir, baseOffset, nowMs, rollJitterMs);
    seg.verified = true;
    seg.writer = await env.fs.open(seg.logPath, 'w+');
    await seg.writer.truncate(0);
    // Empty index files from the start, as in a Kafka log dir; their contents come at deactivation.
    for (const path of [seg.indexPath, seg.timeIndexPath]) {
      const h = await env.fs.open(path, 'w+');
      await h.truncate(0);
      await h.close();
    }
    seg.live = { offsetIndex: new OffsetIndex(baseOffset, settings.maxIndexBytes), timeIndex: new TimeIndex(baseOffset, settings.maxIndexBytes) };
    return seg;
  }

  /** An existing segment, inactive until `activate` or `recover`. */
  static async open(env: SegmentEnv, settings: SegmentSettings, dir: string, baseOffset: number, nowMs: number): Promise<LogSegment> {
    const seg = new LogSegment(env, settings, dir, baseOffset, nowMs, 0);
    const stat = await env.fs.stat(seg.logPath);
    seg.size = stat?.size ?? 0;
    return seg;
  }

  get isActive(): boolean {
    return this.writer !== null;
  }

  // ------------------------------------------------------------------ append

  /** Whether appending `bytes` more would overflow segment.bytes, a full index, or 4-byte relative offsets. */
  wouldOverflow(bytes: number, lastOffset: number, segmentBytes: number): boolean {
    if (this.size > 0 && this.size + bytes > segmentBytes) return true;
    if (lastOffset - this.baseOffset > 0x7fffffff) return true;
    const idx = this.live;
    return idx !== null && (idx.offsetIndex.isFull || idx.timeIndex.isFull);
  }

  /**
   * Time-based roll, as Kafka's LogSegment.timeWaitedForRoll: when the segment's first batch has
   * a timestamp, the time waited is the incoming records' max timestamp minus it (so records with
   * old timestamps do not roll a segment per append); otherwise now minus the segment's creation.
   * Rolls when that exceeds segment.ms minus this segment's jitter.
   */
  isDueForRoll(nowMs: number, maxTimestampInMessages: number, segmentMs: number): boolean {
    if (this.size === 0) return false;
    const waited = this.firstBatchTimestamp >= 0 ? maxTimestampInMessages - this.firstBatchTimestamp : nowMs - this.createdMs;
    return waited > segmentMs - this.rollJitterMs;
  }

  /** Appends batches (offsets already assigned) in one write; updates the in-memory indexes. */
  async append(batches: readonly AppendBatch[]): Promise<void> {
    const writer = this.writer;
    const idx = this.live;
    if (writer === null || idx === null) throw new Error(`segment ${this.logPath} is not active`);
    const start = this.size;
    await writer.writev(batches.map((b) => b.bytes), start);
    let position = start;
    for (const b of batches) {
      if (this.firstBatchTimestamp < 0 && position === 0) this.firstBatchTimestamp = b.maxTimestamp;
      if (b.maxTimestamp > this.maxTimestamp) {
        this.maxTimestamp = b.maxTimestamp;
        this.offsetOfMaxTimestamp = b.lastOffset;
      }
      if (this.bytesSinceLastIndexEntry > this.settings.indexIntervalBytes) {
        idx.offsetIndex.append(b.lastOffset, position);
        idx.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
        this.bytesSinceLastIndexEntry = 0;
      }
      position += b.bytes.length;
      this.bytesSinceLastIndexEntry += b.bytes.length;
      this.nextOffset = b.lastOffset + 1;
    }
    this.size = position;
  }

  /** The handle appends go to, for the flusher (null once inactive). */
  get writeHandle(): FileHandle | null {
    return this.writer;
  }

  /**
   * Stops being active: final time-index entry, index files written and synced, the .log synced,
   * the write handle closed.
   */
  async deactivate(): Promise<void> {
    const writer = this.writer;
    const idx = this.live;
    if (writer === null || idx === null) return;
    if (this.maxTimestamp >= 0) idx.timeIndex.maybeAppend(this.maxTimestamp, this.offsetOfMaxTimestamp);
    await writer.datasync();
    await this.writeIndexFiles(idx);
    await writer.close();
    this.writer = null;
    this.live = null;
  }

  /** Makes an inactive segment active again (the last segment after a clean start). */
  async activate(): Promise<void> {
    if (this.writer !== null) return;
    await this.env.readHandles.evict(this.logPath);
    const indexes = await this.withIndexes(async (i) => i);
    await this.env.indexes.evict(this);
    this.live = indexes;
    this.writer = await this.env.fs.open(this.logPath, 'r+');
    // Index entries resume after the last one written.
    const last = indexes.offsetIndex.lastEntry();
    this.bytesSinceLastIndexEntry = this.size - (indexes.offsetIndex.entries > 0 ? last.position : 0);
  }

  /**
   * Makes the segment active for a recovery scan: opens the write handle and starts with empty
   * indexes, which `scan` rebuilds (the files on disk are not trusted).
   */
  async openForRecovery(): Promise<void> {
    if (this.writer !== null) return;
    await this.env.readHandles.evict(this.logPath);
    await this.env.indexes.evict(this);
    this.writer = await this.env.fs.open(this.logPath, 'r+');
    this.live = {
      offsetIndex: new OffsetIndex(this.baseOffset, this.settings.maxIndexBytes),
      timeIndex: new TimeIndex(this.baseOffset, this.settings.maxIndexBytes),
    };
  }

  async close(): Promise<void> {
    await this.deactivate();
    await this.env.readHandles.evict(this.logPath);
    await this.env.indexes.evict(this);
  }

  /** Writes the index files from `idx` and syncs them. */
  async writeIndexFiles(idx: SegmentIndexes): Promise<void> {
    await writeWholeFile(this.env.fs, this.indexPath, idx.offsetIndex.bytes);
    await writeWholeFile(this.env.fs, this.timeIndexPath, idx.timeIndex.bytes);
  }

  // ------------------------------------------------------------------ indexes

  /** Runs `fn` with this segment's indexes (live, or loaded from the files through the pool). */
  async withIndexes<T>(fn: (idx: SegmentIndexes) => Promise<T>): Promise<T> {
    if (this.live !== null) return fn(this.live);
    return this.env.indexes.use(this, fn);
  }

  /** Loads the index files (the pool's open callback). A bad index is rebuilt from the .log. */
  async loadIndexes(): Promise<SegmentIndexes> {
    try {
      const offsetBytes = await this.readWholeFile(this.indexPath);
      const timeBytes = await this.readWholeFile(this.timeIndexPath);
      if (offsetBytes === null || timeBytes === null) throw new IndexCorruptError(this.indexPath, 'missing');
      if (offsetBytes.length % 8 !== 0) throw new IndexCorruptError(this.indexPath, `size ${offsetBytes.length} is not a multiple of 8`);
      if (timeBytes.length % 12 !== 0) throw new IndexCorruptError(this.timeIndexPath, `size ${timeBytes.length} is not a multiple of 12`);
      const offsetIndex = new OffsetIndex(this.baseOffset, this.settings.maxIndexBytes, offsetBytes);
      const timeIndex = new TimeIndex(this.baseOffset, this.settings.maxIndexBytes, timeBytes);
      offsetIndex.check(this.indexPath, this.size, null);
      timeIndex.check(this.timeIndexPath, null);
      const last = timeIndex.lastEntry();
      if (last !== null && this.maxTimestamp < 0) {
        this.maxTimestamp = last.timestamp;
        this.offsetOfMaxTimestamp = last.offset;
      }
      return { offsetIndex, timeIndex };
    } catch (e) {
      if (!(e instanceof IndexCorruptError)) throw e;
      const rebuilt = await this.scan({ rebuild: true, truncate: false });
      await this.writeIndexFiles(rebuilt.indexes);
      return rebuilt.indexes;
    }
  }

  private async readWholeFile(path: string): Promise<Buffer | null> {
    const stat = await this.env.fs.stat(path);
    if (stat === null) return null;
    return this.env.fs.readFile(path);
  }

  // ------------------------------------------------------------------ read

  /** Reads `length` bytes at `position` of the .log. */
  async readBytes(position: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    await this.withReadHandle(async (h) => {
      while (done < length) {
        const n = await h.read(buf, done, length - done, position + done);
        if (n === 0) break;
        done += n;
      }
    });
    return done === length ? buf : buf.subarray(0, done);
  }

  private async withReadHandle<T>(fn: (h: FileHandle) => Promise<T>): Promise<T> {
    if (this.writer !== null) return fn(this.writer);
    return this.env.readHandles.use(this.logPath, fn);
  }

  /**
   * Walks batch headers from `position` (a batch boundary) to the end of the segment, calling
   * `visit` for each; stops when `visit` returns false. Reads only header-sized chunks.
   * Returns why it stopped: 'visited' (visit said stop), 'end' (end of segment, or a partial
   * batch at its end), 'invalid' (bytes that are not a batch header before the end).
   */
  async walkHeaders(position: number, visit: (h: BatchHeader) => boolean): Promise<'visited' | 'end' | 'invalid'> {
    let chunk: Buffer = Buffer.alloc(0);
    let chunkPos = position;
    let pos = position;
    while (pos < this.size) {
      let h = batchHeaderAt(chunk, pos - chunkPos, chunkPos);
      if (h === null) {
        chunkPos = pos;
        chunk = await this.readBytes(pos, Math.min(SCAN_CHUNK_BYTES, this.size - pos));
        h = batchHeaderAt(chunk, 0, chunkPos);
        if (h === null) return 'end'; // a partial batch at the end: not served
      }
      if (h === 'invalid') return 'invalid';
      if (h.position + h.size > this.size) return 'end';
      if (!visit(h)) return 'visited';
      pos = h.position + h.size;
    }
    return 'end';
  }

  /**
   * The first batch whose last offset is >= `offset`, or null when the segment has none. An
   * index entry that leads into the middle of a batch (a damaged index that looked sane) is
   * caught: the walk is redone from the start of the segment and the index rebuilt; if even that
   * meets bytes that are not a batch, the .log is corrupt and the error names it.
   */
  async findBatch(offset: number): Promise<BatchHeader | null> {
    const start: OffsetPosition = await this.withIndexes(async (i) => i.offsetIndex.lookup(offset));
    let found: BatchHeader | null = null;
    const visit = (h: BatchHeader): boolean => {
      if (h.lastOffset < offset) return true;
      found = h;
      return false;
    };
    const outcome = await this.walkHeaders(start.position, visit);
    if (outcome !== 'invalid') return found;
    if (start.position > 0 && (await this.walkHeaders(0, visit)) !== 'invalid') {
      await this.rebuildIndexFiles();
      return found;
    }
    throw new LogCorruptError(this.logPath, `bytes at or after position ${start.position} are not a record batch`);
  }

  /** Replaces an inactive segment's index files (and loaded indexes) with ones rebuilt from the .log. */
  private async rebuildIndexFiles(): Promise<void> {
    if (this.live !== null) return;
    await this.env.indexes.evict(this);
    const { indexes } = await this.scan({ rebuild: true, truncate: false });
    await this.writeIndexFiles(indexes);
  }

  /**
   * The byte range to serve for a fetch from `offset`: whole batches, starting with the one that
   * holds `offset`, ending before `upperBound` (exclusive offset) and within `maxBytes`, but at
   * least one batch when `minOneBatch` (KIP-74). Null when the segment holds nothing at or after
   * `offset` below the bound.
   */
  async rangeFrom(offset: number, maxBytes: number, upperBound: number, minOneBatch: boolean): Promise<SegmentRange | null> {
    // One walk from the index entry finds the first batch and sizes the range behind it.
    const start: OffsetPosition = await this.withIndexes(async (i) => i.offsetIndex.lookup(offset));
    let first: BatchHeader | null = null;
    let length = 0;
    const outcome = await this.walkHeaders(start.position, (h) => {
      if (first === null) {
        if (h.lastOffset < offset) return true;
        first = h;
      }
      if (h.lastOffset >= upperBound || length + h.size > maxBytes) return false;
      length += h.size;
      return true;
    });
    // A walk that met bytes that are not a batch before finding one: findBatch sorts it out
    // (walks from the segment start and rebuilds the index, or names the corrupt file).
    if (first === null && outcome === 'invalid') return this.rangeFromFound(await this.findBatch(offset), maxBytes, upperBound, minOneBatch);
    return this.finishRange(first, length, maxBytes, upperBound, minOneBatch);
  }

  private async rangeFromFound(first: BatchHeader | null, maxBytes: number, upperBound: number, minOneBatch: boolean): Promise<SegmentRange | null> {
    if (first === null) return null;
    let length = 0;
    await this.walkHeaders(first.position, (h) => {
      if (h.lastOffset >= upperBound || length + h.size > maxBytes) return false;
      length += h.size;
      return true;
    });
    return this.finishRange(first, length, maxBytes, upperBound, minOneBatch);
  }

  private finishRange(first: BatchHeader | null, length: number, maxBytes: number, upperBound: number, minOneBatch: boolean): SegmentRange | null {
    if (first === null || first.lastOffset >= upperBound) return null;
    // Too large and not forced: nothing (length 0), never the batches after it in its place.
    if (first.size > maxBytes) return { position: first.position, length: minOneBatch ? first.size : 0, first };
    return { position: first.position, length, first };
  }

  // ------------------------------------------------------------------ recovery

  /**
   * Reads the whole .log, checking every batch (length, magic, CRC, increasing offsets), and
   * rebuilds the indexes. With `truncate`, cuts the file at the first bad or partial batch.
   * Returns the bytes cut and the rebuilt indexes. `onBatch` sees every valid batch kept.
   */
  async scan(options: { rebuild: true; truncate: boolean; onBatch?: (h: BatchHeader) => void }): Promise<{ truncatedBytes: number; indexes: SegmentIndexes }> {
    const offsetIndex = new OffsetIndex(this.baseOffset, this.settings.maxIndexBytes);
    const timeIndex = new TimeIndex(this.baseOffset, this.settings.maxIndexBytes);
    let pos = 0;
    let nextOffset = this.baseOffset;
    let maxTimestamp = -1;
    let offsetOfMax = -1;
    let firstTs = -1;
    let sinceIndex = 0;
    const fileSize = this.size;
    let validEnd = 0;
    scanning: while (pos < fileSize) {
      const chunk = await this.readBytes(pos, Math.min(RECOVERY_CHUNK_BYTES, fileSize - pos));
      let at = 0;
      for (;;) {
        const h = batchHeaderAt(chunk, at, pos);
        if (h === null) break; // the chunk ends inside this header: read on from it
        if (h === 'invalid' || h.baseOffset < nextOffset || h.position + h.size > fileSize) break scanning;
        let bytes: Buffer;
        if (chunk.length - at >= h.size) bytes = chunk.subarray(at, at + h.size);
        else if (at > 0) break; // the chunk ends inside this batch: read on from it
        else bytes = await this.readBytes(h.position, h.size); // one batch larger than a chunk
        if (!validateRecordBatch(bytes).ok) break scanning;
        options.onBatch?.(h);
        if (firstTs < 0) firstTs = h.maxTimestamp;
        if (h.maxTimestamp > maxTimestamp) {
          maxTimestamp = h.maxTimestamp;
          offsetOfMax = h.lastOffset;
        }
        if (sinceIndex > this.settings.indexIntervalBytes && !offsetIndex.isFull) {
          offsetIndex.append(h.lastOffset, h.position);
          timeIndex.maybeAppend(maxTimestamp, offsetOfMax);
          sinceIndex = 0;
        }
        sinceIndex += h.size;
        nextOffset = h.lastOffset + 1;
        validEnd = h.position + h.size;
        at += h.size;
      }
      if (at === 0) break; // a partial header at the end of the file
      pos += at;
    }
    if (maxTimestamp >= 0) timeIndex.maybeAppend(maxTimestamp, offsetOfMax);
    const truncatedBytes = fileSize - validEnd;
    // Whatever stays after a truncating scan has passed its checks.
    if (options.truncate) this.verified = true;
    if (options.truncate && truncatedBytes > 0) {
      const h = this.writer ?? (await this.env.fs.open(this.logPath, 'r+'));
      try {
        await h.truncate(validEnd);
        await h.datasync();
      } finally {
        if (h !== this.writer) await h.close();
      }
      await this.env.readHandles.evict(this.logPath);
      this.size = validEnd;
    }
    this.nextOffset = nextOffset;
    this.maxTimestamp = maxTimestamp;
    this.offsetOfMaxTimestamp = offsetOfMax;
    this.firstBatchTimestamp = firstTs;
    this.bytesSinceLastIndexEntry = sinceIndex;
    const indexes = { offsetIndex, timeIndex };
    if (this.live !== null) this.live = indexes;
    return { truncatedBytes, indexes };
  }

  /**
   * Cuts the segment so that it ends before the batch holding `offset` (and everything after).
   * Returns the new next offset of the segment.
   */
  async truncateTo(offset: number): Promise<number> {
    const batch = await this.findBatch(offset);
    if (batch === null) return this.nextOffset;
    const h = this.writer ?? (await this.env.fs.open(this.logPath, 'r+'));
    try {
      await h.truncate(batch.position);
      await h.datasync();
    } finally {
      if (h !== this.writer) await h.close();
    }
    await this.env.readHandles.evict(this.logPath);
    this.size = batch.position;
    // Rebuild the in-memory state from what is left (rare: follower truncation, tests).
    const { indexes } = await this.scan({ rebuild: true, truncate: false });
    if (this.live !== null) this.live = indexes;
    else {
      await this.env.indexes.evict(this);
      await this.writeIndexFiles(indexes);
    }
    return this.nextOffset;
  }

  /** Largest timestamp in the segment (loads the time index of an inactive segment once). */
  async largestTimestamp(): Promise<number> {
    if (this.maxTimestamp < 0 && this.size > 0 && this.live === null) await this.withIndexes(async () => undefined);
    return this.maxTimestamp;
  }

  // ---- compaction support ----

  /**
   * Renames this inactive segment's files to `<name><suffix>` (Kafka's changeFileSuffixes; the
   * cleaner retires the segments it replaced as `.deleted`) and points the object at the new
   * names, so that a read still in flight on it keeps reading its own bytes, never those of the
   * cleaned segment that takes over its base offset's file names. Returns the new paths of the
   * files that existed. Its loaded indexes stay valid (same bytes) until the pool drops them.
   */
  async retireFilesTo(suffix: string): Promise<string[]> {
    if (this.writer !== null) throw new Error(`segment ${this.logPath} is active`);
    const paths = this as unknown as { logPath: string; indexPath: string; timeIndexPath: string };
    const renamed: string[] = [];
    for (const field of ['indexPath', 'timeIndexPath', 'logPath'] as const) {
      const from = paths[field];
      const to = from + suffix;
      // A handle pooled under the new name would be another (older) file's.
      if (field === 'logPath') await this.env.readHandles.evict(to);
      const exists = (await this.env.fs.stat(from)) !== null;
      if (exists) await this.env.fs.rename(from, to);
      paths[field] = to;
      if (field === 'logPath') await this.env.readHandles.evict(from);
      if (exists) renamed.push(to);
    }
    return renamed;
  }
}

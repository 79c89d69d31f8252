/**
 * The log dirs of a broker and every partition log in them: opening and recovering at start
 * (meta.properties, clean-shutdown marker, checkpoints), creating and deleting logs, the
 * periodic work (retention, scheduled flushes, checkpoints, delayed file deletion) and a clean
 * shutdown. Shared services live here: the group-commit flusher and the bounded pools of open
 * files and loaded indexes.
 */
import type { FileHandle, FileSystem } from './fs.js';
import { ResourcePool } from '../common/resource-pool.js';
import { Flusher } from './flusher.js';
import { LogSegment, type SegmentEnv, type SegmentIndexes } from './log-segment.js';
import { PartitionLog, type LogContext } from './partition-log.js';
import type { LogSettings } from './log-settings.js';
import { LogCorruptError } from './log-errors.js';
import {
  CLEAN_SHUTDOWN_MARKER, DELETE_DIR_SUFFIX, join, LOG_START_OFFSET_CHECKPOINT, META_PROPERTIES, parsePartitionDirName,
  partitionDirName, RECOVERY_POINT_CHECKPOINT,
} from './log-files.js';
import { partitionKey, readOffsetCheckpoint, writeOffsetCheckpoint, type PartitionOffsets } from './checkpoint-file.js';
import { readFileIfExists, writeFileAtomically } from './atomic-file.js';
import { Cleaner, type CleanerConfig, type CleanerLog, type CleaningResult, type CleanOnceOptions } from './cleaner.js';

export interface LogManagerOptions {
  fs: FileSystem;
  /** log.dirs */
  logDirs: readonly string[];
  nodeId: number;
  /** Written to meta.properties on first start; checked afterwards. */
  clusterId: string;
  /** Settings of a log without topic overrides. */
  defaultSettings: LogSettings;
  /** Per-topic settings (topic overrides resolved); defaults when absent. */
  settingsFor?: (topic: string) => LogSettings;
  nowMs: () => number;
  random?: () => number;
  /** Open .log read handles of inactive segments (default 512). */
  maxOpenFiles?: number;
  /** Inactive segments with loaded indexes (default 256). */
  maxLoadedIndexes?: number;
  /** The log cleaner's buffers (log.cleaner.dedupe.buffer.size, log.cleaner.io.buffer.size). */
  cleaner?: CleanerConfig;
}

interface PendingDelete {
  dueMs: number;
  paths: string[];
}

export interface LogDirStatus {
  dir: string;
  /** Set when the dir failed (I/O error); its logs are offline (KAFKA_STORAGE_ERROR). */
  error: Error | null;
}

/**
 * A recovery-point or log-start-offset checkpoint; a malformed one counts as empty, as in Kafka's
 * LogManager.loadLogs (recovery points reset to 0: a full recovery scan after an unclean
 * shutdown; log start offsets to the first segment's base). It is rewritten once the dir is open.
 * I/O errors still fail.
 */
async function readOffsetCheckpointOrReset(fs: FileSystem, path: string): Promise<PartitionOffsets> {
  try {
    return await readOffsetCheckpoint(fs, path);
  } catch (e) {
    if (e instanceof LogCorruptError) return new Map();
    throw e;
  }
}

export class LogManager {
  private readonly options: LogManagerOptions;
  private readonly fs: FileSystem;
  readonly flusher = new Flusher();
  private readonly readHandles: ResourcePool<string, FileHandle>;
  private readonly indexPool: ResourcePool<LogSegment, SegmentIndexes>;
  private readonly ctx: LogContext;
  private readonly logs = new Map<string, { log: PartitionLog; dir: string }>();
  private pendingDeletes: PendingDelete[] = [];
  private readonly dirStatus = new Map<string, LogDirStatus>();
  /** cluster.id found in an existing meta.properties (the log dirs were formatted before). */
  private storedClusterId: string | null = null;

  private constructor(options: LogManagerOptions) {
    this.options = options;
    this.fs = options.fs;
    this.readHandles = new ResourcePool<string, FileHandle>({
      maxOpen: options.maxOpenFiles ?? 512,
      open: (path) => this.fs.open(path, 'r'),
      close: async (_path, h) => h.close(),
    });
    this.indexPool = new ResourcePool<LogSegment, SegmentIndexes>({
      maxOpen: options.maxLoadedIndexes ?? 256,
      open: (seg) => seg.loadIndexes(),
      close: async () => undefined,
    });
    const env: SegmentEnv = { fs: this.fs, readHandles: this.readHandles, indexes: this.indexPool };
    this.ctx = {
      fs: this.fs,
      env,
      flusher: this.flusher,
      random: options.random ?? Math.random,
      scheduleDelete: (paths, delayMs) => this.pendingDeletes.push({ dueMs: options.nowMs() + delayMs, paths }),
    };
  }

  /** Opens every log dir, recovering logs after an unclean shutdown. */
  static async start(options: LogManagerOptions): Promise<LogManager> {
    if (options.logDirs.length === 0) throw new Error('log.dirs is empty');
    const manager = new LogManager(options);
    for (const dir of options.logDirs) await manager.openDir(dir);
    return manager;
  }

  private async openDir(dir: string): Promise<void> {
    const { fs } = this;
    if ((await fs.stat(dir)) === null) {
      await fs.mkdir(dir);
      await fs.syncDir(join(dir, '..'));
    }
    await this.checkMetaProperties(dir);
    const marker = join(dir, CLEAN_SHUTDOWN_MARKER);
    const cleanShutdown = (await fs.stat(marker)) !== null;
    const recoveryPoints = await readOffsetCheckpointOrReset(fs, join(dir, RECOVERY_POINT_CHECKPOINT));
    const startOffsets = await readOffsetCheckpointOrReset(fs, join(dir, LOG_START_OFFSET_CHECKPOINT));
    for (const name of (await fs.readdir(dir)).sort()) {
      const path = join(dir, name);
      const stat = await fs.stat(path);
      if (stat === null || !stat.isDirectory) continue;
      if (name.endsWith(DELETE_DIR_SUFFIX)) {
        await this.removeDirNow(path);
        continue;
      }
      const tp = parsePartitionDirName(name);
      if (tp === null) continue;
      const key = partitionKey(tp.topic, tp.partition);
      const log = await PartitionLog.open(this.ctx, path, {
        topic: tp.topic,
        partition: tp.partition,
        settings: this.settingsFor(tp.topic),
        recoveryPoint: recoveryPoints.get(key) ?? 0,
        logStartOffset: startOffsets.get(key) ?? 0,
        cleanShutdown,
        nowMs: this.options.nowMs(),
      });
      this.logs.set(key, { log, dir });
    }
    // From now on a crash is unclean until the next clean shutdown writes the marker again.
    if (cleanShutdown) {
      await fs.unlink(marker);
      await fs.syncDir(dir);
    }
    this.dirStatus.set(dir, { dir, error: null });
    await this.writeCheckpoints(dir);
  }

  /** The cluster id of these log dirs: the stored one, or the one given at first start. */
  get clusterId(): string {
    return this.storedClusterId ?? this.options.clusterId;
  }

  private async checkMetaProperties(dir: string): Promise<void> {
    const path = join(dir, META_PROPERTIES);
    const existing = await readFileIfExists(this.fs, path);
    if (existing === null) {
      const text =
        `#\n#${new Date(this.options.nowMs()).toUTCString()}\n` +
        `node.id=${this.options.nodeId}\nversion=1\ncluster.id=${this.clusterId}\n`;
      await writeFileAtomically(this.fs, path, Buffer.from(text));
      return;
    }
    const props = new Map<string, string>();
    for (const line of existing.toString('utf8').split('\n')) {
      const m = /^\s*([^#=\s][^=]*?)\s*=\s*(.*?)\s*$/.exec(line);
      if (m) props.set(m[1]!, m[2]!);
    }
    const nodeId = props.get('node.id');
    if (nodeId !== undefined && Number(nodeId) !== this.options.nodeId) {
      throw new LogCorruptError(path, `belongs to node.id=${nodeId}, but this broker is node.id=${this.options.nodeId}`);
    }
    const clusterId = props.get('cluster.id');
    if (clusterId !== undefined) {
      if (this.storedClusterId !== null && this.storedClusterId !== clusterId) {
        throw new LogCorruptError(path, `has cluster.id=${clusterId}, but another log dir has cluster.id=${this.storedClusterId}`);
      }
      this.storedClusterId = clusterId;
    }
  }

  private settingsFor(topic: string): LogSettings {
    return this.options.settingsFor?.(topic) ?? this.options.defaultSettings;
  }

  // ------------------------------------------------------------------ logs

  getLog(topic: string, partition: number): PartitionLog | undefined {
    return this.logs.get(partitionKey(topic, partition))?.log;
  }

  allLogs(): PartitionLog[] {
    return [...this.logs.values()].map((e) => e.log);
  }

  /** Returns the partition's log, creating it in the least loaded log dir. */
  async getOrCreateLog(topic: string, partition: number, options: { topicId?: string; settings?: LogSettings } = {}): Promise<PartitionLog> {
    const key = partitionKey(topic, partition);
    const existing = this.logs.get(key);
    if (existing) return existing.log;
    const dir = this.leastLoadedDir();
    const log = await PartitionLog.open(this.ctx, join(dir, partitionDirName(topic, partition)), {
      topic,
      partition,
      topicId: options.topicId,
      settings: options.settings ?? this.settingsFor(topic),
      recoveryPoint: 0,
      logStartOffset: 0,
      cleanShutdown: false,
      nowMs: this.options.nowMs(),
    });
    this.logs.set(key, { log, dir });
    return log;
  }

  /** Removes a partition's log: its directory is renamed `...-delete` and removed. */
  async deleteLog(topic: string, partition: number): Promise<boolean> {
    const key = partitionKey(topic, partition);
    const entry = this.logs.get(key);
    if (!entry) return false;
    this.logs.delete(key);
    await this.forgetCleanerState(entry.log, entry.dir); // log cleaner
    await entry.log.close();
    const doomed = `${entry.log.dir}.${Date.now().toString(16)}${DELETE_DIR_SUFFIX}`;
    await this.fs.rename(entry.log.dir, doomed);
    await this.fs.syncDir(entry.dir);
    await this.removeDirNow(doomed);
    await this.writeCheckpoints(entry.dir);
    return true;
  }

  private leastLoadedDir(): string {
    const counts = new Map<string, number>(this.options.logDirs.map((d) => [d, 0]));
    for (const { dir } of this.logs.values()) counts.set(dir, (counts.get(dir) ?? 0) + 1);
    return [...counts].sort((a, b) => a[1] - b[1])[0]![0];
  }

  private async removeDirNow(path: string): Promise<void> {
    for (const name of await this.fs.readdir(path)) await this.fs.unlink(join(path, name));
    await this.fs.rmdir(path);
    await this.fs.syncDir(join(path, '..'));
  }

  // ------------------------------------------------------------------ periodic work

  /** DeleteRecords: moves a log's start offset forward and checkpoints it before returning. */
  async advanceLogStartOffset(topic: string, partition: number, offset: number): Promise<void> {
    const entry = this.logs.get(partitionKey(topic, partition));
    if (!entry) throw new Error(`no log for ${topic}-${partition}`);
    if (await entry.log.advanceLogStartOffset(offset)) await this.writeCheckpoints(entry.dir);
  }

  /** Applies retention to every log. `highWatermark` bounds deletion (the log end until replication). */
  async runRetention(highWatermark: (log: PartitionLog) => number = (log) => log.logEndOffset): Promise<number> {
    let deleted = 0;
    const dirsChanged = new Set<string>();
    for (const { log, dir } of this.logs.values()) {
      // Kafka's deleteOldSegments applies the log start, retention.bytes and retention.ms rules in
      // one call; applyRetention applies the first rule that deletes, so it runs until none does
      // (each round deletes at least one segment, never the last one while it is empty).
      for (;;) {
        const r = await log.applyRetention(this.options.nowMs(), highWatermark(log));
        if (r.deleted === 0) break;
        dirsChanged.add(dir);
        deleted += r.deleted;
      }
    }
    for (const dir of dirsChanged) await this.writeCheckpoints(dir);
    return deleted;
  }

  /** flush.ms for logs under relaxed durability. */
  async runScheduledFlushes(): Promise<void> {
    const now = this.options.nowMs();
    for (const { log } of this.logs.values()) await log.maybeScheduledFlush(now);
  }

  /** Removes `.deleted` files whose file.delete.delay.ms has passed. */
  async runPendingDeletes(): Promise<number> {
    const now = this.options.nowMs();
    const due = this.pendingDeletes.filter((p) => p.dueMs <= now);
    this.pendingDeletes = this.pendingDeletes.filter((p) => p.dueMs > now);
    let removed = 0;
    for (const p of due) {
      for (const path of p.paths) {
        if ((await this.fs.stat(path)) === null) continue;
        await this.fs.unlink(path);
        removed++;
      }
    }
    return removed;
  }

  /** Writes the recovery-point and log-start-offset checkpoints of every dir. */
  async checkpointAll(): Promise<void> {
    for (const dir of this.options.logDirs) await this.writeCheckpoints(dir);
  }

  private async writeCheckpoints(dir: string): Promise<void> {
    const logs = [...this.logs.values()].filter((e) => e.dir === dir).map((e) => e.log);
    await writeOffsetCheckpoint(this.fs, join(dir, RECOVERY_POINT_CHECKPOINT), logs.map((l) => [l.topic, l.partition, l.recoveryPoint]));
    await writeOffsetCheckpoint(this.fs, join(dir, LOG_START_OFFSET_CHECKPOINT), logs.map((l) => [l.topic, l.partition, l.logStartOffset]));
  }

  get dirs(): LogDirStatus[] {
    return [...this.dirStatus.values()];
  }

  /** Flushes and closes every log, writes the checkpoints and the clean-shutdown marker. */
  async shutdown(): Promise<void> {
    await this.stopCleaner(); // log cleaner
    await this.flusher.idle();
    for (const { log } of this.logs.values()) await log.close();
    await this.readHandles.closeAll();
    await this.indexPool.closeAll();
    for (const dir of this.options.logDirs) {
      // Closed logs report their log end as the recovery point: nothing needs scanning.
      await this.writeCheckpoints(dir);
      const h = await this.fs.open(join(dir, CLEAN_SHUTDOWN_MARKER), 'w+');
      await h.datasync();
      await h.close();
      await this.fs.syncDir(dir);
    }
  }

  // ---- log cleaner (compaction) ----
  // The cleaner (cleaner.ts) compacts logs with cleanup.policy=compact or compact,delete and keeps
  // each log dir's cleaner-offset-checkpoint. Retention (runRetention) still applies to every log:
  // segments below the log start offset, and retention.ms / retention.bytes with compact,delete.

  private cleanerInstance: Cleaner | null = null;

  /** The log cleaner (created on first use). */
  get cleaner(): Cleaner {
    this.cleanerInstance ??= new Cleaner(this.fs, this.options.cleaner);
    return this.cleanerInstance;
  }

  /**
   * Cleans the filthiest compacted log that is due, if any (Kafka's cleaner thread runs this every
   * log.cleaner.backoff.ms while it finds nothing to do). `highWatermark` bounds the cleaning
   * (default: the log end). Resolves with what was done, or null when no log was due.
   */
  async runCleaner(options: CleanOnceOptions = {}): Promise<CleaningResult | null> {
    return this.cleaner.cleanOnce(this.cleanerLogs(), this.options.nowMs(), options);
  }

  private cleanerLogs(): CleanerLog[] {
    return [...this.logs.values()].map((e) => ({ log: e.log, logDir: e.dir }));
  }

  /** A deleted log: abort its cleaning and drop its cleaner checkpoint entry (Kafka's updateCheckpoints with removal). */
  private async forgetCleanerState(log: PartitionLog, logDir: string): Promise<void> {
    await this.cleaner.forget(log, logDir, this.cleanerLogs());
  }

  /** Shutdown: abort a cleaning in progress and wait for it to stop. */
  private async stopCleaner(): Promise<void> {
    await this.cleanerInstance?.stop();
  }
}

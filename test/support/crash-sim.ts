/**
 * The crash simulation of test/storage/crash.test.ts, from many seeds: random appends to several partitions
 * (random batch sizes and counts, small segment.bytes and index.interval.bytes, so that rolls and
 * index entries happen all the time), some waited on for durability ("acknowledged"), some not;
 * rolls, flushes, checkpoints, DeleteRecords with retention, clean restarts, and crashes:
 * power loss between operations (SimulatedFileSystem.crash, with torn writes), and power loss in
 * the middle of an operation (crashAfter(n): an append, a roll, a checkpoint, a shutdown, a
 * recovery...). After every restart a fresh LogManager reads every partition back and checks:
 * - every acknowledged batch is there, at its offset, with its contents and leader epoch;
 * - every read returns whole valid batches (CRC checked), never a partial one;
 * - what survived is a prefix of what was appended to that partition (in append order), so
 *   offsets continue without gap or reuse, and an unacknowledged batch survives only with every
 *   batch appended before it to the same partition (group commit spans partitions, so only the
 *   order within a partition matters);
 * - the log start offset lies between the last completed DeleteRecords and the last requested;
 * - the leader epoch cache gives every surviving batch its own epoch.
 * Failure messages carry the seed.
 */
import { SimulatedCrash, SimulatedFileSystem, type CrashingFileSystem } from '../../src/storage/sim-fs.js';
import type { FileHandle, FileStat, FileSystem, OpenMode } from '../../src/storage/fs.js';
import type { LogManager } from '../../src/storage/log-manager.js';
import type { LogSettings } from '../../src/storage/log-settings.js';
import { AppendRejectedError } from '../../src/storage/log-errors.js';
import { Prng } from './prng.js';
import { startManager, TestClock } from './storage.js';
import { batchValues, decodeBatches, readWholeLog, valuesBatch, type StoredBatch } from './log-check.js';

const TOPIC = 't';
const STEPS_PER_SEED = 60;

// ---------------------------------------------------------------- one "process" over the disk

/**
 * What one broker process sees of the simulated disk: everything goes through a crashAfter view
 * (so the process dies in the middle of an operation when its budget runs out), and `kill` cuts
 * the power between operations. Once dead, every call of the process (and of handles it opened)
 * throws SimulatedCrash, so nothing it still has in flight can touch the disk of its successor.
 */
class ProcessFs implements FileSystem {
  private killed = false;

  constructor(
    private readonly sim: SimulatedFileSystem,
    private readonly view: CrashingFileSystem,
  ) {}

  get crashed(): boolean {
    return this.killed || this.view.crashed;
  }

  kill(tearProbability: number): void {
    this.killed = true;
    this.sim.crash({ tearProbability });
  }

  step<T>(run: () => Promise<T>): Promise<T> {
    if (this.killed) return Promise.reject(new SimulatedCrash());
    return run();
  }

  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    return new ProcessHandle(this, await this.step(() => this.view.open(path, mode)));
  }
  readFile(path: string): Promise<Buffer> {
    return this.step(() => this.view.readFile(path));
  }
  stat(path: string): Promise<FileStat | null> {
    return this.step(() => this.view.stat(path));
  }
  readdir(path: string): Promise<string[]> {
    return this.step(() => this.view.readdir(path));
  }
  mkdir(path: string): Promise<void> {
    return this.step(() => this.view.mkdir(path));
  }
  rename(from: string, to: string): Promise<void> {
    return this.step(() => this.view.rename(from, to));
  }
  unlink(path: string): Promise<void> {
    return this.step(() => this.view.unlink(path));
  }
  rmdir(path: string): Promise<void> {
    return this.step(() => this.view.rmdir(path));
  }
  syncDir(path: string): Promise<void> {
    return this.step(() => this.view.syncDir(path));
  }
}

class ProcessHandle implements FileHandle {
  constructor(
    private readonly proc: ProcessFs,
    private readonly inner: FileHandle,
  ) {}
  get path(): string {
    return this.inner.path;
  }
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.proc.step(() => this.inner.read(buffer, offset, length, position));
  }
  writev(buffers: readonly Buffer[], position: number): Promise<void> {
    return this.proc.step(() => this.inner.writev(buffers, position));
  }
  size(): Promise<number> {
    return this.proc.step(() => this.inner.size());
  }
  truncate(length: number): Promise<void> {
    return this.proc.step(() => this.inner.truncate(length));
  }
  datasync(): Promise<void> {
    return this.proc.step(() => this.inner.datasync());
  }
  close(): Promise<void> {
    return this.proc.step(() => this.inner.close());
  }
}

// ---------------------------------------------------------------- the model

/** A batch handed to `append`, in the order of the calls (the order a partition applies them). */
interface Appended {
  tag: string;
  values: string[];
  epoch: number;
  /** The first offset `append` answered; null until it answers (or if it failed). */
  firstOffset: number | null;
  /** Its `durable` resolved (or it was on disk when a process started): it must never be lost. */
  acked: boolean;
  /** Its `durable` rejected. */
  durableError: unknown;
  /** The process that appended it had crashed when `durable` rejected. */
  crashedWhenRejected: boolean;
}

interface PartitionModel {
  /** Everything appended since offset 0 that may still be in the log, in append order. */
  batches: Appended[];
  epoch: number;
  /** The largest offset DeleteRecords completed for, and the largest one asked for. */
  startDone: number;
  startAsked: number;
}

function offsetsOf(batches: readonly Appended[]): number[] {
  const out: number[] = [];
  let next = 0;
  for (const b of batches) {
    out.push(next);
    next += b.values.length;
  }
  out.push(next);
  return out;
}

interface Proc {
  fs: ProcessFs;
  mgr: LogManager;
}

class SeedRun {
  readonly rnd: Prng;
  readonly sim: SimulatedFileSystem;
  readonly clock = new TestClock();
  readonly settings: Partial<LogSettings>;
  readonly partitions: number;
  readonly tear: number;
  readonly pools: { maxOpenFiles: number; maxLoadedIndexes: number };
  readonly model: PartitionModel[];
  proc!: Proc;
  private tags = 0;
  /** Problems seen in callbacks of operations nobody waits for. */
  readonly asyncFailures: string[] = [];
  /** What happened, for failure messages. */
  readonly trail: string[] = [];
  readonly stats: SeedStats = { steps: 0, crashes: 0, budgetCrashes: 0, cleanRestarts: 0, appends: 0, lostUnacked: 0, survivedUnacked: 0 };

  constructor(readonly seed: number) {
    this.rnd = new Prng(seed);
    this.sim = new SimulatedFileSystem({ seed, nowMs: this.clock.nowMs });
    this.settings = {
      segmentBytes: 300 + this.rnd.below(1700),
      indexIntervalBytes: 1 + this.rnd.below(300),
      segmentIndexBytes: this.rnd.pick([24, 80, 10 * 1024 * 1024]),
      segmentMs: this.rnd.pick([2_000, 7 * 24 * 3600 * 1000]),
      fileDeleteDelayMs: this.rnd.pick([0, 100]),
    };
    this.partitions = 1 + this.rnd.below(3);
    this.tear = this.rnd.pick([0, 0.3, 0.7, 1]);
    this.pools = { maxOpenFiles: this.rnd.pick([1, 2, 512]), maxLoadedIndexes: this.rnd.pick([1, 3, 256]) };
    this.model = Array.from({ length: this.partitions }, () => ({ batches: [], epoch: 0, startDone: 0, startAsked: 0 }));
  }

  fail(message: string): never {
    throw new Error(`seed ${this.seed}: ${message}\n  settings ${JSON.stringify(this.settings)} partitions=${this.partitions} tear=${this.tear}\n  last steps: ${this.trail.slice(-12).join(' | ')}`);
  }

  note(s: string): void {
    this.trail.push(s);
    if (this.trail.length > 50) this.trail.shift();
  }

  /** Starts a process with a crashAfter budget; null when it crashed while starting. */
  async start(budget: number): Promise<Proc | null> {
    const view = this.sim.crashAfter(budget, { tearProbability: this.tear });
    const fs = new ProcessFs(this.sim, view);
    try {
      const mgr = await startManager(fs, this.clock, this.settings, { ...this.pools, seed: this.seed });
      for (let p = 0; p < this.partitions; p++) await mgr.getOrCreateLog(TOPIC, p);
      return { fs, mgr };
    } catch (e) {
      if (fs.crashed) return null;
      this.fail(`startup failed without a crash: ${(e as Error).stack}`);
    }
  }

  /** A new process after a crash or a shutdown; it may itself crash while starting or checking. */
  async restart(why: string, crashes = true): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const budget = crashes && attempt < 3 && this.rnd.below(100) < 30 ? this.rnd.below(200) : Infinity;
      this.note(`start(${why}, budget ${budget})`);
      const proc = await this.start(budget);
      if (proc === null) {
        this.stats.budgetCrashes++;
        continue;
      }
      this.proc = proc;
      try {
        await this.verify(why);
        return;
      } catch (e) {
        if (!proc.fs.crashed) throw e;
        this.stats.budgetCrashes++;
      }
    }
  }

  // ------------------------------------------------------------ operations

  async appendWave(): Promise<void> {
    const n = 1 + this.rnd.below(5);
    const waits: Promise<unknown>[] = [];
    const fs = this.proc.fs;
    for (let k = 0; k < n; k++) {
      const p = this.rnd.below(this.partitions);
      const m = this.model[p]!;
      if (this.rnd.below(100) < 4) m.epoch++;
      const count = 1 + this.rnd.below(this.rnd.pick([1, 4, 12]));
      const pad = this.rnd.pick([0, 5, 40, 150]);
      const tag = `p${p}b${this.tags++}`;
      const log = this.proc.mgr.getLog(TOPIC, p)!;
      const batch = valuesBatch(tag, count, this.clock.now, pad);
      this.stats.appends++;
      if (batch.bytes.length > this.settings.segmentBytes!) {
        // Larger than segment.bytes: refused (RECORD_LIST_TOO_LARGE), takes no offset.
        const refused = log.append([batch], { leaderEpoch: m.epoch, nowMs: this.clock.now }).then(
          () => this.asyncFailures.push(`append of ${batch.bytes.length} bytes with segment.bytes ${this.settings.segmentBytes} was accepted`),
          (e: unknown) => {
            if (!(e instanceof AppendRejectedError) && !fs.crashed) this.asyncFailures.push(`oversized append failed with ${(e as Error).stack}`);
          },
        );
        waits.push(refused);
        continue;
      }
      const entry: Appended = { tag, values: batchValues(tag, count, pad), epoch: m.epoch, firstOffset: null, acked: false, durableError: null, crashedWhenRejected: false };
      m.batches.push(entry);
      const done = log.append([batch], { leaderEpoch: m.epoch, nowMs: this.clock.now }).then(
        (r) => {
          entry.firstOffset = r.firstOffset;
          // Offsets continue from the log end: the batches before it in the model, no more, no less.
          const i = m.batches.indexOf(entry);
          const expected = i < 0 ? r.firstOffset : offsetsOf(m.batches)[i];
          if (r.firstOffset !== expected) this.asyncFailures.push(`p${p}: append of ${tag} got offset ${r.firstOffset}, expected ${expected}`);
          return r.durable.then(
            () => {
              entry.acked = true;
            },
            (e: unknown) => {
              entry.durableError = e;
              entry.crashedWhenRejected = fs.crashed;
            },
          );
        },
        (e: unknown) => {
          if (!fs.crashed) this.asyncFailures.push(`p${p}: append of ${tag} failed without a crash: ${(e as Error).stack}`);
        },
      );
      waits.push(done);
    }
    this.note(`append x${n}`);
    // Some waves are waited on (their batches become acknowledged), some run on unobserved.
    if (this.rnd.below(100) < 60) await Promise.all(waits);
    this.checkNoSpuriousFailure();
  }

  /** A durable promise must only reject because the process died. */
  checkNoSpuriousFailure(): void {
    if (this.asyncFailures.length > 0) this.fail(this.asyncFailures.join('\n'));
    for (const m of this.model) {
      for (const b of m.batches) {
        if (b.durableError !== null && !b.crashedWhenRejected) {
          this.fail(`durable of batch ${b.tag} (offset ${b.firstOffset}) rejected without a crash: ${(b.durableError as Error).stack ?? String(b.durableError)}`);
        }
      }
    }
  }

  async deleteRecords(): Promise<void> {
    const p = this.rnd.below(this.partitions);
    const m = this.model[p]!;
    // A batch boundary at or below the end of the last acknowledged batch.
    let lastAcked = -1;
    m.batches.forEach((b, i) => {
      if (b.acked) lastAcked = i;
    });
    const offsets = offsetsOf(m.batches);
    const target = offsets[this.rnd.below(lastAcked + 2)]!;
    m.startAsked = Math.max(m.startAsked, target);
    this.note(`deleteRecords(p${p}, ${target})`);
    await this.proc.mgr.advanceLogStartOffset(TOPIC, p, target);
    m.startDone = Math.max(m.startDone, target);
    if (this.rnd.below(2) === 0) {
      this.note('retention');
      await this.proc.mgr.runRetention();
      await this.proc.mgr.runPendingDeletes();
    }
  }

  async cleanRestart(): Promise<void> {
    this.note('shutdown');
    await this.proc.mgr.shutdown();
    this.checkNoSpuriousFailure();
    const appended = this.model.map((m) => m.batches.length);
    await this.restart('clean');
    // After a clean shutdown, everything appended is there.
    this.model.forEach((m, p) => {
      if (m.batches.length !== appended[p]) this.fail(`p${p}: ${appended[p]! - m.batches.length} batches appended before a clean shutdown are missing`);
    });
    this.stats.cleanRestarts++;
  }

  async crashNow(): Promise<void> {
    this.note('crash');
    this.stats.crashes++;
    this.proc.fs.kill(this.tear);
    await this.restart('crash');
  }

  // ------------------------------------------------------------ the checks

  async verify(why: string): Promise<void> {
    const readSize = (): number => this.rnd.pick([1, 300, 3000, 1 << 20, 1 << 20, 1 << 20]);
    for (let p = 0; p < this.partitions; p++) {
      const m = this.model[p]!;
      const log = this.proc.mgr.getLog(TOPIC, p);
      if (log === undefined) this.fail(`p${p}: no log after a ${why} restart`);
      const start = log.logStartOffset;
      const end = log.logEndOffset;
      if (!(m.startDone <= start && start <= Math.max(m.startAsked, m.startDone))) {
        this.fail(`p${p}: log start offset ${start} after a ${why} restart, expected within [${m.startDone}, ${m.startAsked}]`);
      }
      let stored: StoredBatch[];
      try {
        stored = await readWholeLog(log, start, readSize, `p${p}`);
      } catch (e) {
        if (this.proc.fs.crashed) throw e;
        this.fail(`p${p} after a ${why} restart: ${(e as Error).message}`);
      }
      const offsets = offsetsOf(m.batches);
      const first = offsets.indexOf(start);
      if (first < 0 || first > m.batches.length) this.fail(`p${p}: log start offset ${start} is not a batch boundary of what was appended`);
      // What survived must be the appended batches from `first` on, in order.
      stored.forEach((s, j) => {
        const i = first + j;
        const want = m.batches[i];
        // (A getter: the message is built only on failure.)
        const where = { get at(): string { return `p${p} after a ${why} restart: stored batch [${s.baseOffset}, ${s.lastOffset}]`; } };
        if (want === undefined) this.fail(`${where.at} was never appended (the model has ${m.batches.length} batches)`);
        if (s.baseOffset !== offsets[i]) this.fail(`${where.at} should be at ${offsets[i]} (batch ${want.tag})`);
        if (s.values.length !== want.values.length || s.values.some((v, k) => v !== want.values[k])) {
          const around = m.batches.slice(Math.max(0, i - 3), i + 5).map((b) => `${b.tag}x${b.values.length}${b.acked ? '+' : ''}@${b.firstOffset}`);
          this.fail(`${where.at} holds ${s.values[0]}.., expected batch ${want.tag}; appended around it: ${around.join(' ')}; stored: ${stored.slice(Math.max(0, j - 3), j + 5).map((x) => `${x.values[0]}x${x.values.length}@${x.baseOffset}`).join(' ')}`);
        }
        if (want.firstOffset !== null && want.firstOffset !== s.baseOffset) this.fail(`${where.at}: append answered offset ${want.firstOffset}`);
        if (s.leaderEpoch !== want.epoch) this.fail(`${where.at}: leader epoch ${s.leaderEpoch}, appended with ${want.epoch}`);
        // (Below the last log start asked for, the cache may already be truncated from the start
        // while the log start checkpoint is not written yet, as in Kafka: those offsets are deleted.)
        const cached = log.leaderEpochCache.epochForOffset(s.baseOffset);
        if (s.baseOffset >= m.startAsked && cached !== s.leaderEpoch) {
          this.fail(`${where.at}: the leader epoch cache says epoch ${cached}, the batch has ${s.leaderEpoch} (cache ${JSON.stringify(log.leaderEpochCache.all)})`);
        }
      });
      const kept = first + stored.length;
      if (offsets[kept] !== end) this.fail(`p${p}: log end offset ${end}, but the surviving batches end at ${offsets[kept]}`);
      for (let i = kept; i < m.batches.length; i++) {
        const b = m.batches[i]!;
        if (b.acked) {
          this.fail(`p${p} after a ${why} restart: acknowledged batch ${b.tag} at offset ${offsets[i]} is lost (log end ${end}; ${m.batches.length - kept} batches after ${offsets[kept]} missing)`);
        }
      }
      // Random reads in the middle of batches land on the batch holding the offset.
      for (let k = 0; k < 3 && end > start; k++) {
        const off = start + this.rnd.below(end - start);
        const r = await log.read(off, { maxBytes: 1 });
        const batches = decodeBatches(r.records, `p${p} read(${off})`);
        const b = batches[0];
        if (batches.length !== 1 || b === undefined || !(b.baseOffset <= off && off <= b.lastOffset)) this.fail(`p${p}: read(${off}, maxBytes 1) did not return the one batch holding it`);
      }
      this.stats.survivedUnacked += m.batches.slice(first, kept).filter((b) => !b.acked).length;
      this.stats.lostUnacked += m.batches.length - kept;
      // From now on, what survived is on disk: it must survive every later crash.
      m.batches = m.batches.slice(0, kept);
      for (const b of m.batches) b.acked = true;
    }
  }
}

export interface SeedStats {
  steps: number;
  /** Power cuts between operations. */
  crashes: number;
  /** Power cuts inside an operation (crashAfter), startup and recovery included. */
  budgetCrashes: number;
  cleanRestarts: number;
  appends: number;
  /** Unacknowledged batches lost / found after a restart. */
  lostUnacked: number;
  survivedUnacked: number;
}

/** Runs one seed; throws (naming the seed) on the first violated property. */
export async function runSeed(seed: number): Promise<SeedStats> {
  const run: SeedRun = new SeedRun(seed);
  const first = await run.start(Infinity);
  if (first === null) run.fail('first start crashed without a budget');
  run.proc = first;
  for (let step = 0; step < STEPS_PER_SEED; step++) {
    run.stats.steps++;
    run.clock.advance(run.rnd.below(60));
    try {
      if (run.proc.fs.crashed) {
        run.stats.budgetCrashes++;
        await run.restart('crashAfter');
        continue;
      }
      const r = run.rnd.below(100);
      const p = run.rnd.below(run.partitions);
      if (r < 62) await run.appendWave();
      else if (r < 67) {
        run.note(`roll p${p}`);
        await run.proc.mgr.getLog(TOPIC, p)!.roll(run.clock.now);
      } else if (r < 70) {
        run.note(`flush p${p}`);
        await run.proc.mgr.getLog(TOPIC, p)!.flush(run.clock.now);
      } else if (r < 74) {
        run.note('checkpointAll');
        await run.proc.mgr.checkpointAll();
      } else if (r < 80) await run.deleteRecords();
      else if (r < 87) await run.cleanRestart();
      else await run.crashNow();
    } catch (e) {
      if (!run.proc.fs.crashed) {
        if ((e as Error).message.startsWith(`seed ${seed}:`)) throw e;
        run.fail(`operation failed without a crash: ${(e as Error).stack}`);
      }
      run.stats.budgetCrashes++;
      await run.restart('crashAfter');
    }
  }
  // The end: a crash, then a last check of everything with an unlimited process.
  run.checkNoSpuriousFailure();
  run.proc.fs.kill(run.tear);
  await run.restart('final crash', false);
  await run.proc.mgr.shutdown();
  return run.stats;
}


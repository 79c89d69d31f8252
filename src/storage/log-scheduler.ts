/**
 * The log manager's periodic work on real timers: retention checks
 * (log.retention.check.interval.ms), flush.ms flushes (log.flush.scheduler.interval.ms),
 * checkpoints (log.flush.offset.checkpoint.interval.ms), removal of `.deleted` files and, when
 * given, the cleaner. A task never overlaps itself; a failing task is reported, not thrown, and
 * runs again at its next interval. Timers are unref'd so they never keep a process alive.
 */
import type { LogManager } from './log-manager.js';

export interface LogSchedulerOptions {
  retentionCheckIntervalMs: number;
  flushSchedulerIntervalMs: number;
  checkpointIntervalMs: number;
  /** How often `.deleted` files are looked at (their own delay is file.delete.delay.ms). */
  deleteCheckIntervalMs?: number;
  /** Extra periodic tasks (e.g. the cleaner), with their intervals. */
  extraTasks?: { name: string; intervalMs: number; run: () => Promise<unknown> }[];
  onError: (task: string, error: unknown) => void;
}

export class LogScheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly running = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly manager: LogManager,
    private readonly options: LogSchedulerOptions,
  ) {}

  start(): void {
    const m = this.manager;
    const o = this.options;
    this.every('retention', o.retentionCheckIntervalMs, () => m.runRetention());
    this.every('flush', o.flushSchedulerIntervalMs, () => m.runScheduledFlushes());
    this.every('checkpoint', o.checkpointIntervalMs, () => m.checkpointAll());
    this.every('delete', o.deleteCheckIntervalMs ?? 1000, () => m.runPendingDeletes());
    for (const t of o.extraTasks ?? []) this.every(t.name, t.intervalMs, t.run);
  }

  /** Stops the timers and waits for running tasks to finish. */
  async stop(): Promise<void> {
    for (const t of this.timers.splice(0)) clearInterval(t);
    await Promise.allSettled([...this.inFlight]);
  }

  private every(name: string, intervalMs: number, run: () => Promise<unknown>): void {
    if (!(intervalMs > 0)) return;
    const timer = setInterval(() => {
      if (this.running.has(name)) return;
      this.running.add(name);
      const p = run()
        .catch((e: unknown) => this.options.onError(name, e))
        .finally(() => {
          this.running.delete(name);
          this.inFlight.delete(p);
        });
      this.inFlight.add(p);
    }, intervalMs);
    timer.unref();
    this.timers.push(timer);
  }
}

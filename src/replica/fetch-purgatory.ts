/**
 * Long-polling fetches wait here until one of their partitions' high watermark moves or their
 * max.wait.ms passes. Bounded: with `maxWaiting` fetches already waiting, `wait` declines (null)
 * and the fetch is answered at once with what there is. A waiting fetch holds no record data
 * (the handler drops what it read and reads again when woken), so memory is bounded by the
 * count and the size of the requests.
 */
import type { Partition } from './partition.js';

export class FetchPurgatory {
  private waiting = 0;
  private closed = false;
  /** How to end each waiting fetch early (at shutdown). */
  private readonly finishers = new Set<() => void>();

  constructor(readonly maxWaiting: number) {}

  get size(): number {
    return this.waiting;
  }

  /**
   * Resolves when any of `partitions` gets new data or after `maxWaitMs` (whichever first).
   * Returns null, without waiting, when the purgatory is full or there is nothing to wait for.
   */
  wait(partitions: readonly Partition[], maxWaitMs: number): Promise<void> | null {
    if (this.closed || maxWaitMs <= 0 || partitions.length === 0 || this.waiting >= this.maxWaiting) return null;
    this.waiting++;
    return new Promise<void>((resolve) => {
      const unwatch: (() => void)[] = [];
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        this.waiting--;
        this.finishers.delete(finish);
        clearTimeout(timer);
        for (const u of unwatch) u();
        resolve();
      };
      const timer = setTimeout(finish, maxWaitMs);
      this.finishers.add(finish);
      for (const p of partitions) unwatch.push(p.watch(finish));
    });
  }

  /** Shutdown: every waiting fetch is answered now with what there is; new ones do not wait. */
  close(): void {
    this.closed = true;
    for (const finish of [...this.finishers]) finish();
  }
}

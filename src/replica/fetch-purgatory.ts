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

  constructor(readonly maxWaiting: number) {}

  get size(): number {
    return this.waiting;
  }

  /**
   * Resolves when any of `partitions` gets new data or after `maxWaitMs` (whichever first).
   * Returns null, without waiting, when the purgatory is full or there is nothing to wait for.
   */
  wait(partitions: readonly Partition[], maxWaitMs: number): Promise<void> | null {
    if (maxWaitMs <= 0 || partitions.length === 0 || this.waiting >= this.maxWaiting) return null;
    this.waiting++;
    return new Promise<void>((resolve) => {
      const unwatch: (() => void)[] = [];
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        this.waiting--;
        clearTimeout(timer);
        for (const u of unwatch) u();
        resolve();
      };
      const timer = setTimeout(finish, maxWaitMs);
      for (const p of partitions) unwatch.push(p.watch(finish));
    });
  }
}

/**
 * Long-polling fetches wait here until one of their partitions' high watermark moves or their
 * max.wait.ms passes. Bounded: beyond `maxWaiting` a fetch is answered at once with what there is.
 */
import type { Partition } from './partition.js';

export class FetchPurgatory {
  private waiting = 0;

  constructor(private readonly maxWaiting: number) {}

  get size(): number {
    return this.waiting;
  }

  /**
   * Resolves when any of `partitions` gets new data or after `maxWaitMs` (whichever first),
   * or at once when the purgatory is full.
   */
  wait(partitions: readonly Partition[], maxWaitMs: number): Promise<void> {
    if (maxWaitMs <= 0 || partitions.length === 0 || this.waiting >= this.maxWaiting) return Promise.resolve();
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

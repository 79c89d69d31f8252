/**
 * Group commit: appends across all partitions share flushes. A caller asks for a file to be
 * made durable after its write has completed; the flusher runs rounds back to back, each round
 * syncing every file requested since the previous round began exactly once (one fdatasync per
 * file per round, never one per request), then resolving everyone who asked before it began.
 * While a round runs, new requests gather for the next one, so the busier the system the more
 * each fdatasync covers.
 */
import type { FileHandle } from './fs.js';

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export interface FlusherStats {
  rounds: number;
  syncs: number;
  requests: number;
}

export class Flusher {
  private pending = new Map<FileHandle, Waiter[]>();
  private running: Promise<void> | null = null;
  readonly stats: FlusherStats = { rounds: 0, syncs: 0, requests: 0 };

  /** Resolves once everything written to `handle` before this call is durable. */
  sync(handle: FileHandle): Promise<void> {
    this.stats.requests++;
    return new Promise<void>((resolve, reject) => {
      const waiters = this.pending.get(handle);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(handle, [{ resolve, reject }]);
      if (this.running === null) this.running = this.loop();
    });
  }

  /** Resolves when no round is running or pending. */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  private async loop(): Promise<void> {
    // Let the appends of the current tick join the first round.
    await new Promise<void>((r) => setImmediate(r));
    while (this.pending.size > 0) {
      const round = this.pending;
      this.pending = new Map();
      this.stats.rounds++;
      this.stats.syncs += round.size;
      await Promise.all(
        [...round].map(async ([handle, waiters]) => {
          try {
            await handle.datasync();
            for (const w of waiters) w.resolve();
          } catch (e) {
            for (const w of waiters) w.reject(e);
          }
        }),
      );
    }
    this.running = null;
  }
}

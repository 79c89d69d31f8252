/**
 * Group commit: concurrent appends share fdatasyncs. A caller asks for a file to be made durable
 * after its write has completed. Each file has at most one fdatasync running; requests that
 * arrive while it runs wait for the next one, which starts as soon as it ends and covers all of
 * them. So a file gets one fdatasync per flush round however many appends the round covers, and
 * files never wait for each other (no global barrier: a slow disk file does not hold back the
 * acknowledgements of another).
 */
import type { FileHandle } from './fs.js';

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

interface FileState {
  /** Waiters for the next fdatasync of this file. */
  next: Waiter[];
  running: boolean;
}

export interface FlusherStats {
  /** fdatasync calls made. */
  syncs: number;
  /** Durability requests served. */
  requests: number;
}

export class Flusher {
  private readonly files = new Map<FileHandle, FileState>();
  private readonly idleWaiters: (() => void)[] = [];
  readonly stats: FlusherStats = { syncs: 0, requests: 0 };

  /** Resolves once everything written to `handle` before this call is durable. */
  sync(handle: FileHandle): Promise<void> {
    this.stats.requests++;
    return new Promise<void>((resolve, reject) => {
      let state = this.files.get(handle);
      if (!state) {
        state = { next: [], running: false };
        this.files.set(handle, state);
      }
      state.next.push({ resolve, reject });
      if (!state.running) {
        state.running = true;
        // Let the appends of this tick join the first fdatasync.
        setImmediate(() => void this.run(handle, state!));
      }
    });
  }

  /** Resolves when no fdatasync is running or pending. */
  idle(): Promise<void> {
    if (this.files.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async run(handle: FileHandle, state: FileState): Promise<void> {
    while (state.next.length > 0) {
      const waiters = state.next;
      state.next = [];
      this.stats.syncs++;
      try {
        await handle.datasync();
        for (const w of waiters) w.resolve();
      } catch (e) {
        for (const w of waiters) w.reject(e);
      }
    }
    state.running = false;
    this.files.delete(handle);
    if (this.files.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

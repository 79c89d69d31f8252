/**
 * A bounded pool of open resources (file handles, loaded indexes) keyed by name, closing the
 * least recently used idle one when full. A resource in use (between `acquire` and its
 * `release`) is never closed, so the bound can be exceeded only by resources in use at once.
 * Pure bookkeeping: opening and closing are the caller's callbacks.
 */
export interface PoolOptions<K, V> {
  /** Most idle-or-busy resources kept open. */
  maxOpen: number;
  open(key: K): Promise<V>;
  close(key: K, value: V): Promise<void>;
}

interface Entry<V> {
  value: Promise<V>;
  refs: number;
  /** Set when evicted while in use: the last user closes it. */
  onIdle: (() => void) | null;
}

export class ResourcePool<K, V> {
  /** Insertion order is recency order: the first key is the least recently used. */
  private readonly entries = new Map<K, Entry<V>>();

  constructor(private readonly options: PoolOptions<K, V>) {
    if (!(options.maxOpen >= 1)) throw new RangeError(`maxOpen must be >= 1, got ${options.maxOpen}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Runs `fn` with the resource open; it stays open (and unevictable) until `fn` settles. */
  async use<T>(key: K, fn: (value: V) => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
    } else {
      entry = { value: this.options.open(key), refs: 0, onIdle: null };
      // A failed open must not stay cached.
      entry.value.catch(() => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      });
    }
    this.entries.set(key, entry);
    entry.refs++;
    await this.evictIdle();
    try {
      return await fn(await entry.value);
    } finally {
      entry.refs--;
      if (entry.refs === 0 && entry.onIdle !== null) entry.onIdle();
    }
  }

  /**
   * Closes the resource for `key` (e.g. before its file is renamed or deleted): at once when
   * idle, otherwise when its last user is done. New users open a fresh one meanwhile.
   */
  async evict(key: K): Promise<void> {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    if (entry.refs > 0) await new Promise<void>((resolve) => (entry.onIdle = resolve));
    const value = await entry.value.catch(() => null);
    if (value !== null) await this.options.close(key, value);
  }

  async closeAll(): Promise<void> {
    for (const key of [...this.entries.keys()]) await this.evict(key);
  }

  private async evictIdle(): Promise<void> {
    if (this.entries.size <= this.options.maxOpen) return;
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.options.maxOpen) break;
      if (entry.refs === 0) await this.evict(key);
    }
  }
}

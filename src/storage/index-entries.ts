/**
 * The storage behind Kafka's sparse indexes: fixed-size entries in one buffer that grows by
 * doubling up to the index's maximum (segment.index.bytes), so a segment's index never costs
 * more memory than its file would.
 */
export class IndexEntries {
  readonly entryBytes: number;
  readonly maxEntries: number;
  private buf: Buffer;
  private count: number;

  constructor(entryBytes: number, maxIndexBytes: number, initial?: Buffer) {
    this.entryBytes = entryBytes;
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / entryBytes));
    const n = initial ? Math.floor(initial.length / entryBytes) : 0;
    this.buf = Buffer.alloc(Math.max(8 * entryBytes, n * entryBytes));
    if (initial) initial.copy(this.buf, 0, 0, n * entryBytes);
    this.count = n;
  }

  get length(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  /** The bytes of all entries (a view; do not keep it across appends). */
  get bytes(): Buffer {
    return this.buf.subarray(0, this.count * this.entryBytes);
  }

  /** The buffer and byte position of entry `i`, for reading its fields. */
  at(i: number): { buf: Buffer; pos: number } {
    return { buf: this.buf, pos: i * this.entryBytes };
  }

  /** Adds an entry at the end and returns where to write it. The caller checks isFull first. */
  push(): { buf: Buffer; pos: number } {
    const need = (this.count + 1) * this.entryBytes;
    if (need > this.buf.length) {
      const grown = Buffer.alloc(Math.min(this.maxEntries * this.entryBytes, Math.max(need, this.buf.length * 2)));
      this.buf.copy(grown, 0, 0, this.count * this.entryBytes);
      this.buf = grown;
    }
    return { buf: this.buf, pos: this.count++ * this.entryBytes };
  }

  /** Keeps the first `n` entries. */
  truncate(n: number): void {
    this.count = Math.min(this.count, Math.max(0, n));
  }
}

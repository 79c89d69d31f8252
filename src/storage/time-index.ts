/**
 * Kafka's sparse time index (`.timeindex`): 12-byte entries, an 8-byte timestamp and the 4-byte
 * offset (relative to the segment's base) of the batch that first reached it. Timestamps strictly
 * increase: an entry is added only when a batch raises the segment's max timestamp. Pure, like
 * OffsetIndex. A lookup gives a starting point; the segment scans batches from there.
 */
import { IndexCorruptError } from './log-errors.js';

export const TIME_INDEX_ENTRY_BYTES = 12;

export interface TimestampOffset {
  timestamp: number;
  offset: number;
}

export class TimeIndex {
  readonly baseOffset: number;
  readonly maxEntries: number;
  private buf: Buffer;
  private count = 0;

  constructor(baseOffset: number, maxIndexBytes: number, initial?: Buffer) {
    this.baseOffset = baseOffset;
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / TIME_INDEX_ENTRY_BYTES));
    const n = initial ? Math.floor(initial.length / TIME_INDEX_ENTRY_BYTES) : 0;
    this.buf = Buffer.alloc(Math.max(96, n * TIME_INDEX_ENTRY_BYTES));
    if (initial) initial.copy(this.buf, 0, 0, n * TIME_INDEX_ENTRY_BYTES);
    this.count = n;
  }

  get entries(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  get bytes(): Buffer {
    return this.buf.subarray(0, this.count * TIME_INDEX_ENTRY_BYTES);
  }

  entry(i: number): TimestampOffset {
    const at = i * TIME_INDEX_ENTRY_BYTES;
    return { timestamp: Number(this.buf.readBigInt64BE(at)), offset: this.baseOffset + this.buf.readInt32BE(at + 8) };
  }

  lastEntry(): TimestampOffset | null {
    return this.count === 0 ? null : this.entry(this.count - 1);
  }

  /** Adds an entry if `timestamp` is above the last one (Kafka's rule); returns whether it did. */
  maybeAppend(timestamp: number, offset: number): boolean {
    const last = this.lastEntry();
    if (last !== null && (timestamp <= last.timestamp || offset <= last.offset)) return false;
    if (this.isFull) return false;
    const relative = offset - this.baseOffset;
    if (relative < 0 || relative > 0x7fffffff) throw new Error(`offset ${offset} does not fit segment ${this.baseOffset}`);
    this.ensureCapacity(this.count + 1);
    const at = this.count * TIME_INDEX_ENTRY_BYTES;
    this.buf.writeBigInt64BE(BigInt(timestamp), at);
    this.buf.writeInt32BE(relative, at + 8);
    this.count++;
    return true;
  }

  /** The last entry with timestamp <= target: where to start scanning for the first batch >= target. */
  lookup(target: number): TimestampOffset {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entry(mid).timestamp <= target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? { timestamp: -1, offset: this.baseOffset } : this.entry(found);
  }

  truncateToOffset(offset: number): void {
    while (this.count > 0 && this.entry(this.count - 1).offset >= offset) this.count--;
  }

  check(path: string, nextOffset: number | null): void {
    let prev: TimestampOffset | null = null;
    for (let i = 0; i < this.count; i++) {
      const e = this.entry(i);
      if (e.offset < this.baseOffset || (nextOffset !== null && e.offset >= nextOffset)) {
        throw new IndexCorruptError(path, `entry ${i} offset ${e.offset} lies outside the segment`);
      }
      if (prev !== null && (e.timestamp <= prev.timestamp || e.offset < prev.offset)) {
        throw new IndexCorruptError(path, `entry ${i} does not increase`);
      }
      prev = e;
    }
  }

  private ensureCapacity(entries: number): void {
    const need = entries * TIME_INDEX_ENTRY_BYTES;
    if (need <= this.buf.length) return;
    const grown = Buffer.alloc(Math.min(this.maxEntries * TIME_INDEX_ENTRY_BYTES, Math.max(need, this.buf.length * 2)));
    this.buf.copy(grown, 0, 0, this.count * TIME_INDEX_ENTRY_BYTES);
    this.buf = grown;
  }
}

/**
 * Kafka's sparse time index (`.timeindex`): 12-byte entries, an 8-byte timestamp and the 4-byte
 * offset (relative to the segment's base) of the batch that first reached it. Timestamps strictly
 * increase: an entry is added only when a batch raises the segment's max timestamp. Pure, like
 * OffsetIndex. A lookup gives a starting point; the segment scans batches from there.
 */
import { IndexCorruptError } from './log-errors.js';
import { IndexEntries } from './index-entries.js';

export const TIME_INDEX_ENTRY_BYTES = 12;

export interface TimestampOffset {
  timestamp: number;
  offset: number;
}

export class TimeIndex {
  readonly baseOffset: number;
  private readonly entriesStore: IndexEntries;

  constructor(baseOffset: number, maxIndexBytes: number, initial?: Buffer) {
    this.baseOffset = baseOffset;
    this.entriesStore = new IndexEntries(TIME_INDEX_ENTRY_BYTES, maxIndexBytes, initial);
  }

  get maxEntries(): number {
    return this.entriesStore.maxEntries;
  }

  get entries(): number {
    return this.entriesStore.length;
  }

  get isFull(): boolean {
    return this.entriesStore.isFull;
  }

  get bytes(): Buffer {
    return this.entriesStore.bytes;
  }

  entry(i: number): TimestampOffset {
    const { buf, pos } = this.entriesStore.at(i);
    return { timestamp: Number(buf.readBigInt64BE(pos)), offset: this.baseOffset + buf.readInt32BE(pos + 8) };
  }

  lastEntry(): TimestampOffset | null {
    return this.entries === 0 ? null : this.entry(this.entries - 1);
  }

  /** Adds an entry if `timestamp` is above the last one (Kafka's rule); returns whether it did. */
  maybeAppend(timestamp: number, offset: number): boolean {
    const last = this.lastEntry();
    if (last !== null && (timestamp <= last.timestamp || offset <= last.offset)) return false;
    if (this.isFull) return false;
    const relative = offset - this.baseOffset;
    if (relative < 0 || relative > 0x7fffffff) throw new Error(`offset ${offset} does not fit segment ${this.baseOffset}`);
    const { buf, pos } = this.entriesStore.push();
    buf.writeBigInt64BE(BigInt(timestamp), pos);
    buf.writeInt32BE(relative, pos + 8);
    return true;
  }

  /** The last entry with timestamp <= target: where to start scanning for the first batch >= target. */
  lookup(target: number): TimestampOffset {
    let lo = 0;
    let hi = this.entries - 1;
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
    let n = this.entries;
    while (n > 0 && this.entry(n - 1).offset >= offset) n--;
    this.entriesStore.truncate(n);
  }

  check(path: string, nextOffset: number | null): void {
    let prev: TimestampOffset | null = null;
    for (let i = 0; i < this.entries; i++) {
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
}

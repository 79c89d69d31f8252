/**
 * Kafka's sparse offset index (`.index`): 8-byte entries, each a 4-byte offset relative to the
 * segment's base offset and the 4-byte file position of the batch holding it. Entries strictly
 * increase in both. Pure: the entries live in a buffer; the segment writes them to the file.
 * An entry maps a batch's LAST offset to that batch's position, as Kafka's LogSegment does, so
 * the batch found for any offset at or below it starts at or before the wanted offset.
 */
import { IndexCorruptError } from './log-errors.js';

export const OFFSET_INDEX_ENTRY_BYTES = 8;

export interface OffsetPosition {
  offset: number;
  position: number;
}

export class OffsetIndex {
  readonly baseOffset: number;
  readonly maxEntries: number;
  private buf: Buffer;
  private count = 0;

  /**
   * @param maxIndexBytes segment.index.bytes; the index is full at floor(max / 8) entries.
   * @param initial entries loaded from a file (validated with `check`).
   */
  constructor(baseOffset: number, maxIndexBytes: number, initial?: Buffer) {
    this.baseOffset = baseOffset;
    this.maxEntries = Math.max(1, Math.floor(maxIndexBytes / OFFSET_INDEX_ENTRY_BYTES));
    const n = initial ? Math.floor(initial.length / OFFSET_INDEX_ENTRY_BYTES) : 0;
    this.buf = Buffer.alloc(Math.max(64, n * OFFSET_INDEX_ENTRY_BYTES));
    if (initial) initial.copy(this.buf, 0, 0, n * OFFSET_INDEX_ENTRY_BYTES);
    this.count = n;
  }

  get entries(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  /** The bytes of all entries (a view; do not keep it across appends). */
  get bytes(): Buffer {
    return this.buf.subarray(0, this.count * OFFSET_INDEX_ENTRY_BYTES);
  }

  entry(i: number): OffsetPosition {
    const at = i * OFFSET_INDEX_ENTRY_BYTES;
    return { offset: this.baseOffset + this.buf.readInt32BE(at), position: this.buf.readInt32BE(at + 4) };
  }

  lastEntry(): OffsetPosition {
    return this.count === 0 ? { offset: this.baseOffset, position: 0 } : this.entry(this.count - 1);
  }

  append(offset: number, position: number): void {
    if (this.isFull) throw new Error(`offset index at ${this.baseOffset} is full (${this.maxEntries} entries)`);
    const last = this.count > 0 ? this.entry(this.count - 1) : null;
    if (last !== null && (offset <= last.offset || position <= last.position)) {
      throw new Error(`offset index entries must increase: (${offset}, ${position}) after (${last.offset}, ${last.position})`);
    }
    const relative = offset - this.baseOffset;
    if (relative < 0 || relative > 0x7fffffff) throw new Error(`offset ${offset} does not fit segment ${this.baseOffset}`);
    this.ensureCapacity(this.count + 1);
    const at = this.count * OFFSET_INDEX_ENTRY_BYTES;
    this.buf.writeInt32BE(relative, at);
    this.buf.writeInt32BE(position, at + 4);
    this.count++;
  }

  /** The last entry whose offset is <= target, or the segment start when there is none. */
  lookup(target: number): OffsetPosition {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    const rel = target - this.baseOffset;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.buf.readInt32BE(mid * OFFSET_INDEX_ENTRY_BYTES) <= rel) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(found);
  }

  /** Removes entries for offsets >= `offset` (truncation of the log). */
  truncateToOffset(offset: number): void {
    while (this.count > 0 && this.entry(this.count - 1).offset >= offset) this.count--;
  }

  /** Removes entries pointing at positions >= `position`. */
  truncateToPosition(position: number): void {
    while (this.count > 0 && this.entry(this.count - 1).position >= position) this.count--;
  }

  /** Throws IndexCorruptError unless entries increase and lie within the segment. */
  check(path: string, segmentBytes: number, nextOffset: number | null): void {
    let prev: OffsetPosition | null = null;
    for (let i = 0; i < this.count; i++) {
      const e = this.entry(i);
      if (e.offset < this.baseOffset || e.position < 0 || e.position >= Math.max(1, segmentBytes)) {
        throw new IndexCorruptError(path, `entry ${i} (${e.offset}, ${e.position}) lies outside the segment`);
      }
      if (prev !== null && (e.offset <= prev.offset || e.position <= prev.position)) {
        throw new IndexCorruptError(path, `entry ${i} does not increase`);
      }
      if (nextOffset !== null && e.offset >= nextOffset) {
        throw new IndexCorruptError(path, `entry ${i} offset ${e.offset} is past the segment's end ${nextOffset}`);
      }
      prev = e;
    }
  }

  private ensureCapacity(entries: number): void {
    const need = entries * OFFSET_INDEX_ENTRY_BYTES;
    if (need <= this.buf.length) return;
    const grown = Buffer.alloc(Math.min(this.maxEntries * OFFSET_INDEX_ENTRY_BYTES, Math.max(need, this.buf.length * 2)));
    this.buf.copy(grown, 0, 0, this.count * OFFSET_INDEX_ENTRY_BYTES);
    this.buf = grown;
  }
}

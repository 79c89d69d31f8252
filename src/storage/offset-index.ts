/**
 * Kafka's sparse offset index (`.index`): 8-byte entries, each a 4-byte offset relative to the
 * segment's base offset and the 4-byte file position of the batch holding it. Entries strictly
 * increase in both. Pure: the entries live in a buffer; the segment writes them to the file.
 * An entry maps a batch's LAST offset to that batch's position, as Kafka's LogSegment does, so
 * the batch found for any offset at or below it starts at or before the wanted offset.
 */
import { IndexCorruptError } from './log-errors.js';
import { IndexEntries } from './index-entries.js';

export const OFFSET_INDEX_ENTRY_BYTES = 8;

export interface OffsetPosition {
  offset: number;
  position: number;
}

export class OffsetIndex {
  readonly baseOffset: number;
  private readonly entriesStore: IndexEntries;

  /**
   * @param maxIndexBytes segment.index.bytes; the index is full at floor(max / 8) entries.
   * @param initial entries loaded from a file (validated with `check`).
   */
  constructor(baseOffset: number, maxIndexBytes: number, initial?: Buffer) {
    this.baseOffset = baseOffset;
    this.entriesStore = new IndexEntries(OFFSET_INDEX_ENTRY_BYTES, maxIndexBytes, initial);
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

  /** The bytes of all entries (a view; do not keep it across appends). */
  get bytes(): Buffer {
    return this.entriesStore.bytes;
  }

  entry(i: number): OffsetPosition {
    const { buf, pos } = this.entriesStore.at(i);
    return { offset: this.baseOffset + buf.readInt32BE(pos), position: buf.readInt32BE(pos + 4) };
  }

  lastEntry(): OffsetPosition {
    return this.entries === 0 ? { offset: this.baseOffset, position: 0 } : this.entry(this.entries - 1);
  }

  append(offset: number, position: number): void {
    if (this.isFull) throw new Error(`offset index at ${this.baseOffset} is full (${this.maxEntries} entries)`);
    const last = this.entries > 0 ? this.entry(this.entries - 1) : null;
    if (last !== null && (offset <= last.offset || position <= last.position)) {
      throw new Error(`offset index entries must increase: (${offset}, ${position}) after (${last.offset}, ${last.position})`);
    }
    const relative = offset - this.baseOffset;
    if (relative < 0 || relative > 0x7fffffff) throw new Error(`offset ${offset} does not fit segment ${this.baseOffset}`);
    const { buf, pos } = this.entriesStore.push();
    buf.writeInt32BE(relative, pos);
    buf.writeInt32BE(position, pos + 4);
  }

  /** The last entry whose offset is <= target, or the segment start when there is none. */
  lookup(target: number): OffsetPosition {
    let lo = 0;
    let hi = this.entries - 1;
    let found = -1;
    const rel = target - this.baseOffset;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entry(mid).offset - this.baseOffset <= rel) {
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
    let n = this.entries;
    while (n > 0 && this.entry(n - 1).offset >= offset) n--;
    this.entriesStore.truncate(n);
  }

  /** Removes entries pointing at positions >= `position`. */
  truncateToPosition(position: number): void {
    let n = this.entries;
    while (n > 0 && this.entry(n - 1).position >= position) n--;
    this.entriesStore.truncate(n);
  }

  /** Throws IndexCorruptError unless entries increase and lie within the segment. */
  check(path: string, segmentBytes: number, nextOffset: number | null): void {
    let prev: OffsetPosition | null = null;
    for (let i = 0; i < this.entries; i++) {
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
}

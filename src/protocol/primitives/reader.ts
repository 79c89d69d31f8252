/**
 * Bounds-checked reads of Kafka's primitive types from a buffer. Every read checks the bytes
 * remaining first and throws DecodeError, so a decoder can never read past its frame, loop
 * forever, or allocate more than the frame justifies. `bytes` and `records` are returned as
 * subarrays of the input (no copy).
 */
import { DecodeError } from './decode-error.js';
import type { RawTaggedField, Uuid } from './types.js';

export class Reader {
  readonly buf: Buffer;
  pos: number;
  readonly end: number;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  fail(message: string): never {
    throw new DecodeError(message, this.pos);
  }

  /** Reserves n bytes and returns the offset where they start. */
  private take(n: number, what: string): number {
    const at = this.pos;
    if (n > this.end - at) this.fail(`truncated ${what}: needs ${n} bytes, ${this.end - at} left`);
    this.pos = at + n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.take(1, 'int8'));
  }
  int16(): number {
    return this.buf.readInt16BE(this.take(2, 'int16'));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.take(2, 'uint16'));
  }
  int32(): number {
    return this.buf.readInt32BE(this.take(4, 'int32'));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.take(4, 'uint32'));
  }
  int64(): bigint {
    return this.buf.readBigInt64BE(this.take(8, 'int64'));
  }
  float64(): number {
    return this.buf.readDoubleBE(this.take(8, 'float64'));
  }
  bool(): boolean {
    return this.buf[this.take(1, 'bool')] !== 0;
  }
  uuid(): Uuid {
    const at = this.take(16, 'uuid');
    return this.buf.toString('base64url', at, at + 16);
  }

  unsignedVarint(): number {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= this.end) this.fail('truncated unsigned varint');
      const byte = this.buf[this.pos++]!;
      if (shift === 28) {
        if (byte > 0x0f) this.fail('unsigned varint longer than 32 bits');
        return result + byte * 2 ** 28;
      }
      result |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result >>> 0;
    }
  }

  /** Length of a non-flexible string (int16) or -1 for null. */
  private stringLength(nullable: boolean, compact: boolean): number {
    const len = compact ? this.unsignedVarint() - 1 : this.int16();
    if (len < -1) this.fail(`negative string length ${len}`);
    // Kafka caps strings at 32767 bytes in the compact form too.
    if (len > 0x7fff) this.fail(`string length ${len} exceeds 32767`);
    if (len === -1 && !nullable) this.fail('null for a non-nullable string');
    return len;
  }

  private stringBody(len: number): string {
    const at = this.take(len, 'string');
    return this.buf.toString('utf8', at, at + len);
  }

  string(): string {
    return this.stringBody(this.stringLength(false, false));
  }
  nullableString(): string | null {
    const len = this.stringLength(true, false);
    return len < 0 ? null : this.stringBody(len);
  }
  compactString(): string {
    return this.stringBody(this.stringLength(false, true));
  }
  compactNullableString(): string | null {
    const len = this.stringLength(true, true);
    return len < 0 ? null : this.stringBody(len);
  }

  private bytesLength(nullable: boolean, compact: boolean): number {
    const len = compact ? this.unsignedVarint() - 1 : this.int32();
    if (len < -1) this.fail(`negative bytes length ${len}`);
    if (len === -1 && !nullable) this.fail('null for non-nullable bytes');
    return len;
  }

  private bytesBody(len: number): Buffer {
    const at = this.take(len, 'bytes');
    return this.buf.subarray(at, at + len);
  }

  bytes(): Buffer {
    return this.bytesBody(this.bytesLength(false, false));
  }
  nullableBytes(): Buffer | null {
    const len = this.bytesLength(true, false);
    return len < 0 ? null : this.bytesBody(len);
  }
  compactBytes(): Buffer {
    return this.bytesBody(this.bytesLength(false, true));
  }
  compactNullableBytes(): Buffer | null {
    const len = this.bytesLength(true, true);
    return len < 0 ? null : this.bytesBody(len);
  }

  /**
   * Reads an array length (int32, or unsigned varint + 1 when compact); -1 means null.
   * A count that could not fit in the bytes left (each element takes at least minElementBytes)
   * is rejected before anything is allocated.
   */
  arrayLength(compact: boolean, nullable: boolean, minElementBytes: number): number {
    const at = this.pos;
    const len = compact ? this.unsignedVarint() - 1 : this.int32();
    if (len < -1) throw new DecodeError(`negative array length ${len}`, at);
    if (len === -1) {
      if (!nullable) throw new DecodeError('null for a non-nullable array', at);
      return -1;
    }
    if (len * Math.max(1, minElementBytes) > this.end - this.pos) {
      throw new DecodeError(`array of ${len} elements does not fit in ${this.end - this.pos} bytes`, at);
    }
    return len;
  }

  /** Nullable struct marker: -1 for null, otherwise the struct follows. */
  structPresent(): boolean {
    return this.int8() >= 0;
  }

  /** Starts a tagged field: returns its end offset after checking its size fits. */
  taggedFieldEnd(): number {
    const size = this.unsignedVarint();
    if (size > this.end - this.pos) this.fail(`tagged field of ${size} bytes exceeds the ${this.end - this.pos} left`);
    return this.pos + size;
  }

  /** Checks that a known tagged field was read to exactly its declared end. */
  endTaggedField(end: number, tag: number): void {
    if (this.pos !== end) this.fail(`tagged field ${tag} has ${end - this.pos} bytes more than its value`);
  }

  /** Keeps an unknown tagged field's bytes (no copy). */
  unknownTaggedField(tag: number, end: number, into: RawTaggedField[] | undefined): RawTaggedField[] {
    const list = into ?? [];
    list.push({ tag, data: this.buf.subarray(this.pos, end) });
    this.pos = end;
    return list;
  }
}

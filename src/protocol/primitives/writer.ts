/**
 * Writes Kafka's primitive types into a buffer allocated once at the exact size of the message
 * (computed first by the generated size functions), so encoding never grows or copies.
 * The size helpers below mirror the write methods one for one.
 *
 * Splicing (for large responses such as Fetch): a Writer made with a splice threshold does not
 * copy a bytes/records value at least that long; it cuts the frame there and keeps the value's
 * own Buffer as the next chunk, so the frame comes out as several buffers to write in order.
 * Its buffer holds only the bytes that are not spliced, measured by `measureWithSplices`.
 */
import { sizeOfUnsignedVarint } from './varint.js';
import { EncodeError, type RawTaggedField, type Uuid } from './types.js';

export class Writer {
  readonly buf: Buffer;
  pos: number;
  /** bytes/records values at least this long are spliced, not copied (Infinity: never). */
  private readonly spliceAtLeast: number;
  /** The frame so far when something was spliced: pieces of `buf` and spliced values, in order. */
  private chunks: Buffer[] | null = null;
  /** Where the part of `buf` not yet in `chunks` starts. */
  private chunkStart = 0;

  constructor(buf: Buffer, pos = 0, spliceAtLeast = Infinity) {
    this.buf = buf;
    this.pos = pos;
    this.chunkStart = pos;
    this.spliceAtLeast = spliceAtLeast;
  }

  /** A writer over a fresh buffer of exactly `size` bytes. */
  static exact(size: number): Writer {
    return new Writer(Buffer.allocUnsafe(size));
  }

  /** Returns the buffer after checking that exactly its whole size was written. */
  finish(): Buffer {
    if (this.chunks !== null) throw new EncodeError('a splicing writer spliced values: use finishChunks()');
    this.checkFull();
    return this.buf;
  }

  /**
   * For a splicing writer: the frame as one Buffer when nothing was spliced, otherwise as the
   * chunks to send in order (views of `buf` around the spliced values, which are not copied).
   */
  finishChunks(): Buffer | Buffer[] {
    this.checkFull();
    if (this.chunks === null) return this.buf;
    if (this.pos > this.chunkStart) this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
    const chunks = this.chunks;
    this.chunks = null;
    this.chunkStart = this.pos;
    return chunks;
  }

  private checkFull(): void {
    if (this.pos !== this.buf.length) {
      throw new EncodeError(`encoder wrote ${this.pos} bytes into a ${this.buf.length}-byte buffer`);
    }
  }

  int8(v: number): void {
    this.pos = this.buf.writeInt8(v, this.pos);
  }
  int16(v: number): void {
    this.pos = this.buf.writeInt16BE(v, this.pos);
  }
  uint16(v: number): void {
    this.pos = this.buf.writeUInt16BE(v, this.pos);
  }
  int32(v: number): void {
    this.pos = this.buf.writeInt32BE(v, this.pos);
  }
  uint32(v: number): void {
    this.pos = this.buf.writeUInt32BE(v, this.pos);
  }
  int64(v: bigint): void {
    this.pos = this.buf.writeBigInt64BE(v, this.pos);
  }
  float64(v: number): void {
    this.pos = this.buf.writeDoubleBE(v, this.pos);
  }
  bool(v: boolean): void {
    this.buf[this.pos++] = v ? 1 : 0;
  }
  uuid(v: Uuid): void {
    const n = v.length === 22 ? this.buf.write(v, this.pos, 16, 'base64url') : 0;
    if (n !== 16) throw new EncodeError(`not a base64url UUID: ${JSON.stringify(v)}`);
    this.pos += 16;
  }

  unsignedVarint(v: number): void {
    const buf = this.buf;
    let pos = this.pos;
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  string(v: string): void {
    // Write the text after a 2-byte hole, then fill in its byte length.
    const at = this.pos;
    const n = this.buf.write(v, at + 2, 'utf8');
    if (n > 0x7fff) throw new EncodeError(`string of ${n} bytes is longer than int16 allows`);
    this.buf.writeInt16BE(n, at);
    this.pos = at + 2 + n;
  }
  nullableString(v: string | null): void {
    if (v === null) this.int16(-1);
    else this.string(v);
  }
  compactString(v: string): void {
    if (v.length <= 42) {
      // At most 126 UTF-8 bytes: the length prefix is one byte, so write the text first.
      const at = this.pos;
      const n = this.buf.write(v, at + 1, 'utf8');
      this.buf[at] = n + 1;
      this.pos = at + 1 + n;
      return;
    }
    const n = Buffer.byteLength(v, 'utf8');
    if (n > 0x7fff) throw new EncodeError(`string of ${n} bytes is longer than Kafka allows (32767)`);
    this.unsignedVarint(n + 1);
    this.pos += this.buf.write(v, this.pos, 'utf8');
  }
  compactNullableString(v: string | null): void {
    if (v === null) this.buf[this.pos++] = 0;
    else this.compactString(v);
  }

  bytes(v: Uint8Array): void {
    this.int32(v.length);
    this.bytesValue(v);
  }
  nullableBytes(v: Uint8Array | null): void {
    if (v === null) this.int32(-1);
    else this.bytes(v);
  }
  compactBytes(v: Uint8Array): void {
    this.unsignedVarint(v.length + 1);
    this.bytesValue(v);
  }
  compactNullableBytes(v: Uint8Array | null): void {
    if (v === null) this.buf[this.pos++] = 0;
    else this.compactBytes(v);
  }

  /** The content of a bytes/records field, after its length: spliced when long enough. */
  private bytesValue(v: Uint8Array): void {
    if (v.length < this.spliceAtLeast) {
      this.raw(v);
      return;
    }
    const chunks = (this.chunks ??= []);
    if (this.pos > this.chunkStart) chunks.push(this.buf.subarray(this.chunkStart, this.pos));
    chunks.push(Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    this.chunkStart = this.pos;
  }

  raw(v: Uint8Array): void {
    this.buf.set(v, this.pos);
    this.pos += v.length;
  }

  arrayLength(compact: boolean, length: number): void {
    if (compact) this.unsignedVarint(length + 1);
    else this.int32(length);
  }
  nullArray(compact: boolean): void {
    if (compact) this.buf[this.pos++] = 0;
    else this.int32(-1);
  }

  rawTaggedField(field: RawTaggedField): void {
    this.unsignedVarint(field.tag);
    this.unsignedVarint(field.data.length);
    this.raw(field.data);
  }
}

/**
 * While `measureWithSplices` runs: the threshold of the writer being sized, and the bytes of the
 * values it will splice. Module state because the generated size functions call the helpers
 * below directly; sizing is synchronous, so no other sizing can interleave.
 */
let sizingSpliceAtLeast = Infinity;
let sizingSplicedBytes = 0;

/**
 * Runs a size computation (generated size functions) and also reports how many of those bytes
 * a Writer with threshold `spliceAtLeast` will splice instead of writing into its buffer.
 */
export function measureWithSplices(spliceAtLeast: number, size: () => number): { total: number; spliced: number } {
  if (sizingSpliceAtLeast !== Infinity) throw new Error('measureWithSplices cannot nest');
  sizingSpliceAtLeast = spliceAtLeast;
  sizingSplicedBytes = 0;
  try {
    const total = size();
    return { total, spliced: sizingSplicedBytes };
  } finally {
    sizingSpliceAtLeast = Infinity;
    sizingSplicedBytes = 0;
  }
}

function sizeOfBytesValue(length: number): number {
  if (length >= sizingSpliceAtLeast) sizingSplicedBytes += length;
  return length;
}

export function sizeOfString(v: string): number {
  return 2 + Buffer.byteLength(v, 'utf8');
}
export function sizeOfNullableString(v: string | null): number {
  return v === null ? 2 : sizeOfString(v);
}
export function sizeOfCompactString(v: string): number {
  const n = Buffer.byteLength(v, 'utf8');
  return sizeOfUnsignedVarint(n + 1) + n;
}
export function sizeOfCompactNullableString(v: string | null): number {
  return v === null ? 1 : sizeOfCompactString(v);
}
export function sizeOfBytes(v: Uint8Array): number {
  return 4 + sizeOfBytesValue(v.length);
}
export function sizeOfNullableBytes(v: Uint8Array | null): number {
  return v === null ? 4 : sizeOfBytes(v);
}
export function sizeOfCompactBytes(v: Uint8Array): number {
  return sizeOfUnsignedVarint(v.length + 1) + sizeOfBytesValue(v.length);
}
export function sizeOfCompactNullableBytes(v: Uint8Array | null): number {
  return v === null ? 1 : sizeOfCompactBytes(v);
}
export function sizeOfArrayLength(compact: boolean, length: number): number {
  return compact ? sizeOfUnsignedVarint(length + 1) : 4;
}
export function sizeOfRawTaggedField(field: RawTaggedField): number {
  return sizeOfUnsignedVarint(field.tag) + sizeOfUnsignedVarint(field.data.length) + field.data.length;
}

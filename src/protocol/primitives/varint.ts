/**
 * Kafka's variable-length integers (protobuf style): unsigned varints for compact lengths and
 * tag numbers, zigzag varints (int32) and varlongs (int64) inside records.
 * Readers return the value and the offset after it; they throw DecodeError on truncated or
 * overlong input (more than 5 bytes for 32 bits, 10 for 64), never read past `end`.
 */
import { DecodeError } from './decode-error.js';

export interface Decoded<T> {
  value: T;
  next: number;
}

/** Reads an unsigned varint of at most 32 bits. Returns it as a non-negative number. */
export function readUnsignedVarint(buf: Uint8Array, offset: number, end: number = buf.length): Decoded<number> {
  let result = 0;
  let shift = 0;
  let pos = offset;
  for (;;) {
    if (pos >= end) throw new DecodeError('truncated varint', pos);
    const byte = buf[pos++]!;
    if (shift === 28) {
      // Fifth byte: only the low 4 bits fit in 32 bits, and it must end the varint.
      if (byte > 0x0f) throw new DecodeError('varint longer than 32 bits', offset);
      result += byte * 2 ** 28;
      return { value: result, next: pos };
    }
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return { value: result >>> 0, next: pos };
    shift += 7;
  }
}

/** Reads a zigzag-encoded signed varint (int32). */
export function readVarint(buf: Uint8Array, offset: number, end: number = buf.length): Decoded<number> {
  const d = readUnsignedVarint(buf, offset, end);
  const u = d.value;
  d.value = (u >>> 1) ^ -(u & 1);
  return d;
}

/** Reads a zigzag-encoded signed varlong (int64) as a bigint. */
export function readVarlong(buf: Uint8Array, offset: number, end: number = buf.length): Decoded<bigint> {
  let result = 0n;
  let shift = 0n;
  let pos = offset;
  for (let i = 0; ; i++) {
    if (pos >= end) throw new DecodeError('truncated varlong', pos);
    if (i === 10) throw new DecodeError('varlong longer than 64 bits', offset);
    const byte = buf[pos++]!;
    if (i === 9 && byte > 0x01) throw new DecodeError('varlong longer than 64 bits', offset);
    result |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7n;
  }
  const value = (result >> 1n) ^ -(result & 1n);
  return { value: BigInt.asIntN(64, value), next: pos };
}

/**
 * Reads a zigzag varlong as a number when it fits in the safe-integer range (the common case:
 * record timestamp and offset deltas); throws DecodeError otherwise.
 */
export function readVarlongNumber(buf: Uint8Array, offset: number, end: number = buf.length): Decoded<number> {
  // Fast path: up to 7 bytes hold 49 bits, which zigzag-decodes exactly within 2^53.
  let result = 0;
  let scale = 1;
  let pos = offset;
  for (let i = 0; i < 7; i++) {
    if (pos >= end) throw new DecodeError('truncated varlong', pos);
    const byte = buf[pos++]!;
    result += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) {
      const value = result % 2 === 0 ? result / 2 : -(result + 1) / 2;
      return { value, next: pos };
    }
    scale *= 128;
  }
  const big = readVarlong(buf, offset, end);
  const n = Number(big.value);
  if (!Number.isSafeInteger(n)) throw new DecodeError('varlong outside the safe integer range', offset);
  return { value: n, next: big.next };
}

export function sizeOfUnsignedVarint(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

export function sizeOfVarint(value: number): number {
  return sizeOfUnsignedVarint(((value << 1) ^ (value >> 31)) >>> 0);
}

export function sizeOfVarlong(value: bigint | number): number {
  if (typeof value === 'number' && Math.abs(value) < 2 ** 52) {
    // Number fast path for the usual small deltas: zigzag stays below 2^53.
    let n = value >= 0 ? value * 2 : -value * 2 - 1;
    let size = 1;
    while (n >= 0x80) {
      n = Math.floor(n / 128);
      size++;
    }
    return size;
  }
  let u = zigzag64(value);
  let size = 1;
  while (u >= 0x80n) {
    u >>= 7n;
    size++;
  }
  return size;
}

/** Writes an unsigned varint (value in 0..2^32-1); returns the offset after it. */
export function writeUnsignedVarint(buf: Uint8Array, offset: number, value: number): number {
  let v = value;
  while (v >= 0x80) {
    buf[offset++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[offset++] = v;
  return offset;
}

export function writeVarint(buf: Uint8Array, offset: number, value: number): number {
  return writeUnsignedVarint(buf, offset, ((value << 1) ^ (value >> 31)) >>> 0);
}

export function writeVarlong(buf: Uint8Array, offset: number, value: bigint | number): number {
  if (typeof value === 'number' && Math.abs(value) < 2 ** 52) {
    return writeUnsignedVarint(buf, offset, value >= 0 ? value * 2 : -value * 2 - 1);
  }
  let u = zigzag64(value);
  while (u >= 0x80n) {
    buf[offset++] = Number(u & 0x7fn) | 0x80;
    u >>= 7n;
  }
  buf[offset++] = Number(u);
  return offset;
}

function zigzag64(value: bigint | number): bigint {
  const v = BigInt.asIntN(64, BigInt(value));
  return BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
}

/** Kafka's varints: zigzag int32/int64 and unsigned varints, sizes, and malformed input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  readUnsignedVarint, readVarint, readVarlong, readVarlongNumber, sizeOfUnsignedVarint, sizeOfVarint, sizeOfVarlong,
  writeUnsignedVarint, writeVarint, writeVarlong,
} from '../../src/protocol/primitives/varint.js';
import { DecodeError } from '../../src/protocol/primitives/decode-error.js';

test('known encodings from the protocol guide (zigzag)', () => {
  const cases: [number, number[]][] = [[0, [0x00]], [-1, [0x01]], [1, [0x02]], [-64, [0x7f]], [64, [0x80, 0x01]], [300, [0xd8, 0x04]]];
  for (const [value, bytes] of cases) {
    const buf = Buffer.alloc(10);
    assert.equal(writeVarint(buf, 0, value), bytes.length);
    assert.deepEqual([...buf.subarray(0, bytes.length)], bytes);
    assert.equal(readVarint(Buffer.from(bytes), 0).value, value);
  }
});

test('round trips and sizes', () => {
  const buf = Buffer.alloc(10);
  fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (v) => {
    const end = writeVarint(buf, 0, v);
    assert.equal(end, sizeOfVarint(v));
    assert.deepEqual(readVarint(buf, 0), { value: v, next: end });
  }), { seed: 1, numRuns: 2000 });
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (v) => {
    const end = writeUnsignedVarint(buf, 0, v);
    assert.equal(end, sizeOfUnsignedVarint(v));
    assert.deepEqual(readUnsignedVarint(buf, 0), { value: v, next: end });
  }), { seed: 2, numRuns: 2000 });
  fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
    const end = writeVarlong(buf, 0, v);
    assert.equal(end, sizeOfVarlong(v));
    assert.deepEqual(readVarlong(buf, 0), { value: v, next: end });
  }), { seed: 3, numRuns: 2000 });
  fc.assert(fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (v) => {
    const end = writeVarlong(buf, 0, v);
    assert.equal(end, sizeOfVarlong(v));
    assert.equal(end, sizeOfVarlong(BigInt(v)));
    assert.deepEqual(readVarlongNumber(buf, 0), { value: v, next: end });
    assert.equal(readVarlong(buf, 0).value, BigInt(v));
  }), { seed: 4, numRuns: 2000 });
});

test('truncated and overlong input is a DecodeError', () => {
  assert.throws(() => readVarint(Buffer.from([0x80, 0x80]), 0), DecodeError);
  assert.throws(() => readUnsignedVarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x10]), 0), DecodeError);
  assert.throws(() => readVarlong(Buffer.from(Array(10).fill(0xff).concat([0x01])), 0), DecodeError);
  assert.throws(() => readVarlong(Buffer.from([...Array(9).fill(0xff), 0x02]), 0), DecodeError);
  // Reads stop at `end`, not at the buffer's end.
  assert.throws(() => readVarint(Buffer.from([0x80, 0x01]), 0, 1), DecodeError);
  // A varlong outside the safe range cannot be read as a number.
  const buf = Buffer.alloc(10);
  writeVarlong(buf, 0, 2n ** 60n);
  assert.throws(() => readVarlongNumber(buf, 0), DecodeError);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { DecodeError } from '../../src/protocol/primitives/decode-error.js';
import { writeVarint } from '../../src/protocol/primitives/varint.js';
import {
  buildRecordBatch,
  checkProduceRecords,
  CompressionType,
  isXerialFramed,
  readRecords,
  recordsOf,
  RecordBatch,
  splitRecordBatches,
  TimestampType,
  uncompressedRecords,
  validateClientBatch,
  validateRecordBatch,
  type KafkaRecord,
  type RecordInput,
} from '../../src/protocol/records/index.js';

const OPTS = { maxUncompressedBytes: 4 * 1024 * 1024 };
const CODECS = [CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD];

function validated(bytes: Buffer): RecordBatch {
  const v = validateRecordBatch(bytes);
  assert.ok(v.ok, v.ok ? '' : v.problem.message);
  return v.batch;
}

function text(b: Buffer | null): string | null {
  return b === null ? null : b.toString();
}

function simplify(r: KafkaRecord): unknown {
  return {
    offset: r.offset,
    offsetDelta: r.offsetDelta,
    timestamp: r.timestamp,
    key: text(r.key),
    value: text(r.value),
    headers: r.headers.map((h) => [h.key, text(h.value)]),
  };
}

const inputs: RecordInput[] = [
  { key: Buffer.from('key-0'), value: Buffer.from('value-0'), timestamp: 1_700_000_000_000 },
  { key: null, value: Buffer.from('no key'), timestamp: 1_700_000_000_010 },
  { key: Buffer.from('no value'), value: null, timestamp: 1_699_999_999_990 }, // negative delta
  { key: null, value: null },
  { key: Buffer.alloc(0), value: Buffer.alloc(0), timestamp: 1_700_000_000_001 },
  {
    key: Buffer.from('with headers'),
    value: Buffer.from('v'.repeat(300)),
    headers: [
      { key: 'trace-id', value: Buffer.from('abc') },
      { key: 'null-value', value: null },
      { key: '', value: Buffer.alloc(0) },
      { key: 'ünïcødé ✓', value: Buffer.from([0, 1, 2, 255]) },
    ],
    timestamp: 1_700_000_000_002,
  },
];

function expected(baseOffset: number, defaultTs: number): unknown[] {
  return inputs.map((r, i) => ({
    offset: baseOffset + i,
    offsetDelta: i,
    timestamp: r.timestamp ?? defaultTs,
    key: r.key === null || r.key === undefined ? null : r.key.toString(),
    value: r.value === null || r.value === undefined ? null : r.value.toString(),
    headers: (r.headers ?? []).map((h) => [h.key, text(h.value === null ? null : Buffer.from(h.value))]),
  }));
}

test('builder -> iterator round trip for every codec, with headers, nulls and empties', () => {
  for (const compression of CODECS) {
    const bytes = buildRecordBatch(inputs, { compression, baseOffset: 1000n, timestampMs: 1_650_000_000_000 });
    const batch = validated(bytes);
    assert.equal(batch.compression, compression);
    assert.equal(batch.recordCount, inputs.length);
    assert.equal(batch.lastOffsetDelta, inputs.length - 1);
    assert.equal(batch.baseTimestamp, 1_700_000_000_000n);
    assert.equal(batch.maxTimestamp, 1_700_000_000_010n);
    assert.equal(validateClientBatch(new RecordBatch(Buffer.from(bytes)))?.kind, 'INVALID_BASE_OFFSET');
    const records = readRecords(batch, OPTS);
    assert.deepEqual(records.map(simplify), expected(1000, 1_650_000_000_000), `codec ${compression}`);
    assert.deepEqual(records[0]!.headers, [], 'no headers');
    assert.equal(records[4]!.key!.length, 0, 'empty, not null');
    // The iterator protocol works with for..of and ends cleanly.
    let n = 0;
    for (const r of recordsOf(batch, OPTS)) n += r.offsetDelta === n ? 1 : 100;
    assert.equal(n, inputs.length);
  }
});

test('uncompressed batches yield views into the batch, not copies', () => {
  const bytes = buildRecordBatch(inputs);
  const batch = validated(bytes);
  assert.equal(uncompressedRecords(batch, OPTS).buffer, bytes.buffer);
  const first = readRecords(batch, OPTS)[0]!;
  assert.equal(first.value!.buffer, bytes.buffer);
  bytes[bytes.indexOf('value-0')] = 'V'.charCodeAt(0);
  assert.equal(first.value!.toString(), 'Value-0');
});

test('producer fields, transactional flag and LOG_APPEND_TIME', () => {
  const bytes = buildRecordBatch(inputs.slice(0, 3), {
    producerId: 99n,
    producerEpoch: 2,
    baseSequence: 10,
    transactional: true,
    compression: CompressionType.ZSTD,
  });
  const batch = validated(bytes);
  assert.equal(validateClientBatch(batch), null);
  assert.equal(batch.isTransactional, true);
  assert.equal(batch.producerId, 99n);
  assert.equal(readRecords(batch, OPTS).length, 3);

  const lat = validated(
    buildRecordBatch(inputs.slice(0, 3), { timestampType: TimestampType.LOG_APPEND_TIME, logAppendTimeMs: 1_800_000_000_000 }),
  );
  assert.equal(lat.timestampType, TimestampType.LOG_APPEND_TIME);
  assert.equal(lat.maxTimestamp, 1_800_000_000_000n);
  for (const r of readRecords(lat, OPTS)) assert.equal(r.timestamp, 1_800_000_000_000);
  assert.throws(() => buildRecordBatch(inputs, { timestampType: TimestampType.LOG_APPEND_TIME }), RangeError);
  assert.throws(() => buildRecordBatch([]), RangeError);
});

test('offsets are numbers from one per-batch conversion; unsafe base offsets are refused', () => {
  const big = validated(buildRecordBatch(inputs.slice(0, 2), { baseOffset: 2n ** 52n }));
  assert.deepEqual(
    readRecords(big, OPTS).map((r) => r.offset),
    [2 ** 52, 2 ** 52 + 1],
  );
  const huge = validated(buildRecordBatch(inputs.slice(0, 2), { baseOffset: 2n ** 62n }));
  assert.throws(() => readRecords(huge, OPTS), DecodeError);
});

test('a large batch: many records, the exact allocation', () => {
  const many: RecordInput[] = [];
  for (let i = 0; i < 10_000; i++) many.push({ key: Buffer.from(`k${i}`), value: Buffer.alloc(100, i & 0xff), timestamp: 1_700_000_000_000 + i });
  for (const compression of CODECS) {
    const batch = validated(buildRecordBatch(many, { compression }));
    let i = 0;
    for (const r of recordsOf(batch, OPTS)) {
      assert.equal(r.offset, i);
      assert.equal(r.timestamp, 1_700_000_000_000 + i);
      assert.equal(r.value!.length, 100);
      i++;
    }
    assert.equal(i, 10_000);
  }
  // Compressed: the decompression limit applies to the records section.
  const zstd = validated(buildRecordBatch(many, { compression: CompressionType.ZSTD }));
  assert.throws(() => readRecords(zstd, { maxUncompressedBytes: 100_000 }), /exceeds the limit/);
});

// ---- malformed records ----

/** A v2 batch around a hand-written records section (uncompressed unless `compression`). */
function rawBatch(section: Buffer, count: number, compression = 0): Buffer {
  const bytes = Buffer.alloc(61 + section.length);
  bytes.writeBigInt64BE(0n, 0);
  bytes.writeInt32BE(bytes.length - 12, 8);
  bytes.writeInt32BE(-1, 12);
  bytes[16] = 2;
  bytes.writeInt16BE(compression, 21);
  bytes.writeInt32BE(Math.max(0, count - 1), 23);
  bytes.writeBigInt64BE(0n, 27);
  bytes.writeBigInt64BE(0n, 35);
  bytes.writeBigInt64BE(-1n, 43);
  bytes.writeInt16BE(-1, 51);
  bytes.writeInt32BE(-1, 53);
  bytes.writeInt32BE(count, 57);
  section.copy(bytes, 61);
  new RecordBatch(bytes).updateCrc();
  return bytes;
}

/** Record body bytes from varint-encoded pieces. */
function varints(...values: number[]): Buffer {
  const out = Buffer.alloc(values.length * 5);
  let pos = 0;
  for (const v of values) pos = writeVarint(out, pos, v);
  return out.subarray(0, pos);
}

function record(body: Buffer): Buffer {
  return Buffer.concat([varints(body.length), body]);
}

/** attributes 0, timestampDelta 0, offsetDelta i, then the rest. */
function body(offsetDelta: number, ...rest: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([0]), varints(0, offsetDelta), ...rest]);
}

function decodeThrows(bytes: Buffer, pattern?: RegExp): void {
  const batch = new RecordBatch(bytes);
  assert.throws(
    () => readRecords(batch, OPTS),
    (err: unknown) => err instanceof DecodeError && (pattern === undefined || pattern.test(err.message)),
  );
}

test('hand-written records decode (sanity check for the malformed cases)', () => {
  const ok = record(body(0, varints(1), Buffer.from('k'), varints(2), Buffer.from('vv'), varints(1, 1), Buffer.from('h'), varints(-1)));
  const r = readRecords(new RecordBatch(rawBatch(ok, 1)), OPTS);
  assert.deepEqual(r.map(simplify), [{ offset: 0, offsetDelta: 0, timestamp: 0, key: 'k', value: 'vv', headers: [['h', null]] }]);
});

test('malformed records throw DecodeError naming the problem', () => {
  const kv = [varints(-1), varints(-1), varints(0)]; // null key, null value, no headers
  const good = record(body(0, ...kv));
  // Truncated section: every proper prefix of a good record.
  const full = record(body(0, varints(3), Buffer.from('key'), varints(5), Buffer.from('value'), varints(0)));
  for (let cut = 0; cut < full.length; cut++) decodeThrows(rawBatch(full.subarray(0, cut), 1));
  // Record length beyond the section, negative, or too small.
  decodeThrows(rawBatch(Buffer.concat([varints(100), body(0, ...kv)]), 1), /invalid record size/);
  decodeThrows(rawBatch(Buffer.concat([varints(-5), body(0, ...kv)]), 1), /invalid record size/);
  decodeThrows(rawBatch(Buffer.concat([varints(3), Buffer.from([0, 0, 0])]), 1), /invalid record size/);
  // Overlong varints.
  decodeThrows(rawBatch(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0, 1, 1, 0]), 1), /longer than 32 bits/);
  decodeThrows(rawBatch(record(Buffer.concat([Buffer.from([0]), Buffer.alloc(10, 0xff), Buffer.from([1, 0, 1, 1, 0])])), 1), /varlong/);
  // Key / value lengths.
  decodeThrows(rawBatch(record(body(0, varints(50), Buffer.from('k'), varints(-1), varints(0))), 1), /invalid key length/);
  decodeThrows(rawBatch(record(body(0, varints(-2), varints(-1), varints(0))), 1), /invalid key length/);
  decodeThrows(rawBatch(record(body(0, varints(-1), varints(9), Buffer.from('v'), varints(0))), 1), /invalid value length/);
  // Header count: negative, more than the bytes can hold, and a header key length of -1.
  decodeThrows(rawBatch(record(body(0, varints(-1), varints(-1), varints(-1))), 1), /invalid header count/);
  decodeThrows(rawBatch(record(body(0, varints(-1), varints(-1), varints(2 ** 31 - 1), Buffer.alloc(8))), 1), /invalid header count/);
  decodeThrows(rawBatch(record(body(0, varints(-1), varints(-1), varints(1), varints(-1), varints(-1))), 1), /header key length/);
  decodeThrows(rawBatch(record(body(0, varints(-1), varints(-1), varints(1), varints(0), varints(7))), 1), /header value length/);
  // A record whose declared length is longer than its fields.
  const padded = body(0, ...kv, Buffer.from([0]));
  decodeThrows(rawBatch(record(padded), 1), /expected to read 7 bytes, read 6/);
  // Fewer records than the count; bytes left after the count.
  decodeThrows(rawBatch(good, 2));
  decodeThrows(rawBatch(Buffer.concat([good, good]), 1), /left after/);
  assert.equal(readRecords(new RecordBatch(rawBatch(Buffer.concat([good, good]), 2)), OPTS).length, 2);
});

test('a record count of 2^31 - 1 in a 100-byte batch allocates nothing in proportion', () => {
  const section = Buffer.concat([record(body(0, varints(-1), varints(-1), varints(0))), Buffer.alloc(32)]);
  const bytes = rawBatch(section.subarray(0, 39), 1);
  assert.equal(bytes.length, 100);
  const batch = new RecordBatch(bytes);
  batch.recordCount = 2 ** 31 - 1;
  batch.lastOffsetDelta = 2 ** 31 - 2;
  batch.updateCrc();
  const v = validateRecordBatch(bytes);
  assert.ok(!v.ok);
  assert.equal(v.problem.kind, 'INVALID_RECORD_COUNT');
  // Without validation, the iterator still fails fast at the first bad record.
  const before = process.memoryUsage().heapUsed;
  assert.throws(() => readRecords(batch, OPTS), /record 1: .*truncated|invalid record size/);
  assert.ok(process.memoryUsage().heapUsed - before < 16 * 1024 * 1024, 'no large allocation');
  // Same for a compressed batch: the count is only a loop bound.
  const gz = rawBatch(gzipSync(section.subarray(0, 39)), 2 ** 31 - 1, CompressionType.GZIP);
  assert.throws(() => readRecords(new RecordBatch(gz), OPTS), DecodeError);
});

test('a compressed batch that inflates past the limit is a DecodeError', () => {
  const bomb = rawBatch(gzipSync(Buffer.alloc(20 * 1024 * 1024)), 1, CompressionType.GZIP);
  assert.throws(() => readRecords(new RecordBatch(bomb), { maxUncompressedBytes: 1024 * 1024 }), /exceeds the limit/);
  const garbage = rawBatch(Buffer.from('not gzip at all'), 1, CompressionType.GZIP);
  assert.throws(() => readRecords(new RecordBatch(garbage), OPTS), DecodeError);
  const unknown = rawBatch(Buffer.from('xx'), 1, 6);
  assert.throws(() => readRecords(new RecordBatch(unknown), OPTS), DecodeError);
});

test('fuzz: mutated batches decode or throw DecodeError', () => {
  let a = 12345;
  const rnd = (): number => {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    return a / 2 ** 32;
  };
  for (const compression of CODECS) {
    const bytes = buildRecordBatch(inputs, { compression });
    for (let i = 0; i < 400; i++) {
      const copy = Buffer.from(bytes);
      const flips = 1 + Math.floor(rnd() * 3);
      for (let f = 0; f < flips; f++) copy[61 + Math.floor(rnd() * (copy.length - 61))] = Math.floor(rnd() * 256);
      if (rnd() < 0.3) copy.writeInt32BE(Math.floor(rnd() * 2 ** 31), 57);
      try {
        for (const r of recordsOf(new RecordBatch(copy), { maxUncompressedBytes: 64 * 1024 })) void r;
      } catch (err) {
        assert.ok(err instanceof DecodeError, `codec ${compression}: ${String(err)}`);
      }
    }
  }
});

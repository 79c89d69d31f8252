import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/protocol/errors.js';
import {
  buildRecordBatch,
  buildTransactionMarkerBatch,
  checkProduceMagic,
  checkProduceRecords,
  CompressionType,
  ControlRecordType,
  decodeControlRecordKey,
  decodeEndTxnMarkerValue,
  encodeControlRecordKey,
  encodeEndTxnMarkerValue,
  parseTransactionMarker,
  RECORD_BATCH_HEADER_SIZE,
  RecordBatch,
  recordsMagic,
  splitRecordBatches,
  TimestampType,
  validateClientBatch,
  validateRecordBatch,
  type RecordInput,
} from '../../src/protocol/records/index.js';
import { DecodeError } from '../../src/protocol/primitives/decode-error.js';

const records: RecordInput[] = [
  { key: Buffer.from('k0'), value: Buffer.from('v0'), timestamp: 1_700_000_000_000 },
  { key: null, value: Buffer.from('v1'), timestamp: 1_700_000_000_005 },
  { key: Buffer.from('k2'), value: null, timestamp: 1_700_000_000_002 },
];

function batchOf(bytes: Buffer): RecordBatch {
  const v = validateRecordBatch(bytes);
  assert.ok(v.ok, v.ok ? '' : v.problem.message);
  return v.batch;
}

test('header getters read what the builder wrote', () => {
  const bytes = buildRecordBatch(records, {
    baseOffset: 42n,
    partitionLeaderEpoch: 7,
    producerId: 1234n,
    producerEpoch: 3,
    baseSequence: 99,
    transactional: true,
  });
  const b = batchOf(bytes);
  assert.equal(b.baseOffset, 42n);
  assert.equal(b.batchLength, bytes.length - 12);
  assert.equal(b.sizeInBytes, bytes.length);
  assert.equal(b.partitionLeaderEpoch, 7);
  assert.equal(b.magic, 2);
  assert.equal(b.compression, CompressionType.NONE);
  assert.equal(b.timestampType, TimestampType.CREATE_TIME);
  assert.equal(b.isTransactional, true);
  assert.equal(b.isControl, false);
  assert.equal(b.hasDeleteHorizon, false);
  assert.equal(b.lastOffsetDelta, 2);
  assert.equal(b.baseTimestamp, 1_700_000_000_000n);
  assert.equal(b.maxTimestamp, 1_700_000_000_005n);
  assert.equal(b.producerId, 1234n);
  assert.equal(b.hasProducerId, true);
  assert.equal(b.producerEpoch, 3);
  assert.equal(b.baseSequence, 99);
  assert.equal(b.recordCount, 3);
  assert.equal(b.lastOffset, 44n);
  assert.equal(b.nextOffset, 45n);
  assert.ok(b.isCrcValid());
  assert.equal(b.recordsBytes.length, bytes.length - RECORD_BATCH_HEADER_SIZE);
  assert.equal(b.bytes.buffer, bytes.buffer, 'a view, not a copy');
});

test('every header setter writes in place and round-trips', () => {
  const bytes = buildRecordBatch(records);
  const b = new RecordBatch(bytes);
  b.baseOffset = 2n ** 62n;
  assert.equal(b.baseOffset, 2n ** 62n);
  b.baseOffset = 17; // numbers are accepted
  assert.equal(b.baseOffset, 17n);
  b.partitionLeaderEpoch = 123456;
  assert.equal(b.partitionLeaderEpoch, 123456);
  // Neither touches the CRC'd range.
  assert.ok(b.isCrcValid());

  b.batchLength = 1000;
  assert.equal(b.batchLength, 1000);
  b.batchLength = bytes.length - 12;
  b.magic = 1;
  assert.equal(b.magic, 1);
  b.magic = 2;
  b.crc = 0xdeadbeef;
  assert.equal(b.crc, 0xdeadbeef);
  assert.ok(!b.isCrcValid());
  b.updateCrc();
  assert.ok(b.isCrcValid());

  b.compression = CompressionType.ZSTD;
  assert.equal(b.compression, CompressionType.ZSTD);
  b.timestampType = TimestampType.LOG_APPEND_TIME;
  assert.equal(b.timestampType, TimestampType.LOG_APPEND_TIME);
  b.isTransactional = true;
  b.isControl = true;
  b.hasDeleteHorizon = true;
  assert.equal(b.attributes, 0x04 | 0x08 | 0x10 | 0x20 | 0x40);
  b.isControl = false;
  b.hasDeleteHorizon = false;
  b.compression = CompressionType.NONE;
  b.timestampType = TimestampType.CREATE_TIME;
  assert.equal(b.attributes, 0x10);
  b.attributes = 0;
  assert.equal(b.isTransactional, false);

  b.lastOffsetDelta = 77;
  assert.equal(b.lastOffsetDelta, 77);
  b.baseTimestamp = -1n;
  assert.equal(b.baseTimestamp, -1n);
  b.maxTimestamp = 1_800_000_000_000;
  assert.equal(b.maxTimestamp, 1_800_000_000_000n);
  b.producerId = -1n;
  assert.equal(b.producerId, -1n);
  assert.equal(b.hasProducerId, false);
  b.producerEpoch = 32767;
  assert.equal(b.producerEpoch, 32767);
  b.baseSequence = 2 ** 31 - 1;
  assert.equal(b.baseSequence, 2 ** 31 - 1);
  b.recordCount = 5;
  assert.equal(b.recordCount, 5);
  // Setters of CRC'd fields leave the CRC stale until updateCrc.
  assert.ok(!b.isCrcValid());
  b.updateCrc();
  assert.ok(b.isCrcValid());

  assert.throws(() => (b.baseOffset = 2n ** 63n), RangeError);
  assert.throws(() => (b.producerId = 2 ** 60), RangeError);
  assert.throws(() => new RecordBatch(Buffer.alloc(60)), DecodeError);
});

test('CRC validation catches any flipped byte after the CRC field', () => {
  const bytes = buildRecordBatch(records, { compression: CompressionType.GZIP });
  for (let i = 21; i < bytes.length; i++) {
    const copy = Buffer.from(bytes);
    copy[i]! ^= 0x01;
    const v = validateRecordBatch(copy);
    assert.ok(!v.ok, `flip at ${i}`);
    assert.equal(v.problem.kind, 'CRC_MISMATCH');
    assert.equal(v.problem.errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.match(v.problem.message, /^Record batch is corrupt \(stored crc = \d+, computed crc = \d+\)$/);
  }
  // Flipping a byte of the CRC itself is caught too.
  const copy = Buffer.from(bytes);
  copy[18]! ^= 0x80;
  assert.equal(validateRecordBatch(copy).ok, false);
  // baseOffset and partitionLeaderEpoch are outside the CRC.
  const stamped = Buffer.from(bytes);
  const b = new RecordBatch(stamped);
  b.baseOffset = 1_000_000n;
  b.partitionLeaderEpoch = 9;
  assert.ok(validateRecordBatch(stamped).ok);
  // And verification can be skipped.
  const bad = Buffer.from(bytes);
  bad[30]! ^= 1;
  assert.ok(validateRecordBatch(bad, { verifyCrc: false }).ok);
});

test('validation names the structural problem', () => {
  const good = buildRecordBatch(records);
  const kind = (bytes: Buffer): string => {
    const v = validateRecordBatch(bytes);
    return v.ok ? 'ok' : v.problem.kind;
  };
  assert.equal(kind(good), 'ok');
  assert.equal(kind(good.subarray(0, 11)), 'TRUNCATED');
  assert.equal(kind(good.subarray(0, good.length - 1)), 'TRUNCATED');
  // Extra bytes after the batch are not part of it.
  const longer = Buffer.concat([good, Buffer.from([1, 2, 3])]);
  const v = validateRecordBatch(longer);
  assert.ok(v.ok);
  assert.equal(v.batch.bytes.length, good.length);

  const small = Buffer.from(good);
  small.writeInt32BE(48, 8); // 60 bytes
  assert.equal(kind(small), 'BATCH_TOO_SMALL');
  const small2 = validateRecordBatch(small);
  assert.ok(!small2.ok);
  assert.equal(small2.problem.message, 'Record batch is corrupt (the size 60 is smaller than the minimum allowed overhead 61)');

  const magic1 = Buffer.from(good);
  magic1[16] = 1;
  const m = validateRecordBatch(magic1);
  assert.ok(!m.ok);
  assert.equal(m.problem.kind, 'UNSUPPORTED_MAGIC');
  assert.equal(m.problem.errorCode, ErrorCode.INVALID_RECORD);

  const withHeader = (mutate: (b: RecordBatch) => void): string => {
    const copy = Buffer.from(good);
    const b = new RecordBatch(copy);
    mutate(b);
    b.updateCrc();
    return kind(copy);
  };
  assert.equal(withHeader((b) => (b.compression = 5)), 'UNKNOWN_COMPRESSION');
  assert.equal(withHeader((b) => (b.lastOffsetDelta = -1)), 'INVALID_LAST_OFFSET_DELTA');
  assert.equal(withHeader((b) => (b.recordCount = -1)), 'INVALID_RECORD_COUNT');
  assert.equal(withHeader((b) => (b.recordCount = 4)), 'INVALID_RECORD_COUNT'); // > lastOffsetDelta + 1
  assert.equal(
    withHeader((b) => {
      b.lastOffsetDelta = 2 ** 31 - 1;
      b.recordCount = 2 ** 31 - 1;
    }),
    'INVALID_RECORD_COUNT', // cannot fit in the bytes
  );
  // Fewer records than offsets is what compaction leaves: valid structure.
  assert.equal(withHeader((b) => (b.lastOffsetDelta = 10)), 'ok');
});

test('client batch rules are Kafka LogValidator rules with its messages', () => {
  const tp = 'topic-0';
  const problem = (bytes: Buffer, mutate?: (b: RecordBatch) => void): string | null => {
    const copy = Buffer.from(bytes);
    const b = new RecordBatch(copy);
    mutate?.(b);
    return validateClientBatch(b, tp)?.message ?? null;
  };
  const good = buildRecordBatch(records);
  assert.equal(problem(good), null);
  assert.equal(
    problem(good, (b) => (b.baseOffset = 5n)),
    'The baseOffset of the record batch in the append to topic-0 should be 0, but it is 5',
  );
  assert.equal(
    problem(good, (b) => (b.lastOffsetDelta = -1)),
    'Batch has an invalid offset range: [0, -1] in topic partition topic-0',
  );
  assert.equal(problem(good, (b) => (b.recordCount = 0)), 'Invalid reported count for record batch: 0 in topic partition topic-0');
  assert.equal(
    problem(good, (b) => (b.recordCount = 2)),
    'Inconsistent batch offset range [0, 2] and count of records 2 in topic partition topic-0',
  );
  assert.equal(problem(good, (b) => (b.isControl = true)), 'Clients are not allowed to write control records in topic partition topic-0');
  assert.equal(
    problem(good, (b) => {
      b.producerId = 7n;
      b.baseSequence = -1;
    }),
    'Invalid sequence number -1 in record batch with producerId 7 in topic partition topic-0',
  );
  const b = new RecordBatch(Buffer.from(good));
  b.recordCount = 0;
  assert.equal(validateClientBatch(b)?.errorCode, ErrorCode.INVALID_RECORD);
  assert.equal(validateClientBatch(b)?.message, 'Invalid reported count for record batch: 0');
});

test('splitter walks a blob of batches without copying', () => {
  const a = buildRecordBatch(records, { baseOffset: 0 });
  const b = buildRecordBatch(records, { baseOffset: 3, compression: CompressionType.LZ4 });
  const c = buildRecordBatch(records, { baseOffset: 6, compression: CompressionType.ZSTD });
  const blob = Buffer.concat([a, b, c]);
  for (const mode of ['strict', 'partial-tail'] as const) {
    const s = splitRecordBatches(blob, { mode, maxBatches: 10 });
    assert.ok(s.ok);
    assert.deepEqual(
      s.batches.map((x) => x.baseOffset),
      [0n, 3n, 6n],
    );
    assert.equal(s.partialTailBytes, 0);
    assert.equal(s.batches[1]!.bytes.buffer, blob.buffer);
    assert.equal(s.batches[1]!.bytes.byteOffset, blob.byteOffset + a.length);
  }
  const empty = splitRecordBatches(Buffer.alloc(0), { mode: 'strict', maxBatches: 10 });
  assert.ok(empty.ok);
  assert.equal(empty.batches.length, 0);
});

test('splitter: a truncated tail fails in strict mode and is skipped in partial-tail mode', () => {
  const a = buildRecordBatch(records);
  const b = buildRecordBatch(records, { baseOffset: 3 });
  const blob = Buffer.concat([a, b]);
  for (const cut of [1, 5, 11, 12, 20, b.length - 1]) {
    const truncated = blob.subarray(0, a.length + cut);
    const strict = splitRecordBatches(truncated, { mode: 'strict', maxBatches: 10 });
    assert.ok(!strict.ok, `cut ${cut}`);
    assert.equal(strict.problem.kind, 'TRUNCATED');
    assert.equal(strict.problem.errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.equal(strict.atByte, a.length);
    assert.equal(strict.batches.length, 1);
    const fetch = splitRecordBatches(truncated, { mode: 'partial-tail', maxBatches: 10 });
    assert.ok(fetch.ok, `cut ${cut}`);
    assert.equal(fetch.batches.length, 1);
    assert.equal(fetch.partialTailBytes, cut);
  }
  // A complete but corrupt batch is a problem in both modes.
  const corrupt = Buffer.from(blob);
  corrupt[a.length + 40]! ^= 0xff;
  for (const mode of ['strict', 'partial-tail'] as const) {
    const s = splitRecordBatches(corrupt, { mode, maxBatches: 10 });
    assert.ok(!s.ok);
    assert.equal(s.problem.kind, 'CRC_MISMATCH');
  }
  // A size field below the header size is corruption, not a partial tail.
  const tiny = Buffer.from(blob);
  tiny.writeInt32BE(10, a.length + 8);
  const t = splitRecordBatches(tiny, { mode: 'partial-tail', maxBatches: 10 });
  assert.ok(!t.ok);
  assert.equal(t.problem.kind, 'BATCH_TOO_SMALL');
});

test('splitter is bounded by maxBatches', () => {
  const a = buildRecordBatch(records);
  const blob = Buffer.concat([a, a, a]);
  const s = splitRecordBatches(blob, { mode: 'strict', maxBatches: 2 });
  assert.ok(!s.ok);
  assert.equal(s.problem.kind, 'TOO_MANY_BATCHES');
  assert.equal(s.batches.length, 2);
});

test('magic is read from byte 16', () => {
  const a = buildRecordBatch(records);
  assert.equal(recordsMagic(a), 2);
  const legacy = Buffer.from(a);
  legacy[16] = 1;
  assert.equal(recordsMagic(legacy), 1);
  legacy[16] = 0xff;
  assert.equal(recordsMagic(legacy), -1);
  assert.equal(recordsMagic(a.subarray(0, 16)), -1);
});

/** A message set entry in format v0/v1: offset, size, crc, magic, attributes, (timestamp), key, value. */
function legacyMessageSet(magic: 0 | 1): Buffer {
  const value = Buffer.from('legacy');
  const body = Buffer.alloc(4 + 1 + 1 + (magic === 1 ? 8 : 0) + 4 + 4 + value.length);
  let p = 4; // crc left 0: Kafka checks the magic before it looks at the crc
  body[p++] = magic;
  body[p++] = 0;
  if (magic === 1) {
    body.writeBigInt64BE(1_700_000_000_000n, p);
    p += 8;
  }
  body.writeInt32BE(-1, p); // null key
  p += 4;
  body.writeInt32BE(value.length, p);
  value.copy(body, p + 4);
  const entry = Buffer.alloc(12 + body.length);
  entry.writeBigInt64BE(0n, 0);
  entry.writeInt32BE(body.length, 8);
  body.copy(entry, 12);
  return entry;
}

test('Kafka 4.0 produce check: v0/v1 message sets are INVALID_RECORD', () => {
  for (const magic of [0, 1] as const) {
    const set = legacyMessageSet(magic);
    assert.equal(recordsMagic(set), magic);
    const r = checkProduceRecords(9, set);
    assert.ok(!r.ok);
    assert.equal(r.errorCode, ErrorCode.INVALID_RECORD);
    assert.equal(r.message, 'Produce requests with version 9 are only allowed to contain record batches with magic version 2');
  }
  assert.deepEqual(checkProduceMagic(3, 0), {
    ok: false,
    errorCode: 87,
    message: 'Produce requests with version 3 are only allowed to contain record batches with magic version 2',
  });
  assert.equal(checkProduceMagic(3, 2), null);
});

test('Kafka 4.0 produce check: batch count, sizes, magic, zstd before v7', () => {
  const a = buildRecordBatch(records);
  const ok = checkProduceRecords(7, a);
  assert.ok(ok.ok);
  assert.equal(ok.batchBytes.length, a.length);
  assert.equal(ok.trailingBytes, 0);

  const none = (bytes: Buffer | null): void => {
    const r = checkProduceRecords(8, bytes);
    assert.ok(!r.ok);
    assert.equal(r.errorCode, ErrorCode.INVALID_RECORD);
    assert.equal(r.message, 'Produce requests with version 8 must have at least one record batch per partition');
  };
  none(null);
  none(Buffer.alloc(0));
  none(a.subarray(0, 11));
  none(a.subarray(0, a.length - 1));

  const two = checkProduceRecords(8, Buffer.concat([a, a]));
  assert.ok(!two.ok);
  assert.equal(two.errorCode, ErrorCode.INVALID_RECORD);
  assert.equal(two.message, 'Produce requests with version 8 are only allowed to contain exactly one record batch per partition');

  // A partial second batch is trimmed silently, as Kafka's log layer does.
  const tail = checkProduceRecords(8, Buffer.concat([a, a.subarray(0, 30)]));
  assert.ok(tail.ok);
  assert.equal(tail.batchBytes.length, a.length);
  assert.equal(tail.trailingBytes, 30);

  const tiny = Buffer.from(a);
  tiny.writeInt32BE(13, 8);
  const t = checkProduceRecords(8, tiny);
  assert.ok(!t.ok);
  assert.equal(t.errorCode, ErrorCode.CORRUPT_MESSAGE);
  assert.equal(t.message, 'Record size 13 is less than the minimum record overhead (14)');

  const magic3 = Buffer.from(a);
  magic3[16] = 3;
  const m = checkProduceRecords(8, magic3);
  assert.ok(!m.ok);
  assert.equal(m.errorCode, ErrorCode.CORRUPT_MESSAGE);
  assert.equal(m.message, 'Invalid magic found in record: 3');

  const zstd = buildRecordBatch(records, { compression: CompressionType.ZSTD });
  const z6 = checkProduceRecords(6, zstd);
  assert.ok(!z6.ok);
  assert.equal(z6.errorCode, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
  assert.equal(z6.message, 'Produce requests with version 6 are not allowed to use ZStandard compression');
  assert.ok(checkProduceRecords(7, zstd).ok);

  const old = checkProduceRecords(2, a);
  assert.ok(!old.ok);
  assert.equal(old.errorCode, ErrorCode.UNSUPPORTED_VERSION);
});

test('control record key and end-transaction marker value encode and decode', () => {
  const key = encodeControlRecordKey(ControlRecordType.COMMIT);
  assert.deepEqual([...key], [0, 0, 0, 1]);
  assert.deepEqual(decodeControlRecordKey(key), { version: 0, typeId: 1, type: ControlRecordType.COMMIT });
  assert.deepEqual(decodeControlRecordKey(encodeControlRecordKey(42)), { version: 0, typeId: 42, type: ControlRecordType.UNKNOWN });
  // Newer versions are read as version 0; extra bytes are ignored.
  assert.equal(decodeControlRecordKey(Buffer.from([0, 1, 0, 0, 9, 9])).type, ControlRecordType.ABORT);
  assert.throws(() => decodeControlRecordKey(Buffer.from([0, 0, 0])), DecodeError);
  assert.throws(() => decodeControlRecordKey(Buffer.from([0xff, 0xff, 0, 0])), DecodeError);
  assert.throws(() => decodeControlRecordKey(null), DecodeError);

  const value = encodeEndTxnMarkerValue(0x01020304);
  assert.deepEqual([...value], [0, 0, 1, 2, 3, 4]);
  assert.deepEqual(decodeEndTxnMarkerValue(value), { version: 0, coordinatorEpoch: 0x01020304 });
  assert.throws(() => decodeEndTxnMarkerValue(Buffer.alloc(5)), DecodeError);
  assert.throws(() => decodeEndTxnMarkerValue(Buffer.from([0x80, 0, 0, 0, 0, 0])), DecodeError);
});

test('transaction marker batches: valid CRC, Kafka header shape, parse back', () => {
  for (const type of [ControlRecordType.ABORT, ControlRecordType.COMMIT] as const) {
    const bytes = buildTransactionMarkerBatch({
      type,
      producerId: 4242n,
      producerEpoch: 5,
      coordinatorEpoch: 17,
      timestampMs: 1_700_000_000_123,
      baseOffset: 100n,
      partitionLeaderEpoch: 3,
    });
    const b = batchOf(bytes);
    assert.ok(b.isCrcValid());
    assert.equal(b.isControl, true);
    assert.equal(b.isTransactional, true);
    assert.equal(b.compression, CompressionType.NONE);
    assert.equal(b.timestampType, TimestampType.CREATE_TIME);
    assert.equal(b.producerId, 4242n);
    assert.equal(b.producerEpoch, 5);
    assert.equal(b.baseSequence, -1);
    assert.equal(b.recordCount, 1);
    assert.equal(b.lastOffsetDelta, 0);
    assert.equal(b.partitionLeaderEpoch, 3);
    assert.equal(b.baseTimestamp, 1_700_000_000_123n);
    assert.equal(b.maxTimestamp, 1_700_000_000_123n);
    // 61 header bytes + one record: length 1 + attrs 1 + ts 1 + offset 1 + key 1+4 + value 1+6 + headers 1.
    assert.equal(bytes.length, 78);
    assert.deepEqual(parseTransactionMarker(b), {
      type,
      coordinatorEpoch: 17,
      producerId: 4242n,
      producerEpoch: 5,
      offset: 100,
      timestamp: 1_700_000_000_123,
    });
    assert.equal(validateClientBatch(b)?.kind, 'INVALID_BASE_OFFSET');
  }
  // A data batch is not a marker.
  assert.throws(() => parseTransactionMarker(batchOf(buildRecordBatch(records))), DecodeError);
  // A control batch whose key is not a marker type is not a transaction marker.
  const leaderChange = buildRecordBatch(
    [{ key: encodeControlRecordKey(ControlRecordType.LEADER_CHANGE), value: Buffer.alloc(8), timestamp: 1 }],
    { control: true, transactional: true },
  );
  assert.throws(() => parseTransactionMarker(batchOf(leaderChange)), DecodeError);
});

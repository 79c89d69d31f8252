/**
 * Builds a v2 record batch from records. Sizes are computed first, so the uncompressed form is
 * written into one allocation of exactly the right size: the whole batch when uncompressed; the
 * records section when compressed, which is then compressed and copied once behind the header.
 *
 * Offsets: record i gets offsetDelta i; lastOffsetDelta = n - 1. Timestamps: baseTimestamp is the
 * first record's timestamp (as Kafka's producer does) and maxTimestamp the largest one; with
 * LOG_APPEND_TIME, maxTimestamp is `logAppendTimeMs`. A record without a timestamp gets
 * `timestampMs` from the options, else -1 (NO_TIMESTAMP); the builder never reads a clock.
 */
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../primitives/varint.js';
import { compress } from './compression/index.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_MASK,
  CONTROL_FLAG,
  CRC_OFFSET,
  CURRENT_MAGIC,
  CompressionType,
  isCompressionType,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_HEADER_SIZE,
  RECORD_COUNT_OFFSET,
  TIMESTAMP_TYPE_FLAG,
  TimestampType,
  TRANSACTIONAL_FLAG,
} from './record-batch.js';
import { crc32c } from './crc32c.js';

export interface RecordHeaderInput {
  readonly key: string;
  readonly value: Uint8Array | null;
}

export interface RecordInput {
  readonly key?: Uint8Array | null;
  readonly value?: Uint8Array | null;
  readonly headers?: readonly RecordHeaderInput[];
  /** Milliseconds since the epoch. */
  readonly timestamp?: number;
}

export interface BuildBatchOptions {
  /** Default 0 (what a producer sends; the broker assigns the real offset). */
  baseOffset?: bigint | number;
  /** Default -1 (producers send -1; the leader stamps its epoch). */
  partitionLeaderEpoch?: number;
  /** Default -1 (no producer id: not idempotent). */
  producerId?: bigint | number;
  /** Default -1. */
  producerEpoch?: number;
  /** Default -1. */
  baseSequence?: number;
  /** Default false. */
  transactional?: boolean;
  /** Control batch (transaction markers, KRaft control records); see control.ts. Default false. */
  control?: boolean;
  /** Default CREATE_TIME. */
  timestampType?: TimestampType;
  /** Required with LOG_APPEND_TIME: becomes maxTimestamp. */
  logAppendTimeMs?: number;
  /** Timestamp for records that carry none. Default -1 (NO_TIMESTAMP). */
  timestampMs?: number;
  /** Default NONE. */
  compression?: CompressionType;
  /** Codec-specific level; default Kafka's default for the codec. */
  compressionLevel?: number;
}

/** Largest batch the builder writes; also Java's array limit. */
const MAX_BATCH_BYTES = 2 ** 31 - 1;

function checkInt(value: number, min: number, max: number, what: string): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${what}: ${value} not in [${min}, ${max}]`);
  return value;
}

function toBigInt64(value: bigint | number, what: string): bigint {
  const v = typeof value === 'bigint' ? value : BigInt(checkInt(value, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, what));
  if (BigInt.asIntN(64, v) !== v) throw new RangeError(`${what}: ${value} does not fit in int64`);
  return v;
}

function checkTimestamp(value: number, what: string): number {
  return checkInt(value, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, what);
}

/** Builds one v2 batch holding `records` (at least one). Returns exactly the batch's bytes. */
export function buildRecordBatch(records: readonly RecordInput[], options: BuildBatchOptions = {}): Buffer {
  const count = records.length;
  if (count < 1) throw new RangeError('a record batch needs at least one record');
  const compression = options.compression ?? CompressionType.NONE;
  if (!isCompressionType(compression)) throw new RangeError(`compression: ${String(compression)}`);
  const timestampType = options.timestampType ?? TimestampType.CREATE_TIME;
  const defaultTimestamp = checkTimestamp(options.timestampMs ?? NO_TIMESTAMP, 'timestampMs');

  // Pass 1: timestamps and sizes. Per record: its body size; per header: its key's UTF-8 length.
  const baseTimestamp = checkTimestamp(records[0]!.timestamp ?? defaultTimestamp, 'timestamp');
  let maxTimestamp = NO_TIMESTAMP;
  const bodySizes = new Int32Array(count);
  const headerKeyBytes: number[] = [];
  let sectionBytes = 0;
  for (let i = 0; i < count; i++) {
    const record = records[i]!;
    const timestamp = checkTimestamp(record.timestamp ?? defaultTimestamp, 'timestamp');
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    let body = 1 + sizeOfVarlong(timestamp - baseTimestamp) + sizeOfVarint(i);
    const key = record.key ?? null;
    body += key === null ? 1 : sizeOfVarint(key.length) + key.length;
    const value = record.value ?? null;
    body += value === null ? 1 : sizeOfVarint(value.length) + value.length;
    const headers = record.headers;
    if (headers === undefined || headers.length === 0) {
      body += 1;
    } else {
      body += sizeOfVarint(headers.length);
      for (const header of headers) {
        const keyBytes = Buffer.byteLength(header.key, 'utf8');
        headerKeyBytes.push(keyBytes);
        body += sizeOfVarint(keyBytes) + keyBytes;
        body += header.value === null ? 1 : sizeOfVarint(header.value.length) + header.value.length;
      }
    }
    if (body > MAX_BATCH_BYTES) throw new RangeError(`record ${i} is too large`);
    bodySizes[i] = body;
    sectionBytes += sizeOfVarint(body) + body;
    if (sectionBytes > MAX_BATCH_BYTES - RECORD_BATCH_HEADER_SIZE) throw new RangeError('records too large for one batch');
  }
  if (timestampType === TimestampType.LOG_APPEND_TIME) {
    if (options.logAppendTimeMs === undefined) throw new RangeError('LOG_APPEND_TIME needs logAppendTimeMs');
    maxTimestamp = checkTimestamp(options.logAppendTimeMs, 'logAppendTimeMs');
  }

  // Pass 2: write the records, into the batch itself when uncompressed.
  const uncompressed = compression === CompressionType.NONE;
  const section = Buffer.allocUnsafe(uncompressed ? RECORD_BATCH_HEADER_SIZE + sectionBytes : sectionBytes);
  let pos = uncompressed ? RECORD_BATCH_HEADER_SIZE : 0;
  let headerIndex = 0;
  for (let i = 0; i < count; i++) {
    const record = records[i]!;
    pos = writeVarint(section, pos, bodySizes[i]!);
    const bodyStart = pos;
    section[pos++] = 0; // record attributes
    pos = writeVarlong(section, pos, (record.timestamp ?? defaultTimestamp) - baseTimestamp);
    pos = writeVarint(section, pos, i);
    pos = writeBytes(section, pos, record.key ?? null);
    pos = writeBytes(section, pos, record.value ?? null);
    const headers = record.headers;
    if (headers === undefined || headers.length === 0) {
      section[pos++] = 0;
    } else {
      pos = writeVarint(section, pos, headers.length);
      for (const header of headers) {
        const keyBytes = headerKeyBytes[headerIndex++]!;
        pos = writeVarint(section, pos, keyBytes);
        pos += section.write(header.key, pos, keyBytes, 'utf8');
        pos = writeBytes(section, pos, header.value);
      }
    }
    if (pos - bodyStart !== bodySizes[i]) throw new Error(`builder: record ${i} wrote ${pos - bodyStart} bytes, sized ${bodySizes[i]}`);
  }
  if (pos !== section.length) throw new Error(`builder: wrote ${pos} bytes of ${section.length}`);

  let batch: Buffer;
  if (uncompressed) {
    batch = section;
  } else {
    const compressed = compress(compression, section, options.compressionLevel);
    if (compressed.length > MAX_BATCH_BYTES - RECORD_BATCH_HEADER_SIZE) throw new RangeError('compressed records too large for one batch');
    batch = Buffer.allocUnsafe(RECORD_BATCH_HEADER_SIZE + compressed.length);
    compressed.copy(batch, RECORD_BATCH_HEADER_SIZE);
  }

  let attributes = compression & COMPRESSION_MASK;
  if (timestampType === TimestampType.LOG_APPEND_TIME) attributes |= TIMESTAMP_TYPE_FLAG;
  if (options.transactional) attributes |= TRANSACTIONAL_FLAG;
  if (options.control) attributes |= CONTROL_FLAG;

  batch.writeBigInt64BE(toBigInt64(options.baseOffset ?? 0, 'baseOffset'), BASE_OFFSET_OFFSET);
  batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  batch.writeInt32BE(checkInt(options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, -(2 ** 31), 2 ** 31 - 1, 'partitionLeaderEpoch'), PARTITION_LEADER_EPOCH_OFFSET);
  batch.writeInt8(CURRENT_MAGIC, MAGIC_OFFSET);
  batch.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  batch.writeInt32BE(count - 1, LAST_OFFSET_DELTA_OFFSET);
  batch.writeBigInt64BE(BigInt(baseTimestamp), BASE_TIMESTAMP_OFFSET);
  batch.writeBigInt64BE(BigInt(maxTimestamp), MAX_TIMESTAMP_OFFSET);
  batch.writeBigInt64BE(toBigInt64(options.producerId ?? NO_PRODUCER_ID, 'producerId'), PRODUCER_ID_OFFSET);
  batch.writeInt16BE(checkInt(options.producerEpoch ?? NO_PRODUCER_EPOCH, -(2 ** 15), 2 ** 15 - 1, 'producerEpoch'), PRODUCER_EPOCH_OFFSET);
  batch.writeInt32BE(checkInt(options.baseSequence ?? NO_SEQUENCE, -(2 ** 31), 2 ** 31 - 1, 'baseSequence'), BASE_SEQUENCE_OFFSET);
  batch.writeInt32BE(count, RECORD_COUNT_OFFSET);
  batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  return batch;
}

function writeBytes(buf: Buffer, pos: number, bytes: Uint8Array | null): number {
  if (bytes === null) {
    buf[pos] = 1; // zigzag(-1)
    return pos + 1;
  }
  pos = writeVarint(buf, pos, bytes.length);
  buf.set(bytes, pos);
  return pos + bytes.length;
}

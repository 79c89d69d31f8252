/**
 * Decodes the records of a v2 batch, decompressing the records section first when the batch is
 * compressed. Records are yielded one at a time; keys, values and header values are subarrays of
 * the batch (or of the one decompressed buffer): nothing is copied.
 *
 * Record layout (inside the records section, Kafka's DefaultRecord):
 *   length varint (of the rest), attributes int8, timestampDelta varlong, offsetDelta varint,
 *   keyLength varint (-1 = null), key, valueLength varint (-1 = null), value,
 *   headerCount varint, headers: [keyLength varint, key (UTF-8), valueLength varint (-1 = null), value]
 *
 * Numbers: `offset` and `timestamp` are JavaScript numbers (DESIGN §4: bigint at the wire, number
 * where safe). The one conversion happens per batch: baseOffset and the timestamps are converted
 * once and must be safe integers (a base offset within 2^31 of 2^53 is a DecodeError; offsets
 * never get there in practice). Record deltas are int32 / safe varlongs.
 *
 * Malformed input always throws DecodeError: every length is checked against the bytes left in
 * its record before use, a record must consume exactly its declared length, the batch must hold
 * exactly recordCount records and nothing after them, and nothing is allocated in proportion to a
 * declared count (a header count or record count is only ever a loop bound, and every iteration
 * consumes at least one byte or throws). Decompression is bounded by `maxUncompressedBytes`.
 *
 * As in Kafka, a LOG_APPEND_TIME batch gives every record the batch's maxTimestamp.
 */
import { DecodeError } from '../primitives/decode-error.js';
import { readVarint, readVarlongNumber } from '../primitives/varint.js';
import { decompress } from './compression/index.js';
import { CompressionType, RECORD_BATCH_HEADER_SIZE, TimestampType, type RecordBatch } from './record-batch.js';

export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

export interface KafkaRecord {
  /** Absolute offset: baseOffset + offsetDelta. */
  readonly offset: number;
  readonly offsetDelta: number;
  /** Absolute timestamp in ms: baseTimestamp + timestampDelta (maxTimestamp for LOG_APPEND_TIME). */
  readonly timestamp: number;
  readonly timestampDelta: number;
  /** Record attributes (unused by Kafka so far, always 0 from its producer). */
  readonly attributes: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Shared frozen empty array when the record has no headers. */
  readonly headers: readonly RecordHeader[];
}

export interface ReadRecordsOptions {
  /** Upper bound of the decompressed records section, in bytes (decompression-bomb guard). */
  maxUncompressedBytes: number;
}

const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);
/** attributes + timestampDelta + offsetDelta + keyLength + valueLength + headerCount, 1 byte each. */
const MIN_RECORD_BODY_BYTES = 6;
/** A header is at least a key length and a value length. */
const MIN_HEADER_BYTES = 2;
/** Base offsets beyond this could overflow 2^53 when an int32 delta is added. */
const MAX_BASE_OFFSET = Number.MAX_SAFE_INTEGER - 2 ** 31;

/**
 * The records section of `batch`, decompressed if the batch is compressed (no copy when it is
 * not). Throws DecodeError for a malformed or over-limit compressed section.
 */
export function uncompressedRecords(batch: RecordBatch, options: ReadRecordsOptions): Buffer {
  const section = batch.bytes.subarray(RECORD_BATCH_HEADER_SIZE);
  const compression = batch.compression;
  if (compression === CompressionType.NONE || section.length === 0) return section;
  return decompress(compression, section, options.maxUncompressedBytes);
}

function toSafeNumber(value: bigint, what: string, limit: number): number {
  if (value > BigInt(limit) || value < BigInt(-limit)) {
    throw new DecodeError(`${what} ${value} is outside the range this decoder handles as a number`, 0);
  }
  return Number(value);
}

/**
 * Iterator over the records of one batch. Create with `recordsOf`. Throws DecodeError from
 * `next()` at the first malformed record.
 */
export class RecordIterator implements IterableIterator<KafkaRecord> {
  private readonly data: Buffer;
  private readonly end: number;
  private readonly count: number;
  private readonly baseOffset: number;
  private readonly baseTimestamp: number;
  private readonly logAppendTime: number | null;
  private pos = 0;
  private index = 0;
  private finished = false;

  constructor(batch: RecordBatch, options: ReadRecordsOptions) {
    this.count = batch.recordCount;
    if (this.count < 0) throw new DecodeError(`negative record count ${this.count}`, 57);
    this.data = uncompressedRecords(batch, options);
    this.end = this.data.length;
    this.baseOffset = toSafeNumber(batch.baseOffset, 'baseOffset', MAX_BASE_OFFSET);
    this.baseTimestamp = toSafeNumber(batch.baseTimestamp, 'baseTimestamp', Number.MAX_SAFE_INTEGER);
    this.logAppendTime =
      batch.timestampType === TimestampType.LOG_APPEND_TIME
        ? toSafeNumber(batch.maxTimestamp, 'maxTimestamp', Number.MAX_SAFE_INTEGER)
        : null;
  }

  [Symbol.iterator](): RecordIterator {
    return this;
  }

  next(): IteratorResult<KafkaRecord, undefined> {
    if (this.index >= this.count) {
      if (!this.finished) {
        this.finished = true;
        if (this.pos !== this.end) {
          throw new DecodeError(`${this.end - this.pos} bytes left after the batch's ${this.count} records`, this.pos);
        }
      }
      return { done: true, value: undefined };
    }
    const buf = this.data;
    const recordStart = this.pos;
    const bodySize = this.varint(this.end);
    if (bodySize < MIN_RECORD_BODY_BYTES || bodySize > this.end - this.pos) {
      throw new DecodeError(`record ${this.index}: invalid record size ${bodySize} (${this.end - this.pos} bytes left)`, recordStart);
    }
    const bodyEnd = this.pos + bodySize;
    const attributes = buf[this.pos++]!;
    const timestampDelta = this.varlong(bodyEnd);
    const offsetDelta = this.varint(bodyEnd);
    const key = this.bytes(bodyEnd, 'key');
    const value = this.bytes(bodyEnd, 'value');
    const headerCount = this.varint(bodyEnd);
    let headers = NO_HEADERS;
    if (headerCount !== 0) {
      if (headerCount < 0 || headerCount > (bodyEnd - this.pos) / MIN_HEADER_BYTES) {
        throw new DecodeError(`record ${this.index}: invalid header count ${headerCount}`, this.pos);
      }
      const list: RecordHeader[] = [];
      for (let i = 0; i < headerCount; i++) {
        const keyLength = this.varint(bodyEnd);
        if (keyLength < 0 || keyLength > bodyEnd - this.pos) {
          throw new DecodeError(`record ${this.index}: invalid header key length ${keyLength}`, this.pos);
        }
        const headerKey = buf.toString('utf8', this.pos, this.pos + keyLength);
        this.pos += keyLength;
        list.push({ key: headerKey, value: this.bytes(bodyEnd, 'header value') });
      }
      headers = list;
    }
    if (this.pos !== bodyEnd) {
      throw new DecodeError(`record ${this.index}: expected to read ${bodySize} bytes, read ${bodySize - (bodyEnd - this.pos)}`, this.pos);
    }
    this.index++;
    return {
      done: false,
      value: {
        offset: this.baseOffset + offsetDelta,
        offsetDelta,
        timestamp: this.logAppendTime ?? this.baseTimestamp + timestampDelta,
        timestampDelta,
        attributes,
        key,
        value,
        headers,
      },
    };
  }

  /** Zigzag varint at pos (single-byte fast path, else varint.ts); advances pos. */
  private varint(end: number): number {
    const pos = this.pos;
    if (pos < end) {
      const b = this.data[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return (b >>> 1) ^ -(b & 1);
      }
    }
    const d = readVarint(this.data, pos, end);
    this.pos = d.next;
    return d.value;
  }

  /** Zigzag varlong at pos as a safe-integer number; advances pos. */
  private varlong(end: number): number {
    const pos = this.pos;
    if (pos < end) {
      const b = this.data[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return (b >>> 1) ^ -(b & 1);
      }
    }
    const d = readVarlongNumber(this.data, pos, end);
    this.pos = d.next;
    return d.value;
  }

  /** A varint length (-1 = null) and that many bytes, as a subarray; advances pos. */
  private bytes(end: number, what: string): Buffer | null {
    const length = this.varint(end);
    if (length === -1) return null;
    if (length < -1 || length > end - this.pos) {
      throw new DecodeError(`record ${this.index}: invalid ${what} length ${length}`, this.pos);
    }
    const start = this.pos;
    this.pos = start + length;
    return this.data.subarray(start, this.pos);
  }
}

/** Iterates the records of `batch` (decompressing it first if needed). */
export function recordsOf(batch: RecordBatch, options: ReadRecordsOptions): RecordIterator {
  return new RecordIterator(batch, options);
}

/** All records of `batch` in an array (grown one record at a time, never pre-sized by the count). */
export function readRecords(batch: RecordBatch, options: ReadRecordsOptions): KafkaRecord[] {
  const out: KafkaRecord[] = [];
  for (const record of new RecordIterator(batch, options)) out.push(record);
  return out;
}

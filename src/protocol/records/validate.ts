/**
 * Validation of one v2 record batch, as errors-as-values: a result that either holds the batch
 * view or names the problem, with the Kafka error code a broker answers with and Kafka's message
 * text where Kafka has one.
 *
 *  - validateRecordBatch: the structure (what Kafka's DefaultRecordBatch.ensureValid and its batch
 *    iterator check): enough bytes, magic 2, declared size >= 61 and within the buffer, CRC32C,
 *    a known codec, sane lastOffsetDelta / recordCount. All CORRUPT_MESSAGE except the magic.
 *  - validateClientBatch: the extra rules Kafka's LogValidator.validateBatch applies to batches
 *    from producers (origin CLIENT): baseOffset 0, count == lastOffsetDelta + 1 > 0, no control
 *    batches, a sequence with a producer id. All INVALID_RECORD, Kafka 4.0's messages.
 *
 * Neither decompresses or decodes records: that is the record iterator's job, and the broker
 * only pays for it when it must.
 */
import { ErrorCode } from '../errors.js';
import {
  CURRENT_MAGIC,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  RECORD_BATCH_HEADER_SIZE,
  RecordBatch,
  CompressionType,
  isCompressionType,
} from './record-batch.js';

/** Smallest possible record: length varint + attributes + 2 delta varints + key/value lengths + header count. */
export const MIN_RECORD_BYTES = 7;

export type BatchProblemKind =
  | 'TRUNCATED' // fewer bytes than the header or than batchLength declares
  | 'BATCH_TOO_SMALL' // batchLength + 12 < 61
  | 'UNSUPPORTED_MAGIC' // magic != 2
  | 'CRC_MISMATCH'
  | 'UNKNOWN_COMPRESSION' // codec id 5-7
  | 'INVALID_LAST_OFFSET_DELTA'
  | 'INVALID_RECORD_COUNT'
  | 'INVALID_BASE_OFFSET' // client batch with baseOffset != 0
  | 'INVALID_OFFSET_RANGE' // client batch: lastOffsetDelta + 1 <= 0
  | 'INCONSISTENT_RECORD_COUNT' // client batch: count != lastOffsetDelta + 1
  | 'CONTROL_BATCH_FROM_CLIENT'
  | 'INVALID_SEQUENCE';

export interface BatchProblem {
  readonly kind: BatchProblemKind;
  /** The Kafka error code for this problem (CORRUPT_MESSAGE, INVALID_RECORD). */
  readonly errorCode: number;
  /** Human-readable reason; Kafka's exception text where Kafka has one. */
  readonly message: string;
}

export type BatchValidation = { readonly ok: true; readonly batch: RecordBatch } | { readonly ok: false; readonly problem: BatchProblem };

export interface ValidateOptions {
  /** Verify the CRC32C (default true). */
  verifyCrc?: boolean;
}

function fail(kind: BatchProblemKind, errorCode: number, message: string): BatchValidation {
  return { ok: false, problem: { kind, errorCode, message } };
}

/**
 * Validates the v2 batch that starts at the beginning of `bytes`. On success the view covers
 * exactly the batch's declared size (a subarray of `bytes`, no copy); bytes after it are left for
 * the caller (see splitRecordBatches).
 */
export function validateRecordBatch(bytes: Buffer, options: ValidateOptions = {}): BatchValidation {
  const available = bytes.length;
  if (available < LOG_OVERHEAD) {
    return fail('TRUNCATED', ErrorCode.CORRUPT_MESSAGE, `Record batch is truncated: ${available} bytes, the log overhead alone is ${LOG_OVERHEAD}`);
  }
  const size = bytes.readInt32BE(8) + LOG_OVERHEAD;
  if (available > MAGIC_OFFSET) {
    const magic = bytes.readInt8(MAGIC_OFFSET);
    if (magic !== CURRENT_MAGIC) {
      return fail('UNSUPPORTED_MAGIC', ErrorCode.INVALID_RECORD, `Record batch has magic ${magic}; only magic ${CURRENT_MAGIC} (message format v2) is supported`);
    }
  }
  if (size < RECORD_BATCH_HEADER_SIZE) {
    return fail('BATCH_TOO_SMALL', ErrorCode.CORRUPT_MESSAGE, `Record batch is corrupt (the size ${size} is smaller than the minimum allowed overhead ${RECORD_BATCH_HEADER_SIZE})`);
  }
  if (size > available) {
    return fail('TRUNCATED', ErrorCode.CORRUPT_MESSAGE, `Record batch is truncated: it declares ${size} bytes but only ${available} are present`);
  }
  const batch = new RecordBatch(size === available ? bytes : bytes.subarray(0, size));
  if (options.verifyCrc !== false) {
    const stored = batch.crc;
    const computed = batch.computeCrc();
    if (stored !== computed) {
      return fail('CRC_MISMATCH', ErrorCode.CORRUPT_MESSAGE, `Record batch is corrupt (stored crc = ${stored}, computed crc = ${computed})`);
    }
  }
  const compression = batch.compression;
  if (!isCompressionType(compression)) {
    return fail('UNKNOWN_COMPRESSION', ErrorCode.CORRUPT_MESSAGE, `Unknown compression type id: ${compression}`);
  }
  const lastOffsetDelta = batch.lastOffsetDelta;
  if (lastOffsetDelta < 0) {
    return fail('INVALID_LAST_OFFSET_DELTA', ErrorCode.CORRUPT_MESSAGE, `Record batch has a negative lastOffsetDelta ${lastOffsetDelta}`);
  }
  const count = batch.recordCount;
  if (count < 0) {
    return fail('INVALID_RECORD_COUNT', ErrorCode.CORRUPT_MESSAGE, `Record batch has a negative record count ${count}`);
  }
  // Compaction can leave fewer records than offsets, never more.
  if (count > lastOffsetDelta + 1) {
    return fail('INVALID_RECORD_COUNT', ErrorCode.CORRUPT_MESSAGE, `Record batch claims ${count} records in an offset range of ${lastOffsetDelta + 1}`);
  }
  if (compression === CompressionType.NONE && count > (size - RECORD_BATCH_HEADER_SIZE) / MIN_RECORD_BYTES) {
    return fail('INVALID_RECORD_COUNT', ErrorCode.CORRUPT_MESSAGE, `Record batch claims ${count} records but has only ${size - RECORD_BATCH_HEADER_SIZE} bytes of records`);
  }
  if (compression !== CompressionType.NONE && count > 0 && size === RECORD_BATCH_HEADER_SIZE) {
    return fail('INVALID_RECORD_COUNT', ErrorCode.CORRUPT_MESSAGE, `Compressed record batch claims ${count} records but has no records section`);
  }
  return { ok: true, batch };
}

/**
 * Kafka's LogValidator.validateBatch rules for a v2 batch from a producer (checked after
 * validateRecordBatch). Returns null when the batch passes. `topicPartition` ("topic-0") is
 * appended to the messages as Kafka 4.0 does.
 */
export function validateClientBatch(batch: RecordBatch, topicPartition?: string): BatchProblem | null {
  const inTp = topicPartition === undefined ? '' : ` in topic partition ${topicPartition}`;
  const toTp = topicPartition === undefined ? '' : ` to ${topicPartition}`;
  const baseOffset = batch.baseOffset;
  if (baseOffset !== 0n) {
    return {
      kind: 'INVALID_BASE_OFFSET',
      errorCode: ErrorCode.INVALID_RECORD,
      message: `The baseOffset of the record batch in the append${toTp} should be 0, but it is ${baseOffset}`,
    };
  }
  const lastOffset = batch.lastOffset;
  const countFromOffsets = lastOffset - baseOffset + 1n;
  if (countFromOffsets <= 0n) {
    return {
      kind: 'INVALID_OFFSET_RANGE',
      errorCode: ErrorCode.INVALID_RECORD,
      message: `Batch has an invalid offset range: [${baseOffset}, ${lastOffset}]${inTp}`,
    };
  }
  const count = batch.recordCount;
  if (count <= 0) {
    return {
      kind: 'INVALID_RECORD_COUNT',
      errorCode: ErrorCode.INVALID_RECORD,
      message: `Invalid reported count for record batch: ${count}${inTp}`,
    };
  }
  if (countFromOffsets !== BigInt(count)) {
    return {
      kind: 'INCONSISTENT_RECORD_COUNT',
      errorCode: ErrorCode.INVALID_RECORD,
      message: `Inconsistent batch offset range [${baseOffset}, ${lastOffset}] and count of records ${count}${inTp}`,
    };
  }
  if (batch.isControl) {
    return {
      kind: 'CONTROL_BATCH_FROM_CLIENT',
      errorCode: ErrorCode.INVALID_RECORD,
      message: `Clients are not allowed to write control records${inTp}`,
    };
  }
  if (batch.hasProducerId && batch.baseSequence < 0) {
    return {
      kind: 'INVALID_SEQUENCE',
      errorCode: ErrorCode.INVALID_RECORD,
      message: `Invalid sequence number ${batch.baseSequence} in record batch with producerId ${batch.producerId}${inTp}`,
    };
  }
  return null;
}

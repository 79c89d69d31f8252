/**
 * The first check a Produce request's `records` field gets, exactly as Kafka 4.0 does it
 * (ProduceRequest.validateRecords, called per partition from KafkaApis.handleProduceRequest, on
 * top of ByteBufferLogInputStream's batch walk):
 *
 *  1. Walk to the first batch. Fewer than 12 bytes, or fewer than the size field announces: there
 *     is no batch -> INVALID_RECORD "Produce requests with version V must have at least one record
 *     batch per partition". A size field below 14 (the v0 record overhead) -> CORRUPT_MESSAGE
 *     "Record size N is less than the minimum record overhead (14)". With at least 17 bytes, a
 *     magic byte outside 0..2 -> CORRUPT_MESSAGE "Invalid magic found in record: M".
 *  2. Magic 0 or 1 (message format v0/v1; Kafka 4.0 dropped them, KIP-724/KIP-896) ->
 *     INVALID_RECORD "Produce requests with version V are only allowed to contain record batches
 *     with magic version 2".
 *  3. zstd before Produce v7 -> UNSUPPORTED_COMPRESSION_TYPE "Produce requests with version V are
 *     not allowed to use ZStandard compression".
 *  4. A second complete batch -> INVALID_RECORD "Produce requests with version V are only allowed
 *     to contain exactly one record batch per partition". (Walking to it applies step 1's
 *     CORRUPT_MESSAGE checks to its header too.)
 *
 * Kafka turns these exceptions into the partition's error code with
 * `new PartitionResponse(Errors.forException(e))`, so the response carries the code and a NULL
 * error_message: the text is only in Kafka's logs. `message` below is that text, for our logs.
 *
 * An incomplete batch after the first one is not an error in Kafka: the iterator ends there and
 * UnifiedLog.append trims the invalid tail before appending. The result reports it as
 * `trailingBytes`; appending `batch` (the first batch's bytes only) does the same trimming.
 * The batch itself is NOT validated here (CRC, sizes): run validateRecordBatch and
 * validateClientBatch next, as Kafka's log layer does.
 */
import { ErrorCode } from '../errors.js';
import { CompressionType, CURRENT_MAGIC, LOG_OVERHEAD, MAGIC_OFFSET } from './record-batch.js';

/** Kafka's LegacyRecord.RECORD_OVERHEAD_V0: the smallest size field any message format allows. */
export const MIN_RECORD_SIZE_FIELD = 14;
/** Bytes up to and including the magic byte. */
const HEADER_SIZE_UP_TO_MAGIC = MAGIC_OFFSET + 1;
/** Produce v7 introduced zstd (KIP-110). */
export const MIN_PRODUCE_VERSION_FOR_ZSTD = 7;
/** Kafka 4.0 serves Produce v3 and later only (KIP-896). */
export const MIN_PRODUCE_VERSION = 3;

export interface ProduceRecordsError {
  readonly ok: false;
  readonly errorCode: number;
  /** Kafka's exception text (Kafka logs it; its response has error_message null). */
  readonly message: string;
}

export interface ProduceRecordsOk {
  readonly ok: true;
  /** The first (only) batch's bytes, a subarray of the input. Not yet validated. */
  readonly batchBytes: Buffer;
  /** Bytes of an incomplete batch after it, which Kafka trims silently. */
  readonly trailingBytes: number;
}

export type ProduceRecordsCheck = ProduceRecordsOk | ProduceRecordsError;

type NextBatch = { size: number } | { size: null } | ProduceRecordsError;

/** Kafka's ByteBufferLogInputStream.nextBatchSize + the completeness test of nextBatch. */
function nextBatch(records: Buffer, pos: number): NextBatch {
  const remaining = records.length - pos;
  if (remaining < LOG_OVERHEAD) return { size: null };
  const recordSize = records.readInt32BE(pos + 8);
  if (recordSize < MIN_RECORD_SIZE_FIELD) {
    return {
      ok: false,
      errorCode: ErrorCode.CORRUPT_MESSAGE,
      message: `Record size ${recordSize} is less than the minimum record overhead (${MIN_RECORD_SIZE_FIELD})`,
    };
  }
  if (remaining < HEADER_SIZE_UP_TO_MAGIC) return { size: null };
  const magic = records.readInt8(pos + MAGIC_OFFSET);
  if (magic < 0 || magic > CURRENT_MAGIC) {
    return { ok: false, errorCode: ErrorCode.CORRUPT_MESSAGE, message: `Invalid magic found in record: ${magic}` };
  }
  const size = recordSize + LOG_OVERHEAD;
  return remaining < size ? { size: null } : { size };
}

/**
 * Kafka 4.0's answer to a v0/v1 (or any non-v2) batch in a Produce request: INVALID_RECORD, with
 * this message in the broker log. Returns null for magic 2.
 */
export function checkProduceMagic(produceVersion: number, magic: number): ProduceRecordsError | null {
  if (magic === CURRENT_MAGIC) return null;
  return {
    ok: false,
    errorCode: ErrorCode.INVALID_RECORD,
    message: `Produce requests with version ${produceVersion} are only allowed to contain record batches with magic version 2`,
  };
}

/** Runs Kafka 4.0's per-partition Produce records check (see the module comment). */
export function checkProduceRecords(produceVersion: number, records: Buffer | null): ProduceRecordsCheck {
  if (produceVersion < MIN_PRODUCE_VERSION) {
    return { ok: false, errorCode: ErrorCode.UNSUPPORTED_VERSION, message: `Produce request version ${produceVersion} is not supported` };
  }
  const bytes = records ?? Buffer.alloc(0);
  const first = nextBatch(bytes, 0);
  if ('ok' in first) return first;
  if (first.size === null) {
    return {
      ok: false,
      errorCode: ErrorCode.INVALID_RECORD,
      message: `Produce requests with version ${produceVersion} must have at least one record batch per partition`,
    };
  }
  const magicProblem = checkProduceMagic(produceVersion, bytes.readInt8(MAGIC_OFFSET));
  if (magicProblem !== null) return magicProblem;
  // attributes (int16 at 21) lie inside a complete v2 batch of at least 26 bytes (size field >= 14).
  if (produceVersion < MIN_PRODUCE_VERSION_FOR_ZSTD && (bytes.readInt16BE(21) & 0x07) === CompressionType.ZSTD) {
    return {
      ok: false,
      errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      message: `Produce requests with version ${produceVersion} are not allowed to use ZStandard compression`,
    };
  }
  const second = nextBatch(bytes, first.size);
  if ('ok' in second) return second;
  if (second.size !== null) {
    return {
      ok: false,
      errorCode: ErrorCode.INVALID_RECORD,
      message: `Produce requests with version ${produceVersion} are only allowed to contain exactly one record batch per partition`,
    };
  }
  return {
    ok: true,
    batchBytes: first.size === bytes.length ? bytes : bytes.subarray(0, first.size),
    trailingBytes: bytes.length - first.size,
  };
}

/**
 * Walks a `records` byte blob (the Produce / Fetch field, or a byte range of a log segment) into
 * v2 batches, validating each one (validateRecordBatch), without copying: every batch is a
 * subarray of the input.
 *
 * Two modes, for the two places a blob comes from:
 *  - 'strict': every byte must belong to a complete, valid batch; a truncated trailing batch is a
 *    problem (TRUNCATED, CORRUPT_MESSAGE). For data we are about to store or that we wrote.
 *  - 'partial-tail': a fetch response may end in a partial batch (the broker cuts at the byte
 *    limit; consumers skip it); it is not an error. Its size is reported as `partialTailBytes`.
 *    Only an incomplete batch counts as a partial tail: a complete batch that fails validation is
 *    still a problem.
 *
 * The walk is bounded by `maxBatches` (and by the input: a batch is at least 61 bytes).
 * For a Produce request use checkProduceRecords (produce-check.ts), which follows Kafka's
 * one-batch-per-partition rule and its exact error codes.
 */
import { ErrorCode } from '../errors.js';
import { LOG_OVERHEAD, RECORD_BATCH_HEADER_SIZE, type RecordBatch } from './record-batch.js';
import { validateRecordBatch, type BatchProblem } from './validate.js';

export type SplitMode = 'strict' | 'partial-tail';

export interface SplitOptions {
  mode: SplitMode;
  /** Upper bound of batches returned; more is a problem (TOO_MANY_BATCHES). */
  maxBatches: number;
  /** Verify each batch's CRC32C (default true). */
  verifyCrc?: boolean;
}

export type SplitProblem = BatchProblem | { readonly kind: 'TOO_MANY_BATCHES'; readonly errorCode: number; readonly message: string };

export type SplitResult =
  | {
      readonly ok: true;
      readonly batches: RecordBatch[];
      /** Bytes of an incomplete batch at the end ('partial-tail' mode only; 0 otherwise). */
      readonly partialTailBytes: number;
    }
  | {
      readonly ok: false;
      readonly problem: SplitProblem;
      /** Byte offset in the input of the batch that failed. */
      readonly atByte: number;
      /** The valid batches before it. */
      readonly batches: RecordBatch[];
    };

export function splitRecordBatches(records: Buffer, options: SplitOptions): SplitResult {
  if (!Number.isInteger(options.maxBatches) || options.maxBatches < 0) throw new RangeError(`maxBatches: ${options.maxBatches}`);
  const batches: RecordBatch[] = [];
  const length = records.length;
  let pos = 0;
  while (pos < length) {
    const remaining = length - pos;
    // An incomplete batch: not even the size is there, or fewer bytes than the size announces.
    // A size below the header size is corruption, not truncation, and falls through to validation.
    if (options.mode === 'partial-tail') {
      if (remaining < LOG_OVERHEAD) return { ok: true, batches, partialTailBytes: remaining };
      const size = records.readInt32BE(pos + 8) + LOG_OVERHEAD;
      if (size >= RECORD_BATCH_HEADER_SIZE && size > remaining) return { ok: true, batches, partialTailBytes: remaining };
    }
    if (batches.length === options.maxBatches) {
      return {
        ok: false,
        atByte: pos,
        batches,
        problem: { kind: 'TOO_MANY_BATCHES', errorCode: ErrorCode.CORRUPT_MESSAGE, message: `more than ${options.maxBatches} record batches` },
      };
    }
    const result = validateRecordBatch(pos === 0 && length === remaining ? records : records.subarray(pos), {
      verifyCrc: options.verifyCrc !== false,
    });
    if (!result.ok) return { ok: false, atByte: pos, batches, problem: result.problem };
    batches.push(result.batch);
    pos += result.batch.bytes.length;
  }
  return { ok: true, batches, partialTailBytes: 0 };
}

/** Magic byte of the first batch / message set entry in `records` (byte 16), or -1 if too short. */
export function recordsMagic(records: Uint8Array): number {
  if (records.length <= 16) return -1;
  const b = records[16]!;
  return b > 127 ? b - 256 : b;
}

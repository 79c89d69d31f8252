/**
 * RecordBatch v2 (message format "magic 2", KIP-98) as a view over the batch's bytes: every header
 * field has a getter and an in-place setter; nothing is copied or decoded up front. This is what the
 * broker's produce path uses to validate a batch and stamp baseOffset / partitionLeaderEpoch into it
 * before appending the unchanged bytes to the log.
 *
 * Layout (big-endian), byte offsets from the start of the batch:
 *
 *   0  baseOffset            int64
 *   8  batchLength           int32   bytes after this field (sizeInBytes - 12)
 *  12  partitionLeaderEpoch  int32
 *  16  magic                 int8    = 2
 *  17  crc                   uint32  CRC32C of bytes 21..end
 *  21  attributes            int16   bits 0-2 compression, 3 timestampType, 4 transactional,
 *                                    5 control, 6 delete horizon (KIP-534)
 *  23  lastOffsetDelta       int32
 *  27  baseTimestamp         int64
 *  35  maxTimestamp          int64
 *  43  producerId            int64
 *  51  producerEpoch         int16
 *  53  baseSequence          int32
 *  57  recordCount           int32
 *  61  records ...           (compressed as a whole when the codec is not NONE)
 *
 * baseOffset, batchLength, partitionLeaderEpoch and magic lie before the CRC'd range, so writing
 * baseOffset and partitionLeaderEpoch never invalidates the CRC. Setters of fields from
 * `attributes` on do NOT recompute the CRC (so several fields can be set at once); call
 * `updateCrc()` afterwards.
 *
 * int64 fields are bigint (the wire type). Setters also take a number, which must be a safe
 * integer.
 */
import { DecodeError } from '../primitives/decode-error.js';
import { crc32c } from './crc32c.js';

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORD_COUNT_OFFSET = 57;
/** Size of the v2 batch header; the records start here. Kafka's RECORD_BATCH_OVERHEAD. */
export const RECORD_BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the bytes not counted by batchLength. Kafka's LOG_OVERHEAD. */
export const LOG_OVERHEAD = 12;
export const CURRENT_MAGIC = 2;

/** Codec ids in attributes bits 0-2. */
export const CompressionType = {
  NONE: 0,
  GZIP: 1,
  SNAPPY: 2,
  LZ4: 3,
  ZSTD: 4,
} as const;
export type CompressionType = (typeof CompressionType)[keyof typeof CompressionType];

export function isCompressionType(id: number): id is CompressionType {
  return Number.isInteger(id) && id >= 0 && id <= 4;
}

export function compressionName(id: number): string {
  return ['none', 'gzip', 'snappy', 'lz4', 'zstd'][id] ?? `unknown(${id})`;
}

/** attributes bit 3. */
export const TimestampType = {
  CREATE_TIME: 0,
  LOG_APPEND_TIME: 1,
} as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_FLAG = 0x08;
export const TRANSACTIONAL_FLAG = 0x10;
export const CONTROL_FLAG = 0x20;
export const DELETE_HORIZON_FLAG = 0x40;

/** Sentinels used in the header. */
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_TIMESTAMP = -1;

function toInt64(value: bigint | number, field: string): bigint {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError(`${field}: ${value} is not a safe integer`);
    return BigInt(value);
  }
  if (value !== BigInt.asIntN(64, value)) throw new RangeError(`${field}: ${value} does not fit in int64`);
  return value;
}

/**
 * A view over one v2 record batch. `bytes` should be exactly the batch (as `validateRecordBatch`
 * and `splitRecordBatches` return it); the constructor only requires the 61 header bytes, so a
 * malformed batch can still be inspected.
 */
export class RecordBatch {
  readonly bytes: Buffer;

  constructor(bytes: Buffer) {
    if (bytes.length < RECORD_BATCH_HEADER_SIZE) {
      throw new DecodeError(
        `record batch needs at least ${RECORD_BATCH_HEADER_SIZE} header bytes, got ${bytes.length}`,
        bytes.length,
      );
    }
    this.bytes = bytes;
  }

  get baseOffset(): bigint {
    return this.bytes.readBigInt64BE(BASE_OFFSET_OFFSET);
  }
  set baseOffset(value: bigint | number) {
    this.bytes.writeBigInt64BE(toInt64(value, 'baseOffset'), BASE_OFFSET_OFFSET);
  }

  get batchLength(): number {
    return this.bytes.readInt32BE(BATCH_LENGTH_OFFSET);
  }
  set batchLength(value: number) {
    this.bytes.writeInt32BE(value, BATCH_LENGTH_OFFSET);
  }

  get partitionLeaderEpoch(): number {
    return this.bytes.readInt32BE(PARTITION_LEADER_EPOCH_OFFSET);
  }
  set partitionLeaderEpoch(value: number) {
    this.bytes.writeInt32BE(value, PARTITION_LEADER_EPOCH_OFFSET);
  }

  get magic(): number {
    return this.bytes.readInt8(MAGIC_OFFSET);
  }
  set magic(value: number) {
    this.bytes.writeInt8(value, MAGIC_OFFSET);
  }

  get crc(): number {
    return this.bytes.readUInt32BE(CRC_OFFSET);
  }
  set crc(value: number) {
    this.bytes.writeUInt32BE(value >>> 0, CRC_OFFSET);
  }

  get attributes(): number {
    return this.bytes.readInt16BE(ATTRIBUTES_OFFSET);
  }
  set attributes(value: number) {
    this.bytes.writeInt16BE(value, ATTRIBUTES_OFFSET);
  }

  /** Codec id (attributes bits 0-2); 5-7 are not valid codecs, see `isCompressionType`. */
  get compression(): number {
    return this.attributes & COMPRESSION_MASK;
  }
  set compression(value: number) {
    if (!Number.isInteger(value) || value < 0 || value > COMPRESSION_MASK) throw new RangeError(`compression: ${value}`);
    this.attributes = (this.attributes & ~COMPRESSION_MASK) | value;
  }

  get timestampType(): TimestampType {
    return this.attributes & TIMESTAMP_TYPE_FLAG ? TimestampType.LOG_APPEND_TIME : TimestampType.CREATE_TIME;
  }
  set timestampType(value: TimestampType) {
    this.setFlag(TIMESTAMP_TYPE_FLAG, value === TimestampType.LOG_APPEND_TIME);
  }

  get isTransactional(): boolean {
    return (this.attributes & TRANSACTIONAL_FLAG) !== 0;
  }
  set isTransactional(value: boolean) {
    this.setFlag(TRANSACTIONAL_FLAG, value);
  }

  get isControl(): boolean {
    return (this.attributes & CONTROL_FLAG) !== 0;
  }
  set isControl(value: boolean) {
    this.setFlag(CONTROL_FLAG, value);
  }

  /** KIP-534: when set, baseTimestamp holds the delete horizon (set by the log cleaner). */
  get hasDeleteHorizon(): boolean {
    return (this.attributes & DELETE_HORIZON_FLAG) !== 0;
  }
  set hasDeleteHorizon(value: boolean) {
    this.setFlag(DELETE_HORIZON_FLAG, value);
  }

  get lastOffsetDelta(): number {
    return this.bytes.readInt32BE(LAST_OFFSET_DELTA_OFFSET);
  }
  set lastOffsetDelta(value: number) {
    this.bytes.writeInt32BE(value, LAST_OFFSET_DELTA_OFFSET);
  }

  get baseTimestamp(): bigint {
    return this.bytes.readBigInt64BE(BASE_TIMESTAMP_OFFSET);
  }
  set baseTimestamp(value: bigint | number) {
    this.bytes.writeBigInt64BE(toInt64(value, 'baseTimestamp'), BASE_TIMESTAMP_OFFSET);
  }

  get maxTimestamp(): bigint {
    return this.bytes.readBigInt64BE(MAX_TIMESTAMP_OFFSET);
  }
  set maxTimestamp(value: bigint | number) {
    this.bytes.writeBigInt64BE(toInt64(value, 'maxTimestamp'), MAX_TIMESTAMP_OFFSET);
  }

  get producerId(): bigint {
    return this.bytes.readBigInt64BE(PRODUCER_ID_OFFSET);
  }
  set producerId(value: bigint | number) {
    this.bytes.writeBigInt64BE(toInt64(value, 'producerId'), PRODUCER_ID_OFFSET);
  }

  get producerEpoch(): number {
    return this.bytes.readInt16BE(PRODUCER_EPOCH_OFFSET);
  }
  set producerEpoch(value: number) {
    this.bytes.writeInt16BE(value, PRODUCER_EPOCH_OFFSET);
  }

  get baseSequence(): number {
    return this.bytes.readInt32BE(BASE_SEQUENCE_OFFSET);
  }
  set baseSequence(value: number) {
    this.bytes.writeInt32BE(value, BASE_SEQUENCE_OFFSET);
  }

  get recordCount(): number {
    return this.bytes.readInt32BE(RECORD_COUNT_OFFSET);
  }
  set recordCount(value: number) {
    this.bytes.writeInt32BE(value, RECORD_COUNT_OFFSET);
  }

  /** baseOffset + lastOffsetDelta. */
  get lastOffset(): bigint {
    return this.baseOffset + BigInt(this.lastOffsetDelta);
  }

  /** The offset the next batch in the log starts at: lastOffset + 1. */
  get nextOffset(): bigint {
    return this.lastOffset + 1n;
  }

  /** Declared size of the whole batch: batchLength + 12. */
  get sizeInBytes(): number {
    return this.batchLength + LOG_OVERHEAD;
  }

  /** producerId >= 0 (Kafka's hasProducerId). */
  get hasProducerId(): boolean {
    return this.producerId >= 0n;
  }

  /** The records section (compressed when compression is not NONE); a subarray, no copy. */
  get recordsBytes(): Buffer {
    return this.bytes.subarray(RECORD_BATCH_HEADER_SIZE);
  }

  /** CRC32C over attributes..end of the view. */
  computeCrc(): number {
    return crc32c(this.bytes.subarray(ATTRIBUTES_OFFSET));
  }

  /** Whether the stored CRC matches the bytes. */
  isCrcValid(): boolean {
    return this.crc === this.computeCrc();
  }

  /** Recomputes the CRC and writes it into the header; returns it. */
  updateCrc(): number {
    const crc = this.computeCrc();
    this.crc = crc;
    return crc;
  }

  private setFlag(flag: number, on: boolean): void {
    const attributes = this.attributes;
    this.attributes = on ? attributes | flag : attributes & ~flag;
  }
}

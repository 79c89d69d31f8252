/**
 * Control batches (attributes bit 5): one control record whose key says what it is.
 *
 *   control record key:     version int16 (0), type int16
 *   end-transaction value:  version int16 (0), coordinatorEpoch int32
 *
 * Transaction markers (types ABORT = 0, COMMIT = 1) are written by the transaction coordinator
 * through WriteTxnMarkers into each partition of a transaction: a transactional control batch with
 * the producer's id and epoch, baseSequence -1, CREATE_TIME, one record with offsetDelta 0 and
 * no headers, and a valid CRC like any batch (clients such as sarama check it). KRaft uses the
 * other types (LEADER_CHANGE, SNAPSHOT_HEADER/FOOTER, KRAFT_VERSION, KRAFT_VOTERS).
 *
 * Parsing follows Kafka's ControlRecordType / EndTransactionMarker: at least 4 key bytes and 6
 * value bytes, versions must not be negative, newer versions are read as version 0 (extra bytes
 * ignored), an unknown type id is reported as UNKNOWN (-1). Malformed input is a DecodeError.
 */
import { DecodeError } from '../primitives/decode-error.js';
import { buildRecordBatch } from './builder.js';
import { type RecordBatch, CompressionType, NO_SEQUENCE, TimestampType } from './record-batch.js';
import { readRecords } from './record-iterator.js';

export const ControlRecordType = {
  UNKNOWN: -1,
  ABORT: 0,
  COMMIT: 1,
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
} as const;
export type ControlRecordType = (typeof ControlRecordType)[keyof typeof ControlRecordType];

export const CONTROL_RECORD_KEY_VERSION = 0;
export const CONTROL_RECORD_KEY_SIZE = 4;
export const END_TXN_MARKER_VERSION = 0;
export const END_TXN_MARKER_VALUE_SIZE = 6;

export interface ControlRecordKey {
  readonly version: number;
  /** A ControlRecordType; UNKNOWN for a type id this code does not know. */
  readonly type: ControlRecordType;
  /** The raw type id as stored. */
  readonly typeId: number;
}

export interface EndTxnMarkerValue {
  readonly version: number;
  readonly coordinatorEpoch: number;
}

export function encodeControlRecordKey(type: number, version: number = CONTROL_RECORD_KEY_VERSION): Buffer {
  const key = Buffer.allocUnsafe(CONTROL_RECORD_KEY_SIZE);
  key.writeInt16BE(version, 0);
  key.writeInt16BE(type, 2);
  return key;
}

export function decodeControlRecordKey(key: Uint8Array | null): ControlRecordKey {
  if (key === null) throw new DecodeError('control record has a null key', 0);
  if (key.length < CONTROL_RECORD_KEY_SIZE) {
    throw new DecodeError(`control record key must have at least ${CONTROL_RECORD_KEY_SIZE} bytes, found ${key.length}`, 0);
  }
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  const version = view.getInt16(0);
  if (version < 0) throw new DecodeError(`invalid control record key version ${version}`, 0);
  const typeId = view.getInt16(2);
  const known = typeId >= ControlRecordType.ABORT && typeId <= ControlRecordType.KRAFT_VOTERS;
  return { version, typeId, type: (known ? typeId : ControlRecordType.UNKNOWN) as ControlRecordType };
}

export function encodeEndTxnMarkerValue(coordinatorEpoch: number, version: number = END_TXN_MARKER_VERSION): Buffer {
  const value = Buffer.allocUnsafe(END_TXN_MARKER_VALUE_SIZE);
  value.writeInt16BE(version, 0);
  value.writeInt32BE(coordinatorEpoch, 2);
  return value;
}

export function decodeEndTxnMarkerValue(value: Uint8Array | null): EndTxnMarkerValue {
  if (value === null) throw new DecodeError('end transaction marker has a null value', 0);
  if (value.length < END_TXN_MARKER_VALUE_SIZE) {
    throw new DecodeError(`end transaction marker must have at least ${END_TXN_MARKER_VALUE_SIZE} bytes, found ${value.length}`, 0);
  }
  const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const version = view.getInt16(0);
  if (version < 0) throw new DecodeError(`invalid end transaction marker version ${version}`, 0);
  return { version, coordinatorEpoch: view.getInt32(2) };
}

export interface TransactionMarkerOptions {
  /** ABORT or COMMIT. */
  type: typeof ControlRecordType.ABORT | typeof ControlRecordType.COMMIT;
  producerId: bigint | number;
  producerEpoch: number;
  coordinatorEpoch: number;
  /** The marker's timestamp (the coordinator's clock). */
  timestampMs: number;
  /** Default 0 (the leader assigns the offset on append). */
  baseOffset?: bigint | number;
  /** Default -1 (the leader stamps its epoch on append). */
  partitionLeaderEpoch?: number;
}

/** Builds a transaction marker batch (CRC included). */
export function buildTransactionMarkerBatch(options: TransactionMarkerOptions): Buffer {
  if (options.type !== ControlRecordType.ABORT && options.type !== ControlRecordType.COMMIT) {
    throw new RangeError(`transaction marker type must be ABORT or COMMIT, got ${String(options.type)}`);
  }
  return buildRecordBatch(
    [
      {
        key: encodeControlRecordKey(options.type),
        value: encodeEndTxnMarkerValue(options.coordinatorEpoch),
        timestamp: options.timestampMs,
      },
    ],
    {
      baseOffset: options.baseOffset ?? 0,
      partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
      producerId: options.producerId,
      producerEpoch: options.producerEpoch,
      baseSequence: NO_SEQUENCE,
      transactional: true,
      control: true,
      timestampType: TimestampType.CREATE_TIME,
      compression: CompressionType.NONE,
    },
  );
}

export interface TransactionMarker {
  readonly type: typeof ControlRecordType.ABORT | typeof ControlRecordType.COMMIT;
  readonly coordinatorEpoch: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  /** Absolute offset of the marker record. */
  readonly offset: number;
  readonly timestamp: number;
}

/** Bound for decompressing a marker batch: one small record. */
const MARKER_MAX_UNCOMPRESSED_BYTES = 64 * 1024;

/**
 * Reads the transaction marker in a control batch. Throws DecodeError if the batch is not a
 * transactional control batch holding one ABORT/COMMIT record. (Validate the batch first.)
 */
export function parseTransactionMarker(batch: RecordBatch): TransactionMarker {
  if (!batch.isControl) throw new DecodeError('not a control batch', 21);
  if (!batch.isTransactional) throw new DecodeError('transaction marker batch is not transactional', 21);
  const records = readRecords(batch, { maxUncompressedBytes: MARKER_MAX_UNCOMPRESSED_BYTES });
  if (records.length !== 1) throw new DecodeError(`transaction marker batch holds ${records.length} records`, 57);
  const record = records[0]!;
  const key = decodeControlRecordKey(record.key);
  if (key.type !== ControlRecordType.ABORT && key.type !== ControlRecordType.COMMIT) {
    throw new DecodeError(`control record type ${key.typeId} is not a transaction marker`, 0);
  }
  const value = decodeEndTxnMarkerValue(record.value);
  return {
    type: key.type,
    coordinatorEpoch: value.coordinatorEpoch,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    offset: record.offset,
    timestamp: record.timestamp,
  };
}

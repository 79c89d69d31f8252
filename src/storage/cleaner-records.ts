/**
 * The log cleaner's byte-level work (pure): the offset map (latest offset per key), and the
 * filtering of one record batch (Kafka's MemoryRecords.filterTo with the cleaner's filter).
 *
 * A filtered batch is, as in Kafka:
 * - dropped when no record survives, unless it must stay as an empty batch (the last batch of a
 *   producer, whose sequence and epoch the producer state needs, or the last batch of the cleaning
 *   round, which keeps the offset range); an empty batch is its header only: record count 0,
 *   no compression, the original offsets (lastOffsetDelta), producer fields and max timestamp;
 * - copied byte for byte when every record survives and no delete horizon has to be set;
 * - otherwise rewritten with the surviving records: same base offset and lastOffsetDelta (so
 *   each record keeps its offset and the producer's last sequence stays), same producer id,
 *   epoch, base sequence, partition leader epoch, timestamp type, transactional and control flags
 *   and codec (compressed again with the codec's default level), a fresh CRC. When the batch
 *   keeps a tombstone and has no delete horizon yet, it gets one (KIP-534): attributes bit 6 set
 *   and baseTimestamp = now + delete.retention.ms, record timestamp deltas rebased on it so every
 *   record keeps its timestamp. Records are copied as they are stored (their attributes, key,
 *   value and headers byte for byte); only the timestamp delta is re-encoded when the base moves.
 *
 * Control batches are kept as they are for now.
 * TODO(transactions): Kafka drops the records of aborted transactions (found through the
 * aborted-transaction index, .txnindex) and removes a transaction's marker once no data of the
 * transaction is left and the marker's own delete horizon (set like a tombstone's) has passed.
 */
import { DecodeError } from '../protocol/primitives/decode-error.js';
import { readVarint, readVarlongNumber, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../protocol/primitives/varint.js';
import { compress } from '../protocol/records/compression/index.js';
import { crc32c } from '../protocol/records/crc32c.js';
import { uncompressedRecords } from '../protocol/records/record-iterator.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_MASK,
  CompressionType,
  CONTROL_FLAG,
  CRC_OFFSET,
  DELETE_HORIZON_FLAG,
  LOG_OVERHEAD,
  MAX_TIMESTAMP_OFFSET,
  RECORD_BATCH_HEADER_SIZE,
  RECORD_COUNT_OFFSET,
  RecordBatch,
  TIMESTAMP_TYPE_FLAG,
  TimestampType,
  TRANSACTIONAL_FLAG,
} from '../protocol/records/record-batch.js';
import { shouldRetainRecord, type OffsetMapView } from './cleaner-plan.js';

/** Bytes an offset map entry is counted for beyond its key (the string, the map slot, the number). */
export const OFFSET_MAP_ENTRY_OVERHEAD_BYTES = 64;

/**
 * Latest offset per key over the dirty range (Kafka's SkimpyOffsetMap, with exact keys instead of
 * hashes), bounded by `maxBytes` (log.cleaner.dedupe.buffer.size): key bytes plus a fixed
 * overhead per entry. The first key always fits, so every cleaning makes progress.
 */
export class OffsetMap implements OffsetMapView {
  private readonly entries = new Map<string, number>();
  private usedBytes = 0;
  latestOffset = -1;

  constructor(readonly maxBytes: number) {
    if (!(maxBytes > 0)) throw new RangeError(`offset map needs a positive size, got ${maxBytes}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes counted so far. */
  get bytes(): number {
    return this.usedBytes;
  }

  /** Records `offset` as the latest for `key`; false (nothing recorded) when a new key does not fit. */
  put(key: Buffer, offset: number): boolean {
    const k = key.toString('latin1');
    if (!this.entries.has(k)) {
      const cost = key.length + OFFSET_MAP_ENTRY_OVERHEAD_BYTES;
      if (this.entries.size > 0 && this.usedBytes + cost > this.maxBytes) return false;
      this.usedBytes += cost;
    }
    this.entries.set(k, offset);
    if (offset > this.latestOffset) this.latestOffset = offset;
    return true;
  }

  get(key: Buffer): number {
    return this.entries.get(key.toString('latin1')) ?? -1;
  }

  updateLatestOffset(offset: number): void {
    if (offset > this.latestOffset) this.latestOffset = offset;
  }
}

/** One record of a batch, located in the batch's uncompressed records section. */
export interface StoredRecord {
  offset: number;
  /** Absolute timestamp: batch baseTimestamp + delta (the stored value, whatever the timestamp type). */
  timestamp: number;
  key: Buffer | null;
  hasValue: boolean;
  /** [start, end) of the whole record, length prefix included. */
  start: number;
  end: number;
  /** Where the record's attributes byte is (after the length prefix). */
  bodyStart: number;
  /** Where the offset delta starts: the bytes from here to `end` never change when rewritten. */
  tailStart: number;
}

/**
 * The records of `batch` (whose records section, decompressed, is `section`), without copying.
 * Checks what it walks as strictly as the record iterator (lengths within their record, the
 * declared count, nothing left over); malformed bytes throw DecodeError.
 */
export function scanRecords(batch: RecordBatch, section: Buffer): StoredRecord[] {
  const count = batch.recordCount;
  if (count < 0) throw new DecodeError(`negative record count ${count}`, 0);
  const baseOffset = Number(batch.baseOffset);
  const baseTimestamp = Number(batch.baseTimestamp);
  const out: StoredRecord[] = [];
  let pos = 0;
  const end = section.length;
  for (let i = 0; i < count; i++) {
    const start = pos;
    const length = readVarint(section, pos, end);
    if (length.value < 6 || length.value > end - length.next) throw new DecodeError(`record ${i}: invalid record size ${length.value}`, start);
    const bodyEnd = length.next + length.value;
    pos = length.next + 1; // attributes
    const tsDelta = readVarlongNumber(section, pos, bodyEnd);
    const tailStart = tsDelta.next;
    const offsetDelta = readVarint(section, tailStart, bodyEnd);
    pos = offsetDelta.next;
    const keyLength = readVarint(section, pos, bodyEnd);
    pos = keyLength.next;
    let key: Buffer | null = null;
    if (keyLength.value >= 0) {
      if (keyLength.value > bodyEnd - pos) throw new DecodeError(`record ${i}: invalid key length ${keyLength.value}`, pos);
      key = section.subarray(pos, pos + keyLength.value);
      pos += keyLength.value;
    } else if (keyLength.value !== -1) {
      throw new DecodeError(`record ${i}: invalid key length ${keyLength.value}`, pos);
    }
    const valueLength = readVarint(section, pos, bodyEnd);
    pos = skipBytes(section, valueLength.next, valueLength.value, bodyEnd, i, 'value');
    const headerCount = readVarint(section, pos, bodyEnd);
    pos = headerCount.next;
    if (headerCount.value < 0 || headerCount.value > (bodyEnd - pos) / 2) throw new DecodeError(`record ${i}: invalid header count ${headerCount.value}`, pos);
    for (let h = 0; h < headerCount.value; h++) {
      const hk = readVarint(section, pos, bodyEnd);
      if (hk.value < 0) throw new DecodeError(`record ${i}: invalid header key length ${hk.value}`, pos);
      pos = skipBytes(section, hk.next, hk.value, bodyEnd, i, 'header key');
      const hv = readVarint(section, pos, bodyEnd);
      pos = skipBytes(section, hv.next, hv.value, bodyEnd, i, 'header value');
    }
    if (pos !== bodyEnd) throw new DecodeError(`record ${i}: ${bodyEnd - pos} bytes left in the record`, pos);
    out.push({
      offset: baseOffset + offsetDelta.value,
      timestamp: baseTimestamp + tsDelta.value,
      key,
      hasValue: valueLength.value >= 0,
      start,
      end: bodyEnd,
      bodyStart: length.next,
      tailStart,
    });
  }
  if (pos !== end) throw new DecodeError(`${end - pos} bytes left after the batch's ${count} records`, pos);
  return out;
}

function skipBytes(buf: Buffer, pos: number, length: number, end: number, record: number, what: string): number {
  if (length === -1) return pos;
  if (length < -1 || length > end - pos) throw new DecodeError(`record ${record}: invalid ${what} length ${length}`, pos);
  return pos + length;
}

export interface CleanBatchContext {
  map: OffsetMapView;
  nowMs: number;
  /** delete.retention.ms: how long a tombstone outlives the cleaning that first keeps it. */
  deleteRetentionMs: number;
  /** Keep the batch, emptied if need be, even when no record survives. */
  retainEmpty: boolean;
  /** Bound of a decompressed records section. */
  maxUncompressedBytes: number;
}

export type CleanedBatchKind = 'copied' | 'rewritten' | 'emptied' | 'dropped';

export interface CleanedBatch {
  kind: CleanedBatchKind;
  /** What to write (null when dropped). */
  bytes: Buffer | null;
  /** Offset of the batch's last offset (kept in rewritten and emptied batches). */
  lastOffset: number;
  /** Max timestamp of the batch written. */
  maxTimestamp: number;
  recordsRead: number;
  recordsKept: number;
}

/** Filters one valid v2 batch for the cleaner: see the header. */
export function cleanBatch(batch: RecordBatch, ctx: CleanBatchContext): CleanedBatch {
  const lastOffset = Number(batch.lastOffset);
  const originalMax = Number(batch.maxTimestamp);
  if (batch.isControl) {
    return { kind: 'copied', bytes: batch.bytes, lastOffset, maxTimestamp: originalMax, recordsRead: batch.recordCount, recordsKept: batch.recordCount };
  }
  const section = uncompressedRecords(batch, { maxUncompressedBytes: ctx.maxUncompressedBytes });
  const records = scanRecords(batch, section);
  const horizon = batch.hasDeleteHorizon ? Number(batch.baseTimestamp) : null;
  const kept: StoredRecord[] = [];
  let keptTombstone = false;
  for (const r of records) {
    if (shouldRetainRecord(r, ctx.map, horizon, ctx.nowMs)) {
      kept.push(r);
      if (!r.hasValue) keptTombstone = true;
    }
  }
  const read = records.length;
  if (kept.length === 0) {
    if (!ctx.retainEmpty) return { kind: 'dropped', bytes: null, lastOffset, maxTimestamp: originalMax, recordsRead: read, recordsKept: 0 };
    if (read === 0) return { kind: 'copied', bytes: batch.bytes, lastOffset, maxTimestamp: originalMax, recordsRead: 0, recordsKept: 0 };
    return { kind: 'emptied', bytes: emptyBatchLike(batch), lastOffset, maxTimestamp: originalMax, recordsRead: read, recordsKept: 0 };
  }
  const setHorizon = keptTombstone && horizon === null;
  if (kept.length === read && !setHorizon) {
    return { kind: 'copied', bytes: batch.bytes, lastOffset, maxTimestamp: originalMax, recordsRead: read, recordsKept: read };
  }
  const rewritten = rewriteBatch(batch, section, kept, setHorizon ? ctx.nowMs + ctx.deleteRetentionMs : null);
  return { kind: 'rewritten', bytes: rewritten.bytes, lastOffset, maxTimestamp: rewritten.maxTimestamp, recordsRead: read, recordsKept: kept.length };
}

/**
 * The batch with only `kept` records (in order), the header of the original otherwise, with a
 * new delete horizon when `newDeleteHorizonMs` is set. Returns the bytes and their max timestamp.
 */
export function rewriteBatch(
  original: RecordBatch,
  section: Buffer,
  kept: readonly StoredRecord[],
  newDeleteHorizonMs: number | null,
): { bytes: Buffer; maxTimestamp: number } {
  const oldBase = Number(original.baseTimestamp);
  const newBase = newDeleteHorizonMs ?? oldBase;
  // Sizes first, then one allocation.
  let sectionBytes = 0;
  const bodySizes: number[] = [];
  for (const r of kept) {
    if (newBase === oldBase) {
      sectionBytes += r.end - r.start;
      bodySizes.push(-1);
    } else {
      const body = 1 + sizeOfVarlong(r.timestamp - newBase) + (r.end - r.tailStart);
      bodySizes.push(body);
      sectionBytes += sizeOfVarint(body) + body;
    }
  }
  const records = Buffer.allocUnsafe(sectionBytes);
  let pos = 0;
  kept.forEach((r, i) => {
    const body = bodySizes[i]!;
    if (body < 0) {
      pos += section.copy(records, pos, r.start, r.end);
      return;
    }
    pos = writeVarint(records, pos, body);
    records[pos++] = section[r.bodyStart]!; // the record's attributes
    pos = writeVarlong(records, pos, r.timestamp - newBase);
    pos += section.copy(records, pos, r.tailStart, r.end);
  });
  if (pos !== sectionBytes) throw new Error(`cleaner: wrote ${pos} record bytes, sized ${sectionBytes}`);

  const codec = original.compression;
  const payload = codec === CompressionType.NONE ? records : compress(codec, records);
  const bytes = Buffer.allocUnsafe(RECORD_BATCH_HEADER_SIZE + payload.length);
  original.bytes.copy(bytes, 0, 0, RECORD_BATCH_HEADER_SIZE);
  payload.copy(bytes, RECORD_BATCH_HEADER_SIZE);

  let maxTimestamp: number;
  if (original.timestampType === TimestampType.LOG_APPEND_TIME) {
    maxTimestamp = Number(original.maxTimestamp);
  } else {
    maxTimestamp = -1;
    for (const r of kept) if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp;
  }
  let attributes = original.attributes;
  if (newDeleteHorizonMs !== null) attributes |= DELETE_HORIZON_FLAG;
  bytes.writeInt32BE(bytes.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  bytes.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  bytes.writeBigInt64BE(BigInt(newBase), BASE_TIMESTAMP_OFFSET);
  bytes.writeBigInt64BE(BigInt(maxTimestamp), MAX_TIMESTAMP_OFFSET);
  bytes.writeInt32BE(kept.length, RECORD_COUNT_OFFSET);
  bytes.writeUInt32BE(crc32c(bytes.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  return { bytes, maxTimestamp };
}

/**
 * Kafka's DefaultRecordBatch.writeEmptyHeader: the header of `original` with no records and no
 * compression; base and max timestamp are the original max timestamp; offsets, producer fields,
 * partition leader epoch, timestamp type, transactional and control flags are kept.
 */
export function emptyBatchLike(original: RecordBatch): Buffer {
  const bytes = Buffer.allocUnsafe(RECORD_BATCH_HEADER_SIZE);
  original.bytes.copy(bytes, 0, 0, RECORD_BATCH_HEADER_SIZE);
  const attributes = original.attributes & (TIMESTAMP_TYPE_FLAG | TRANSACTIONAL_FLAG | CONTROL_FLAG) & ~COMPRESSION_MASK;
  bytes.writeInt32BE(RECORD_BATCH_HEADER_SIZE - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  bytes.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  bytes.writeBigInt64BE(original.maxTimestamp, BASE_TIMESTAMP_OFFSET);
  bytes.writeInt32BE(0, RECORD_COUNT_OFFSET);
  bytes.writeUInt32BE(crc32c(bytes.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  return bytes;
}

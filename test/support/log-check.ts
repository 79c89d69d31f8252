/**
 * Helpers of the crash, corruption and model tests: batches with recognisable values, and a
 * reader that walks a whole partition log through `read` and checks that every answer is made of
 * whole, valid batches (CRC included) that follow each other without gaps.
 */
import { buildRecordBatch, type RecordInput } from '../../src/protocol/records/builder.js';
import { RecordBatch } from '../../src/protocol/records/record-batch.js';
import { readRecords } from '../../src/protocol/records/record-iterator.js';
import { splitRecordBatches } from '../../src/protocol/records/split.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';

/** The values of a batch built by `valuesBatch`: `<tag>-<i>` padded with `pad` dots. */
export function batchValues(tag: string, count: number, pad: number): string[] {
  return Array.from({ length: count }, (_, i) => `${tag}-${i}${'.'.repeat(pad)}`);
}

/** A producer's batch (offset 0, no epoch) of `count` records, record i at `timestampMs + i`. */
export function valuesBatch(tag: string, count: number, timestampMs: number, pad = 0): RecordBatch {
  const records: RecordInput[] = batchValues(tag, count, pad).map((v, i) => ({
    key: Buffer.from(`${tag}/${i}`),
    value: Buffer.from(v),
    timestamp: timestampMs + i,
  }));
  return new RecordBatch(buildRecordBatch(records, { baseOffset: 0 }));
}

/** One batch as read back. */
export interface StoredBatch {
  baseOffset: number;
  lastOffset: number;
  leaderEpoch: number;
  maxTimestamp: number;
  size: number;
  values: string[];
  timestamps: number[];
}

/** Decodes whole batches (strict: CRC checked, no partial batch); throws describing the problem. */
export function decodeBatches(bytes: Buffer, what: string): StoredBatch[] {
  if (bytes.length === 0) return [];
  const split = splitRecordBatches(bytes, { mode: 'strict', maxBatches: 1_000_000 });
  if (!split.ok) throw new Error(`${what}: bad batch at byte ${split.atByte} of ${bytes.length}: ${split.problem.message}`);
  return split.batches.map((b) => {
    const recs = readRecords(b, { maxUncompressedBytes: 1 << 26 });
    const baseOffset = Number(b.baseOffset);
    return {
      baseOffset,
      lastOffset: baseOffset + b.lastOffsetDelta,
      leaderEpoch: b.partitionLeaderEpoch,
      maxTimestamp: Number(b.maxTimestamp),
      size: b.bytes.length,
      values: recs.map((r) => r.value!.toString()),
      timestamps: recs.map((r) => r.timestamp),
    };
  });
}

/**
 * Reads the log from `from` to its end, `maxBytes()` at a time, and returns every batch. Checks
 * on the way: each answer holds whole valid batches, starts with the batch holding the offset
 * asked for, and consecutive batches leave no offset gap.
 */
export async function readWholeLog(log: PartitionLog, from: number, maxBytes: () => number, what: string): Promise<StoredBatch[]> {
  const out: StoredBatch[] = [];
  let offset = from;
  const end = log.logEndOffset;
  for (let guard = 0; offset < end; guard++) {
    if (guard > 1_000_000) throw new Error(`${what}: read loop does not advance at ${offset}`);
    const r = await log.read(offset, { maxBytes: maxBytes() });
    const batches = decodeBatches(r.records, `${what}: read(${offset})`);
    if (batches.length === 0) throw new Error(`${what}: read(${offset}) returned nothing below the log end ${end}`);
    const first = batches[0]!;
    if (!(first.baseOffset <= offset && offset <= first.lastOffset)) {
      throw new Error(`${what}: read(${offset}) starts with batch [${first.baseOffset}, ${first.lastOffset}]`);
    }
    if (r.firstBatchOffset !== first.baseOffset) throw new Error(`${what}: read(${offset}) firstBatchOffset ${r.firstBatchOffset} != ${first.baseOffset}`);
    for (const b of batches) {
      const prev = out[out.length - 1];
      if (prev !== undefined && b.baseOffset !== prev.lastOffset + 1) {
        throw new Error(`${what}: batch at ${b.baseOffset} follows batch [${prev.baseOffset}, ${prev.lastOffset}]: gap or overlap`);
      }
      out.push(b);
      offset = b.lastOffset + 1;
    }
  }
  if (offset !== end) throw new Error(`${what}: the last batch ends at ${offset - 1}, the log end offset is ${end}`);
  return out;
}

/**
 * Turns one partition's `records` from a Fetch answer into consumer records, in two steps:
 * `splitFetched` walks the batch headers (CRC-checked) right when the answer arrives, and
 * `decodeBatch` decodes a batch's records only when they are handed out.
 * - a partial batch at the end (the broker cuts at the byte limit) is ignored, as Kafka's
 *   consumer does;
 * - records below the fetch offset are skipped (a fetch from the middle of a batch returns the
 *   whole batch; compressed batches always start at their base offset);
 * - control batches (transaction markers) are never returned;
 * - with read_committed, records of aborted transactions are dropped: the answer lists the
 *   aborted transactions (producer id, first offset); a transactional batch is skipped while its
 *   producer has an abort open, and the producer's ABORT marker closes it (Kafka's algorithm).
 * `nextOffset` is where the next fetch starts: past the last whole batch, even when every record
 * in it was skipped (so control batches and compacted-away ranges never stall the consumer).
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { ControlRecordType, parseTransactionMarker } from '../../protocol/records/control.js';
import { recordsOf } from '../../protocol/records/record-iterator.js';
import { TimestampType, type RecordBatch } from '../../protocol/records/record-batch.js';
import { splitRecordBatches } from '../../protocol/records/split.js';
import type { ConsumerRecord } from '../types.js';

export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

export interface FetchedRecords {
  records: ConsumerRecord[];
  /** Offset after the last whole batch, or the fetch offset when there was none. */
  nextOffset: number;
}

/** The batches of a fetch answer that hold records to return, not yet decoded. */
export interface FetchedBatches {
  batches: RecordBatch[];
  /** Offset after the last whole batch, or the fetch offset when there was none. */
  nextOffset: number;
}

/** Upper bound of batches per partition per fetch (a batch is at least 61 bytes). */
const MAX_BATCHES = 1_000_000;

/**
 * Splits (and CRC-checks) a partition's records, keeping the batches with records to return:
 * cheap (batch headers only), so the next fetch can go out before any record is decoded.
 */
export function splitFetched(
  topic: string,
  partition: number,
  data: Buffer | null,
  fetchOffset: number,
  options: { verifyCrc: boolean; readCommitted: boolean; aborted: readonly AbortedTransaction[] | null },
): FetchedBatches {
  const out: RecordBatch[] = [];
  let nextOffset = fetchOffset;
  if (data === null || data.length === 0) return { batches: out, nextOffset };
  const split = splitRecordBatches(data, { mode: 'partial-tail', maxBatches: MAX_BATCHES, verifyCrc: options.verifyCrc });
  if (!split.ok) {
    // Batches before the damage are fine; a consumer cannot skip a bad batch on its own.
    if (split.batches.length === 0) {
      throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `${topic}-${partition} at offset ${fetchOffset}: ${split.problem.message}`, { topic, partition, offset: fetchOffset });
    }
  }
  const aborted = options.readCommitted && options.aborted !== null ? [...options.aborted].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : a.firstOffset > b.firstOffset ? 1 : 0)) : [];
  let abortedIndex = 0;
  const openAborts = new Set<bigint>();
  for (const batch of split.batches) {
    const last = Number(batch.lastOffset);
    if (last < fetchOffset) continue;
    if (options.readCommitted) {
      while (abortedIndex < aborted.length && aborted[abortedIndex]!.firstOffset <= batch.lastOffset) {
        openAborts.add(aborted[abortedIndex]!.producerId);
        abortedIndex++;
      }
    }
    nextOffset = last + 1;
    if (batch.isControl) {
      if (options.readCommitted && batch.isTransactional) {
        try {
          const marker = parseTransactionMarker(batch);
          if (marker.type === ControlRecordType.ABORT) openAborts.delete(batch.producerId);
        } catch {
          // Not a transaction marker: nothing to do.
        }
      }
      continue;
    }
    if (options.readCommitted && batch.isTransactional && openAborts.has(batch.producerId)) continue;
    if (batch.recordCount > 0) out.push(batch);
  }
  return { batches: out, nextOffset };
}

/** The records of one batch at or after `fromOffset`. Throws CORRUPT_MESSAGE for a malformed batch. */
export function decodeBatch(topic: string, partition: number, batch: RecordBatch, fromOffset: number, maxUncompressedBytes: number): ConsumerRecord[] {
  const out: ConsumerRecord[] = [];
  const timestampType = batch.timestampType === TimestampType.LOG_APPEND_TIME ? 'LogAppendTime' : 'CreateTime';
  const leaderEpoch = batch.partitionLeaderEpoch;
  try {
    for (const r of recordsOf(batch, { maxUncompressedBytes })) {
      if (r.offset < fromOffset) continue;
      out.push({
        topic,
        partition,
        offset: r.offset,
        timestamp: r.timestamp,
        timestampType,
        leaderEpoch,
        key: r.key,
        value: r.value,
        headers: r.headers.length === 0 ? [] : r.headers.map((h) => ({ key: h.key, value: h.value })),
      });
    }
  } catch (e) {
    throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `${topic}-${partition}: batch at offset ${batch.baseOffset}: ${(e as Error).message}`, { topic, partition, offset: Number(batch.baseOffset) }, );
  }
  return out;
}

/** splitFetched and decodeBatch in one go: every record to return from a fetch answer. */
export function parseFetchedRecords(
  topic: string,
  partition: number,
  data: Buffer | null,
  fetchOffset: number,
  options: { verifyCrc: boolean; readCommitted: boolean; aborted: readonly AbortedTransaction[] | null; maxUncompressedBytes: number },
): FetchedRecords {
  const { batches, nextOffset } = splitFetched(topic, partition, data, fetchOffset, options);
  const records: ConsumerRecord[] = [];
  for (const b of batches) for (const r of decodeBatch(topic, partition, b, fetchOffset, options.maxUncompressedBytes)) records.push(r);
  return { records, nextOffset };
}

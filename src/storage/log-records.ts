/**
 * Reads a whole log back as records, in order: how the metadata log and the group coordinator's
 * shards load their state by replay at start. Compacted gaps are fine (reads resume after the
 * last batch returned); a log that cannot be read to its end is an error naming it.
 */
import { readRecords, type KafkaRecord } from '../protocol/records/record-iterator.js';
import { splitRecordBatches } from '../protocol/records/split.js';
import type { PartitionLog } from './partition-log.js';

const READ_BYTES = 1024 * 1024;
const MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

export async function* recordsOfLog(log: PartitionLog, fromOffset = log.logStartOffset, upToOffset = log.logEndOffset): AsyncGenerator<KafkaRecord> {
  let offset = fromOffset;
  while (offset < upToOffset) {
    const { records } = await log.read(offset, { maxBytes: READ_BYTES, upperBound: upToOffset });
    const split = splitRecordBatches(records, { mode: 'partial-tail', maxBatches: 1_000_000 });
    if (!split.ok || split.batches.length === 0) throw new Error(`${log.dir}: unreadable records at offset ${offset}`);
    for (const batch of split.batches) {
      for (const r of readRecords(batch, { maxUncompressedBytes: MAX_UNCOMPRESSED_BYTES })) {
        if (r.offset >= offset) yield r;
      }
      offset = Number(batch.baseOffset) + batch.lastOffsetDelta + 1;
    }
  }
}

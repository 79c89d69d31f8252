/**
 * A __consumer_offsets partition as a shard's store: appends go to the partition's log as one
 * uncompressed batch stamped with the leader epoch, answer once durable (and move the high
 * watermark, so consumers of the topic see them); loading reads the log from its start.
 */
import { buildRecordBatch } from '../../protocol/records/builder.js';
import { RecordBatch } from '../../protocol/records/record-batch.js';
import { recordsOfLog } from '../../storage/log-records.js';
import type { Partition } from '../../replica/partition.js';
import type { OffsetsPartitionStore } from './group-coordinator.js';

export function partitionStore(partition: Partition): OffsetsPartitionStore {
  return {
    async append(records, nowMs) {
      const batch = new RecordBatch(buildRecordBatch(records.map((r) => ({ key: r.key, value: r.value, timestamp: nowMs }))));
      const result = await partition.log.append([batch], { leaderEpoch: partition.leaderEpoch, nowMs });
      await result.durable;
      partition.advanceHighWatermark(result.lastOffset + 1);
    },
    records: () => recordsOfLog(partition.log),
  };
}

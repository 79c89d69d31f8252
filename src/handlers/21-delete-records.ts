/**
 * DeleteRecords (key 21), v0-v2. Moves a partition's log start offset forward (the log manager
 * checkpoints it before returning; whole segments below it go at the next retention pass), as
 * Kafka's Partition.deleteRecordsOnLeader does: offset -1 means the high watermark; a negative
 * offset or one beyond the high watermark is OFFSET_OUT_OF_RANGE; an offset at or below the
 * current start changes nothing. The answer carries the low watermark (the log start offset;
 * with one replica it is already reached, so no purgatory wait). Errors: internal topics
 * INVALID_TOPIC_EXCEPTION ("Cannot delete records of internal topic ..."), cleanup.policy
 * without delete POLICY_VIOLATION, unknown partitions UNKNOWN_TOPIC_OR_PARTITION, a partition of
 * the image not hosted here NOT_LEADER_OR_FOLLOWER, a failed disk KAFKA_STORAGE_ERROR.
 */
import { isInternalTopic } from '../controller/controller.js';
import { METADATA_TOPIC } from '../controller/topic-names.js';
import { ErrorCode } from '../protocol/errors.js';
import type { DeleteRecordsRequest } from '../protocol/generated/messages/DeleteRecordsRequest.js';
import type { DeleteRecordsResponse, DeleteRecordsResponseDeleteRecordsPartitionResult } from '../protocol/generated/messages/DeleteRecordsResponse.js';
import type { Input } from '../protocol/primitives/types.js';
import { isStorageError } from '../storage/errors.js';
import { OffsetOutOfRangeError } from '../storage/log-errors.js';
import type { BrokerServices, Handler } from './types.js';

type PartitionResult = Input<DeleteRecordsResponseDeleteRecordsPartitionResult>;

const HIGH_WATERMARK = -1;

async function deleteRecords(services: BrokerServices, topic: string, partitionIndex: number, requested: bigint): Promise<PartitionResult> {
  const failed = (errorCode: number): PartitionResult => ({ partitionIndex, lowWatermark: -1n, errorCode });
  if (isInternalTopic(topic)) return failed(ErrorCode.INVALID_TOPIC_EXCEPTION);
  const p = services.replicas.get(topic, partitionIndex);
  if (!p) {
    const known = topic !== METADATA_TOPIC && services.metadata.image.topicsByName.get(topic)?.partitions.has(partitionIndex) === true;
    return failed(known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  if (!services.topicConfig(topic).logConfig.cleanupPolicy.delete) return failed(ErrorCode.POLICY_VIOLATION);
  const hw = p.highWatermark;
  const offset = requested === BigInt(HIGH_WATERMARK) ? hw : Number(requested);
  if (offset < 0 || offset > hw) return failed(ErrorCode.OFFSET_OUT_OF_RANGE);
  try {
    await services.logs.advanceLogStartOffset(topic, partitionIndex, offset);
  } catch (e) {
    if (e instanceof OffsetOutOfRangeError) return failed(ErrorCode.OFFSET_OUT_OF_RANGE);
    if (isStorageError(e)) {
      services.log.error(`${topic}-${partitionIndex}: DeleteRecords failed: ${String(e)}`);
      return failed(ErrorCode.KAFKA_STORAGE_ERROR);
    }
    throw e;
  }
  return { partitionIndex, lowWatermark: BigInt(p.log.logStartOffset), errorCode: ErrorCode.NONE };
}

export const deleteRecordsHandler: Handler<DeleteRecordsRequest, DeleteRecordsResponse> = {
  apiKey: 21,
  minVersion: 0,
  maxVersion: 2,
  async handle(services, request) {
    const topics = [];
    for (const t of request.topics) {
      const partitions: PartitionResult[] = [];
      for (const p of t.partitions) partitions.push(await deleteRecords(services, t.name, p.partitionIndex, p.offset));
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
};

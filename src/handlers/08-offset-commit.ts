/**
 * OffsetCommit (key 8), v0-v9: a member commits with its generation and id; generation -1
 * commits for an empty (or new) group whatever the member id, as admin tools and simple
 * consumers do (and Kafka allows).
 * Answers after the offsets are durable in __consumer_offsets. Per partition:
 * UNKNOWN_TOPIC_OR_PARTITION for partitions that do not exist, OFFSET_METADATA_TOO_LARGE over
 * offset.metadata.max.bytes; for the whole request the member checks (UNKNOWN_MEMBER_ID,
 * ILLEGAL_GENERATION, FENCED_INSTANCE_ID, REBALANCE_IN_PROGRESS while assignments are handed out).
 * A generation for a group the coordinator does not know is GROUP_ID_NOT_FOUND from v9, and
 * ILLEGAL_GENERATION before (Kafka keeps the old answer for old clients).
 * The v2-v4 retention time is ignored (offsets.retention.minutes applies), as in Kafka 4.0.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { OffsetCommitRequest } from '../protocol/generated/messages/OffsetCommitRequest.js';
import type { OffsetCommitResponse } from '../protocol/generated/messages/OffsetCommitResponse.js';
import type { Handler } from './types.js';
import { groupErrorCode } from './group-errors.js';

export const offsetCommitHandler: Handler<OffsetCommitRequest, OffsetCommitResponse> = {
  apiKey: 8,
  minVersion: 0,
  maxVersion: 9,
  async handle(services, request, { version }) {
    const image = services.metadata.image;
    const exists = (topic: string, partition: number): boolean => image.topicsByName.get(topic)?.partitions.has(partition) === true;
    let codes: number[][];
    const forVersion = (code: number): number => (code === ErrorCode.GROUP_ID_NOT_FOUND && version < 9 ? ErrorCode.ILLEGAL_GENERATION : code);
    try {
      codes = await services.groups.commitOffsets(
        {
          groupId: request.groupId,
          memberId: version >= 1 ? request.memberId : '',
          groupInstanceId: version >= 7 ? request.groupInstanceId : null,
          generationId: version >= 1 ? request.generationIdOrMemberEpoch : -1,
          topics: request.topics.map((t) => ({
            name: t.name,
            partitions: t.partitions.map((p) => ({ partition: p.partitionIndex, offset: Number(p.committedOffset), leaderEpoch: version >= 6 ? p.committedLeaderEpoch : -1, metadata: p.committedMetadata })),
          })),
        },
        exists,
      ).then((c) => c.map((t) => t.map(forVersion)));
    } catch (e) {
      const code = groupErrorCode(services, e);
      codes = request.topics.map((t) => t.partitions.map(() => code));
    }
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t, i) => ({ name: t.name, partitions: t.partitions.map((p, j) => ({ partitionIndex: p.partitionIndex, errorCode: codes[i]![j]! })) })),
    };
  },
};

/**
 * OffsetDelete (key 47), v0: removes a group's committed offsets of some partitions (tombstones
 * in __consumer_offsets). GROUP_ID_NOT_FOUND for an unknown group; a partition of a topic that a
 * member of the group subscribes to keeps its offset (GROUP_SUBSCRIBED_TO_TOPIC); a group with
 * members whose subscriptions cannot be read (not "consumer" protocol) is NON_EMPTY_GROUP.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { OffsetDeleteRequest } from '../protocol/generated/messages/OffsetDeleteRequest.js';
import type { OffsetDeleteResponse } from '../protocol/generated/messages/OffsetDeleteResponse.js';
import type { Handler } from './types.js';
import { withGroupErrors } from './group-errors.js';

export const offsetDeleteHandler: Handler<OffsetDeleteRequest, OffsetDeleteResponse> = {
  apiKey: 47,
  minVersion: 0,
  maxVersion: 0,
  async handle(services, request) {
    const asked = request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => p.partitionIndex) }));
    return withGroupErrors(services, async () => {
      const r = await services.groups.deleteOffsets(request.groupId, asked);
      if (r.errorCode !== ErrorCode.NONE) return { throttleTimeMs: 0, errorCode: r.errorCode, topics: [] };
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        topics: asked.map((t, i) => ({ name: t.name, partitions: t.partitions.map((p, j) => ({ partitionIndex: p, errorCode: r.partitions[i]![j]! })) })),
      };
    }, (errorCode) => ({ throttleTimeMs: 0, errorCode, topics: [] }));
  },
};

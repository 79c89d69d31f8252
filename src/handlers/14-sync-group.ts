/**
 * SyncGroup (key 14), v0-v5: members ask for their assignment; the leader brings everybody's.
 * The answers wait until the leader's assignment is durable in __consumer_offsets. The
 * assignment bytes are opaque to the broker. v5+ checks protocol type and name
 * (INCONSISTENT_GROUP_PROTOCOL).
 */
import type { SyncGroupRequest } from '../protocol/generated/messages/SyncGroupRequest.js';
import type { SyncGroupResponse } from '../protocol/generated/messages/SyncGroupResponse.js';
import type { Handler } from './types.js';
import { withGroupErrors } from './group-errors.js';

export const syncGroupHandler: Handler<SyncGroupRequest, SyncGroupResponse> = {
  apiKey: 14,
  minVersion: 0,
  maxVersion: 5,
  async handle(services, request, { version }) {
    return withGroupErrors(services, async () => {
      const r = await services.groups.sync({
        groupId: request.groupId,
        memberId: request.memberId,
        groupInstanceId: version >= 3 ? request.groupInstanceId : null,
        generationId: request.generationId,
        protocolType: version >= 5 ? request.protocolType : null,
        protocolName: version >= 5 ? request.protocolName : null,
        assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
      });
      return { throttleTimeMs: 0, ...r };
    }, (errorCode) => ({ throttleTimeMs: 0, errorCode, protocolType: null, protocolName: null, assignment: Buffer.alloc(0) }));
  },
};

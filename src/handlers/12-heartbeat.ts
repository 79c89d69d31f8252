/**
 * Heartbeat (key 12), v0-v4: keeps a member's session; REBALANCE_IN_PROGRESS tells it to rejoin;
 * UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION and FENCED_INSTANCE_ID (v3+ static members) as Kafka.
 */
import type { HeartbeatRequest } from '../protocol/generated/messages/HeartbeatRequest.js';
import type { HeartbeatResponse } from '../protocol/generated/messages/HeartbeatResponse.js';
import type { Handler } from './types.js';
import { withGroupErrors } from './group-errors.js';

export const heartbeatHandler: Handler<HeartbeatRequest, HeartbeatResponse> = {
  apiKey: 12,
  minVersion: 0,
  maxVersion: 4,
  async handle(services, request, { version }) {
    const errorCode = await withGroupErrors(
      services,
      () => services.groups.heartbeat({ groupId: request.groupId, memberId: request.memberId, groupInstanceId: version >= 3 ? request.groupInstanceId : null, generationId: request.generationId }),
      (code) => code,
    );
    return { throttleTimeMs: 0, errorCode };
  },
};

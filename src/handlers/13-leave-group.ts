/**
 * LeaveGroup (key 13), v0-v5: v0-v2 one member by id; v3+ a batch of members, static ones by
 * group.instance.id (KIP-345), each with its own error code. The others rebalance.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { LeaveGroupRequest } from '../protocol/generated/messages/LeaveGroupRequest.js';
import type { LeaveGroupResponse } from '../protocol/generated/messages/LeaveGroupResponse.js';
import type { Handler } from './types.js';
import { withGroupErrors } from './group-errors.js';

export const leaveGroupHandler: Handler<LeaveGroupRequest, LeaveGroupResponse> = {
  apiKey: 13,
  minVersion: 0,
  maxVersion: 5,
  async handle(services, request, { version }) {
    const leaving = version >= 3 ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId })) : [{ memberId: request.memberId, groupInstanceId: null }];
    return withGroupErrors(services, async () => {
      const codes = await services.groups.leave(request.groupId, leaving);
      if (version < 3) return { throttleTimeMs: 0, errorCode: codes[0]!, members: [] };
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, members: leaving.map((m, i) => ({ ...m, errorCode: codes[i]! })) };
    }, (errorCode) => ({ throttleTimeMs: 0, errorCode, members: [] }));
  },
};

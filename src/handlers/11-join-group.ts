/**
 * JoinGroup (key 11), v0-v9: the classic group protocol's join phase (see
 * coordinator/group/group-shard.ts). The response waits until the group's join phase ends.
 * v0 has no rebalance timeout (the session timeout stands in, as in Kafka); v4+ new members get
 * their id with MEMBER_ID_REQUIRED first (KIP-394); v5+ static members (group.instance.id);
 * v7+ protocol type and name in the answer; v9 reason (ignored) and skipAssignment (KIP-814: set
 * for a static leader that restarts into its Stable group, which keeps its assignment).
 */
import type { JoinGroupRequest } from '../protocol/generated/messages/JoinGroupRequest.js';
import type { JoinGroupResponse } from '../protocol/generated/messages/JoinGroupResponse.js';
import type { Handler } from './types.js';
import { withGroupErrors } from './group-errors.js';
import { clientHostOf } from './client-host.js';

export const joinGroupHandler: Handler<JoinGroupRequest, JoinGroupResponse> = {
  apiKey: 11,
  minVersion: 0,
  maxVersion: 9,
  async handle(services, request, { version, header, ctx }) {
    const failed = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId: request.memberId, members: [] });
    return withGroupErrors(services, async () => {
      const r = await services.groups.join({
        groupId: request.groupId,
        memberId: request.memberId,
        groupInstanceId: version >= 5 ? request.groupInstanceId : null,
        clientId: header.clientId ?? '',
        clientHost: clientHostOf(ctx.remoteAddress),
        sessionTimeoutMs: request.sessionTimeoutMs,
        rebalanceTimeoutMs: version >= 1 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
        protocolType: request.protocolType,
        protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
        requireKnownMemberId: version >= 4,
        supportsSkipAssignment: version >= 9,
      });
      // Before v7 the protocol name is not nullable: an error answers with an empty one.
      return { throttleTimeMs: 0, ...r, protocolName: r.protocolName ?? (version >= 7 ? null : '') };
    }, failed);
  },
};

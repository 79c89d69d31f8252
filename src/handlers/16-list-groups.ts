/**
 * ListGroups (key 16), v0-v5: every group this node coordinates; v4+ filters by state and v5+
 * by type, both case-insensitively as Kafka does. All groups here are "classic".
 */
import { ErrorCode } from '../protocol/errors.js';
import type { ListGroupsRequest } from '../protocol/generated/messages/ListGroupsRequest.js';
import type { ListGroupsResponse } from '../protocol/generated/messages/ListGroupsResponse.js';
import type { Handler } from './types.js';

const GROUP_TYPE = 'classic';

export const listGroupsHandler: Handler<ListGroupsRequest, ListGroupsResponse> = {
  apiKey: 16,
  minVersion: 0,
  maxVersion: 5,
  async handle(services, request, { version }) {
    const states = new Set((version >= 4 ? request.statesFilter : []).map((s) => s.toLowerCase()));
    const types = new Set((version >= 5 ? request.typesFilter : []).map((s) => s.toLowerCase()));
    const groups = services.groups
      .list()
      .filter((g) => (states.size === 0 || states.has(g.state.toLowerCase())) && (types.size === 0 || types.has(GROUP_TYPE)))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.state, groupType: GROUP_TYPE }));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
  },
};

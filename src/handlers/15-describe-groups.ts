/**
 * DescribeGroups (key 15), v0-v5: state, protocol type, chosen protocol and members of each
 * group. As in Kafka, member metadata and assignments (and the protocol) are shown only for a
 * Stable group; an unknown group is "Dead" with no error. Authorized operations are not
 * computed (no ACLs yet): Kafka's "not requested" value, INT32_MIN.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { DescribeGroupsRequest } from '../protocol/generated/messages/DescribeGroupsRequest.js';
import type { DescribeGroupsResponse } from '../protocol/generated/messages/DescribeGroupsResponse.js';
import type { Handler } from './types.js';
import { groupErrorCode } from './group-errors.js';

const OPERATIONS_NOT_REQUESTED = -2147483648;

export const describeGroupsHandler: Handler<DescribeGroupsRequest, DescribeGroupsResponse> = {
  apiKey: 15,
  minVersion: 0,
  maxVersion: 5,
  async handle(services, request) {
    const groups = request.groups.map((groupId) => {
      const dead = (errorCode: number) => ({ errorCode, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [], authorizedOperations: OPERATIONS_NOT_REQUESTED });
      try {
        const g = services.groups.describe(groupId);
        if (g === null) return dead(ErrorCode.NONE);
        return {
          errorCode: ErrorCode.NONE,
          groupId,
          groupState: g.state,
          protocolType: g.protocolType,
          protocolData: g.protocolName,
          members: g.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, clientId: m.clientId, clientHost: m.clientHost, memberMetadata: m.metadata, memberAssignment: m.assignment })),
          authorizedOperations: OPERATIONS_NOT_REQUESTED,
        };
      } catch (e) {
        return dead(groupErrorCode(services, e));
      }
    });
    return { throttleTimeMs: 0, groups };
  },
};

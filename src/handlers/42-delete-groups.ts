/**
 * DeleteGroups (key 42), v0-v2: deletes empty groups with their committed offsets (tombstones
 * in __consumer_offsets); GROUP_ID_NOT_FOUND for unknown groups, NON_EMPTY_GROUP while members
 * remain. Each group answers for itself.
 */
import type { DeleteGroupsRequest } from '../protocol/generated/messages/DeleteGroupsRequest.js';
import type { DeleteGroupsResponse } from '../protocol/generated/messages/DeleteGroupsResponse.js';
import type { Handler } from './types.js';
import { withGroupErrors } from './group-errors.js';

export const deleteGroupsHandler: Handler<DeleteGroupsRequest, DeleteGroupsResponse> = {
  apiKey: 42,
  minVersion: 0,
  maxVersion: 2,
  async handle(services, request) {
    const results = await Promise.all(
      request.groupsNames.map(async (groupId) => ({ groupId, errorCode: await withGroupErrors(services, () => services.groups.deleteGroup(groupId), (code) => code) })),
    );
    return { throttleTimeMs: 0, results };
  },
};

/**
 * AlterConfigs (key 33), v0-v2: the legacy, non-incremental API — the configs given become the
 * resource's whole dynamic config set (keys not named are deleted), as Kafka does. TOPIC and
 * BROKER ("" = cluster default, or this node's id) resources; validation, messages and records
 * come from the controller's pure alterConfigs (see controller/config-admin.ts). Committed
 * ConfigRecords apply at once: the broker recomputes its effective config and topic configs on
 * every metadata change and the replica manager pushes the new settings into the open logs.
 * validateOnly checks and writes nothing.
 */
import { alterConfigs } from '../controller/config-admin.js';
import type { AlterConfigsRequest } from '../protocol/generated/messages/AlterConfigsRequest.js';
import type { AlterConfigsResponse } from '../protocol/generated/messages/AlterConfigsResponse.js';
import type { Handler } from './types.js';

export const alterConfigsHandler: Handler<AlterConfigsRequest, AlterConfigsResponse> = {
  apiKey: 33,
  minVersion: 0,
  maxVersion: 2,
  async handle(services, request) {
    const responses = await services.metadata.run((image) =>
      alterConfigs(image, request, { nodeId: services.nodeId, staticBrokerConfig: services.config }),
    );
    return { throttleTimeMs: 0, responses };
  },
};

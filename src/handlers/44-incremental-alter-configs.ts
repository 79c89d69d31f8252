/**
 * IncrementalAlterConfigs (key 44), v0-v1: SET, DELETE, APPEND and SUBTRACT (LIST keys only) on
 * TOPIC and BROKER resources ("" = cluster-wide default, or this node's id). Validation, Kafka's
 * messages and the ConfigRecords come from the controller's pure incrementalAlterConfigs (see
 * controller/config-admin.ts): topic values through the config table (INVALID_CONFIG naming the
 * key), broker keys must be dynamic (read-only ones: INVALID_REQUEST "Cannot update these configs
 * dynamically: Set(k)"). Changes apply without a restart. validateOnly checks and writes nothing.
 * Kafka quirks kept on purpose: broker problems are INVALID_REQUEST, not INVALID_CONFIG
 * (KAFKA-13609); broker ConfigRecords are written even for unchanged values (KAFKA-14136).
 * Not served: BROKER_LOGGER (log4j levels), CLIENT_METRICS and GROUP resources (INVALID_REQUEST).
 */
import { incrementalAlterConfigs } from '../controller/config-admin.js';
import type { IncrementalAlterConfigsRequest } from '../protocol/generated/messages/IncrementalAlterConfigsRequest.js';
import type { IncrementalAlterConfigsResponse } from '../protocol/generated/messages/IncrementalAlterConfigsResponse.js';
import type { Handler } from './types.js';

export const incrementalAlterConfigsHandler: Handler<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> = {
  apiKey: 44,
  minVersion: 0,
  maxVersion: 1,
  async handle(services, request) {
    const responses = await services.metadata.run((image) =>
      incrementalAlterConfigs(image, request, { nodeId: services.nodeId, staticBrokerConfig: services.config }),
    );
    return { throttleTimeMs: 0, responses };
  },
};

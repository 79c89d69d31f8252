/**
 * CreateTopics (key 19), v2-v7 (Kafka 4.0 serves v2+). Validation and records come from the
 * controller's pure createTopics; the records are committed to __cluster_metadata before the
 * answer, so a created topic is immediately usable. validateOnly checks everything and writes
 * nothing. Replication factors above the number of brokers get Kafka's INVALID_REPLICATION_FACTOR
 * message.
 */
import { createTopics } from '../controller/controller.js';
import type { CreateTopicsRequest } from '../protocol/generated/messages/CreateTopicsRequest.js';
import type { CreateTopicsResponse } from '../protocol/generated/messages/CreateTopicsResponse.js';
import { controllerContext } from './controller-context.js';
import type { Handler } from './types.js';

export const createTopicsHandler: Handler<CreateTopicsRequest, CreateTopicsResponse> = {
  apiKey: 19,
  minVersion: 2,
  maxVersion: 7,
  async handle(services, request) {
    return services.metadata.run((image) => createTopics(image, request, controllerContext(services, image)));
  },
};

/**
 * CreatePartitions (key 37), v0-v3. The controller's pure createPartitions checks each topic and
 * writes a PartitionRecord per new partition; the replica manager then opens their logs before
 * the answer. Only increases (INVALID_PARTITIONS "Topic already has N partition(s)." / "... would
 * not be an increase."); manual assignments need one broker list per new partition, of the
 * topic's replication factor, naming registered brokers (INVALID_REPLICA_ASSIGNMENT with Kafka's
 * messages); validateOnly checks everything and writes nothing; a topic named twice is
 * INVALID_REQUEST "Duplicate topic name.". An unknown topic is UNKNOWN_TOPIC_OR_PARTITION with a
 * null message, as Kafka's controller sends it.
 */
import { createPartitions } from '../controller/topic-admin.js';
import type { CreatePartitionsRequest } from '../protocol/generated/messages/CreatePartitionsRequest.js';
import type { CreatePartitionsResponse } from '../protocol/generated/messages/CreatePartitionsResponse.js';
import { controllerContext } from './controller-context.js';
import type { Handler } from './types.js';

export const createPartitionsHandler: Handler<CreatePartitionsRequest, CreatePartitionsResponse> = {
  apiKey: 37,
  minVersion: 0,
  maxVersion: 3,
  async handle(services, request) {
    const results = await services.metadata.run((image) => createPartitions(image, request, controllerContext(services, image)));
    return { throttleTimeMs: 0, results };
  },
};

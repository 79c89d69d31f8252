/**
 * DeleteTopics (key 20), v1-v6 (Kafka 4.0 dropped v0). v1-v5 name topics; v6 names each topic by
 * name or by id. The controller's pure deleteTopics resolves them against the image and writes a
 * RemoveTopicRecord per topic; the answer comes once the records are committed and the replica
 * manager has removed the partitions and deleted their logs (Kafka answers at commit and deletes
 * the logs asynchronously; here both happen before the answer).
 * Errors: unknown name UNKNOWN_TOPIC_OR_PARTITION, unknown id UNKNOWN_TOPIC_ID, name and id both
 * or neither, duplicates: INVALID_REQUEST with Kafka's messages. delete.topic.enable=false
 * answers every topic TOPIC_DELETION_DISABLED (INVALID_REQUEST before v3), as Kafka does.
 * Kafka quirks kept on purpose: internal topics (__consumer_offsets, __transaction_state) are
 * not refused by the broker — only kafka-topics.sh refuses them; __cluster_metadata is not a
 * topic of the image, so deleting it answers UNKNOWN_TOPIC_OR_PARTITION.
 */
import { deleteTopics, type TopicToDelete } from '../controller/topic-admin.js';
import { ErrorCode } from '../protocol/errors.js';
import type { DeleteTopicsRequest } from '../protocol/generated/messages/DeleteTopicsRequest.js';
import type { DeleteTopicsResponse } from '../protocol/generated/messages/DeleteTopicsResponse.js';
import { ZERO_UUID } from '../protocol/primitives/types.js';
import type { Handler } from './types.js';

export const deleteTopicsHandler: Handler<DeleteTopicsRequest, DeleteTopicsResponse> = {
  apiKey: 20,
  minVersion: 1,
  maxVersion: 6,
  async handle(services, request, info) {
    const byId = info.version >= 6;
    const topics: TopicToDelete[] = byId
      ? request.topics.map((t) => ({ name: t.name, topicId: t.topicId }))
      : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    if (!services.config.values.deleteTopicEnable) {
      const errorCode = info.version < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED;
      return { throttleTimeMs: 0, responses: topics.map((t) => ({ name: t.name, topicId: t.topicId, errorCode, errorMessage: null })) };
    }
    const responses = await services.metadata.run((image) => deleteTopics(image, topics));
    return { throttleTimeMs: 0, responses };
  },
};

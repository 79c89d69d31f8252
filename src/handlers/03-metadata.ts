/**
 * Metadata (key 3), v0-v12. Brokers are this node's advertised listener for the port the
 * request came in on; ControllerId is this node (a real broker id: KafkaJS's admin needs that).
 * Topics: null (v1+) means all, [] means none; unknown names are created when the request and
 * auto.create.topics.enable allow it (synchronously: the answer already carries the new topic).
 * v10+ carries topic ids; v12 may ask by id.
 */
import { createTopics, isInternalTopic } from '../controller/controller.js';
import type { MetadataImage, TopicState } from '../controller/metadata-image.js';
import { METADATA_TOPIC, topicNameProblem } from '../controller/topic-names.js';
import { ErrorCode } from '../protocol/errors.js';
import type { MetadataRequest } from '../protocol/generated/messages/MetadataRequest.js';
import type { MetadataResponse, MetadataResponseTopic } from '../protocol/generated/messages/MetadataResponse.js';
import type { Input } from '../protocol/primitives/types.js';
import { ZERO_UUID } from '../protocol/primitives/types.js';
import { controllerContext } from './controller-context.js';
import type { BrokerServices, Handler } from './types.js';

const NO_AUTHORIZED_OPERATIONS = -2147483648;

function topicMetadata(topic: TopicState): Input<MetadataResponseTopic> {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: isInternalTopic(topic.name),
    partitions: [...topic.partitions.values()]
      .sort((a, b) => a.partition - b.partition)
      .map((p) => ({
        errorCode: p.leader >= 0 ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
        partitionIndex: p.partition,
        leaderId: p.leader,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: p.replicas,
        isrNodes: p.isr,
        offlineReplicas: [],
      })),
    topicAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
  };
}

function unknownTopic(name: string | null, topicId: string, errorCode: number): Input<MetadataResponseTopic> {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: NO_AUTHORIZED_OPERATIONS };
}

async function autoCreate(services: BrokerServices, names: string[]): Promise<void> {
  if (names.length === 0) return;
  await services.metadata.run((image: MetadataImage) =>
    createTopics(
      image,
      { topics: names.map((name) => ({ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] })), timeoutMs: 0, validateOnly: false },
      controllerContext(services, image),
    ),
  );
}

export const metadataHandler: Handler<MetadataRequest, MetadataResponse> = {
  apiKey: 3,
  minVersion: 0,
  maxVersion: 12,
  async handle(services, request, info) {
    const image = services.metadata.image;
    const requested = info.version === 0 && request.topics !== null && request.topics.length === 0 ? null : request.topics;
    const autoCreateAllowed = services.config.values.autoCreateTopicsEnable && (info.version < 4 || request.allowAutoTopicCreation);
    if (requested !== null && autoCreateAllowed) {
      const missing = requested
        .map((t) => t.name)
        .filter((n): n is string => n !== null && !image.topicsByName.has(n) && topicNameProblem(n) === null && !isInternalTopic(n) && n !== METADATA_TOPIC);
      await autoCreate(services, [...new Set(missing)]);
    }
    const topics: Input<MetadataResponseTopic>[] = [];
    if (requested === null) {
      for (const t of image.topicsByName.values()) if (t.name !== METADATA_TOPIC) topics.push(topicMetadata(t));
    } else {
      for (const t of requested) {
        const byId = t.topicId !== ZERO_UUID && t.name === null;
        const found = byId ? image.topicsById.get(t.topicId) : t.name !== null ? image.topicsByName.get(t.name) : undefined;
        if (found) topics.push(topicMetadata(found));
        else if (byId) topics.push(unknownTopic(null, t.topicId, ErrorCode.UNKNOWN_TOPIC_ID));
        else if (t.name !== null && topicNameProblem(t.name) !== null) topics.push(unknownTopic(t.name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION));
        else topics.push(unknownTopic(t.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
      }
    }
    const listener = services.listenerForPort(info.ctx.localPort);
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: services.nodeId, host: listener.host, port: listener.port, rack: services.config.values.brokerRack ?? null }],
      clusterId: services.clusterId,
      controllerId: services.nodeId,
      topics,
      clusterAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
    };
  },
};

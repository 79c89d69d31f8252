/**
 * DescribeTopicPartitions (key 75), v0 (KIP-966): topics in name order with their partitions,
 * paged. As Kafka's DescribeTopicPartitionsRequestHandler and KRaftMetadataCache do:
 * - an empty topic list means every topic; names are de-duplicated and sorted; topics before the
 *   cursor's topic are skipped, and the cursor's topic starts at the cursor's partition;
 * - with an explicit list the cursor's topic must be in it, else every topic is answered
 *   INVALID_REQUEST; names that do not exist get UNKNOWN_TOPIC_OR_PARTITION (or
 *   INVALID_TOPIC_EXCEPTION) with no partitions, and do not count against the limit;
 * - at most min(responsePartitionLimit, 2000) partitions (Kafka's
 *   max.request.partition.size.limit default); when the limit cuts a topic, nextCursor names that
 *   topic and its first partition left out; when it falls exactly on a topic boundary and more
 *   topics follow, nextCursor names the next topic at partition 0 (which may not exist);
 * - a leader without an endpoint on this listener is -1; replicas whose broker is unknown, fenced
 *   or has no endpoint on this listener are offline; ELR lists are empty (no ELR yet);
 * - topicAuthorizedOperations: every topic operation (no authorizer).
 */
import { isInternalTopic } from '../controller/controller.js';
import type { TopicState } from '../controller/metadata-image.js';
import { METADATA_TOPIC, topicNameProblem } from '../controller/topic-names.js';
import { ErrorCode } from '../protocol/errors.js';
import type { DescribeTopicPartitionsRequest } from '../protocol/generated/messages/DescribeTopicPartitionsRequest.js';
import type {
  DescribeTopicPartitionsResponse,
  DescribeTopicPartitionsResponsePartition,
  DescribeTopicPartitionsResponseTopic,
} from '../protocol/generated/messages/DescribeTopicPartitionsResponse.js';
import type { Input } from '../protocol/primitives/types.js';
import { ZERO_UUID } from '../protocol/primitives/types.js';
import { aliveBrokerNodes, offlineReplicas, TOPIC_OPERATIONS } from './cluster-view.js';
import type { Handler } from './types.js';

/** Kafka's max.request.partition.size.limit default. */
const MAX_PARTITIONS_PER_RESPONSE = 2000;

type TopicOut = Input<DescribeTopicPartitionsResponseTopic>;
type PartitionOut = Input<DescribeTopicPartitionsResponsePartition>;

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const describeTopicPartitionsHandler: Handler<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse> = {
  apiKey: 75,
  minVersion: 0,
  maxVersion: 0,
  async handle(services, request, info) {
    const image = services.metadata.image;
    const cursor = request.cursor;
    const cursorTopic = cursor?.topicName ?? '';
    const fetchAll = request.topics.length === 0;
    const candidates = fetchAll ? [...image.topicsByName.keys()].filter((n) => n !== METADATA_TOPIC) : request.topics.map((t) => t.name);
    const names = [...new Set(candidates.filter((n) => byCodePoint(n, cursorTopic) >= 0))].sort(byCodePoint);
    if (!fetchAll && cursor !== null && !names.includes(cursor.topicName)) {
      const topics = request.topics.map((t): TopicOut => ({ errorCode: ErrorCode.INVALID_REQUEST, name: t.name, topicId: ZERO_UUID, partitions: [] }));
      return { throttleTimeMs: 0, topics, nextCursor: null };
    }
    const listener = services.listenerForPort(info.ctx.localPort).name;
    const alive = aliveBrokerNodes(image, listener);
    let remaining = Math.min(MAX_PARTITIONS_PER_RESPONSE, request.responsePartitionLimit);
    const topics: TopicOut[] = [];
    let nextCursor: { topicName: string; partitionIndex: number } | null = null;
    for (const name of names) {
      if (remaining === 0) {
        nextCursor = { topicName: name, partitionIndex: 0 };
        break;
      }
      if (remaining < 0) break; // a negative limit answers nothing, as in Kafka
      const topic: TopicState | undefined = name === METADATA_TOPIC ? undefined : image.topicsByName.get(name);
      if (!topic) {
        if (!fetchAll) {
          const errorCode = topicNameProblem(name) === null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION;
          topics.push({ errorCode, name, topicId: ZERO_UUID, isInternal: isInternalTopic(name), partitions: [], topicAuthorizedOperations: TOPIC_OPERATIONS });
        }
        continue;
      }
      const start = name === cursorTopic && cursor !== null ? Math.max(0, cursor.partitionIndex) : 0;
      const upper = Math.min(topic.partitions.size, start + remaining);
      const partitions: PartitionOut[] = [];
      for (let id = start; id < upper; id++) {
        const p = topic.partitions.get(id);
        if (!p) continue;
        partitions.push({
          errorCode: ErrorCode.NONE,
          partitionIndex: id,
          leaderId: alive.has(p.leader) ? p.leader : -1,
          leaderEpoch: p.leaderEpoch,
          replicaNodes: p.replicas,
          isrNodes: p.isr,
          eligibleLeaderReplicas: [],
          lastKnownElr: [],
          offlineReplicas: offlineReplicas(image, p.replicas, listener),
        });
      }
      topics.push({
        errorCode: ErrorCode.NONE,
        name,
        topicId: topic.topicId,
        isInternal: isInternalTopic(name),
        partitions,
        topicAuthorizedOperations: TOPIC_OPERATIONS,
      });
      if (upper < topic.partitions.size) {
        nextCursor = { topicName: name, partitionIndex: upper };
        break;
      }
      remaining -= partitions.length;
    }
    return { throttleTimeMs: 0, topics, nextCursor };
  },
};

/**
 * Topic deletion and partition growth as pure controller functions (image + request → records +
 * response), following Kafka's ControllerApis and ReplicationControlManager:
 * - deleteTopics: names and ids are resolved against the image, duplicates and malformed
 *   entries are refused, and each existing topic gets one RemoveTopicRecord. Kafka's controller
 *   does not refuse internal topics (only kafka-topics.sh does), and neither does this; the
 *   metadata log (__cluster_metadata) is not a topic of the image, so it cannot be deleted.
 * - createPartitions: only increases; manual assignments must name one registered broker list of
 *   the topic's replication factor per new partition; new partitions get PartitionRecords.
 */
import { ErrorCode, errorInfo } from '../protocol/errors.js';
import type { Input, Uuid } from '../protocol/primitives/types.js';
import { ZERO_UUID } from '../protocol/primitives/types.js';
import type { CreatePartitionsRequest } from '../protocol/generated/messages/CreatePartitionsRequest.js';
import type { CreatePartitionsResponseCreatePartitionsTopicResult } from '../protocol/generated/messages/CreatePartitionsResponse.js';
import type { DeleteTopicsResponseDeletableTopicResult } from '../protocol/generated/messages/DeleteTopicsResponse.js';
import { assignReplicas, type ControllerContext, type ControllerResult } from './controller.js';
import type { MetadataImage } from './metadata-image.js';
import { MetadataRecordType, type NewMetadataRecord } from './metadata-records.js';

/** One topic to delete, as DeleteTopics v6 names it (v0-v5 requests become { name, ZERO_UUID }). */
export interface TopicToDelete {
  name: string | null;
  topicId: Uuid;
}

export type DeletableTopicResult = Input<DeleteTopicsResponseDeletableTopicResult>;

/**
 * Kafka's deleteTopics: entries with neither or both of name and id are INVALID_REQUEST,
 * duplicates (by name, by id, or a name that maps to an id also given) are INVALID_REQUEST,
 * unknown names UNKNOWN_TOPIC_OR_PARTITION, unknown ids UNKNOWN_TOPIC_ID; every other topic is
 * removed. Results come in request order (Kafka shuffles them; any order is valid).
 */
export function deleteTopics(image: MetadataImage, topics: readonly TopicToDelete[]): ControllerResult<DeletableTopicResult[]> {
  const results: DeletableTopicResult[] = [];
  const fail = (name: string | null, topicId: Uuid, errorCode: number, message: string | null): void => {
    results.push({ name, topicId, errorCode, errorMessage: message });
  };
  const nameCount = new Map<string, number>();
  const idCount = new Map<Uuid, number>();
  for (const t of topics) {
    if (t.name !== null && t.topicId === ZERO_UUID) nameCount.set(t.name, (nameCount.get(t.name) ?? 0) + 1);
    if (t.name === null && t.topicId !== ZERO_UUID) idCount.set(t.topicId, (idCount.get(t.topicId) ?? 0) + 1);
  }
  // Ids the request names, directly or through a name.
  const idsNamed = new Map<Uuid, number>();
  for (const t of topics) {
    if (t.name === null && t.topicId !== ZERO_UUID) idsNamed.set(t.topicId, (idsNamed.get(t.topicId) ?? 0) + 1);
    if (t.name !== null && t.topicId === ZERO_UUID && nameCount.get(t.name) === 1) {
      const id = image.topicsByName.get(t.name)?.topicId;
      if (id !== undefined) idsNamed.set(id, (idsNamed.get(id) ?? 0) + 1);
    }
  }
  const records: NewMetadataRecord[] = [];
  const reported = new Set<string>();
  for (const t of topics) {
    if (t.name === null && t.topicId === ZERO_UUID) {
      fail(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.');
      continue;
    }
    if (t.name !== null && t.topicId !== ZERO_UUID) {
      fail(t.name, t.topicId, ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.');
      continue;
    }
    if (t.name !== null) {
      if (nameCount.get(t.name)! > 1) {
        if (!reported.has(`n:${t.name}`)) fail(t.name, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.');
        reported.add(`n:${t.name}`);
        continue;
      }
      const topic = image.topicsByName.get(t.name);
      if (!topic) {
        fail(t.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorInfo(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).message);
        continue;
      }
      if (idsNamed.get(topic.topicId)! > 1) {
        fail(t.name, topic.topicId, ErrorCode.INVALID_REQUEST, 'The provided topic name maps to an ID that was already supplied.');
        continue;
      }
      records.push({ type: MetadataRecordType.RemoveTopic, version: 0, data: { topicId: topic.topicId } });
      results.push({ name: topic.name, topicId: topic.topicId, errorCode: ErrorCode.NONE, errorMessage: null });
      continue;
    }
    if (idCount.get(t.topicId)! > 1) {
      if (!reported.has(`i:${t.topicId}`)) fail(null, t.topicId, ErrorCode.INVALID_REQUEST, 'Duplicate topic id.');
      reported.add(`i:${t.topicId}`);
      continue;
    }
    const topic = image.topicsById.get(t.topicId);
    if (!topic) {
      fail(null, t.topicId, ErrorCode.UNKNOWN_TOPIC_ID, errorInfo(ErrorCode.UNKNOWN_TOPIC_ID).message);
      continue;
    }
    // A name elsewhere in the request mapping to this id is answered on that entry; the id
    // itself is then not deleted either (Kafka drops both).
    if (idsNamed.get(topic.topicId)! > 1) continue;
    records.push({ type: MetadataRecordType.RemoveTopic, version: 0, data: { topicId: topic.topicId } });
    results.push({ name: topic.name, topicId: topic.topicId, errorCode: ErrorCode.NONE, errorMessage: null });
  }
  return { records, response: results };
}

export type CreatePartitionsTopicResult = Input<CreatePartitionsResponseCreatePartitionsTopicResult>;

class CreatePartitionsProblem extends Error {
  constructor(readonly errorCode: number, message: string | null) {
    super(message ?? '');
    this.messageOrNull = message;
  }
  readonly messageOrNull: string | null;
}

function newPartitionRecords(
  image: MetadataImage,
  t: CreatePartitionsRequest['topics'][number],
  ctx: ControllerContext,
): NewMetadataRecord[] {
  const topic = image.topicsByName.get(t.name);
  if (!topic) throw new CreatePartitionsProblem(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
  const current = topic.partitions.size;
  if (t.count === current) throw new CreatePartitionsProblem(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partition(s).`);
  if (t.count < current) {
    throw new CreatePartitionsProblem(ErrorCode.INVALID_PARTITIONS, `The topic ${t.name} currently has ${current} partition(s); ${t.count} would not be an increase.`);
  }
  const additional = t.count - current;
  if (t.assignments !== null && t.assignments.length !== additional) {
    throw new CreatePartitionsProblem(
      ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      `Attempted to add ${additional} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`,
    );
  }
  const first = topic.partitions.get(0) ?? [...topic.partitions.values()][0];
  if (!first) throw new CreatePartitionsProblem(ErrorCode.UNKNOWN_SERVER_ERROR, null);
  const replicationFactor = first.replicas.length;
  const active = new Set(ctx.brokerIds);
  let assignments: number[][];
  if (t.assignments !== null) {
    assignments = t.assignments.map((a, i) => {
      const replicas = [...a.brokerIds];
      const bad = (message: string): never => {
        throw new CreatePartitionsProblem(ErrorCode.INVALID_REPLICA_ASSIGNMENT, message);
      };
      if (replicas.length === 0) bad('The manual partition assignment includes an empty replica list.');
      const sorted = [...replicas].sort((x, y) => x - y);
      sorted.forEach((b, j) => {
        if (!image.brokers.has(b) && !active.has(b)) bad(`The manual partition assignment includes broker ${b}, but no such broker is registered.`);
        if (j > 0 && sorted[j - 1] === b) bad(`The manual partition assignment includes the broker ${b} more than once.`);
      });
      if (replicas.length !== replicationFactor) {
        bad(`The manual partition assignment includes a partition with ${replicas.length} replica(s), but this is not consistent with previous partitions, which have ${replicationFactor} replica(s).`);
      }
      if (!replicas.some((b) => active.has(b))) {
        bad(`All brokers specified in the manual partition assignment for partition ${current + i} are fenced or in controlled shutdown.`);
      }
      return replicas;
    });
  } else {
    if (replicationFactor > ctx.brokerIds.length) {
      throw new CreatePartitionsProblem(
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only ${ctx.brokerIds.length} broker(s) are registered.`,
      );
    }
    assignments = assignReplicas(ctx.brokerIds, additional, replicationFactor, current);
  }
  return assignments.map((replicas, i) => {
    const isr = replicas.filter((b) => active.has(b));
    return {
      type: MetadataRecordType.Partition,
      version: 0,
      data: {
        partitionId: current + i,
        topicId: topic.topicId,
        replicas,
        isr,
        removingReplicas: [],
        addingReplicas: [],
        leader: isr[0]!,
        leaderEpoch: 0,
        partitionEpoch: 0,
      },
    };
  });
}

/** Kafka's createPartitions; validateOnly computes everything and returns no records. */
export function createPartitions(
  image: MetadataImage,
  request: Pick<CreatePartitionsRequest, 'topics' | 'validateOnly'>,
  ctx: ControllerContext,
): ControllerResult<CreatePartitionsTopicResult[]> {
  const counts = new Map<string, number>();
  for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const records: NewMetadataRecord[] = [];
  const results: CreatePartitionsTopicResult[] = [];
  for (const t of request.topics) {
    if (counts.get(t.name)! > 1) {
      results.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic name.' });
      continue;
    }
    try {
      const added = newPartitionRecords(image, t, ctx);
      if (!request.validateOnly) records.push(...added);
      results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (e) {
      if (!(e instanceof CreatePartitionsProblem)) throw e;
      results.push({ name: t.name, errorCode: e.errorCode, errorMessage: e.messageOrNull });
    }
  }
  return { records, response: results };
}

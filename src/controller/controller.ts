/**
 * The controller's topic operations as pure functions (DESIGN: request + metadata image →
 * metadata records + response). Nothing here changes the image: the caller appends the records
 * to the metadata log and replays them. Randomness (topic ids) is injected.
 */
import { ErrorCode, errorInfo } from '../protocol/errors.js';
import type { Input } from '../protocol/primitives/types.js';
import type { NewMetadataRecord } from './metadata-records.js';
import { MetadataRecordType } from './metadata-records.js';
import { ConfigResourceType, type MetadataImage } from './metadata-image.js';
import { INTERNAL_TOPICS, topicNameProblem } from './topic-names.js';
import type { CreateTopicsRequest } from '../protocol/generated/messages/CreateTopicsRequest.js';
import type { CreateTopicsResponse, CreateTopicsResponseCreatableTopicResult } from '../protocol/generated/messages/CreateTopicsResponse.js';

export interface ControllerContext {
  /** Brokers that can host replicas (registered, not fenced). */
  brokerIds: readonly number[];
  defaultNumPartitions: number;
  defaultReplicationFactor: number;
  /** Checks topic config overrides; returns a problem message or null. */
  validateTopicConfigs(configs: Record<string, string>): string | null;
  /** A fresh random topic id (base64url of 16 random bytes). */
  newTopicId(): string;
}

export interface ControllerResult<R> {
  records: NewMetadataRecord[];
  response: R;
}

/** A topic's records: TopicRecord, a PartitionRecord per partition, ConfigRecords for its overrides. */
export function topicCreationRecords(
  name: string,
  topicId: string,
  assignments: readonly (readonly number[])[],
  configs: Readonly<Record<string, string>>,
): NewMetadataRecord[] {
  const records: NewMetadataRecord[] = [{ type: MetadataRecordType.Topic, version: 0, data: { name, topicId } }];
  for (const [key, value] of Object.entries(configs)) {
    records.push({ type: MetadataRecordType.Config, version: 0, data: { resourceType: ConfigResourceType.TOPIC, resourceName: name, name: key, value } });
  }
  assignments.forEach((replicas, partitionId) => {
    records.push({
      type: MetadataRecordType.Partition,
      version: 0,
      data: { partitionId, topicId, replicas: [...replicas], isr: [...replicas], removingReplicas: [], addingReplicas: [], leader: replicas[0]!, leaderEpoch: 0, partitionEpoch: 0 },
    });
  });
  return records;
}

/** Spreads partitions over brokers round-robin, starting at a rotating offset (leaders spread too). */
export function assignReplicas(brokerIds: readonly number[], partitions: number, replicationFactor: number, startIndex = 0): number[][] {
  const sorted = [...brokerIds].sort((a, b) => a - b);
  const out: number[][] = [];
  for (let p = 0; p < partitions; p++) {
    const replicas: number[] = [];
    for (let r = 0; r < replicationFactor; r++) replicas.push(sorted[(startIndex + p + r) % sorted.length]!);
    out.push(replicas);
  }
  return out;
}

export function createTopics(
  image: MetadataImage,
  request: CreateTopicsRequest,
  ctx: ControllerContext,
): ControllerResult<Input<CreateTopicsResponse>> {
  const records: NewMetadataRecord[] = [];
  const results: Input<CreateTopicsResponseCreatableTopicResult>[] = [];
  const seen = new Set<string>();
  for (const t of request.topics) {
    const fail = (errorCode: number, message?: string): void => {
      results.push({ name: t.name, errorCode, errorMessage: message ?? errorInfo(errorCode).message, topicConfigErrorCode: 0 });
    };
    if (seen.has(t.name)) {
      fail(ErrorCode.INVALID_REQUEST, `Duplicate topic name ${t.name} in the request.`);
      continue;
    }
    seen.add(t.name);
    const nameProblem = topicNameProblem(t.name);
    if (nameProblem !== null) {
      fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
      continue;
    }
    if (image.topicsByName.has(t.name)) {
      fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${t.name}' already exists.`);
      continue;
    }
    const configs: Record<string, string> = {};
    for (const c of t.configs) if (c.value !== null) configs[c.name] = c.value;
    const configProblem = ctx.validateTopicConfigs(configs);
    if (configProblem !== null) {
      fail(ErrorCode.INVALID_CONFIG, configProblem);
      continue;
    }
    let assignments: number[][];
    if (t.assignments.length > 0) {
      if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
        fail(ErrorCode.INVALID_REQUEST, 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.');
        continue;
      }
      const sorted = [...t.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
      if (sorted.some((a, i) => a.partitionIndex !== i)) {
        fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'Partitions should be numbered consecutively from 0.');
        continue;
      }
      const unknown = sorted.flatMap((a) => a.brokerIds).find((b) => !ctx.brokerIds.includes(b));
      if (unknown !== undefined || sorted.some((a) => a.brokerIds.length === 0 || new Set(a.brokerIds).size !== a.brokerIds.length)) {
        fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, unknown !== undefined ? `The manual partition assignment includes broker ${unknown}, but no such broker is registered.` : 'Invalid replica assignment.');
        continue;
      }
      assignments = sorted.map((a) => a.brokerIds);
    } else {
      const partitions = t.numPartitions === -1 ? ctx.defaultNumPartitions : t.numPartitions;
      const rf = t.replicationFactor === -1 ? ctx.defaultReplicationFactor : t.replicationFactor;
      if (partitions <= 0) {
        fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
        continue;
      }
      if (rf <= 0) {
        fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
        continue;
      }
      if (rf > ctx.brokerIds.length) {
        fail(
          ErrorCode.INVALID_REPLICATION_FACTOR,
          `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only ${ctx.brokerIds.length} broker(s) are registered.`,
        );
        continue;
      }
      assignments = assignReplicas(ctx.brokerIds, partitions, rf, image.topicsByName.size);
    }
    const topicId = ctx.newTopicId();
    if (!request.validateOnly) records.push(...topicCreationRecords(t.name, topicId, assignments, configs));
    results.push({
      name: t.name,
      topicId,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      numPartitions: assignments.length,
      replicationFactor: assignments[0]!.length,
      configs: null,
    });
  }
  return { records, response: { throttleTimeMs: 0, topics: results } };
}

/** Records that delete a topic (RemoveTopicRecord), or null when unknown. */
export function deleteTopicRecords(image: MetadataImage, name: string): NewMetadataRecord[] | null {
  const topic = image.topicsByName.get(name);
  if (!topic) return null;
  return [{ type: MetadataRecordType.RemoveTopic, version: 0, data: { topicId: topic.topicId } }];
}

export function isInternalTopic(name: string): boolean {
  return INTERNAL_TOPICS.has(name);
}

/**
 * The admin client: topics, partitions, configs, offsets, records, groups (groups.ts) and the
 * cluster. Every call
 * takes an optional `timeoutMs` (default default.api.timeout.ms) that bounds it, retries
 * included; retriable errors (a lost connection, NOT_CONTROLLER, a leader moving) are retried
 * with backoff. Per-item broker errors are thrown as KafkaError (code, errorName, retriable, the
 * broker's message, and `context` naming the topic / resource); when several items fail, the
 * first one in request order is thrown. Call per item to handle each outcome separately.
 */
import { ApiKey } from '../../protocol/generated/registry.js';
import { ErrorCode, KafkaError, errorInfo } from '../../protocol/errors.js';
import { ZERO_UUID } from '../../protocol/primitives/types.js';
import type { CreateTopicsResponse } from '../../protocol/generated/messages/CreateTopicsResponse.js';
import type { DeleteTopicsResponse } from '../../protocol/generated/messages/DeleteTopicsResponse.js';
import type { MetadataResponse } from '../../protocol/generated/messages/MetadataResponse.js';
import type { CreatePartitionsResponse } from '../../protocol/generated/messages/CreatePartitionsResponse.js';
import type { DescribeConfigsResponse } from '../../protocol/generated/messages/DescribeConfigsResponse.js';
import type { AlterConfigsResponse } from '../../protocol/generated/messages/AlterConfigsResponse.js';
import type { IncrementalAlterConfigsResponse } from '../../protocol/generated/messages/IncrementalAlterConfigsResponse.js';
import type { DeleteRecordsResponse } from '../../protocol/generated/messages/DeleteRecordsResponse.js';
import type { DescribeClusterResponse } from '../../protocol/generated/messages/DescribeClusterResponse.js';
import { Cluster, isStaleMetadataError, metadataRequest } from '../cluster.js';
import type { AdminConfig } from '../config.js';
import type { Response } from '../connection.js';
import { ClientClosedError } from '../errors.js';
import {
  EARLIEST_LOCAL_TIMESTAMP,
  EARLIEST_TIMESTAMP,
  LATEST_TIERED_TIMESTAMP,
  LATEST_TIMESTAMP,
  MAX_TIMESTAMP,
  listOffsets,
  tpKey,
} from '../list-offsets.js';
import { apiName } from '../versions.js';
import { GroupAdmin, checkGroupId } from './groups.js';
import type { GroupResult } from './coordinators.js';
import type {
  DeletedGroupOffset,
  GroupDescription,
  GroupListing,
  GroupOffsetItem,
  GroupOffsets,
  ListGroupOffsetsItem,
  ListGroupsOptions,
} from './group-types.js';
import type {
  AlterConfigsItem,
  ApiVersionRange,
  BrokerApiVersions,
  ClientLogger,
  ClusterDescription,
  ConfigEntry,
  ConfigResourceTypeName,
  ConfigSourceName,
  ConfigTypeName,
  CreatedTopic,
  DeleteRecordsItem,
  DeletedRecords,
  DescribeConfigsRequestItem,
  IncrementalAlterConfigsItem,
  ListOffsetsItem,
  ListedOffset,
  NewPartitions,
  NewTopic,
  ResourceConfigs,
  TopicDescription,
  TopicPartition,
} from '../types.js';

export interface AdminCallOptions {
  /** Bound of the whole call, retries included (default: default.api.timeout.ms). */
  timeoutMs?: number;
}

export interface ValidateOptions extends AdminCallOptions {
  /** Check everything, change nothing. */
  validateOnly?: boolean;
}

const RESOURCE_TYPES: Record<ConfigResourceTypeName, number> = { topic: 2, group: 32, broker: 4, 'broker-logger': 8, 'client-metrics': 16 };
const RESOURCE_NAMES = new Map(Object.entries(RESOURCE_TYPES).map(([k, v]) => [v, k as ConfigResourceTypeName]));
const SOURCES: readonly ConfigSourceName[] = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
  'CLIENT_METRICS_CONFIG',
  'GROUP_CONFIG',
];
const CONFIG_TYPES: readonly ConfigTypeName[] = ['UNKNOWN', 'BOOLEAN', 'STRING', 'INT', 'SHORT', 'LONG', 'DOUBLE', 'LIST', 'CLASS', 'PASSWORD'];
const OPS = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

function sourceName(n: number): ConfigSourceName {
  return SOURCES[n] ?? 'UNKNOWN';
}

function throwIfError(code: number, message: string | null | undefined, context: Record<string, unknown>): void {
  if (code !== ErrorCode.NONE) throw new KafkaError(code, message ?? undefined, context);
}

/** The results in `keys` order; throws the first error (admin calls throw the first failing item's). */
function valuesOrThrow<R>(keys: readonly string[], results: ReadonlyMap<string, GroupResult<R>>): R[] {
  return keys.map((k) => {
    const r = results.get(k);
    if (r instanceof KafkaError) throw r;
    return r as R;
  });
}

function checkTopicName(topic: unknown, what: string): string {
  if (typeof topic !== 'string' || topic === '') throw new TypeError(`${what}: topic must be a non-empty string`);
  return topic;
}

export class Admin {
  readonly config: AdminConfig;
  private readonly cluster: Cluster;
  private readonly groups: GroupAdmin;
  private closed = false;

  /** @internal Use `kafka.admin(config)`. */
  constructor(config: AdminConfig, clientId: string, logger: ClientLogger) {
    this.config = config;
    this.cluster = new Cluster({ config, clientId, maxInFlight: 5, allowAutoTopicCreation: false, logger });
    this.groups = new GroupAdmin(this.cluster, config);
  }

  private deadline(options?: AdminCallOptions): number {
    if (this.closed) throw new ClientClosedError('the admin client is closed');
    return Date.now() + (options?.timeoutMs ?? this.config.defaultApiTimeoutMs);
  }

  private call<T>(
    target: number | 'any' | 'controller',
    apiKey: number,
    build: (version: number) => unknown,
    deadlineMs: number,
    check?: (body: T, version: number) => void,
  ): Promise<Response<T>> {
    return this.cluster.requestWithRetry<T>(target, apiKey, build, { deadlineMs, retries: this.config.retries, check });
  }

  // ---- topics ----

  /**
   * Creates topics. Resolves with what the broker reports for each (id, partitions, replication
   * factor, configs); throws the first topic's error (TOPIC_ALREADY_EXISTS, INVALID_CONFIG, ...).
   */
  async createTopics(topics: readonly NewTopic[], options: ValidateOptions = {}): Promise<CreatedTopic[]> {
    const deadlineMs = this.deadline(options);
    for (const t of topics) checkTopicName(t.topic, 'createTopics()');
    const request = {
      topics: topics.map((t) => ({
        name: t.topic,
        numPartitions: t.assignments !== undefined ? -1 : (t.numPartitions ?? -1),
        replicationFactor: t.assignments !== undefined ? -1 : (t.replicationFactor ?? -1),
        assignments: Object.entries(t.assignments ?? {}).map(([p, brokerIds]) => ({ partitionIndex: Number(p), brokerIds: [...brokerIds] })),
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs: Math.max(0, deadlineMs - Date.now()),
      validateOnly: options.validateOnly ?? false,
    };
    const { body } = await this.call<CreateTopicsResponse>('controller', ApiKey.CreateTopics, () => request, deadlineMs, (b) => {
      // NOT_CONTROLLER (and other retriable) answers are retried as a whole.
      const retry = b.topics.find((t) => t.errorCode !== ErrorCode.NONE && errorInfo(t.errorCode).retriable);
      if (retry !== undefined) throw new KafkaError(retry.errorCode, retry.errorMessage ?? undefined, { topic: retry.name });
    });
    const byName = new Map(body.topics.map((t) => [t.name, t]));
    return topics.map((t) => {
      const r = byName.get(t.topic);
      if (r === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `no result for topic ${t.topic}`, { topic: t.topic });
      throwIfError(r.errorCode, r.errorMessage, { topic: t.topic });
      return {
        topic: r.name,
        topicId: r.topicId,
        numPartitions: r.numPartitions,
        replicationFactor: r.replicationFactor,
        configs: (r.configs ?? []).map((c) => ({
          name: c.name,
          value: c.value,
          source: sourceName(c.configSource),
          isDefault: c.configSource === 5,
          isReadOnly: c.readOnly,
          isSensitive: c.isSensitive,
          synonyms: [],
          type: 'UNKNOWN' as const,
          documentation: null,
        })),
      };
    });
  }

  /** Deletes topics by name; throws the first topic's error (e.g. UNKNOWN_TOPIC_OR_PARTITION). */
  async deleteTopics(topics: readonly string[], options: AdminCallOptions = {}): Promise<void> {
    const deadlineMs = this.deadline(options);
    for (const t of topics) checkTopicName(t, 'deleteTopics()');
    const { body } = await this.call<DeleteTopicsResponse>(
      'controller',
      ApiKey.DeleteTopics,
      (version) => ({
        topicNames: version < 6 ? [...topics] : [],
        topics: version >= 6 ? topics.map((name) => ({ name, topicId: ZERO_UUID })) : [],
        timeoutMs: Math.max(0, deadlineMs - Date.now()),
      }),
      deadlineMs,
      (b) => {
        const retry = b.responses.find((t) => t.errorCode !== ErrorCode.NONE && errorInfo(t.errorCode).retriable && t.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (retry !== undefined) throw new KafkaError(retry.errorCode, retry.errorMessage ?? undefined, { topic: retry.name });
      },
    );
    const byName = new Map(body.responses.map((t) => [t.name, t]));
    for (const t of topics) {
      const r = byName.get(t);
      if (r === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `no result for topic ${t}`, { topic: t });
      throwIfError(r.errorCode, r.errorMessage, { topic: t });
    }
  }

  /** Topic names, sorted; internal topics (__consumer_offsets, ...) only with listInternal. */
  async listTopics(options: AdminCallOptions & { listInternal?: boolean } = {}): Promise<string[]> {
    const body = await this.metadata(null, this.deadline(options));
    return body.topics
      .filter((t) => t.errorCode === ErrorCode.NONE && t.name !== null && (options.listInternal === true || !t.isInternal))
      .map((t) => t.name!)
      .sort();
  }

  /**
   * Describes topics (all topics when `topics` is omitted). Throws UNKNOWN_TOPIC_OR_PARTITION
   * (context.topic) for a topic that does not exist.
   */
  async describeTopics(topics?: readonly string[], options: AdminCallOptions = {}): Promise<TopicDescription[]> {
    const body = await this.metadata(topics ?? null, this.deadline(options));
    const byName = new Map(body.topics.map((t) => [t.name, t]));
    const names = topics ?? body.topics.filter((t) => t.errorCode === ErrorCode.NONE && t.name !== null).map((t) => t.name!).sort();
    return names.map((name) => {
      const t = byName.get(name);
      if (t === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${name}' does not exist.`, { topic: name });
      throwIfError(t.errorCode, t.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ? `Topic '${name}' does not exist.` : undefined, { topic: name });
      return {
        topic: name,
        topicId: t.topicId,
        isInternal: t.isInternal,
        partitions: [...t.partitions]
          .sort((a, b) => a.partitionIndex - b.partitionIndex)
          .map((p) => ({
            partition: p.partitionIndex,
            leader: p.leaderId,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicaNodes,
            isr: p.isrNodes,
            offlineReplicas: p.offlineReplicas,
            error: p.errorCode === ErrorCode.NONE ? null : new KafkaError(p.errorCode, undefined, { topic: name, partition: p.partitionIndex }),
          })),
      };
    });
  }

  /** Raises partition counts; throws the first topic's error (INVALID_PARTITIONS, ...). */
  async createPartitions(items: readonly NewPartitions[], options: ValidateOptions = {}): Promise<void> {
    const deadlineMs = this.deadline(options);
    const { body } = await this.call<CreatePartitionsResponse>(
      'controller',
      ApiKey.CreatePartitions,
      () => ({
        topics: items.map((i) => ({ name: checkTopicName(i.topic, 'createPartitions()'), count: i.count, assignments: i.assignments === undefined ? null : i.assignments.map((b) => ({ brokerIds: [...b] })) })),
        timeoutMs: Math.max(0, deadlineMs - Date.now()),
        validateOnly: options.validateOnly ?? false,
      }),
      deadlineMs,
      (b) => {
        const retry = b.results.find((t) => t.errorCode !== ErrorCode.NONE && errorInfo(t.errorCode).retriable && t.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        if (retry !== undefined) throw new KafkaError(retry.errorCode, retry.errorMessage ?? undefined, { topic: retry.name });
      },
    );
    const byName = new Map(body.results.map((t) => [t.name, t]));
    for (const i of items) {
      const r = byName.get(i.topic);
      if (r === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `no result for topic ${i.topic}`, { topic: i.topic });
      throwIfError(r.errorCode, r.errorMessage, { topic: i.topic });
    }
  }

  // ---- configs ----

  /**
   * Configs of topics and brokers. A broker resource goes to that broker (name = its id); the
   * cluster-wide default (name "") and topics go to any broker.
   */
  async describeConfigs(
    resources: readonly DescribeConfigsRequestItem[],
    options: AdminCallOptions & { includeSynonyms?: boolean; includeDocumentation?: boolean } = {},
  ): Promise<ResourceConfigs[]> {
    const deadlineMs = this.deadline(options);
    const groups = this.groupByTarget(resources);
    const results = new Map<string, ResourceConfigs>();
    await Promise.all(
      [...groups].map(async ([target, list]) => {
        const { body } = await this.call<DescribeConfigsResponse>(target, ApiKey.DescribeConfigs, (version) => ({
          resources: list.map((r) => ({ resourceType: RESOURCE_TYPES[r.type], resourceName: r.name, configurationKeys: r.keys === undefined ? null : [...r.keys] })),
          includeSynonyms: options.includeSynonyms ?? false,
          includeDocumentation: version >= 3 ? (options.includeDocumentation ?? false) : false,
        }), deadlineMs);
        for (const r of body.results) {
          const type = RESOURCE_NAMES.get(r.resourceType) ?? 'topic';
          throwIfError(r.errorCode, r.errorMessage, { resourceType: type, resourceName: r.resourceName, ...(type === 'topic' ? { topic: r.resourceName } : {}) });
          results.set(`${type}\u0000${r.resourceName}`, {
            type,
            name: r.resourceName,
            configs: r.configs.map(
              (c): ConfigEntry => ({
                name: c.name,
                value: c.value,
                source: sourceName(c.configSource),
                isDefault: c.isDefault || c.configSource === 5,
                isReadOnly: c.readOnly,
                isSensitive: c.isSensitive,
                synonyms: c.synonyms.map((s) => ({ name: s.name, value: s.value, source: sourceName(s.source) })),
                type: CONFIG_TYPES[c.configType] ?? 'UNKNOWN',
                documentation: c.documentation,
              }),
            ),
          });
        }
      }),
    );
    return resources.map((r) => {
      const found = results.get(`${r.type}\u0000${r.name}`);
      if (found === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `no result for ${r.type} ${r.name}`, { resourceType: r.type, resourceName: r.name });
      return found;
    });
  }

  /** The legacy AlterConfigs: each resource's dynamic config becomes exactly `configs`. */
  async alterConfigs(items: readonly AlterConfigsItem[], options: ValidateOptions = {}): Promise<void> {
    const deadlineMs = this.deadline(options);
    await Promise.all(
      [...this.groupByTarget(items)].map(async ([target, list]) => {
        const { body } = await this.call<AlterConfigsResponse>(target, ApiKey.AlterConfigs, () => ({
          resources: list.map((r) => ({ resourceType: RESOURCE_TYPES[r.type], resourceName: r.name, configs: Object.entries(r.configs).map(([name, value]) => ({ name, value })) })),
          validateOnly: options.validateOnly ?? false,
        }), deadlineMs);
        this.checkAlterResponses(body.responses);
      }),
    );
  }

  /** IncrementalAlterConfigs: set / delete / append / subtract individual keys. */
  async incrementalAlterConfigs(items: readonly IncrementalAlterConfigsItem[], options: ValidateOptions = {}): Promise<void> {
    const deadlineMs = this.deadline(options);
    await Promise.all(
      [...this.groupByTarget(items)].map(async ([target, list]) => {
        const { body } = await this.call<IncrementalAlterConfigsResponse>(target, ApiKey.IncrementalAlterConfigs, () => ({
          resources: list.map((r) => ({
            resourceType: RESOURCE_TYPES[r.type],
            resourceName: r.name,
            configs: r.ops.map((o) => {
              const op = OPS[o.op];
              if (op === undefined) throw new TypeError(`incrementalAlterConfigs(): unknown op ${String(o.op)}`);
              return { name: o.name, configOperation: op, value: o.value ?? null };
            }),
          })),
          validateOnly: options.validateOnly ?? false,
        }), deadlineMs);
        this.checkAlterResponses(body.responses);
      }),
    );
  }

  private checkAlterResponses(responses: readonly { errorCode: number; errorMessage: string | null; resourceType: number; resourceName: string }[]): void {
    for (const r of responses) {
      const type = RESOURCE_NAMES.get(r.resourceType) ?? 'topic';
      throwIfError(r.errorCode, r.errorMessage, { resourceType: type, resourceName: r.resourceName, ...(type === 'topic' ? { topic: r.resourceName } : {}) });
    }
  }

  /** Broker resources with a numeric name go to that broker; everything else to any broker. */
  private groupByTarget<T extends { type: ConfigResourceTypeName; name: string }>(items: readonly T[]): Map<number | 'any', T[]> {
    const out = new Map<number | 'any', T[]>();
    for (const i of items) {
      if (RESOURCE_TYPES[i.type] === undefined) throw new TypeError(`unknown config resource type ${String(i.type)}`);
      const target = (i.type === 'broker' || i.type === 'broker-logger') && /^\d+$/.test(i.name) ? Number(i.name) : 'any';
      let l = out.get(target);
      if (l === undefined) out.set(target, (l = []));
      l.push(i);
    }
    return out;
  }

  // ---- offsets and records ----

  /** Offsets per partition for Kafka's OffsetSpec: earliest, latest, max-timestamp, or a time. */
  async listOffsets(items: readonly ListOffsetsItem[], options: AdminCallOptions & { isolationLevel?: 'read_uncommitted' | 'read_committed' } = {}): Promise<ListedOffset[]> {
    const deadlineMs = this.deadline(options);
    const timestampOf = (spec: ListOffsetsItem['spec']): number => {
      if (typeof spec === 'object' && spec !== null) {
        if (!Number.isSafeInteger(spec.timestamp) || spec.timestamp < 0) throw new TypeError(`listOffsets(): invalid timestamp ${spec.timestamp}`);
        return spec.timestamp;
      }
      switch (spec) {
        case 'earliest':
          return EARLIEST_TIMESTAMP;
        case 'latest':
          return LATEST_TIMESTAMP;
        case 'max-timestamp':
          return MAX_TIMESTAMP;
        case 'earliest-local':
          return EARLIEST_LOCAL_TIMESTAMP;
        case 'latest-tiered':
          return LATEST_TIERED_TIMESTAMP;
        default:
          throw new TypeError(`listOffsets(): unknown offset spec ${String(spec)}`);
      }
    };
    const queries = items.map((i) => ({ topic: i.topic, partition: i.partition, timestamp: timestampOf(i.spec) }));
    const found = await listOffsets(this.cluster, queries, options.isolationLevel === 'read_committed' ? 1 : 0, deadlineMs);
    return items.map((i, n) => {
      const a = found[n]!;
      return { topic: i.topic, partition: i.partition, offset: a.offset, timestamp: a.timestamp, leaderEpoch: a.leaderEpoch };
    });
  }

  /** Deletes records below the given offsets (sent to each partition's leader). */
  async deleteRecords(items: readonly DeleteRecordsItem[], options: AdminCallOptions = {}): Promise<DeletedRecords[]> {
    const deadlineMs = this.deadline(options);
    const topics = [...new Set(items.map((i) => checkTopicName(i.topic, 'deleteRecords()')))];
    await this.cluster.waitForTopics(topics, deadlineMs, undefined, 'default.api.timeout.ms');
    const byLeader = new Map<number, DeleteRecordsItem[]>();
    for (const i of items) {
      const leader = this.cluster.leaderFor(i.topic, i.partition);
      if (leader < 0) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `partition ${i.topic}-${i.partition} has no leader or does not exist`, { topic: i.topic, partition: i.partition });
      let l = byLeader.get(leader);
      if (l === undefined) byLeader.set(leader, (l = []));
      l.push(i);
    }
    const results = new Map<string, DeletedRecords>();
    await Promise.all(
      [...byLeader].map(async ([leader, list]) => {
        const byTopic = new Map<string, DeleteRecordsItem[]>();
        for (const i of list) {
          let l = byTopic.get(i.topic);
          if (l === undefined) byTopic.set(i.topic, (l = []));
          l.push(i);
        }
        const { body } = await this.call<DeleteRecordsResponse>(leader, ApiKey.DeleteRecords, () => ({
          topics: [...byTopic].map(([name, l]) => ({ name, partitions: l.map((i) => ({ partitionIndex: i.partition, offset: BigInt(i.offset) })) })),
          timeoutMs: Math.max(0, deadlineMs - Date.now()),
        }), deadlineMs, (b) => {
          for (const t of b.topics) {
            for (const p of t.partitions) {
              if (p.errorCode !== ErrorCode.NONE && errorInfo(p.errorCode).retriable && isStaleMetadataError(p.errorCode) && p.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
                throw new KafkaError(p.errorCode, undefined, { topic: t.name, partition: p.partitionIndex });
              }
            }
          }
        });
        for (const t of body.topics) {
          for (const p of t.partitions) {
            throwIfError(p.errorCode, undefined, { topic: t.name, partition: p.partitionIndex });
            results.set(tpKey(t.name, p.partitionIndex), { topic: t.name, partition: p.partitionIndex, lowWatermark: Number(p.lowWatermark) });
          }
        }
      }),
    );
    return items.map((i) => {
      const r = results.get(tpKey(i.topic, i.partition));
      if (r === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `no result for ${i.topic}-${i.partition}`, { topic: i.topic, partition: i.partition });
      return r;
    });
  }

  // ---- groups ----

  /**
   * Every group of the cluster (ListGroups to each broker), sorted by id; `states` and `types`
   * filter them (a broker older than ListGroups v4 cannot filter by state: UNSUPPORTED_VERSION).
   */
  async listGroups(options: AdminCallOptions & ListGroupsOptions = {}): Promise<GroupListing[]> {
    return this.groups.listGroups(options, this.deadline(options));
  }

  /**
   * Describes groups (DescribeGroups to each group's coordinator): state, protocol, members with
   * client id, host and, for consumer groups, decoded subscription and assignment, and the
   * coordinator. A group that does not exist is GROUP_ID_NOT_FOUND (context.groupId).
   */
  async describeGroups(groupIds: readonly string[], options: AdminCallOptions & { includeAuthorizedOperations?: boolean } = {}): Promise<GroupDescription[]> {
    const deadlineMs = this.deadline(options);
    for (const g of groupIds) checkGroupId(g, 'describeGroups()');
    return valuesOrThrow(groupIds, await this.groups.describeGroups(groupIds, options.includeAuthorizedOperations ?? false, deadlineMs));
  }

  /** Deletes groups and their offsets; a group with members is NON_EMPTY_GROUP, an unknown one GROUP_ID_NOT_FOUND. */
  async deleteGroups(groupIds: readonly string[], options: AdminCallOptions = {}): Promise<void> {
    const deadlineMs = this.deadline(options);
    for (const g of groupIds) checkGroupId(g, 'deleteGroups()');
    valuesOrThrow(groupIds, await this.groups.deleteGroups(groupIds, deadlineMs));
  }

  /**
   * The committed offsets of groups (OffsetFetch): every partition with an offset, or the
   * partitions asked for (offset null where there is none). `requireStable` waits out
   * transactional commits in flight (OffsetFetch v7+).
   */
  async listConsumerGroupOffsets(items: readonly ListGroupOffsetsItem[], options: AdminCallOptions & { requireStable?: boolean } = {}): Promise<GroupOffsets[]> {
    const deadlineMs = this.deadline(options);
    for (const i of items) {
      checkGroupId(i.groupId, 'listConsumerGroupOffsets()');
      for (const p of i.partitions ?? []) checkTopicName(p.topic, 'listConsumerGroupOffsets()');
    }
    const groupIds = items.map((i) => i.groupId);
    return valuesOrThrow(groupIds, await this.groups.listConsumerGroupOffsets(items, options.requireStable ?? false, deadlineMs));
  }

  /**
   * Sets committed offsets of a group, as Kafka's admin does (OffsetCommit as a non-member):
   * only while the group has no active members; otherwise the coordinator's refusal
   * (UNKNOWN_MEMBER_ID, ...) is thrown with a message that says so.
   */
  async alterConsumerGroupOffsets(groupId: string, offsets: readonly GroupOffsetItem[], options: AdminCallOptions = {}): Promise<void> {
    const deadlineMs = this.deadline(options);
    checkGroupId(groupId, 'alterConsumerGroupOffsets()');
    if (offsets.length === 0) return;
    const r = await this.groups.alterConsumerGroupOffsets(groupId, offsets, deadlineMs);
    if (r instanceof KafkaError) throw r;
  }

  /**
   * Deletes committed offsets of a group (OffsetDelete). Group-level errors are thrown
   * (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP); each partition's outcome is returned (error null, or
   * e.g. GROUP_SUBSCRIBED_TO_TOPIC while members consume that topic).
   */
  async deleteConsumerGroupOffsets(groupId: string, partitions: readonly TopicPartition[], options: AdminCallOptions = {}): Promise<DeletedGroupOffset[]> {
    const deadlineMs = this.deadline(options);
    checkGroupId(groupId, 'deleteConsumerGroupOffsets()');
    const r = await this.groups.deleteConsumerGroupOffsets(groupId, partitions, deadlineMs);
    if (r instanceof KafkaError) throw r;
    return r;
  }

  // ---- cluster ----

  /** Cluster id, controller and brokers (DescribeCluster; Metadata on brokers without it). */
  async describeCluster(options: AdminCallOptions = {}): Promise<ClusterDescription> {
    const deadlineMs = this.deadline(options);
    const conn = await this.cluster.anyConnection();
    if (!conn.apiVersions.has(ApiKey.DescribeCluster)) {
      const body = await this.metadata([], deadlineMs);
      return { clusterId: body.clusterId, controllerId: body.controllerId, brokers: body.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })) };
    }
    const { body } = await this.call<DescribeClusterResponse>('any', ApiKey.DescribeCluster, () => ({ includeClusterAuthorizedOperations: false }), deadlineMs, (b) =>
      throwIfError(b.errorCode, b.errorMessage, {}),
    );
    return {
      clusterId: body.clusterId,
      controllerId: body.controllerId,
      brokers: body.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack })).sort((a, b) => a.nodeId - b.nodeId),
    };
  }

  /** Every broker's API version ranges, from its ApiVersions answer (kafka-broker-api-versions.sh). */
  async brokerApiVersions(options: AdminCallOptions = {}): Promise<BrokerApiVersions[]> {
    this.deadline(options);
    await this.metadata([], this.deadline(options));
    const all = await this.cluster.connectionsToAllBrokers();
    return all
      .map(({ node, connection }) => ({
        ...node,
        apis: [...connection.apiVersions]
          .sort((a, b) => a[0] - b[0])
          .map(([apiKey, r]): ApiVersionRange => ({ apiKey, name: apiName(apiKey), minVersion: r.minVersion, maxVersion: r.maxVersion })),
      }))
      .sort((a, b) => a.nodeId - b.nodeId);
  }

  /**
   * Sends any request (for tools needing an API this client has no method for): `build(version)`
   * returns the body for the negotiated version; resolves with the decoded answer. No retries.
   */
  async sendRequest<T = unknown>(apiKey: number, build: (version: number) => unknown, options: AdminCallOptions & { nodeId?: number } = {}): Promise<{ version: number; body: T }> {
    const deadlineMs = this.deadline(options);
    const conn = options.nodeId === undefined ? await this.cluster.anyConnection() : await this.cluster.connectionTo(options.nodeId);
    return conn.request<T>(apiKey, build, { timeoutMs: Math.max(1, Math.min(this.config.requestTimeoutMs, deadlineMs - Date.now())) });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cluster.close();
  }

  private async metadata(topics: readonly string[] | null, deadlineMs: number): Promise<MetadataResponse> {
    const { body } = await this.call<MetadataResponse>('any', ApiKey.Metadata, (version) => metadataRequest(topics, false, version), deadlineMs);
    this.cluster.applyMetadata(body, topics);
    return body;
  }
}

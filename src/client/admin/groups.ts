/**
 * The admin client's group calls, as Kafka's Admin makes them:
 *
 * - listGroups: ListGroups to every broker (each coordinates some groups), merged; the states
 *   filter needs v4+, the types filter is sent from v5 (older brokers only have classic groups,
 *   so it is applied here).
 * - describeGroups: DescribeGroups to each group's coordinator; members of "consumer" groups
 *   get their subscription and assignment decoded. A group the coordinator reports as Dead
 *   does not exist: GROUP_ID_NOT_FOUND, as Kafka 4.0's admin client says (KIP-1043).
 * - deleteGroups: DeleteGroups (a group with members is NON_EMPTY_GROUP).
 * - listConsumerGroupOffsets: OffsetFetch, several groups per request from v8, require_stable
 *   from v7 (UNSTABLE_OFFSET_COMMIT is retried).
 * - alterConsumerGroupOffsets: OffsetCommit as a non-member (generation -1, empty member id),
 *   which the coordinator accepts only while the group has no members; the errors it gives
 *   otherwise (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS) are reported as
 *   "the group is not empty".
 * - deleteConsumerGroupOffsets: OffsetDelete; group-level errors are thrown, partition-level
 *   ones (GROUP_SUBSCRIBED_TO_TOPIC, UNKNOWN_TOPIC_OR_PARTITION) come back per partition.
 *
 * Coordinator lookup and retries are in coordinators.ts.
 */
import { ApiKey } from '../../protocol/generated/registry.js';
import { ErrorCode, KafkaError, errorInfo } from '../../protocol/errors.js';
import type { ListGroupsResponse } from '../../protocol/generated/messages/ListGroupsResponse.js';
import type { DescribeGroupsResponse } from '../../protocol/generated/messages/DescribeGroupsResponse.js';
import type { DeleteGroupsResponse } from '../../protocol/generated/messages/DeleteGroupsResponse.js';
import type { OffsetFetchResponse } from '../../protocol/generated/messages/OffsetFetchResponse.js';
import type { OffsetCommitResponse } from '../../protocol/generated/messages/OffsetCommitResponse.js';
import type { OffsetDeleteResponse } from '../../protocol/generated/messages/OffsetDeleteResponse.js';
import type { MetadataResponse } from '../../protocol/generated/messages/MetadataResponse.js';
import { metadataRequest, type Cluster } from '../cluster.js';
import type { AdminConfig } from '../config.js';
import type { TopicPartition } from '../types.js';
import { decodeAssignment, decodeSubscription } from '../group/consumer-protocol.js';
import { groupByTopic, offsetCommitRequest, offsetFetchTopics } from '../group/offsets.js';
import { GroupCoordinators, type CoordinatorTarget, type GroupResult } from './coordinators.js';
import type {
  CommittedOffset,
  ConsumerAssignment,
  ConsumerSubscription,
  DeletedGroupOffset,
  GroupDescription,
  GroupListing,
  GroupOffsetItem,
  GroupOffsets,
  GroupTypeName,
  ListGroupOffsetsItem,
  ListGroupsOptions,
} from './group-types.js';

/** Kafka's protocol type of consumer groups. */
const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** A member's subscription, or null for bytes that are not one (DescribeGroups hands them over as they are). */
function subscriptionOf(bytes: Buffer): ConsumerSubscription | null {
  try {
    const s = decodeSubscription(bytes);
    return { version: s.version, topics: [...s.topics], userData: s.userData, ownedPartitions: [...s.ownedPartitions], generationId: s.generationId, rackId: s.rackId };
  } catch {
    return null;
  }
}

/** A member's assignment (none yet: empty), or null for bytes that are not one. */
function assignmentOf(bytes: Buffer): ConsumerAssignment | null {
  try {
    return decodeAssignment(bytes);
  } catch {
    return null;
  }
}

/** Kafka's group states by upper-case name, for the case-insensitive states filter. */
const STATE_NAMES = new Map(
  ['Unknown', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty', 'Assigning', 'Reconciling', 'NotReady'].map((s) => [s.toUpperCase(), s]),
);
/** Kafka's GroupType names as its admin client sends them in the types filter. */
const TYPE_NAMES: Record<GroupTypeName, string> = { classic: 'Classic', consumer: 'Consumer', share: 'Share', streams: 'Streams' };

/** OffsetCommit answers that mean the group has members, so a non-member may not commit. */
const ACTIVE_GROUP_ERRORS = new Set<number>([
  ErrorCode.UNKNOWN_MEMBER_ID,
  ErrorCode.ILLEGAL_GENERATION,
  ErrorCode.REBALANCE_IN_PROGRESS,
  ErrorCode.FENCED_MEMBER_EPOCH,
  ErrorCode.STALE_MEMBER_EPOCH,
]);
const COORDINATOR_ERRORS = new Set<number>([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR]);
const RETRY_UNSTABLE = new Set<number>([ErrorCode.UNSTABLE_OFFSET_COMMIT]);

/** OffsetFetch from which one request carries several groups. */
const OFFSET_FETCH_GROUPS_FROM = 8;
/** OffsetFetch from which `topics: null` means "every partition". */
const OFFSET_FETCH_ALL_FROM = 2;
const OFFSET_FETCH_REQUIRE_STABLE_FROM = 7;
const INT32_MIN = -2147483648;

export function checkGroupId(groupId: unknown, what: string): string {
  if (typeof groupId !== 'string' || groupId === '') throw new TypeError(`${what}: group id must be a non-empty string`);
  return groupId;
}

function checkPartition(tp: TopicPartition, what: string): void {
  if (typeof tp.topic !== 'string' || tp.topic === '') throw new TypeError(`${what}: topic must be a non-empty string`);
  if (!Number.isInteger(tp.partition) || tp.partition < 0) throw new TypeError(`${what}: invalid partition ${String(tp.partition)} of topic ${tp.topic}`);
}

function compareTp(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

/** The states filter in Kafka's spelling; an unknown state is a TypeError naming it. */
export function normalizeStates(states: readonly string[]): string[] {
  return states.map((s) => {
    const name = STATE_NAMES.get(String(s).trim().toUpperCase());
    if (name === undefined) throw new TypeError(`unknown group state '${s}' (known: ${[...STATE_NAMES.values()].join(', ')})`);
    return name;
  });
}

export class GroupAdmin {
  private readonly coordinators: GroupCoordinators;

  constructor(
    private readonly cluster: Cluster,
    private readonly config: AdminConfig,
  ) {
    this.coordinators = new GroupCoordinators(cluster, config);
  }

  /** Every group of every broker, sorted by id. */
  async listGroups(options: ListGroupsOptions, deadlineMs: number): Promise<GroupListing[]> {
    const states = normalizeStates(options.states ?? []);
    const types = [...new Set(options.types ?? [])];
    for (const t of types) if (TYPE_NAMES[t] === undefined) throw new TypeError(`unknown group type '${String(t)}' (known: ${Object.keys(TYPE_NAMES).join(', ')})`);
    // The brokers, from a Metadata answer for no topics (with retries, like every admin call).
    const { body: metadata } = await this.cluster.requestWithRetry<MetadataResponse>('any', ApiKey.Metadata, (v) => metadataRequest([], false, v), { deadlineMs, retries: this.config.retries });
    this.cluster.applyMetadata(metadata, []);
    const brokers = metadata.brokers.map((b) => b.nodeId);
    const perBroker = await Promise.all(
      brokers.map(async (nodeId) => {
        const { body, version } = await this.cluster.requestWithRetry<ListGroupsResponse>(
          nodeId,
          ApiKey.ListGroups,
          (v) => {
            if (states.length > 0 && v < 4) {
              throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `broker ${nodeId} speaks ListGroups v${v}, which cannot filter by state (v4+ can)`, { nodeId });
            }
            return { statesFilter: v >= 4 ? states : [], typesFilter: v >= 5 ? types.map((t) => TYPE_NAMES[t]) : [] };
          },
          {
            deadlineMs,
            retries: this.config.retries,
            check: (b) => {
              if (b.errorCode !== ErrorCode.NONE && errorInfo(b.errorCode).retriable) throw new KafkaError(b.errorCode, undefined, { nodeId });
            },
          },
        );
        if (body.errorCode !== ErrorCode.NONE) throw new KafkaError(body.errorCode, undefined, { nodeId });
        return body.groups.map(
          (g): GroupListing => ({
            groupId: g.groupId,
            protocolType: g.protocolType,
            state: version >= 4 ? g.groupState : null,
            type: version >= 5 ? g.groupType.toLowerCase() : null,
          }),
        )
          // Before v5 every group is a classic group: apply the types filter here.
          .filter((g) => version >= 5 || types.length === 0 || types.includes('classic'));
      }),
    );
    const seen = new Map<string, GroupListing>();
    for (const list of perBroker) for (const g of list) seen.set(g.groupId, g);
    return [...seen.values()].sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  async describeGroups(groupIds: readonly string[], includeAuthorizedOperations: boolean, deadlineMs: number): Promise<Map<string, GroupResult<GroupDescription>>> {
    return this.coordinators.forGroups<GroupDescription>(
      groupIds,
      async (target, groups) => {
        const { body } = await target.connection.request<DescribeGroupsResponse>(
          ApiKey.DescribeGroups,
          () => ({ groups: [...groups], includeAuthorizedOperations }),
          { timeoutMs: target.timeoutMs },
        );
        const out = new Map<string, GroupResult<GroupDescription>>();
        for (const g of body.groups) {
          const context = { groupId: g.groupId };
          if (g.errorCode !== ErrorCode.NONE) {
            out.set(g.groupId, new KafkaError(g.errorCode, g.errorCode === ErrorCode.GROUP_ID_NOT_FOUND ? `Group ${g.groupId} not found.` : undefined, context));
            continue;
          }
          if (g.groupState === 'Dead') {
            out.set(g.groupId, new KafkaError(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${g.groupId} not found.`, context));
            continue;
          }
          const consumer = g.protocolType === CONSUMER_PROTOCOL_TYPE;
          out.set(g.groupId, {
            groupId: g.groupId,
            state: g.groupState,
            protocolType: g.protocolType,
            protocol: g.protocolData,
            members: g.members.map((m) => ({
              memberId: m.memberId,
              groupInstanceId: m.groupInstanceId,
              clientId: m.clientId,
              host: m.clientHost,
              metadata: m.memberMetadata,
              assignment: m.memberAssignment,
              subscription: consumer ? subscriptionOf(m.memberMetadata) : null,
              consumerAssignment: consumer ? assignmentOf(m.memberAssignment) : null,
            })),
            coordinator: target.node,
            authorizedOperations: g.authorizedOperations === INT32_MIN ? null : g.authorizedOperations,
          });
        }
        return out;
      },
      { deadlineMs },
    );
  }

  async deleteGroups(groupIds: readonly string[], deadlineMs: number): Promise<Map<string, GroupResult<void>>> {
    return this.coordinators.forGroups<void>(
      groupIds,
      async (target, groups) => {
        const { body } = await target.connection.request<DeleteGroupsResponse>(ApiKey.DeleteGroups, () => ({ groupsNames: [...groups] }), { timeoutMs: target.timeoutMs });
        const out = new Map<string, GroupResult<void>>();
        for (const r of body.results) {
          out.set(r.groupId, r.errorCode === ErrorCode.NONE ? undefined : new KafkaError(r.errorCode, undefined, { groupId: r.groupId }));
        }
        return out;
      },
      { deadlineMs },
    );
  }

  async listConsumerGroupOffsets(items: readonly ListGroupOffsetsItem[], requireStable: boolean, deadlineMs: number): Promise<Map<string, GroupResult<GroupOffsets>>> {
    const wanted = new Map(items.map((i) => [i.groupId, i.partitions]));
    return this.coordinators.forGroups<GroupOffsets>(
      items.map((i) => i.groupId),
      async (target, groups) => {
        const version = target.connection.versionFor(ApiKey.OffsetFetch);
        if (requireStable && version < OFFSET_FETCH_REQUIRE_STABLE_FROM) {
          throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `the coordinator speaks OffsetFetch v${version}: requireStable needs v${OFFSET_FETCH_REQUIRE_STABLE_FROM}+`);
        }
        if (version >= OFFSET_FETCH_GROUPS_FROM) return this.offsetFetchBatched(target, groups, wanted, requireStable);
        const out = new Map<string, GroupResult<GroupOffsets>>();
        await Promise.all(groups.map(async (g) => out.set(g, await this.offsetFetchOne(target, g, wanted.get(g), requireStable))));
        return out;
      },
      { deadlineMs, retryCodes: RETRY_UNSTABLE },
    );
  }

  /** OffsetFetch v8+: every group of this coordinator in one request. */
  private async offsetFetchBatched(
    target: CoordinatorTarget,
    groups: readonly string[],
    wanted: ReadonlyMap<string, readonly TopicPartition[] | undefined>,
    requireStable: boolean,
  ): Promise<Map<string, GroupResult<GroupOffsets>>> {
    const { body } = await target.connection.request<OffsetFetchResponse>(
      ApiKey.OffsetFetch,
      (v) => {
        // Only if the connection lowered its version since the caller looked (a malformed
        // answer): a retriable error sends the groups again, one per request.
        if (v < OFFSET_FETCH_GROUPS_FROM) throw new KafkaError(ErrorCode.NETWORK_EXCEPTION, `OffsetFetch v${v} takes one group per request`);
        return {
          groups: groups.map((groupId) => {
            const ps = wanted.get(groupId);
            return {
              groupId,
              memberId: null,
              memberEpoch: -1,
              topics: ps === undefined ? null : offsetFetchTopics(ps),
            };
          }),
          requireStable,
        };
      },
      { timeoutMs: target.timeoutMs },
    );
    const out = new Map<string, GroupResult<GroupOffsets>>();
    for (const g of body.groups) {
      if (!groups.includes(g.groupId)) continue;
      out.set(g.groupId, offsetsOf(g.groupId, g.errorCode, g.topics, wanted.get(g.groupId)));
    }
    return out;
  }

  /** OffsetFetch before v8: one group per request. */
  private async offsetFetchOne(target: CoordinatorTarget, groupId: string, partitions: readonly TopicPartition[] | undefined, requireStable: boolean): Promise<GroupResult<GroupOffsets>> {
    const { body, version } = await target.connection.request<OffsetFetchResponse>(
      ApiKey.OffsetFetch,
      (v) => {
        if (partitions === undefined && v < OFFSET_FETCH_ALL_FROM) {
          throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `the coordinator speaks OffsetFetch v${v}: fetching every partition of a group needs v${OFFSET_FETCH_ALL_FROM}+`, { groupId });
        }
        return {
          groupId,
          topics: partitions === undefined ? null : offsetFetchTopics(partitions),
          requireStable,
        };
      },
      { maxVersion: OFFSET_FETCH_GROUPS_FROM - 1, timeoutMs: target.timeoutMs },
    );
    // The top-level error exists from v2; before, group errors come on every partition.
    return offsetsOf(groupId, version >= 2 ? body.errorCode : ErrorCode.NONE, body.topics, partitions);
  }

  async alterConsumerGroupOffsets(groupId: string, offsets: readonly GroupOffsetItem[], deadlineMs: number): Promise<GroupResult<void>> {
    for (const o of offsets) {
      checkPartition(o, 'alterConsumerGroupOffsets()');
      if (!Number.isSafeInteger(o.offset) || o.offset < 0) throw new TypeError(`alterConsumerGroupOffsets(): invalid offset ${String(o.offset)} for ${o.topic}-${o.partition}`);
    }
    const results = await this.coordinators.forGroups<void>(
      [groupId],
      async (target) => {
        const { body } = await target.connection.request<OffsetCommitResponse>(
          ApiKey.OffsetCommit,
          (version) => offsetCommitRequest(version, groupId, null, null, offsets),
          { timeoutMs: target.timeoutMs },
        );
        return new Map([[groupId, commitOutcome(groupId, body)]]);
      },
      { deadlineMs },
    );
    return results.get(groupId)!;
  }

  async deleteConsumerGroupOffsets(groupId: string, partitions: readonly TopicPartition[], deadlineMs: number): Promise<GroupResult<DeletedGroupOffset[]>> {
    for (const p of partitions) checkPartition(p, 'deleteConsumerGroupOffsets()');
    const results = await this.coordinators.forGroups<DeletedGroupOffset[]>(
      [groupId],
      async (target) => {
        const { body } = await target.connection.request<OffsetDeleteResponse>(
          ApiKey.OffsetDelete,
          () => ({ groupId, topics: [...groupByTopic(partitions)].map(([name, l]) => ({ name, partitions: l.map((p) => ({ partitionIndex: p.partition })) })) }),
          { timeoutMs: target.timeoutMs },
        );
        if (body.errorCode !== ErrorCode.NONE) return new Map([[groupId, new KafkaError(body.errorCode, undefined, { groupId })]]);
        const answered = new Map<string, number>();
        for (const t of body.topics) for (const p of t.partitions) answered.set(`${t.name}\u0000${p.partitionIndex}`, p.errorCode);
        const out: DeletedGroupOffset[] = partitions.map((p) => {
          const code = answered.get(`${p.topic}\u0000${p.partition}`);
          const error =
            code === undefined
              ? new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `no result for ${p.topic}-${p.partition}`, { groupId, topic: p.topic, partition: p.partition })
              : code === ErrorCode.NONE
                ? null
                : new KafkaError(code, undefined, { groupId, topic: p.topic, partition: p.partition });
          return { topic: p.topic, partition: p.partition, error };
        });
        return new Map([[groupId, out]]);
      },
      { deadlineMs },
    );
    return results.get(groupId)!;
  }
}

/** One group's OffsetFetch answer as committed offsets, or its error. */
function offsetsOf(
  groupId: string,
  groupError: number,
  topics: readonly { name: string; partitions: readonly { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string | null; errorCode: number }[] }[],
  asked: readonly TopicPartition[] | undefined,
): GroupResult<GroupOffsets> {
  if (groupError !== ErrorCode.NONE) return new KafkaError(groupError, undefined, { groupId });
  const found = new Map<string, CommittedOffset>();
  for (const t of topics) {
    for (const p of t.partitions) {
      if (p.errorCode !== ErrorCode.NONE) return new KafkaError(p.errorCode, undefined, { groupId, topic: t.name, partition: p.partitionIndex });
      const offset = Number(p.committedOffset);
      found.set(`${t.name}\u0000${p.partitionIndex}`, {
        topic: t.name,
        partition: p.partitionIndex,
        offset: offset < 0 ? null : offset,
        leaderEpoch: p.committedLeaderEpoch < 0 ? null : p.committedLeaderEpoch,
        metadata: offset < 0 ? null : p.metadata,
      });
    }
  }
  for (const tp of asked ?? []) {
    const key = `${tp.topic}\u0000${tp.partition}`;
    if (!found.has(key)) found.set(key, { topic: tp.topic, partition: tp.partition, offset: null, leaderEpoch: null, metadata: null });
  }
  const offsets = [...found.values()].filter((o) => asked !== undefined || o.offset !== null).sort(compareTp);
  return { groupId, offsets };
}

/** An OffsetCommit answer as the group's outcome: coordinator errors retry, member errors say why. */
function commitOutcome(groupId: string, body: OffsetCommitResponse): GroupResult<void> {
  for (const t of body.topics) {
    for (const p of t.partitions) {
      if (p.errorCode === ErrorCode.NONE) continue;
      const context = { groupId, topic: t.name, partition: p.partitionIndex };
      if (COORDINATOR_ERRORS.has(p.errorCode)) return new KafkaError(p.errorCode, undefined, context);
      if (ACTIVE_GROUP_ERRORS.has(p.errorCode)) {
        const info = errorInfo(p.errorCode);
        return new KafkaError(
          p.errorCode,
          `Offsets of group '${groupId}' can only be altered while the group has no active members; the coordinator answered ${info.name}: ${info.message}`,
          context,
        );
      }
    }
  }
  for (const t of body.topics) {
    for (const p of t.partitions) {
      if (p.errorCode !== ErrorCode.NONE) return new KafkaError(p.errorCode, undefined, { groupId, topic: t.name, partition: p.partitionIndex });
    }
  }
  return undefined;
}

/**
 * Raw group requests for broker tests (test/broker, test/coordinator): the group APIs encoded by
 * our codecs on a WireClient, at chosen versions, and a member's usual round (KIP-394 join, then
 * SyncGroup) as one call. Answers are returned as decoded, errors and all: the tests judge them.
 */
import type { JoinGroupResponse } from '../../src/protocol/generated/messages/JoinGroupResponse.js';
import type { SyncGroupResponse } from '../../src/protocol/generated/messages/SyncGroupResponse.js';
import type { HeartbeatResponse } from '../../src/protocol/generated/messages/HeartbeatResponse.js';
import type { LeaveGroupResponse } from '../../src/protocol/generated/messages/LeaveGroupResponse.js';
import type { OffsetCommitResponse } from '../../src/protocol/generated/messages/OffsetCommitResponse.js';
import type { OffsetFetchResponse } from '../../src/protocol/generated/messages/OffsetFetchResponse.js';
import type { DescribeGroupsResponse, DescribeGroupsResponseDescribedGroup } from '../../src/protocol/generated/messages/DescribeGroupsResponse.js';
import type { DeleteGroupsResponse } from '../../src/protocol/generated/messages/DeleteGroupsResponse.js';
import type { OffsetDeleteResponse } from '../../src/protocol/generated/messages/OffsetDeleteResponse.js';
import type { FindCoordinatorResponse } from '../../src/protocol/generated/messages/FindCoordinatorResponse.js';
import { encodeConsumerProtocolSubscription } from '../../src/protocol/generated/messages/ConsumerProtocolSubscription.js';
import { ApiKey } from '../../src/protocol/generated/registry.js';
import { WireClient } from './wire-client.js';

/** The "consumer" protocol's member metadata: int16 version, then ConsumerProtocolSubscription v1. */
export function subscriptionBytes(topics: string[]): Buffer {
  const body = encodeConsumerProtocolSubscription({ topics, userData: null, ownedPartitions: [] }, 1);
  const out = Buffer.alloc(2 + body.length);
  out.writeInt16BE(1, 0);
  body.copy(out, 2);
  return out;
}

export interface JoinOptions {
  memberId?: string;
  groupInstanceId?: string | null;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  protocolType?: string;
  protocols?: { name: string; metadata: Buffer }[];
  version?: number;
  timeoutMs?: number;
}

export interface Membership {
  memberId: string;
  generationId: number;
  leader: string;
  members: JoinGroupResponse['members'];
  assignment: Buffer;
}

export class GroupWire {
  private constructor(readonly wire: WireClient) {}

  static async connect(host: string, port: number, clientId = 'group-wire'): Promise<GroupWire> {
    return new GroupWire(await WireClient.connect(host, port, clientId));
  }

  close(): Promise<void> {
    return this.wire.close();
  }

  findCoordinator(groupId: string): Promise<FindCoordinatorResponse> {
    return this.wire.send<FindCoordinatorResponse>(ApiKey.FindCoordinator, 3, { key: groupId, keyType: 0, coordinatorKeys: [] });
  }

  join(groupId: string, o: JoinOptions = {}): Promise<JoinGroupResponse> {
    const body = {
      groupId,
      sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000,
      rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 30_000,
      memberId: o.memberId ?? '',
      groupInstanceId: o.groupInstanceId ?? null,
      protocolType: o.protocolType ?? 'consumer',
      protocols: o.protocols ?? [{ name: 'range', metadata: subscriptionBytes(['t']) }],
      reason: null,
    };
    return this.wire.send<JoinGroupResponse>(ApiKey.JoinGroup, o.version ?? 9, body, o.timeoutMs ?? 20_000);
  }

  sync(groupId: string, memberId: string, generationId: number, assignments: { memberId: string; assignment: Buffer }[] = [], groupInstanceId: string | null = null, timeoutMs = 20_000): Promise<SyncGroupResponse> {
    return this.wire.send<SyncGroupResponse>(ApiKey.SyncGroup, 5, { groupId, generationId, memberId, groupInstanceId, protocolType: 'consumer', protocolName: 'range', assignments }, timeoutMs);
  }

  heartbeat(groupId: string, memberId: string, generationId: number, groupInstanceId: string | null = null): Promise<HeartbeatResponse> {
    return this.wire.send<HeartbeatResponse>(ApiKey.Heartbeat, 4, { groupId, generationId, memberId, groupInstanceId });
  }

  leave(groupId: string, members: { memberId: string; groupInstanceId?: string | null }[]): Promise<LeaveGroupResponse> {
    return this.wire.send<LeaveGroupResponse>(ApiKey.LeaveGroup, 5, { groupId, memberId: '', members: members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null, reason: null })) });
  }

  commit(groupId: string, member: { memberId: string; generationId: number; groupInstanceId?: string | null }, topic: string, offsets: number[], version = 9): Promise<OffsetCommitResponse> {
    return this.wire.send<OffsetCommitResponse>(ApiKey.OffsetCommit, version, {
      groupId,
      generationIdOrMemberEpoch: member.generationId,
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId ?? null,
      retentionTimeMs: -1n,
      topics: [{ name: topic, partitions: offsets.map((o, i) => ({ partitionIndex: i, committedOffset: BigInt(o), committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: `m${o}` })) }],
    });
  }

  /** Committed offsets of one topic's partitions (OffsetFetch v7), -1 where none. */
  async committed(groupId: string, topic: string, partitions: number[]): Promise<number[]> {
    const r = await this.wire.send<OffsetFetchResponse>(ApiKey.OffsetFetch, 7, { groupId, topics: [{ name: topic, partitionIndexes: partitions }], groups: [], requireStable: false });
    if (r.errorCode !== 0) throw new Error(`OffsetFetch ${groupId}: error ${r.errorCode}`);
    const found = new Map(r.topics.find((t) => t.name === topic)?.partitions.map((p) => [p.partitionIndex, Number(p.committedOffset)]) ?? []);
    return partitions.map((p) => found.get(p) ?? -1);
  }

  async describe(groupId: string): Promise<DescribeGroupsResponseDescribedGroup> {
    const r = await this.wire.send<DescribeGroupsResponse>(ApiKey.DescribeGroups, 5, { groups: [groupId], includeAuthorizedOperations: false });
    return r.groups[0]!;
  }

  deleteGroups(groupIds: string[]): Promise<DeleteGroupsResponse> {
    return this.wire.send<DeleteGroupsResponse>(ApiKey.DeleteGroups, 2, { groupsNames: groupIds });
  }

  offsetDelete(groupId: string, topic: string, partitions: number[]): Promise<OffsetDeleteResponse> {
    return this.wire.send<OffsetDeleteResponse>(ApiKey.OffsetDelete, 0, { groupId, topics: [{ name: topic, partitions: partitions.map((p) => ({ partitionIndex: p })) }] });
  }

  /**
   * A new member's JoinGroup: with no member id, KIP-394's MEMBER_ID_REQUIRED round first (not
   * for static members). Resolves with the join answer (which waits for the join phase).
   */
  async joinNew(groupId: string, o: JoinOptions = {}): Promise<JoinGroupResponse> {
    if ((o.memberId ?? '') !== '' || (o.groupInstanceId ?? null) !== null) return this.join(groupId, o);
    const first = await this.join(groupId, o);
    if (first.errorCode !== 79) return first;
    return this.join(groupId, { ...o, memberId: first.memberId });
  }
}

/**
 * Brings members (one connection each) into a Stable group: everyone joins, the leader assigns
 * `assign(memberId)` to each, everyone syncs. Fails on any error code.
 */
export async function stableGroup(conns: GroupWire[], groupId: string, assign: (m: { memberId: string; groupInstanceId: string | null }) => Buffer, o: JoinOptions[] = []): Promise<Membership[]> {
  const joins = await Promise.all(conns.map((c, i) => c.joinNew(groupId, o[i] ?? {})));
  for (const j of joins) if (j.errorCode !== 0) throw new Error(`JoinGroup ${groupId}: error ${j.errorCode}`);
  const generations = new Set(joins.map((j) => j.generationId));
  if (generations.size !== 1) throw new Error(`members joined different generations: ${[...generations].join(', ')}`);
  const syncs = await Promise.all(
    conns.map((c, i) => {
      const j = joins[i]!;
      const assignments = j.leader === j.memberId ? j.members.map((m) => ({ memberId: m.memberId, assignment: assign(m) })) : [];
      return c.sync(groupId, j.memberId, j.generationId, assignments, o[i]?.groupInstanceId ?? null);
    }),
  );
  for (const s of syncs) if (s.errorCode !== 0) throw new Error(`SyncGroup ${groupId}: error ${s.errorCode}`);
  return joins.map((j, i) => ({ memberId: j.memberId, generationId: j.generationId, leader: j.leader, members: j.members, assignment: syncs[i]!.assignment }));
}

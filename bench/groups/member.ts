/**
 * A consumer group member driven by raw requests, as Kafka's classic (eager) consumer protocol
 * does it: JoinGroup (a new member first gets its id with MEMBER_ID_REQUIRED, KIP-394), the
 * leader computes a range assignment of one topic from the members' subscriptions and brings it
 * in SyncGroup, everybody gets theirs from SyncGroup; once assigned, a member heartbeats every
 * `heartbeatMs` and rejoins when told the group is rebalancing. Request versions are what a
 * Kafka 4.0 client sends. UNKNOWN_MEMBER_ID makes the member forget its id and join as a new
 * member, as Kafka's consumer does (counted, since a broker should rarely need it); anything
 * else the broker answers is an error that stops the member.
 */
import { ErrorCode, errorName } from '../../src/protocol/errors.js';
import { decodeConsumerProtocolSubscription, encodeConsumerProtocolSubscription } from '../../src/protocol/generated/messages/ConsumerProtocolSubscription.js';
import { decodeConsumerProtocolAssignment, encodeConsumerProtocolAssignment } from '../../src/protocol/generated/messages/ConsumerProtocolAssignment.js';
import type { JoinGroupRequest } from '../../src/protocol/generated/messages/JoinGroupRequest.js';
import type { JoinGroupResponse, JoinGroupResponseMember } from '../../src/protocol/generated/messages/JoinGroupResponse.js';
import type { SyncGroupRequest } from '../../src/protocol/generated/messages/SyncGroupRequest.js';
import type { SyncGroupResponse } from '../../src/protocol/generated/messages/SyncGroupResponse.js';
import type { HeartbeatRequest } from '../../src/protocol/generated/messages/HeartbeatRequest.js';
import type { HeartbeatResponse } from '../../src/protocol/generated/messages/HeartbeatResponse.js';
import type { LeaveGroupRequest } from '../../src/protocol/generated/messages/LeaveGroupRequest.js';
import type { LeaveGroupResponse } from '../../src/protocol/generated/messages/LeaveGroupResponse.js';
import type { Input } from '../../src/protocol/primitives/types.js';
import type { BenchConnection } from './wire.js';

export const API = {
  offsetCommit: { key: 8, version: 9 },
  findCoordinator: { key: 10, version: 6 },
  joinGroup: { key: 11, version: 9 },
  heartbeat: { key: 12, version: 4 },
  leaveGroup: { key: 13, version: 5 },
  syncGroup: { key: 14, version: 5 },
  apiVersions: { key: 18, version: 3 },
  createTopics: { key: 19, version: 7 },
} as const;

const PROTOCOL_TYPE = 'consumer';
const ASSIGNOR = 'range';
/** Kafka's ConsumerProtocol versions written by a 4.0 client. */
const SUBSCRIPTION_VERSION = 3;
const ASSIGNMENT_VERSION = 3;

export interface MemberSettings {
  groupId: string;
  topic: string;
  partitionCount: number;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  /** Heartbeat interval once assigned, in run() (joinAndSync() alone sends none). */
  heartbeatMs: number;
}

/** What a member reports while it runs. */
export interface MemberListener {
  /** The leader learned a generation's members (from its JoinGroup answer). */
  generationFormed(generation: number, memberIds: string[]): void;
  /** A member got its assignment for a generation from SyncGroup. */
  assigned(member: GroupMember, generation: number, partitions: number[]): void;
  /** An assigned member heard from its heartbeat that it must join again. */
  mustRejoin(member: GroupMember): void;
}

const NO_LISTENER: MemberListener = { generationFormed: () => undefined, assigned: () => undefined, mustRejoin: () => undefined };

class GroupProtocolError extends Error {}

function withVersion(version: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeInt16BE(version, 0);
  body.copy(out, 2);
  return out;
}

/**
 * Range assignment of one topic, as Kafka's RangeAssignor: members sorted by id, each gets a
 * contiguous run, the first (partitions % members) one partition more. Only members that
 * subscribe to the topic take part.
 */
export function rangeAssignment(topic: string, partitionCount: number, members: readonly JoinGroupResponseMember[]): Map<string, number[]> {
  const subscribers = members
    .filter((m) => decodeConsumerProtocolSubscription(m.metadata.subarray(2), Math.min(m.metadata.readInt16BE(0), SUBSCRIPTION_VERSION)).topics.includes(topic))
    .map((m) => m.memberId)
    .sort();
  const result = new Map<string, number[]>(members.map((m) => [m.memberId, []]));
  const each = Math.floor(partitionCount / subscribers.length);
  const extra = partitionCount % subscribers.length;
  let next = 0;
  subscribers.forEach((id, i) => {
    const count = each + (i < extra ? 1 : 0);
    result.set(id, Array.from({ length: count }, (_, k) => next + k));
    next += count;
  });
  return result;
}

export class GroupMember {
  memberId = '';
  generation = -1;
  partitions: number[] = [];
  /** Requests this member sent (join, sync, heartbeat). */
  requests = 0;
  /** UNKNOWN_MEMBER_ID answers, after each of which the member joined again as a new member. */
  unknownMemberResets = 0;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    readonly conn: BenchConnection,
    readonly settings: MemberSettings,
    private readonly listener: MemberListener = NO_LISTENER,
  ) {}

  /**
   * Joins, then heartbeats (rejoining on a rebalance) until stop(). Resolves when stopped;
   * rejects on any answer a member could not act on.
   */
  async run(): Promise<void> {
    while (!this.stopped) {
      await this.joinAndSync();
      while (!this.stopped) {
        await this.pause(this.settings.heartbeatMs);
        if (this.stopped) break;
        if (await this.heartbeat()) {
          this.listener.mustRejoin(this);
          break;
        }
      }
    }
  }

  /** Stops the heartbeat loop (a join or sync in flight still completes). */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  /** Joins and syncs until this member holds an assignment of a generation (or is stopped). */
  async joinAndSync(): Promise<void> {
    while (!this.stopped) {
      const joined = await this.join();
      if (joined === null) continue;
      if (await this.sync(joined)) return;
    }
  }

  /** The JoinGroup answer of a completed join phase, or null to join again. */
  private async join(): Promise<JoinGroupResponse | null> {
    const s = this.settings;
    const subscription = encodeConsumerProtocolSubscription(
      { topics: [s.topic], userData: null, ownedPartitions: this.partitions.length > 0 ? [{ topic: s.topic, partitions: this.partitions }] : [], generationId: this.generation, rackId: null },
      SUBSCRIPTION_VERSION,
    );
    const request: Input<JoinGroupRequest> = {
      groupId: s.groupId,
      sessionTimeoutMs: s.sessionTimeoutMs,
      rebalanceTimeoutMs: s.rebalanceTimeoutMs,
      memberId: this.memberId,
      groupInstanceId: null,
      protocolType: PROTOCOL_TYPE,
      protocols: [{ name: ASSIGNOR, metadata: withVersion(SUBSCRIPTION_VERSION, subscription) }],
      reason: null,
    };
    this.requests++;
    // Eager protocol: a member gives up its partitions when it rejoins.
    this.partitions = [];
    const r = await this.conn.send<JoinGroupResponse>(API.joinGroup.key, API.joinGroup.version, request);
    switch (r.errorCode) {
      case ErrorCode.NONE:
        break;
      case ErrorCode.MEMBER_ID_REQUIRED:
        this.memberId = r.memberId;
        return null;
      case ErrorCode.REBALANCE_IN_PROGRESS:
        return null;
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.forgetMemberId();
        return null;
      default:
        throw new GroupProtocolError(`${s.groupId}/${this.memberId || '(new member)'}: JoinGroup answered ${errorName(r.errorCode)}`);
    }
    this.memberId = r.memberId;
    this.generation = r.generationId;
    if (r.leader === this.memberId) this.listener.generationFormed(r.generationId, r.members.map((m) => m.memberId));
    return r;
  }

  /** True once assigned; false when the group rebalanced meanwhile (join again). */
  private async sync(joined: JoinGroupResponse): Promise<boolean> {
    const s = this.settings;
    const assignments: { memberId: string; assignment: Buffer }[] = [];
    if (joined.leader === this.memberId) {
      for (const [memberId, partitions] of rangeAssignment(s.topic, s.partitionCount, joined.members)) {
        const body = encodeConsumerProtocolAssignment({ assignedPartitions: [{ topic: s.topic, partitions }], userData: null }, ASSIGNMENT_VERSION);
        assignments.push({ memberId, assignment: withVersion(ASSIGNMENT_VERSION, body) });
      }
    }
    const request: Input<SyncGroupRequest> = {
      groupId: s.groupId,
      generationId: joined.generationId,
      memberId: this.memberId,
      groupInstanceId: null,
      protocolType: PROTOCOL_TYPE,
      protocolName: joined.protocolName,
      assignments,
    };
    this.requests++;
    const r = await this.conn.send<SyncGroupResponse>(API.syncGroup.key, API.syncGroup.version, request);
    if (r.errorCode === ErrorCode.REBALANCE_IN_PROGRESS || r.errorCode === ErrorCode.ILLEGAL_GENERATION) return false;
    if (r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
      this.forgetMemberId();
      return false;
    }
    if (r.errorCode !== ErrorCode.NONE) throw new GroupProtocolError(`${s.groupId}/${this.memberId}: SyncGroup generation ${joined.generationId} answered ${errorName(r.errorCode)}`);
    const a = decodeConsumerProtocolAssignment(r.assignment.subarray(2), Math.min(r.assignment.readInt16BE(0), ASSIGNMENT_VERSION));
    this.partitions = a.assignedPartitions.filter((t) => t.topic === s.topic).flatMap((t) => t.partitions);
    this.listener.assigned(this, joined.generationId, this.partitions);
    return true;
  }

  /** One heartbeat; true when the member must rejoin. */
  async heartbeat(): Promise<boolean> {
    const request: Input<HeartbeatRequest> = { groupId: this.settings.groupId, generationId: this.generation, memberId: this.memberId, groupInstanceId: null };
    this.requests++;
    const r = await this.conn.send<HeartbeatResponse>(API.heartbeat.key, API.heartbeat.version, request);
    if (r.errorCode === ErrorCode.NONE) return false;
    if (r.errorCode === ErrorCode.REBALANCE_IN_PROGRESS || r.errorCode === ErrorCode.ILLEGAL_GENERATION) return true;
    if (r.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
      this.forgetMemberId();
      return true;
    }
    throw new GroupProtocolError(`${this.settings.groupId}/${this.memberId}: Heartbeat answered ${errorName(r.errorCode)}`);
  }

  /** LeaveGroup for this member. */
  async leave(): Promise<void> {
    if (this.memberId === '') return;
    const request: Input<LeaveGroupRequest> = { groupId: this.settings.groupId, memberId: '', members: [{ memberId: this.memberId, groupInstanceId: null, reason: 'benchmark round over' }] };
    const r = await this.conn.send<LeaveGroupResponse>(API.leaveGroup.key, API.leaveGroup.version, request);
    const code = r.errorCode !== ErrorCode.NONE ? r.errorCode : (r.members[0]?.errorCode ?? ErrorCode.NONE);
    if (code !== ErrorCode.NONE) throw new GroupProtocolError(`${this.settings.groupId}/${this.memberId}: LeaveGroup answered ${errorName(code)}`);
  }

  private forgetMemberId(): void {
    this.unknownMemberResets++;
    this.memberId = '';
    this.generation = -1;
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

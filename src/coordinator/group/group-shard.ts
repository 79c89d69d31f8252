/**
 * The group coordinator's pure core for one __consumer_offsets partition (a shard): the classic
 * groups whose ids hash to it and their committed offsets. Operations take the request and
 * `nowMs` and return what to write (records for the partition) and whom to answer (replies to
 * parked JoinGroup/SyncGroup requests, by token). The shell writes the records, waits until they
 * are durable, replays them here, then delivers the replies, so a client never hears of a commit
 * or an assignment that a crash could take back.
 *
 * Committed offsets change only by replay, live or at load. Group membership (members, sessions,
 * join and sync phases) lives in memory as in Kafka; the group's record — generation, protocol,
 * leader, members and assignments — is written when a generation starts (SyncGroup from the
 * leader) or the group empties, and rebuilds the group at load. No I/O, no clock, no randomness:
 * member ids come from an injected function.
 */
import { ErrorCode } from '../../protocol/errors.js';
import type { GroupMetadataValue } from '../../protocol/generated/group-coordinator/GroupMetadataValue.js';
import type { OffsetCommitValue } from '../../protocol/generated/group-coordinator/OffsetCommitValue.js';
import { ClassicGroup, sameProtocols, type GroupState, type Member, type Protocol, type Token } from './classic-group.js';
import { decodeOffsetsRecord, groupMetadataRecord, offsetCommitRecord, type OffsetsTopicRecord } from './offsets-records.js';
import { subscribedTopics } from './consumer-protocol.js';

export interface GroupConfig {
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  initialRebalanceDelayMs: number;
  maxSize: number;
  offsetMetadataMaxBytes: number;
  offsetsRetentionMs: number;
}

export interface JoinInput {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
  /** JoinGroup v4+ (KIP-394): a new member first gets its id with MEMBER_ID_REQUIRED. */
  requireKnownMemberId: boolean;
  /** JoinGroup v9+ (KIP-814): a static leader that restarts may be told to skip the assignment. */
  supportsSkipAssignment: boolean;
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: { memberId: string; groupInstanceId: string | null; metadata: Buffer }[];
}

export interface SyncInput {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  assignments: { memberId: string; assignment: Buffer }[];
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export interface Reply {
  token: Token;
  response: JoinResult | SyncResult;
}

export interface Outcome<R> {
  records: OffsetsTopicRecord[];
  replies: Reply[];
  response: R;
}

export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: number;
}

export interface OffsetCommitInput {
  groupId: string;
  memberId: string;
  groupInstanceId: string | null;
  generationId: number;
  topics: { name: string; partitions: { partition: number; offset: number; leaderEpoch: number; metadata: string | null }[] }[];
}

export interface GroupSummary {
  groupId: string;
  state: GroupState;
  protocolType: string;
  protocolName: string;
  members: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; metadata: Buffer; assignment: Buffer }[];
}

const EMPTY = Buffer.alloc(0);
const offsetKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export class GroupShard {
  private readonly groups = new Map<string, ClassicGroup>();
  /** group → "topic\0partition" → committed offset. */
  private readonly offsets = new Map<string, Map<string, CommittedOffset & { topic: string; partition: number }>>();

  constructor(
    private readonly config: () => GroupConfig,
    private readonly newMemberId: (prefix: string) => string,
  ) {}

  // ---- load and replay ----

  /**
   * Applies one record of the partition: at load ('load') every record rebuilds state; live
   * ('live': a record this shard returned, now durable) only offset records take effect. A live
   * group record describes state memory already holds, and newer requests may have moved the
   * group on while it was being written (a member joined, say): applying it would undo them.
   */
  replay(key: Buffer | null, value: Buffer | null, nowMs: number, mode: 'load' | 'live' = 'load'): void {
    const record = decodeOffsetsRecord(key, value);
    if (record === null) return;
    if (record.kind === 'group' && mode === 'live') return;
    if (record.kind === 'offset') {
      const key = offsetKey(record.topic, record.partition);
      if (record.value === null) {
        this.offsets.get(record.group)?.delete(key);
        if (this.offsets.get(record.group)?.size === 0) this.offsets.delete(record.group);
        return;
      }
      let forGroup = this.offsets.get(record.group);
      if (!forGroup) this.offsets.set(record.group, (forGroup = new Map()));
      forGroup.set(key, {
        topic: record.topic,
        partition: record.partition,
        offset: Number(record.value.offset),
        leaderEpoch: record.value.leaderEpoch,
        metadata: record.value.metadata,
        commitTimestampMs: Number(record.value.commitTimestamp),
      });
      // A group known only by its offsets (simple consumers, admin commits) is an empty group.
      if (!this.groups.has(record.group)) this.groups.set(record.group, new ClassicGroup(record.group, nowMs));
      return;
    }
    if (record.value === null) {
      this.groups.delete(record.group);
      return;
    }
    this.groups.set(record.group, this.groupFromRecord(record.group, record.value, nowMs));
  }

  private groupFromRecord(groupId: string, value: GroupMetadataValue, nowMs: number): ClassicGroup {
    const group = new ClassicGroup(groupId, nowMs);
    group.generation = value.generation;
    group.protocolType = value.protocolType === '' ? null : value.protocolType;
    group.protocolName = value.protocol;
    group.leaderId = value.leader;
    for (const m of value.members) {
      group.members.set(m.memberId, {
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        sessionTimeoutMs: m.sessionTimeout,
        rebalanceTimeoutMs: m.rebalanceTimeout < 0 ? m.sessionTimeout : m.rebalanceTimeout,
        protocolType: value.protocolType,
        protocols: [{ name: value.protocol ?? '', metadata: m.subscription }],
        assignment: m.assignment,
        awaitingJoin: null,
        awaitingSync: null,
        // Members get a fresh session from the load: they keep heartbeating the new coordinator.
        sessionDeadlineMs: nowMs + m.sessionTimeout,
      });
      if (m.groupInstanceId !== null) group.staticMembers.set(m.groupInstanceId, m.memberId);
    }
    group.transition(group.members.size === 0 ? 'Empty' : 'Stable', value.currentStateTimestamp > 0n ? Number(value.currentStateTimestamp) : nowMs);
    return group;
  }

  private groupRecord(group: ClassicGroup): OffsetsTopicRecord {
    const value: Partial<GroupMetadataValue> = {
      protocolType: group.protocolType ?? '',
      generation: group.generation,
      protocol: group.protocolName,
      leader: group.leaderId,
      currentStateTimestamp: BigInt(group.stateTimestampMs),
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: group.metadataOf(m),
        assignment: m.assignment,
      })),
    };
    return groupMetadataRecord(group.groupId, value);
  }

  // ---- JoinGroup ----

  join(input: JoinInput, token: Token, nowMs: number): Outcome<void> {
    const out: Outcome<void> = { records: [], replies: [], response: undefined };
    const fail = (errorCode: number, memberId = input.memberId): Outcome<void> => {
      out.replies.push({ token, response: joinError(errorCode, memberId) });
      return out;
    };
    const cfg = this.config();
    if (input.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    if (input.sessionTimeoutMs < cfg.minSessionTimeoutMs || input.sessionTimeoutMs > cfg.maxSessionTimeoutMs) return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    let group = this.groups.get(input.groupId);
    if (group === undefined) {
      if (input.memberId !== '') return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      group = new ClassicGroup(input.groupId, nowMs);
      this.groups.set(input.groupId, group);
    }
    if (!group.supports(input.protocolType, input.protocols)) {
      this.dropIfUnused(group);
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    if (input.memberId === '') this.joinNewMember(group, input, token, nowMs, out);
    else this.joinKnownMember(group, input, token, nowMs, out);
    this.advance(group, nowMs, out);
    this.dropIfUnused(group);
    return out;
  }

  /**
   * group.max.size, Kafka's way: while the join phase runs, joining members are counted (so the
   * last ones to rejoin are refused when the group is over the limit); otherwise members. Ids
   * handed out with MEMBER_ID_REQUIRED do not count until they come back.
   */
  private acceptsJoin(group: ClassicGroup, memberId: string): boolean {
    const maxSize = this.config().maxSize;
    const member = group.members.get(memberId);
    switch (group.state) {
      case 'PreparingRebalance': {
        let joining = 0;
        for (const m of group.members.values()) if (m.awaitingJoin !== null) joining++;
        return member?.awaitingJoin != null || joining < maxSize;
      }
      case 'CompletingRebalance':
      case 'Stable':
        return member !== undefined || group.members.size < maxSize;
      default:
        return true;
    }
  }

  private joinNewMember(group: ClassicGroup, input: JoinInput, token: Token, nowMs: number, out: Outcome<void>): void {
    const staticId = input.groupInstanceId;
    const existingStatic = staticId === null ? undefined : group.staticMembers.get(staticId);
    if (existingStatic !== undefined) {
      this.rejoinStaticMember(group, group.members.get(existingStatic)!, input, token, nowMs, out);
      return;
    }
    if (!this.acceptsJoin(group, '')) {
      out.replies.push({ token, response: joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, '') });
      return;
    }
    const memberId = this.newMemberId(staticId ?? input.clientId);
    if (staticId === null && input.requireKnownMemberId) {
      // KIP-394: the member must come back with this id; until then it only holds a place.
      group.pendingMembers.set(memberId, nowMs + input.sessionTimeoutMs);
      out.replies.push({ token, response: joinError(ErrorCode.MEMBER_ID_REQUIRED, memberId) });
      return;
    }
    this.addMember(group, memberId, input, token, nowMs, out);
  }

  private addMember(group: ClassicGroup, memberId: string, input: JoinInput, token: Token, nowMs: number, out: Outcome<void>): void {
    const member: Member = {
      memberId,
      groupInstanceId: input.groupInstanceId,
      clientId: input.clientId,
      clientHost: input.clientHost,
      sessionTimeoutMs: input.sessionTimeoutMs,
      rebalanceTimeoutMs: input.rebalanceTimeoutMs,
      protocolType: input.protocolType,
      protocols: input.protocols,
      assignment: EMPTY,
      awaitingJoin: token,
      awaitingSync: null,
      sessionDeadlineMs: nowMs + input.sessionTimeoutMs,
    };
    if (group.members.size === 0) group.protocolType = input.protocolType;
    group.members.set(memberId, member);
    if (input.groupInstanceId !== null) group.staticMembers.set(input.groupInstanceId, memberId);
    group.joinedDuringDelay = true;
    if (group.state !== 'PreparingRebalance') this.prepareRebalance(group, nowMs, out);
  }

  /** A static member restarted (same group.instance.id, no member id): it takes over its old place. */
  private rejoinStaticMember(group: ClassicGroup, old: Member, input: JoinInput, token: Token, nowMs: number, out: Outcome<void>): void {
    const memberId = this.newMemberId(input.groupInstanceId!);
    if (old.awaitingJoin !== null) out.replies.push({ token: old.awaitingJoin, response: joinError(ErrorCode.FENCED_INSTANCE_ID, old.memberId) });
    if (old.awaitingSync !== null) out.replies.push({ token: old.awaitingSync, response: syncError(ErrorCode.FENCED_INSTANCE_ID) });
    group.members.delete(old.memberId);
    group.pendingSync.delete(old.memberId);
    const previousLeader = group.leaderId;
    const wasLeader = previousLeader === old.memberId;
    const changed = !sameProtocols(old.protocols, input.protocols);
    const member: Member = {
      ...old,
      memberId,
      clientId: input.clientId,
      clientHost: input.clientHost,
      sessionTimeoutMs: input.sessionTimeoutMs,
      rebalanceTimeoutMs: input.rebalanceTimeoutMs,
      protocols: input.protocols,
      awaitingJoin: null,
      awaitingSync: null,
      sessionDeadlineMs: nowMs + input.sessionTimeoutMs,
    };
    group.members.set(memberId, member);
    group.staticMembers.set(input.groupInstanceId!, memberId);
    if (wasLeader) group.leaderId = memberId;
    if (group.state === 'Stable' && !changed) {
      // KIP-345: a static member that comes back unchanged gets its place without a rebalance,
      // and its old assignment from SyncGroup. The generation's record names the new id. A leader
      // coming back keeps leading: v9+ (KIP-814) gives it the members and tells it to skip the
      // assignment; older versions name the previous leader id, so it only syncs, as Kafka does.
      out.records.push(this.groupRecord(group));
      let response = this.joinResponse(group, member, false);
      if (wasLeader && input.supportsSkipAssignment) response = { ...this.joinResponse(group, member, true), skipAssignment: true };
      else if (wasLeader) response = { ...response, leader: previousLeader! };
      out.replies.push({ token, response });
      return;
    }
    member.awaitingJoin = token;
    if (group.state !== 'PreparingRebalance') this.prepareRebalance(group, nowMs, out);
  }

  private joinKnownMember(group: ClassicGroup, input: JoinInput, token: Token, nowMs: number, out: Outcome<void>): void {
    const fail = (code: number): void => void out.replies.push({ token, response: joinError(code, input.memberId) });
    if (group.pendingMembers.has(input.memberId)) {
      group.pendingMembers.delete(input.memberId);
      if (!this.acceptsJoin(group, input.memberId)) {
        out.replies.push({ token, response: joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, '') });
        return;
      }
      this.addMember(group, input.memberId, input, token, nowMs, out);
      return;
    }
    const problem = this.memberProblem(group, input.memberId, input.groupInstanceId);
    if (problem !== null) return fail(problem);
    const member = group.members.get(input.memberId)!;
    if (!this.acceptsJoin(group, member.memberId)) {
      // Over the limit (group.max.size was lowered): the last members to rejoin are out.
      this.dropMember(group, member, out);
      out.replies.push({ token, response: joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, '') });
      return;
    }
    member.sessionTimeoutMs = input.sessionTimeoutMs;
    member.rebalanceTimeoutMs = input.rebalanceTimeoutMs;
    member.clientId = input.clientId;
    member.clientHost = input.clientHost;
    member.sessionDeadlineMs = nowMs + input.sessionTimeoutMs;
    const changed = !sameProtocols(member.protocols, input.protocols);
    switch (group.state) {
      case 'PreparingRebalance':
        member.protocols = input.protocols;
        if (member.awaitingJoin !== null) out.replies.push({ token: member.awaitingJoin, response: joinError(ErrorCode.REBALANCE_IN_PROGRESS, member.memberId) });
        member.awaitingJoin = token;
        return;
      case 'CompletingRebalance':
      case 'Stable':
        // Nothing changed: the member gets this generation again (its JoinGroup response was lost,
        // say); the leader needs the members again while it still has to assign. A leader rejoining
        // a Stable group, or new protocols, start a new generation.
        if (!changed && (group.state === 'CompletingRebalance' || group.leaderId !== member.memberId)) {
          out.replies.push({ token, response: this.joinResponse(group, member, group.state === 'CompletingRebalance') });
          return;
        }
        member.protocols = input.protocols;
        member.awaitingJoin = token;
        this.prepareRebalance(group, nowMs, out);
        return;
      default:
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  /** Kafka's checks of a member id (and static instance id) against the group, or null when fine. */
  private memberProblem(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number | null {
    if (groupInstanceId !== null) {
      const current = group.staticMembers.get(groupInstanceId);
      if (current === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
      if (current !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    }
    return group.members.has(memberId) ? null : ErrorCode.UNKNOWN_MEMBER_ID;
  }

  private joinResponse(group: ClassicGroup, member: Member, forLeader: boolean): JoinResult {
    const isLeader = forLeader && group.leaderId === member.memberId;
    return {
      errorCode: ErrorCode.NONE,
      generationId: group.generation,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leader: group.leaderId ?? '',
      skipAssignment: false,
      memberId: member.memberId,
      members: isLeader
        ? [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: group.metadataOf(m) }))
        : [],
    };
  }

  // ---- rebalancing ----

  private prepareRebalance(group: ClassicGroup, nowMs: number, out: Outcome<unknown>): void {
    if (group.state === 'CompletingRebalance') {
      // Members waiting for assignments must rejoin; assignments of the aborted generation go.
      for (const m of group.members.values()) {
        if (m.awaitingSync !== null) {
          out.replies.push({ token: m.awaitingSync, response: syncError(ErrorCode.REBALANCE_IN_PROGRESS) });
          // Its session restarts with the answer, as Kafka's does: it may have waited longer than
          // its session for the leader, and must not be dropped before it can rejoin.
          m.sessionDeadlineMs = nowMs + m.sessionTimeoutMs;
        }
        m.awaitingSync = null;
        m.assignment = EMPTY;
      }
      group.pendingSync.clear();
    }
    const rebalanceTimeoutMs = group.maxRebalanceTimeoutMs();
    if (group.state === 'Empty') {
      // group.initial.rebalance.delay.ms: wait for more of a starting group's members before the
      // first generation, extended while members keep arriving, never beyond the rebalance timeout.
      const delay = Math.min(this.config().initialRebalanceDelayMs, rebalanceTimeoutMs);
      group.phaseDeadlineMs = nowMs + delay;
      group.initialDelayRemainingMs = Math.max(rebalanceTimeoutMs - delay, 0);
      group.joinedDuringDelay = false;
      group.initialDelay = true;
    } else {
      group.phaseDeadlineMs = nowMs + rebalanceTimeoutMs;
      group.initialDelayRemainingMs = 0;
      group.initialDelay = false;
    }
    group.transition('PreparingRebalance', nowMs);
  }

  /** Runs whatever is due for the group: completions, expired sessions and phases. */
  private advance(group: ClassicGroup, nowMs: number, out: Outcome<unknown>): void {
    for (const [id, deadline] of group.pendingMembers) if (deadline <= nowMs) group.pendingMembers.delete(id);
    for (const m of [...group.members.values()]) {
      const waiting = m.awaitingJoin !== null || m.awaitingSync !== null;
      if (!waiting && m.sessionDeadlineMs <= nowMs) this.removeMember(group, m, nowMs, out);
    }
    if (group.state === 'CompletingRebalance' && group.phaseDeadlineMs !== null && group.phaseDeadlineMs <= nowMs) {
      // Members that never asked for their assignment are gone; the rest start over.
      for (const id of group.pendingSync) {
        const m = group.members.get(id);
        if (m) this.removeMember(group, m, nowMs, out);
      }
      if (group.state === 'CompletingRebalance') this.prepareRebalance(group, nowMs, out);
    }
    if (group.state !== 'PreparingRebalance') return;
    const due = group.phaseDeadlineMs !== null && group.phaseDeadlineMs <= nowMs;
    if (group.initialDelay) {
      // The first join phase of an empty group waits out its delay even when everybody joined.
      if (!due) return;
      if (group.joinedDuringDelay && group.initialDelayRemainingMs > 0) {
        const delay = Math.min(this.config().initialRebalanceDelayMs, group.initialDelayRemainingMs);
        group.phaseDeadlineMs = nowMs + delay;
        group.initialDelayRemainingMs -= delay;
        group.joinedDuringDelay = false;
        if (delay > 0) return;
      }
      this.completeJoin(group, nowMs, out);
      return;
    }
    if (due || group.allMembersJoined()) this.completeJoin(group, nowMs, out);
  }

  private completeJoin(group: ClassicGroup, nowMs: number, out: Outcome<unknown>): void {
    // Members that did not rejoin in time are out (static ones too). Ids handed out with
    // MEMBER_ID_REQUIRED stay good until their own deadline: their owners are on their way back,
    // and their join starts the next generation (Kafka keeps them too).
    for (const m of [...group.members.values()]) if (m.awaitingJoin === null) this.dropMember(group, m, out);
    group.generation++;
    group.phaseDeadlineMs = null;
    group.initialDelayRemainingMs = 0;
    group.initialDelay = false;
    if (group.members.size === 0) {
      group.protocolName = null;
      group.leaderId = null;
      group.transition('Empty', nowMs);
      out.records.push(this.groupRecord(group));
      return;
    }
    group.protocolName = group.selectProtocol();
    if (group.leaderId === null || !group.members.has(group.leaderId)) group.leaderId = group.members.keys().next().value!;
    group.transition('CompletingRebalance', nowMs);
    group.phaseDeadlineMs = nowMs + group.maxRebalanceTimeoutMs();
    for (const m of group.members.values()) {
      out.replies.push({ token: m.awaitingJoin!, response: this.joinResponse(group, m, true) });
      m.awaitingJoin = null;
      m.sessionDeadlineMs = nowMs + m.sessionTimeoutMs;
      group.pendingSync.add(m.memberId);
    }
  }

  /** Takes a member out, answering whatever it has parked, without starting a rebalance. */
  private dropMember(group: ClassicGroup, m: Member, out: Outcome<unknown>): void {
    if (m.awaitingJoin !== null) out.replies.push({ token: m.awaitingJoin, response: joinError(ErrorCode.UNKNOWN_MEMBER_ID, m.memberId) });
    if (m.awaitingSync !== null) out.replies.push({ token: m.awaitingSync, response: syncError(ErrorCode.UNKNOWN_MEMBER_ID) });
    group.members.delete(m.memberId);
    group.pendingSync.delete(m.memberId);
    if (m.groupInstanceId !== null && group.staticMembers.get(m.groupInstanceId) === m.memberId) group.staticMembers.delete(m.groupInstanceId);
    if (group.leaderId === m.memberId) group.leaderId = null;
  }

  /** A member leaves (LeaveGroup, session expiry): the others rebalance. */
  private removeMember(group: ClassicGroup, m: Member, nowMs: number, out: Outcome<unknown>): void {
    this.dropMember(group, m, out);
    if (group.state === 'Stable' || group.state === 'CompletingRebalance') this.prepareRebalance(group, nowMs, out);
    // In PreparingRebalance, advance() completes the join once the rest have joined.
  }

  /** A group created by a request that then failed, with nothing in it, is not kept. */
  private dropIfUnused(group: ClassicGroup): void {
    if (group.state === 'Empty' && group.members.size === 0 && group.pendingMembers.size === 0 && group.generation === 0 && !this.offsets.has(group.groupId)) {
      this.groups.delete(group.groupId);
    }
  }

  // ---- SyncGroup ----

  sync(input: SyncInput, token: Token, nowMs: number): Outcome<void> {
    const out: Outcome<void> = { records: [], replies: [], response: undefined };
    const reply = (response: SyncResult): Outcome<void> => {
      out.replies.push({ token, response });
      return out;
    };
    const group = this.groups.get(input.groupId);
    if (group === undefined) return reply(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    const problem = this.memberProblem(group, input.memberId, input.groupInstanceId);
    if (problem !== null) return reply(syncError(problem));
    if (input.generationId !== group.generation) return reply(syncError(ErrorCode.ILLEGAL_GENERATION));
    if ((input.protocolType !== null && input.protocolType !== group.protocolType) || (input.protocolName !== null && input.protocolName !== group.protocolName)) {
      return reply(syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    const member = group.members.get(input.memberId)!;
    member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
    group.pendingSync.delete(member.memberId);
    switch (group.state) {
      case 'PreparingRebalance':
        return reply(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
      case 'Stable':
        return reply(this.syncResponse(group, member));
      case 'CompletingRebalance': {
        if (member.awaitingSync !== null) out.replies.push({ token: member.awaitingSync, response: syncError(ErrorCode.REBALANCE_IN_PROGRESS) });
        member.awaitingSync = token;
        if (group.leaderId !== member.memberId) return out;
        // The leader's assignment starts the generation: members it left out get nothing, ids
        // that are not members are ignored. The bytes are opaque to the coordinator.
        const given = new Map(input.assignments.map((a) => [a.memberId, a.assignment]));
        for (const m of group.members.values()) m.assignment = given.get(m.memberId) ?? EMPTY;
        group.transition('Stable', nowMs);
        group.phaseDeadlineMs = null;
        out.records.push(this.groupRecord(group));
        for (const m of group.members.values()) {
          if (m.awaitingSync === null) continue;
          out.replies.push({ token: m.awaitingSync, response: this.syncResponse(group, m) });
          m.awaitingSync = null;
          m.sessionDeadlineMs = nowMs + m.sessionTimeoutMs; // it may have waited a long time
        }
        this.advance(group, nowMs, out);
        return out;
      }
      default:
        return reply(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    }
  }

  private syncResponse(group: ClassicGroup, m: Member): SyncResult {
    return { errorCode: ErrorCode.NONE, protocolType: group.protocolType, protocolName: group.protocolName, assignment: m.assignment };
  }

  // ---- Heartbeat and LeaveGroup ----

  heartbeat(input: { groupId: string; memberId: string; groupInstanceId: string | null; generationId: number }, nowMs: number): Outcome<number> {
    const out: Outcome<number> = { records: [], replies: [], response: ErrorCode.NONE };
    const group = this.groups.get(input.groupId);
    if (group === undefined) return { ...out, response: ErrorCode.UNKNOWN_MEMBER_ID };
    const problem = this.memberProblem(group, input.memberId, input.groupInstanceId);
    if (problem !== null) return { ...out, response: problem };
    if (input.generationId !== group.generation) return { ...out, response: ErrorCode.ILLEGAL_GENERATION };
    const member = group.members.get(input.memberId)!;
    member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
    // CompletingRebalance: members heartbeat while the leader computes; that is normal.
    out.response = group.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
    this.advance(group, nowMs, out);
    return out;
  }

  /** LeaveGroup for several members (KIP-345 batches): each gets its own error code. */
  leave(groupId: string, leaving: { memberId: string; groupInstanceId: string | null }[], nowMs: number): Outcome<number[]> {
    const out: Outcome<number[]> = { records: [], replies: [], response: [] };
    const group = this.groups.get(groupId);
    if (group === undefined) return { ...out, response: leaving.map(() => ErrorCode.UNKNOWN_MEMBER_ID) };
    for (const l of leaving) {
      let memberId = l.memberId;
      if (l.groupInstanceId !== null) {
        // Static members may leave by instance id alone (kafka-consumer-groups, admin).
        const current = group.staticMembers.get(l.groupInstanceId);
        if (current === undefined) { out.response.push(ErrorCode.UNKNOWN_MEMBER_ID); continue; }
        if (memberId !== '' && memberId !== current) { out.response.push(ErrorCode.FENCED_INSTANCE_ID); continue; }
        memberId = current;
      }
      if (group.pendingMembers.delete(memberId)) { out.response.push(ErrorCode.NONE); continue; }
      const member = group.members.get(memberId);
      if (member === undefined) { out.response.push(ErrorCode.UNKNOWN_MEMBER_ID); continue; }
      this.removeMember(group, member, nowMs, out);
      out.response.push(ErrorCode.NONE);
    }
    this.advance(group, nowMs, out);
    return out;
  }

  // ---- timers ----

  /** Runs every group's due work (sessions, join and sync phases); the shell calls it periodically. */
  tick(nowMs: number): Outcome<void> {
    const out: Outcome<void> = { records: [], replies: [], response: undefined };
    for (const group of this.groups.values()) this.advance(group, nowMs, out);
    return out;
  }

  // ---- offsets ----

  commitOffsets(input: OffsetCommitInput, nowMs: number, partitionExists: (topic: string, partition: number) => boolean): Outcome<number[][]> {
    const out: Outcome<number[][]> = { records: [], replies: [], response: [] };
    const all = (code: number): number[][] => input.topics.map((t) => t.partitions.map(() => code));
    let group = this.groups.get(input.groupId);
    if (input.groupId === '') return { ...out, response: all(ErrorCode.INVALID_GROUP_ID) };
    if (group === undefined) {
      // Generation -1 (admin tools, consumers using assign()) creates a "simple" group, whatever
      // the member id; a generation for a group that does not exist is GROUP_ID_NOT_FOUND, which
      // the handler turns into ILLEGAL_GENERATION before OffsetCommit v9, as Kafka does.
      if (input.generationId >= 0) return { ...out, response: all(ErrorCode.GROUP_ID_NOT_FOUND) };
      group = new ClassicGroup(input.groupId, nowMs);
      this.groups.set(input.groupId, group);
    } else if (input.generationId < 0 && group.state === 'Empty') {
      // An empty group takes commits from anyone without a generation.
    } else if (input.generationId >= 0 || input.memberId !== '' || input.groupInstanceId !== null) {
      const problem = this.memberProblem(group, input.memberId, input.groupInstanceId);
      if (problem !== null) return { ...out, response: all(problem) };
      if (input.generationId !== group.generation) return { ...out, response: all(ErrorCode.ILLEGAL_GENERATION) };
      if (group.state === 'CompletingRebalance') return { ...out, response: all(ErrorCode.REBALANCE_IN_PROGRESS) };
      const member = group.members.get(input.memberId)!;
      member.sessionDeadlineMs = nowMs + member.sessionTimeoutMs;
    } else {
      // Offsets of a group with members are theirs to commit.
      return { ...out, response: all(ErrorCode.UNKNOWN_MEMBER_ID) };
    }
    const maxMetadata = this.config().offsetMetadataMaxBytes;
    for (const t of input.topics) {
      const codes: number[] = [];
      for (const p of t.partitions) {
        const metadata = p.metadata ?? '';
        if (!partitionExists(t.name, p.partition)) codes.push(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        else if (Buffer.byteLength(metadata) > maxMetadata) codes.push(ErrorCode.OFFSET_METADATA_TOO_LARGE);
        else {
          const value: Partial<OffsetCommitValue> = { offset: BigInt(p.offset), leaderEpoch: p.leaderEpoch, metadata, commitTimestamp: BigInt(nowMs) };
          out.records.push(offsetCommitRecord(input.groupId, t.name, p.partition, value));
          codes.push(ErrorCode.NONE);
        }
      }
      out.response.push(codes);
    }
    return out;
  }

  /** Committed offsets of a group: the asked partitions (-1 when none), or all of them (topics null). */
  fetchOffsets(groupId: string, topics: { name: string; partitions: number[] }[] | null): { topic: string; partition: number; committed: CommittedOffset | null }[] {
    const committed = this.offsets.get(groupId);
    if (topics === null) {
      return [...(committed?.values() ?? [])].map((c) => ({ topic: c.topic, partition: c.partition, committed: c }));
    }
    return topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p, committed: committed?.get(offsetKey(t.name, p)) ?? null })));
  }

  /** OffsetDelete: a top-level error, or a code per asked partition. */
  deleteOffsets(groupId: string, topics: { name: string; partitions: number[] }[]): Outcome<{ errorCode: number; partitions: number[][] }> {
    const out: Outcome<{ errorCode: number; partitions: number[][] }> = { records: [], replies: [], response: { errorCode: ErrorCode.NONE, partitions: [] } };
    const group = this.groups.get(groupId);
    if (group === undefined) return { ...out, response: { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, partitions: [] } };
    let subscribed = new Set<string>();
    if (group.members.size > 0) {
      const topicsOfMembers = group.protocolType === 'consumer' ? subscribedTopics([...group.members.values()].map((m) => group.metadataOf(m))) : null;
      if (topicsOfMembers === null) return { ...out, response: { errorCode: ErrorCode.NON_EMPTY_GROUP, partitions: [] } };
      subscribed = topicsOfMembers;
    }
    const committed = this.offsets.get(groupId);
    for (const t of topics) {
      out.response.partitions.push(
        t.partitions.map((p) => {
          if (subscribed.has(t.name)) return ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
          if (committed?.has(offsetKey(t.name, p))) out.records.push(offsetCommitRecord(groupId, t.name, p, null));
          return ErrorCode.NONE;
        }),
      );
    }
    return out;
  }

  /** DeleteGroups: a code per group; an empty group's offsets and record are tombstoned. */
  deleteGroups(groupIds: string[], nowMs: number): Outcome<number[]> {
    const out: Outcome<number[]> = { records: [], replies: [], response: [] };
    for (const id of groupIds) {
      const group = this.groups.get(id);
      if (group === undefined) { out.response.push(ErrorCode.GROUP_ID_NOT_FOUND); continue; }
      this.advance(group, nowMs, out);
      if (group.members.size > 0 || group.pendingMembers.size > 0) { out.response.push(ErrorCode.NON_EMPTY_GROUP); continue; }
      out.records.push(...this.tombstones(group));
      group.transition('Dead', nowMs);
      this.groups.delete(id);
      out.response.push(ErrorCode.NONE);
    }
    return out;
  }

  private tombstones(group: ClassicGroup): OffsetsTopicRecord[] {
    const records = [...(this.offsets.get(group.groupId)?.values() ?? [])].map((c) => offsetCommitRecord(group.groupId, c.topic, c.partition, null));
    records.push(groupMetadataRecord(group.groupId, null));
    return records;
  }

  /**
   * offsets.retention.minutes: an empty group's offsets expire that long after it emptied (or
   * after their commit, if later); a consumer group with members loses offsets of topics none of
   * them subscribes to that long after their commit. A simple group (one that never had members:
   * admin tools, assign() consumers) has no time it emptied that survives a restart: its offsets
   * expire by their commit time, as in Kafka. A group left with nothing is deleted.
   */
  expireOffsets(nowMs: number): Outcome<void> {
    const out: Outcome<void> = { records: [], replies: [], response: undefined };
    const retentionMs = this.config().offsetsRetentionMs;
    for (const group of [...this.groups.values()]) {
      const committed = this.offsets.get(group.groupId);
      const simple = group.protocolType === null;
      let expired = 0;
      if (committed !== undefined) {
        let keepTopics: Set<string> | null = null;
        if (group.state !== 'Empty') {
          if (group.protocolType !== 'consumer' || group.state !== 'Stable') continue;
          keepTopics = subscribedTopics([...group.members.values()].map((m) => group.metadataOf(m)));
          if (keepTopics === null) continue;
        }
        for (const c of committed.values()) {
          if (keepTopics !== null && keepTopics.has(c.topic)) continue;
          const base = keepTopics === null && !simple ? Math.max(c.commitTimestampMs, group.stateTimestampMs) : c.commitTimestampMs;
          if (base + retentionMs <= nowMs) {
            out.records.push(offsetCommitRecord(group.groupId, c.topic, c.partition, null));
            expired++;
          }
        }
      }
      const nothingLeft = (committed?.size ?? 0) === expired;
      if (group.state === 'Empty' && group.members.size === 0 && group.pendingMembers.size === 0 && nothingLeft && (simple || group.stateTimestampMs + retentionMs <= nowMs)) {
        out.records.push(groupMetadataRecord(group.groupId, null));
        this.groups.delete(group.groupId);
      }
    }
    return out;
  }

  /**
   * Topics were deleted: their committed offsets go (tombstones), as Kafka's coordinator does
   * when partitions are deleted, and an empty group left with no offsets is deleted with them.
   */
  dropOffsetsOfDeletedTopics(topicExists: (topic: string) => boolean, nowMs: number): Outcome<void> {
    const out: Outcome<void> = { records: [], replies: [], response: undefined };
    for (const [groupId, committed] of this.offsets) {
      let dropped = 0;
      for (const c of committed.values()) {
        if (topicExists(c.topic)) continue;
        out.records.push(offsetCommitRecord(groupId, c.topic, c.partition, null));
        dropped++;
      }
      const group = this.groups.get(groupId);
      if (dropped === 0 || dropped < committed.size || group === undefined) continue;
      this.advance(group, nowMs, out);
      if (group.state === 'Empty' && group.members.size === 0 && group.pendingMembers.size === 0) {
        out.records.push(groupMetadataRecord(groupId, null));
        group.transition('Dead', nowMs);
        this.groups.delete(groupId);
      }
    }
    return out;
  }

  // ---- describing ----

  describe(groupId: string): GroupSummary | null {
    const group = this.groups.get(groupId);
    if (group === undefined) return null;
    const stable = group.state === 'Stable';
    return {
      groupId,
      state: group.state,
      protocolType: group.protocolType ?? '',
      protocolName: stable ? group.protocolName ?? '' : '',
      // Kafka shows metadata and assignments only of a stable generation.
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        metadata: stable ? group.metadataOf(m) : EMPTY,
        assignment: stable ? m.assignment : EMPTY,
      })),
    };
  }

  list(): { groupId: string; protocolType: string; state: GroupState }[] {
    return [...this.groups.values()].map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', state: g.state }));
  }
}

function joinError(errorCode: number, memberId: string): JoinResult {
  return { errorCode, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, memberId, members: [] };
}

function syncError(errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY };
}

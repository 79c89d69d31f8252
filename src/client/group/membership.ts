/**
 * One member's side of the classic group protocol, as a state machine without I/O: it builds the
 * JoinGroup / SyncGroup / Heartbeat / LeaveGroup bodies, reads their answers and says what to do
 * next; the caller sends the requests and keeps the time (every method takes `nowMs`).
 *
 *   unjoined ──join()──▶ joining ──JoinGroup ok──▶ syncing ──SyncGroup ok──▶ stable
 *       ▲                   │ MEMBER_ID_REQUIRED: rejoin at once with the member id given
 *       └─ resetGeneration ─┴─ (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION: the member is gone)
 *
 * What each error means follows Kafka's consumer (AbstractCoordinator):
 * - JoinGroup: MEMBER_ID_REQUIRED (KIP-394) → rejoin now with the id; UNKNOWN_MEMBER_ID → forget
 *   the id, rejoin now; REBALANCE_IN_PROGRESS → rejoin now; COORDINATOR_LOAD_IN_PROGRESS → back
 *   off; COORDINATOR_NOT_AVAILABLE / NOT_COORDINATOR → find the coordinator again, back off;
 *   anything else (FENCED_INSTANCE_ID, INCONSISTENT_GROUP_PROTOCOL, INVALID_SESSION_TIMEOUT,
 *   GROUP_MAX_SIZE_REACHED, authorization, ...) is fatal for this join and goes to the user.
 * - SyncGroup: REBALANCE_IN_PROGRESS → rejoin; UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION → reset
 *   and rejoin; coordinator errors → find it again; FENCED_INSTANCE_ID and others → fatal.
 * - Heartbeat: REBALANCE_IN_PROGRESS → rejoin (when stable); UNKNOWN_MEMBER_ID /
 *   ILLEGAL_GENERATION → the member is lost: reset, rejoin (ignored when the generation changed
 *   since the heartbeat was sent); FENCED_INSTANCE_ID → fatal; coordinator errors → find it again.
 * - No successful heartbeat for session.timeout.ms: the coordinator is presumed gone (find it
 *   again). No poll for max.poll.interval.ms: leave the group (dynamic members send LeaveGroup,
 *   static members only forget their generation) and rejoin on the next poll.
 */
import { ErrorCode, KafkaError, errorInfo } from '../../protocol/errors.js';

export type MemberState = 'unjoined' | 'joining' | 'syncing' | 'stable';

export const PROTOCOL_TYPE = 'consumer';

export interface MembershipOptions {
  groupId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  /** max.poll.interval.ms: how long the coordinator waits for members to rejoin. */
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  retryBackoffMs: number;
}

/** The member's identity in one generation (what commits and heartbeats carry). */
export interface Generation {
  generationId: number;
  memberId: string;
}

export interface JoinedMember {
  memberId: string;
  groupInstanceId: string | null;
  metadata: Buffer;
}

/** What to do after a JoinGroup or SyncGroup answer. */
export type RoundOutcome =
  | { kind: 'joined'; isLeader: boolean; protocolName: string; members: JoinedMember[]; skipAssignment: boolean }
  | { kind: 'synced'; assignment: Buffer }
  /** Join again: at once, or after retry.backoff.ms (`backoff`); `coordinatorLost`: find it first. */
  | { kind: 'rejoin'; reason: string; backoff: boolean; coordinatorLost: boolean }
  | { kind: 'fatal'; error: KafkaError };

export type HeartbeatOutcome =
  | { kind: 'ok' }
  /** The answer is about an older generation, or the member is rebalancing anyway: nothing to do. */
  | { kind: 'ignored' }
  | { kind: 'rejoin'; reason: string }
  /** The member was removed from the group: its partitions are lost. */
  | { kind: 'lost'; reason: string }
  | { kind: 'coordinator-lost'; reason: string }
  | { kind: 'fatal'; error: KafkaError };

const COORDINATOR_ERRORS: ReadonlySet<number> = new Set([ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR]);

export function isCoordinatorError(code: number): boolean {
  return COORDINATOR_ERRORS.has(code);
}

export class Membership {
  readonly options: MembershipOptions;
  state: MemberState = 'unjoined';
  memberId = '';
  generationId = -1;
  protocolName: string | null = null;
  leaderId = '';
  /** A rejoin is wanted (set by requests, cleared when a JoinGroup goes out). */
  rejoinNeeded = true;
  rejoinReason = 'the consumer joins the group';

  private lastHeartbeatSentMs = 0;
  private heartbeatInFlight = false;
  private heartbeatFailedMs = -1;
  /** When the session is considered lost without a successful heartbeat (or join/sync). */
  private sessionDeadlineMs = Infinity;
  private lastPollMs: number;

  constructor(options: MembershipOptions, nowMs: number) {
    this.options = options;
    this.lastPollMs = nowMs;
  }

  get isStatic(): boolean {
    return this.options.groupInstanceId !== null;
  }

  /** The generation, if the member is stable in one (what a commit may carry). */
  generationIfStable(): Generation | null {
    return this.state === 'stable' ? { generationId: this.generationId, memberId: this.memberId } : null;
  }

  /** True while the member still has the generation it got partitions in (so they are not lost). */
  hasGeneration(): boolean {
    return this.generationId >= 0 && this.memberId !== '';
  }

  requestRejoin(reason: string): void {
    if (!this.rejoinNeeded) this.rejoinReason = reason;
    this.rejoinNeeded = true;
  }

  /** Forget the member id and generation (the coordinator no longer knows this member). */
  resetGeneration(reason: string): void {
    this.memberId = '';
    this.generationId = -1;
    this.protocolName = null;
    this.leaderId = '';
    this.state = 'unjoined';
    this.sessionDeadlineMs = Infinity;
    this.requestRejoin(reason);
  }

  // ---- join and sync ----

  /**
   * The JoinGroup body for `version` (the member enters `joining`). Throws UNSUPPORTED_VERSION
   * when static membership needs a newer JoinGroup than the broker has (v5).
   */
  joinRequest(version: number, protocols: readonly { name: string; metadata: Buffer }[], nowMs: number): unknown {
    if (this.isStatic && version < 5) {
      throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `The broker's JoinGroup v${version} does not support static membership (group.instance.id needs v5+)`);
    }
    this.state = 'joining';
    const reason = this.rejoinReason;
    this.rejoinNeeded = false;
    this.polled(nowMs);
    return {
      groupId: this.options.groupId,
      sessionTimeoutMs: this.options.sessionTimeoutMs,
      rebalanceTimeoutMs: this.options.rebalanceTimeoutMs,
      memberId: this.memberId,
      groupInstanceId: version >= 5 ? this.options.groupInstanceId : null,
      protocolType: PROTOCOL_TYPE,
      protocols: protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
      reason,
    };
  }

  onJoinResponse(
    r: { errorCode: number; generationId: number; protocolType: string | null; protocolName: string | null; leader: string; memberId: string; skipAssignment: boolean; members: JoinedMember[] },
    ourProtocols: readonly string[],
    nowMs: number,
  ): RoundOutcome {
    if (this.state !== 'joining') return { kind: 'rejoin', reason: 'the member left the group while joining', backoff: false, coordinatorLost: false };
    switch (r.errorCode) {
      case ErrorCode.NONE: {
        if (r.protocolType !== null && r.protocolType !== PROTOCOL_TYPE) {
          return this.fatal(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `JoinGroup answered protocol type "${r.protocolType}", not "${PROTOCOL_TYPE}"`);
        }
        if (r.protocolName === null || !ourProtocols.includes(r.protocolName)) {
          return this.fatal(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `JoinGroup selected protocol ${JSON.stringify(r.protocolName)}, which this member does not support (${ourProtocols.join(', ')})`);
        }
        this.memberId = r.memberId;
        this.generationId = r.generationId;
        this.protocolName = r.protocolName;
        this.leaderId = r.leader;
        this.state = 'syncing';
        this.sessionDeadlineMs = nowMs + this.options.sessionTimeoutMs;
        return { kind: 'joined', isLeader: r.leader === r.memberId, protocolName: r.protocolName, members: r.members, skipAssignment: r.skipAssignment };
      }
      case ErrorCode.MEMBER_ID_REQUIRED:
        // KIP-394: the coordinator names us; the next JoinGroup carries the id.
        this.memberId = r.memberId;
        this.state = 'unjoined';
        this.requestRejoin('the coordinator assigned a member id');
        return { kind: 'rejoin', reason: 'need to rejoin with the given member id', backoff: false, coordinatorLost: false };
      case ErrorCode.UNKNOWN_MEMBER_ID:
        this.resetGeneration('the coordinator does not know this member id');
        return { kind: 'rejoin', reason: 'unknown member id', backoff: false, coordinatorLost: false };
      case ErrorCode.REBALANCE_IN_PROGRESS:
        this.state = 'unjoined';
        this.requestRejoin('the group is rebalancing');
        return { kind: 'rejoin', reason: 'rebalance in progress', backoff: false, coordinatorLost: false };
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
        this.state = 'unjoined';
        this.requestRejoin('the coordinator is loading');
        return { kind: 'rejoin', reason: 'coordinator loading', backoff: true, coordinatorLost: false };
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.NOT_COORDINATOR:
        return this.coordinatorMoved(r.errorCode);
      default:
        this.state = 'unjoined';
        this.requestRejoin('the last join failed');
        return this.fatal(r.errorCode, undefined);
    }
  }

  /** The SyncGroup body for `version`, with the leader's assignments (others send none). */
  syncRequest(version: number, assignments: readonly { memberId: string; assignment: Buffer }[]): unknown {
    if (this.isStatic && version < 3) {
      throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `The broker's SyncGroup v${version} does not support static membership (group.instance.id needs v3+)`);
    }
    return {
      groupId: this.options.groupId,
      generationId: this.generationId,
      memberId: this.memberId,
      groupInstanceId: version >= 3 ? this.options.groupInstanceId : null,
      protocolType: PROTOCOL_TYPE,
      protocolName: this.protocolName,
      assignments: assignments.map((a) => ({ memberId: a.memberId, assignment: a.assignment })),
    };
  }

  onSyncResponse(r: { errorCode: number; protocolType: string | null; protocolName: string | null; assignment: Buffer }, sent: Generation, nowMs: number): RoundOutcome {
    if (this.state !== 'syncing' || sent.generationId !== this.generationId || sent.memberId !== this.memberId) {
      return { kind: 'rejoin', reason: 'the generation changed while syncing', backoff: false, coordinatorLost: false };
    }
    switch (r.errorCode) {
      case ErrorCode.NONE:
        if ((r.protocolType !== null && r.protocolType !== PROTOCOL_TYPE) || (r.protocolName !== null && r.protocolName !== this.protocolName)) {
          this.state = 'unjoined';
          return this.fatal(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `SyncGroup answered protocol ${r.protocolType}/${r.protocolName}, the join selected ${PROTOCOL_TYPE}/${this.protocolName}`);
        }
        this.state = 'stable';
        this.sessionDeadlineMs = nowMs + this.options.sessionTimeoutMs;
        this.lastHeartbeatSentMs = nowMs;
        this.heartbeatFailedMs = -1;
        return { kind: 'synced', assignment: r.assignment };
      case ErrorCode.REBALANCE_IN_PROGRESS:
        this.state = 'unjoined';
        this.requestRejoin('the group rebalanced again during the sync');
        return { kind: 'rejoin', reason: 'rebalance in progress', backoff: false, coordinatorLost: false };
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
        this.resetGeneration(`SyncGroup failed with ${errorInfo(r.errorCode).name}`);
        return { kind: 'rejoin', reason: errorInfo(r.errorCode).name, backoff: false, coordinatorLost: false };
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.NOT_COORDINATOR:
        return this.coordinatorMoved(r.errorCode);
      default:
        this.state = 'unjoined';
        this.requestRejoin('the last sync failed');
        return this.fatal(r.errorCode, undefined);
    }
  }

  /** A JoinGroup or SyncGroup answered that the coordinator is elsewhere: find it, join again. */
  private coordinatorMoved(errorCode: number): RoundOutcome {
    this.state = 'unjoined';
    this.requestRejoin('the coordinator moved');
    return { kind: 'rejoin', reason: errorInfo(errorCode).name, backoff: true, coordinatorLost: true };
  }

  /** The JoinGroup or SyncGroup request failed on the way (connection lost, timeout). */
  onRoundFailed(): void {
    if (this.state === 'joining' || this.state === 'syncing') {
      this.state = 'unjoined';
      this.requestRejoin('the last join did not complete');
    }
  }

  // ---- heartbeats, session and poll timeouts ----

  /** Milliseconds until the next heartbeat should go out (Infinity when none is due: not stable, or one in flight). */
  heartbeatDelayMs(nowMs: number): number {
    if (this.state !== 'stable' || this.heartbeatInFlight) return Infinity;
    const base = this.heartbeatFailedMs >= 0 ? this.heartbeatFailedMs + this.options.retryBackoffMs : this.lastHeartbeatSentMs + this.options.heartbeatIntervalMs;
    return Math.max(0, base - nowMs);
  }

  /** The Heartbeat body for `version`; returns the generation it was sent in, for the answer. */
  heartbeatRequest(version: number, nowMs: number): { body: unknown; sent: Generation } {
    this.heartbeatInFlight = true;
    this.lastHeartbeatSentMs = nowMs;
    return {
      body: {
        groupId: this.options.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: version >= 3 ? this.options.groupInstanceId : null,
      },
      sent: { generationId: this.generationId, memberId: this.memberId },
    };
  }

  /** The heartbeat got no answer (connection lost, timeout): retry after retry.backoff.ms. */
  onHeartbeatFailed(nowMs: number): void {
    this.heartbeatInFlight = false;
    this.heartbeatFailedMs = nowMs;
  }

  onHeartbeatResponse(errorCode: number, sent: Generation, nowMs: number): HeartbeatOutcome {
    this.heartbeatInFlight = false;
    const current = sent.generationId === this.generationId && sent.memberId === this.memberId;
    switch (errorCode) {
      case ErrorCode.NONE:
        this.heartbeatFailedMs = -1;
        if (current) this.sessionDeadlineMs = nowMs + this.options.sessionTimeoutMs;
        return { kind: 'ok' };
      case ErrorCode.REBALANCE_IN_PROGRESS:
        this.heartbeatFailedMs = -1;
        if (current) this.sessionDeadlineMs = nowMs + this.options.sessionTimeoutMs;
        if (this.state !== 'stable') return { kind: 'ignored' };
        this.requestRejoin('the group is rebalancing');
        return { kind: 'rejoin', reason: 'the group is rebalancing' };
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
        if (!current) return { kind: 'ignored' };
        this.resetGeneration(`the heartbeat failed with ${errorInfo(errorCode).name}`);
        return { kind: 'lost', reason: errorInfo(errorCode).name };
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.NOT_COORDINATOR:
        this.heartbeatFailedMs = nowMs;
        return { kind: 'coordinator-lost', reason: errorInfo(errorCode).name };
      case ErrorCode.FENCED_INSTANCE_ID:
        if (!current) return { kind: 'ignored' };
        return this.fatal(errorCode, `the instance id ${this.options.groupInstanceId} was taken by another member (FENCED_INSTANCE_ID)`) as HeartbeatOutcome;
      default:
        this.heartbeatFailedMs = nowMs;
        return this.fatal(errorCode, undefined) as HeartbeatOutcome;
    }
  }

  /** True once session.timeout.ms passed without a successful heartbeat, join or sync. */
  sessionExpired(nowMs: number): boolean {
    return this.state === 'stable' && nowMs > this.sessionDeadlineMs;
  }

  /** The coordinator was found again: the session clock restarts with it. */
  coordinatorFound(nowMs: number): void {
    if (this.state === 'stable') this.sessionDeadlineMs = nowMs + this.options.sessionTimeoutMs;
    this.heartbeatFailedMs = -1;
  }

  /** The application polled (the max.poll.interval.ms clock restarts). */
  polled(nowMs: number): void {
    this.lastPollMs = nowMs;
  }

  /** True when the application has not polled within max.poll.interval.ms while in the group. */
  pollTimeoutExpired(nowMs: number): boolean {
    return this.state !== 'unjoined' && nowMs - this.lastPollMs > this.options.rebalanceTimeoutMs;
  }

  // ---- leaving ----

  /**
   * Leaves the group: the member forgets its generation; returns the LeaveGroup body builder for
   * a dynamic member that has joined (static members do not send one: the coordinator keeps their
   * place until session.timeout.ms, as in Kafka), else null.
   */
  leave(reason: string): ((version: number) => unknown) | null {
    const memberId = this.memberId;
    const send = !this.isStatic && memberId !== '' && this.state !== 'unjoined';
    this.resetGeneration(reason);
    if (!send) return null;
    const groupId = this.options.groupId;
    return (version) =>
      version >= 3
        ? { groupId, members: [{ memberId, groupInstanceId: null, reason }] }
        : { groupId, memberId };
  }

  private fatal(code: number, message: string | undefined): RoundOutcome & { kind: 'fatal' } {
    return { kind: 'fatal', error: new KafkaError(code, message, { groupId: this.options.groupId }) };
  }
}

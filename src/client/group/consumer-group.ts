/**
 * A consumer's group membership and offsets (Kafka's ConsumerCoordinator), driven from the
 * consumer's poll():
 *
 * - subscribe(topics | pattern, listener) joins on the next poll. The join round (JoinGroup,
 *   the leader's assignment, SyncGroup; retries per membership.ts) runs in the background, so
 *   poll() keeps returning records of the partitions still owned (cooperative) while it runs;
 *   what involves the application runs inside poll(): before a join, auto-commit and
 *   onPartitionsRevoked (eager: everything; cooperative: topics no longer subscribed) or
 *   onPartitionsLost (the generation is gone); after it, the new assignment and
 *   onPartitionsAssigned (cooperative: first onPartitionsRevoked for what moves, then a rejoin so
 *   it can be handed out).
 * - The leader runs the selected assignor over every member's subscription, with fresh metadata
 *   for all their topics (asked over the coordinator's connection: never queued behind this
 *   consumer's fetch long poll), and remembers the partition counts it used: when metadata shows
 *   other counts (new partitions, a topic created or deleted) it asks for a rebalance. A pattern
 *   subscription is matched against all topics every metadata.max.age.ms; a change rejoins.
 * - Heartbeats every heartbeat.interval.ms while stable; no poll for max.poll.interval.ms leaves
 *   the group (see membership.ts).
 * - Offsets: commit() (positions or explicit offsets) with the generation and member id while
 *   stable (generation -1 for assign()); auto-commit of positions every auto.commit.interval.ms
 *   from poll(), and before partitions are revoked and on close (enable.auto.commit); committed
 *   offsets are where newly assigned partitions start (else auto.offset.reset).
 */
import { ApiKey } from '../../protocol/generated/registry.js';
import { ErrorCode, KafkaError, errorInfo } from '../../protocol/errors.js';
import type { HeartbeatResponse } from '../../protocol/generated/messages/HeartbeatResponse.js';
import type { JoinGroupResponse } from '../../protocol/generated/messages/JoinGroupResponse.js';
import type { LeaveGroupResponse } from '../../protocol/generated/messages/LeaveGroupResponse.js';
import type { MetadataResponse } from '../../protocol/generated/messages/MetadataResponse.js';
import type { OffsetCommitResponse } from '../../protocol/generated/messages/OffsetCommitResponse.js';
import type { OffsetFetchResponse } from '../../protocol/generated/messages/OffsetFetchResponse.js';
import type { SyncGroupResponse } from '../../protocol/generated/messages/SyncGroupResponse.js';
import { backoffMs, sleep } from '../backoff.js';
import { metadataRequest, withDeadline, type Cluster } from '../cluster.js';
import type { ConsumerConfig } from '../config.js';
import { ClientClosedError } from '../errors.js';
import type { ClientLogger, TopicPartition } from '../types.js';
import type { Assignor, MemberSubscription, RebalanceProtocol } from './assignor.js';
import { rebalanceProtocolOf, resolveAssignors } from './assignors.js';
import { decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription, type Assignment } from './consumer-protocol.js';
import { GroupCoordinator } from './coordinator.js';
import { Membership, type Generation, type JoinedMember, type RoundOutcome } from './membership.js';
import { commitErrorAction, fetchErrorAction, offsetCommitErrors, offsetCommitRequest, offsetFetchRequest, readOffsetFetch } from './offsets.js';
import type { ConsumerGroupMetadata, OffsetAndMetadata, OffsetCommitItem, RebalanceListener } from './types.js';

/** What the group needs from the consumer it belongs to. */
export interface GroupHost {
  readonly cluster: Cluster;
  /** The partitions assigned now. */
  assignment(): TopicPartition[];
  /** Replaces the assignment: kept partitions keep their positions, new ones wait for committed offsets. */
  setAssignment(partitions: readonly TopicPartition[]): void;
  /** Positions of the assigned partitions that have one (what "commit the current positions" commits). */
  consumedOffsets(): OffsetCommitItem[];
  /** Assigned partitions still waiting for their committed offset. */
  partitionsAwaitingCommitted(): TopicPartition[];
  /** Where such partitions start: the committed offset, or (null) auto.offset.reset; `committed[i]` is `partitions[i]`'s. */
  applyCommitted(partitions: readonly TopicPartition[], committed: readonly (OffsetAndMetadata | null)[]): void;
  /** Recomputes which topics metadata is kept for. */
  updateInterest(): void;
  /** Wakes a poll() or iterator waiting for records, so it looks at the group again. */
  wake(): void;
}

interface JoinResult {
  generation: Generation;
  assignment: Assignment;
  isLeader: boolean;
  /** Leader: the partition counts the assignment used, and every member's topics. */
  snapshot: Map<string, number> | null;
  groupTopics: Set<string>;
}

interface SubscriptionState {
  topics: Set<string>;
  /** The whole-name pattern for pattern subscriptions. */
  pattern: RegExp | null;
}

const tpKey = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;

function minus(a: readonly TopicPartition[], b: readonly TopicPartition[]): TopicPartition[] {
  const drop = new Set(b.map(tpKey));
  return a.filter((tp) => !drop.has(tpKey(tp)));
}

/** The pattern as a whole-name match (Kafka matches topic names with Pattern.matches). */
export function wholeNamePattern(re: RegExp): RegExp {
  return new RegExp(`^(?:${re.source})$`, re.flags.replace(/[gy]/g, ''));
}

export class ConsumerGroup {
  readonly groupId: string;
  readonly membership: Membership;
  readonly protocol: RebalanceProtocol;
  private readonly assignors: Assignor[];
  private readonly coordinator: GroupCoordinator;
  private subscription: SubscriptionState | null = null;
  private listener: RebalanceListener = {};
  /** Bumped to abandon a join round in the background (unsubscribe, close, leave). */
  private joinEpoch = 0;
  private joining: Promise<void> | null = null;
  private joinDone: { result: JoinResult } | { error: Error } | null = null;
  private needsJoinPrepare = true;
  private assignmentSnapshot: Map<string, number> | null = null;
  /** Leader only: the topics of every member (metadata is kept for them). */
  groupTopics = new Set<string>();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private patternTimer: NodeJS.Timeout | null = null;
  private fatalError: Error | null = null;
  private nextAutoCommitMs: number;
  private autoCommitInFlight = false;
  private committedFetch: Promise<void> | null = null;
  private committedRetryAtMs = 0;
  private closed = false;
  /** close() has started: no new group work. */
  private closing = false;

  constructor(
    private readonly host: GroupHost,
    private readonly config: ConsumerConfig,
    clientId: string,
    private readonly logger: ClientLogger,
  ) {
    this.groupId = config.groupId!;
    this.assignors = resolveAssignors(config.partitionAssignmentStrategy);
    this.protocol = rebalanceProtocolOf(this.assignors);
    const now = Date.now();
    this.membership = new Membership(
      {
        groupId: this.groupId,
        groupInstanceId: config.groupInstanceId,
        sessionTimeoutMs: config.sessionTimeoutMs,
        rebalanceTimeoutMs: config.maxPollIntervalMs,
        heartbeatIntervalMs: config.heartbeatIntervalMs,
        retryBackoffMs: config.retryBackoffMs,
      },
      now,
    );
    this.coordinator = new GroupCoordinator(host.cluster, config, this.groupId, clientId, logger);
    this.coordinator.onFound = () => this.membership.coordinatorFound(Date.now());
    this.nextAutoCommitMs = now + config.autoCommitIntervalMs;
  }

  // ---- subscription ----

  get subscribed(): boolean {
    return this.subscription !== null;
  }

  /** The subscribed topics (for a pattern: the ones it matches now). */
  subscribedTopics(): Set<string> {
    return new Set(this.subscription?.topics ?? []);
  }

  subscribe(topics: readonly string[] | RegExp, listener: RebalanceListener): void {
    const pattern = topics instanceof RegExp ? wholeNamePattern(topics) : null;
    const names = pattern === null ? new Set(topics as readonly string[]) : this.matching(pattern);
    const before = this.subscription;
    this.subscription = { topics: names, pattern };
    this.listener = listener;
    if (before === null || !sameSet(before.topics, names) || String(before.pattern) !== String(pattern)) {
      this.membership.requestRejoin('the subscription changed');
    }
    if (this.patternTimer !== null) clearInterval(this.patternTimer);
    this.patternTimer = null;
    if (pattern !== null) {
      const refresh = (): void => {
        this.host.cluster.refreshMetadata(null).catch((e) => this.logger.debug?.(`metadata refresh for pattern ${pattern} failed: ${(e as Error).message}`));
      };
      refresh();
      this.patternTimer = setInterval(refresh, Math.max(1_000, this.config.metadataMaxAgeMs));
      this.patternTimer.unref();
    }
    this.host.updateInterest();
    this.host.wake();
  }

  /** Revokes everything (listener), leaves the group (dynamic members) and forgets the subscription. */
  async unsubscribe(): Promise<void> {
    if (this.subscription === null) return;
    const errors: unknown[] = [];
    await this.giveUpPartitions(errors);
    await this.leaveGroup('the consumer unsubscribed from all topics', Date.now() + this.config.requestTimeoutMs);
    this.subscription = null;
    if (this.patternTimer !== null) clearInterval(this.patternTimer);
    this.patternTimer = null;
    this.groupTopics = new Set();
    this.assignmentSnapshot = null;
    this.needsJoinPrepare = true;
    this.host.updateInterest();
    if (errors.length > 0) throw errors[0];
  }

  groupMetadata(): ConsumerGroupMetadata {
    return { groupId: this.groupId, generationId: this.membership.generationId, memberId: this.membership.memberId, groupInstanceId: this.config.groupInstanceId };
  }

  /** Asks for a rebalance (Kafka's enforceRebalance); it happens on the next poll. */
  enforceRebalance(reason: string): void {
    if (this.subscription === null) return;
    this.membership.requestRejoin(reason);
    this.host.wake();
  }

  private matching(pattern: RegExp): Set<string> {
    const out = new Set<string>();
    for (const t of this.host.cluster.topics.values()) if (!t.isInternal && pattern.test(t.name)) out.add(t.name);
    return out;
  }

  /** Metadata changed: a pattern may match other topics; the leader's partition counts may differ. */
  onMetadata(): void {
    const sub = this.subscription;
    if (sub === null || this.closed) return;
    if (sub.pattern !== null) {
      const matched = this.matching(sub.pattern);
      if (!sameSet(matched, sub.topics)) {
        sub.topics = matched;
        this.host.updateInterest();
        this.membership.requestRejoin('the topics matching the subscribed pattern changed');
        this.host.wake();
      }
    }
    const snapshot = this.assignmentSnapshot;
    if (snapshot !== null && this.membership.state === 'stable') {
      for (const t of this.groupTopics) {
        const now = this.host.cluster.topics.get(t)?.partitions.length ?? 0;
        if (now !== (snapshot.get(t) ?? 0)) {
          this.assignmentSnapshot = null;
          this.membership.requestRejoin(`the metadata of topic ${t} changed (${snapshot.get(t) ?? 0} → ${now} partitions)`);
          this.host.wake();
          break;
        }
      }
    }
  }

  // ---- driven by poll() ----

  /** The application polled: restart the max.poll.interval.ms clock. */
  polled(nowMs: number): void {
    this.membership.polled(nowMs);
  }

  /** Cheap check: does poll() have group work to do now (for the per-record iterator)? */
  wantsPoll(nowMs: number): boolean {
    if (this.fatalError !== null) return true;
    if (this.subscription !== null && (this.joinDone !== null || (this.joining === null && this.rejoinWanted()))) return true;
    return this.autoCommitDue(nowMs);
  }

  private rejoinWanted(): boolean {
    return this.membership.rejoinNeeded || this.membership.state === 'unjoined';
  }

  private autoCommitDue(nowMs: number): boolean {
    return this.config.enableAutoCommit && !this.autoCommitInFlight && nowMs >= this.nextAutoCommitMs;
  }

  /**
   * One step of group work, from poll(): applies a finished join (listeners), prepares and
   * starts a join when one is needed, auto-commits when due. Does not wait for a join round or
   * for committed offsets: those complete in the background and wake the consumer.
   * Throws fatal group errors and listener errors.
   */
  async poll(): Promise<void> {
    if (this.closing) return;
    const now = Date.now();
    this.membership.polled(now);
    if (this.fatalError !== null) {
      const e = this.fatalError;
      this.fatalError = null;
      throw e;
    }
    if (this.subscription !== null) {
      if (this.joinDone !== null) await this.completeJoin();
      if (this.joining === null && this.rejoinWanted() && !this.closed) {
        const errors: unknown[] = [];
        if (this.needsJoinPrepare) {
          this.needsJoinPrepare = false;
          await this.prepareJoin(errors);
        }
        this.startJoin();
        if (errors.length > 0) throw errors[0];
      }
    }
    if (this.autoCommitDue(now) && (this.subscription === null || this.membership.state === 'stable')) this.autoCommit();
  }

  // ---- the rebalance steps that involve the application ----

  /** Before a join (Kafka's onJoinPrepare). */
  private async prepareJoin(errors: unknown[]): Promise<void> {
    const owned = this.host.assignment();
    if (!this.membership.hasGeneration()) {
      if (owned.length > 0) await this.callListener('onPartitionsLost', owned, errors);
      this.host.setAssignment([]);
      return;
    }
    await this.autoCommitSync(owned, 'before rebalancing');
    if (this.protocol === 'eager') {
      if (owned.length > 0) await this.callListener('onPartitionsRevoked', owned, errors);
      this.host.setAssignment([]);
      return;
    }
    // Cooperative: keep everything still subscribed.
    const topics = this.subscription?.topics ?? new Set<string>();
    const gone = owned.filter((tp) => !topics.has(tp.topic));
    if (gone.length > 0) {
      await this.callListener('onPartitionsRevoked', gone, errors);
      this.host.setAssignment(minus(owned, gone));
    }
  }

  /** After a join round (Kafka's onJoinComplete). */
  private async completeJoin(): Promise<void> {
    const done = this.joinDone!;
    this.joinDone = null;
    if ('error' in done) throw done.error;
    const r = done.result;
    if (this.membership.state !== 'stable' || this.membership.generationId !== r.generation.generationId || this.membership.memberId !== r.generation.memberId) {
      // A heartbeat lost the generation in the meantime: this assignment is void, and what is
      // owned is lost (the next join's preparation says so).
      this.needsJoinPrepare = true;
      this.membership.requestRejoin('the generation was lost before its assignment was applied');
      return;
    }
    this.needsJoinPrepare = true;
    this.assignmentSnapshot = r.isLeader ? r.snapshot : null;
    this.groupTopics = r.isLeader ? r.groupTopics : new Set();
    const topics = this.subscription?.topics ?? new Set<string>();
    const seen = new Set<string>();
    const assigned = r.assignment.partitions.filter((tp) => {
      const k = tpKey(tp);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
    const unexpected = assigned.filter((tp) => !topics.has(tp.topic));
    const usable = minus(assigned, unexpected);
    if (unexpected.length > 0) {
      this.logger.warn(`group ${this.groupId}: assigned partitions of topics not subscribed (${[...new Set(unexpected.map((tp) => tp.topic))].join(', ')}); rejoining`);
      this.membership.requestRejoin('the assignment does not match the subscription');
    }
    const errors: unknown[] = [];
    if (this.protocol === 'cooperative') {
      const owned = this.host.assignment();
      const revoked = minus(owned, usable);
      const added = minus(usable, owned);
      if (revoked.length > 0) {
        await this.autoCommitSync(revoked, 'before revoking');
        await this.callListener('onPartitionsRevoked', revoked, errors);
        // The revoked partitions go to their new owners in the next rebalance.
        this.membership.requestRejoin('partitions were revoked and need reassigning');
      }
      this.host.setAssignment(usable);
      await this.callListener('onPartitionsAssigned', added, errors);
    } else {
      this.host.setAssignment(usable);
      await this.callListener('onPartitionsAssigned', usable, errors);
    }
    this.logger.info(`group ${this.groupId}: generation ${r.generation.generationId}, member ${r.generation.memberId}${r.isLeader ? ' (leader)' : ''}: assigned ${usable.length} partition(s)`);
    this.host.updateInterest();
    this.host.wake();
    if (errors.length > 0) throw errors[0];
  }

  /** Revoked (with a generation) or lost (without) for everything owned, on unsubscribe and close. */
  private async giveUpPartitions(errors: unknown[]): Promise<void> {
    const owned = this.host.assignment();
    if (owned.length > 0) await this.callListener(this.membership.hasGeneration() ? 'onPartitionsRevoked' : 'onPartitionsLost', owned, errors);
    this.host.setAssignment([]);
  }

  private async callListener(which: keyof RebalanceListener, partitions: TopicPartition[], errors: unknown[]): Promise<void> {
    const l = this.listener;
    const fn = which === 'onPartitionsLost' && l.onPartitionsLost === undefined ? l.onPartitionsRevoked : l[which];
    if (fn === undefined) return;
    try {
      await fn.call(l, partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition })));
    } catch (e) {
      this.logger.error(`group ${this.groupId}: ${which} threw: ${(e as Error)?.message ?? String(e)}`);
      errors.push(e);
    }
  }

  // ---- the join round, in the background ----

  private startJoin(): void {
    const epoch = ++this.joinEpoch;
    const task: Promise<void> = this.runJoin(epoch)
      .then(
        (result) => {
          if (epoch === this.joinEpoch) this.joinDone = { result };
        },
        (error: Error) => {
          if (epoch === this.joinEpoch && !this.closed) this.joinDone = { error };
        },
      )
      .finally(() => {
        if (this.joining === task) this.joining = null;
        this.host.wake();
      });
    this.joining = task;
  }

  /** Abandons the join round in the background, if any (its answers are ignored). */
  private abandonJoin(): void {
    this.joinEpoch++;
    this.joining = null;
    this.joinDone = null;
  }

  private protocols(): { name: string; metadata: Buffer }[] {
    const owned = this.host.assignment();
    const topics = [...(this.subscription?.topics ?? [])].sort();
    return this.assignors.map((a) => ({
      name: a.name,
      metadata: encodeSubscription({
        topics,
        userData: a.subscriptionUserData(this.membership.generationId),
        ownedPartitions: owned,
        generationId: this.membership.generationId,
        rackId: this.config.clientRack === '' ? null : this.config.clientRack,
      }),
    }));
  }

  private async runJoin(epoch: number): Promise<JoinResult> {
    const c = this.config;
    const m = this.membership;
    const check = (): void => {
      if (this.closed || epoch !== this.joinEpoch) throw new ClientClosedError('the join was abandoned');
    };
    // The coordinator may hold a JoinGroup (and SyncGroup) for up to the rebalance timeout.
    const roundTimeoutMs = Math.max(c.requestTimeoutMs, c.maxPollIntervalMs + 5_000);
    const names = this.assignors.map((a) => a.name);
    for (let attempt = 0; ; attempt++) {
      check();
      let outcome: RoundOutcome;
      try {
        // Built when sent: a subscription change before then is in it, one after asks for another round.
        const join = await this.coordinator.request<JoinGroupResponse>(ApiKey.JoinGroup, (v) => m.joinRequest(v, this.protocols(), Date.now()), {
          deadlineMs: Date.now() + c.defaultApiTimeoutMs,
          timeoutMs: roundTimeoutMs,
        });
        check();
        outcome = m.onJoinResponse(join.body, names, Date.now());
        if (outcome.kind === 'joined') {
          const sent: Generation = { generationId: m.generationId, memberId: m.memberId };
          let leader: Awaited<ReturnType<ConsumerGroup['assign']>> | null = null;
          if (outcome.isLeader && !outcome.skipAssignment) leader = await this.assign(outcome.protocolName, outcome.members);
          check();
          const assignments = leader?.assignments ?? [];
          const sync = await this.coordinator.request<SyncGroupResponse>(ApiKey.SyncGroup, (v) => m.syncRequest(v, assignments), {
            deadlineMs: Date.now() + c.defaultApiTimeoutMs,
            timeoutMs: roundTimeoutMs,
          });
          check();
          outcome = m.onSyncResponse(sync.body, sent, Date.now());
          if (outcome.kind === 'synced') {
            const assignment = decodeAssignment(outcome.assignment);
            this.scheduleHeartbeat(c.heartbeatIntervalMs);
            return { generation: sent, assignment, isLeader: leader !== null, snapshot: leader?.snapshot ?? null, groupTopics: leader?.groupTopics ?? new Set() };
          }
        }
      } catch (e) {
        if (e instanceof ClientClosedError) throw e;
        m.onRoundFailed();
        if (!(e instanceof KafkaError) || !e.retriable) throw e;
        this.logger.debug?.(`group ${this.groupId}: join round failed (${e.message}); retrying`);
        await sleep(backoffMs({ initialMs: c.retryBackoffMs, maxMs: c.retryBackoffMaxMs }, attempt));
        continue;
      }
      if (outcome.kind === 'fatal') throw outcome.error;
      if (outcome.kind === 'rejoin') {
        this.logger.debug?.(`group ${this.groupId}: rejoining (${outcome.reason})`);
        if (outcome.coordinatorLost) this.coordinator.markUnknown(outcome.reason);
        if (outcome.backoff) await sleep(backoffMs({ initialMs: c.retryBackoffMs, maxMs: c.retryBackoffMaxMs }, attempt));
        else attempt = -1;
      }
    }
  }

  /** The leader's part: every member's subscription → the selected assignor → one assignment each. */
  private async assign(protocolName: string, members: JoinedMember[]): Promise<{ assignments: { memberId: string; assignment: Buffer }[]; snapshot: Map<string, number>; groupTopics: Set<string> }> {
    const assignor = this.assignors.find((a) => a.name === protocolName)!;
    const subs: (MemberSubscription & { version: number })[] = members.map((mem) => {
      try {
        const d = decodeSubscription(mem.metadata);
        return { memberId: mem.memberId, groupInstanceId: mem.groupInstanceId, topics: d.topics, ownedPartitions: d.ownedPartitions, generationId: d.generationId, rackId: d.rackId, userData: d.userData, version: d.version };
      } catch (e) {
        throw new KafkaError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `member ${mem.memberId} sent a subscription that does not decode: ${(e as Error).message}`, { groupId: this.groupId });
      }
    });
    const groupTopics = new Set(subs.flatMap((s) => s.topics));
    this.groupTopics = groupTopics;
    this.host.updateInterest();
    // Fresh partition counts for every member's topics (not only ours), so partitions added since
    // the last refresh are assigned now and not one metadata.max.age.ms later.
    try {
      await this.fetchMetadataViaCoordinator([...groupTopics]);
    } catch (e) {
      if (e instanceof ClientClosedError) throw e;
      this.logger.debug?.(`group ${this.groupId}: metadata for the assignment failed (${(e as Error).message}); assigning from what is known`);
    }
    const snapshot = new Map<string, number>();
    for (const t of groupTopics) {
      const n = this.host.cluster.topics.get(t)?.partitions.length ?? 0;
      if (n > 0) snapshot.set(t, n);
    }
    const result = assignor.assign(snapshot, subs);
    this.logger.debug?.(`group ${this.groupId}: ${assignor.name} assigned ${subs.length} member(s)`);
    return {
      assignments: subs.map((s) => ({ memberId: s.memberId, assignment: encodeAssignment({ partitions: result.get(s.memberId) ?? [], userData: null }, s.version) })),
      snapshot,
      groupTopics,
    };
  }

  /**
   * Metadata of `topics` over the coordinator's connection, into the cluster's metadata. Not over
   * the cluster's connections: the one to a partition leader usually holds this consumer's Fetch,
   * parked at the broker for up to fetch.max.wait.ms, and a broker answers a connection's requests
   * in order, so the whole group would wait for that long poll. The coordinator's connection is
   * idle while the leader assigns (its JoinGroup answered, its SyncGroup not sent yet, no
   * heartbeats while joining), and any broker answers Metadata.
   */
  private async fetchMetadataViaCoordinator(topics: string[]): Promise<void> {
    const { body } = await this.coordinator.request<MetadataResponse>(ApiKey.Metadata, (v) => metadataRequest(topics, this.config.allowAutoCreateTopics, v), {
      deadlineMs: Date.now() + this.config.requestTimeoutMs,
    });
    this.host.cluster.applyMetadata(body, topics);
  }

  // ---- heartbeats ----

  private scheduleHeartbeat(delayMs: number): void {
    if (this.closed || this.heartbeatTimer !== null) return;
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatTimer = null;
      this.heartbeat().catch((e) => this.logger.error(`group ${this.groupId}: heartbeat handling failed: ${(e as Error)?.stack ?? String(e)}`));
    }, Math.max(0, Math.min(delayMs, this.config.heartbeatIntervalMs)));
    this.heartbeatTimer.unref();
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer !== null) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private async heartbeat(): Promise<void> {
    const m = this.membership;
    if (this.closed || this.subscription === null || m.state !== 'stable') return;
    const now = Date.now();
    if (m.pollTimeoutExpired(now)) {
      this.logger.warn(
        `group ${this.groupId}: consumer poll timeout has expired: poll() was not called within max.poll.interval.ms (${this.config.maxPollIntervalMs} ms); leaving the group (it rejoins on the next poll)`,
      );
      await this.leaveGroup('consumer poll timeout has expired', now + this.config.requestTimeoutMs);
      this.host.wake();
      return;
    }
    if (m.sessionExpired(now)) this.coordinator.markUnknown('no heartbeat answer within session.timeout.ms');
    const delay = m.heartbeatDelayMs(now);
    if (delay > 0) {
      this.scheduleHeartbeat(delay);
      return;
    }
    let sent: Generation | null = null;
    try {
      const { body } = await this.coordinator.request<HeartbeatResponse>(
        ApiKey.Heartbeat,
        (v) => {
          const h = m.heartbeatRequest(v, Date.now());
          sent = h.sent;
          return h.body;
        },
        { deadlineMs: now + this.config.requestTimeoutMs },
      );
      if (sent === null) throw new Error('heartbeat answered without being sent');
      const out = m.onHeartbeatResponse(body.errorCode, sent, Date.now());
      switch (out.kind) {
        case 'ok':
        case 'ignored':
          break;
        case 'rejoin':
        case 'lost':
          this.logger.info(`group ${this.groupId}: ${out.kind === 'lost' ? 'member lost' : 'rebalance'} (${out.reason})`);
          this.host.wake();
          break;
        case 'coordinator-lost':
          this.coordinator.markUnknown(out.reason);
          break;
        case 'fatal':
          this.fatalError = out.error;
          this.host.wake();
          break;
      }
    } catch (e) {
      if (this.closed) return;
      m.onHeartbeatFailed(Date.now());
      this.logger.debug?.(`group ${this.groupId}: heartbeat failed: ${(e as Error).message}`);
    }
    if (m.state === 'stable') this.scheduleHeartbeat(m.heartbeatDelayMs(Date.now()));
  }

  /** Leaves the group (LeaveGroup for dynamic members whose coordinator is known) and stops heartbeating. */
  private async leaveGroup(reason: string, deadlineMs: number): Promise<void> {
    this.stopHeartbeats();
    const joinPending = this.membership.state === 'joining' || this.membership.state === 'syncing';
    this.abandonJoin();
    const known = this.coordinator.known;
    const build = this.membership.leave(reason);
    if (build === null || !known) return;
    // A pending JoinGroup / SyncGroup holds its connection up to the rebalance timeout (answers
    // come in order): leave on a new connection instead of queueing behind it.
    if (joinPending) this.coordinator.markUnknown('leaving while a join is pending');
    try {
      const { body, version } = await this.coordinator.request<LeaveGroupResponse>(ApiKey.LeaveGroup, build, { deadlineMs });
      const code = body.errorCode !== ErrorCode.NONE ? body.errorCode : version >= 3 ? (body.members.find((x) => x.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE) : ErrorCode.NONE;
      if (code !== ErrorCode.NONE) this.logger.info(`group ${this.groupId}: LeaveGroup answered ${errorInfo(code).name}`);
    } catch (e) {
      this.logger.debug?.(`group ${this.groupId}: LeaveGroup failed: ${(e as Error).message}`);
    }
  }

  // ---- offsets ----

  /**
   * Commits `offsets` and waits for the answer, retrying retriable failures until `deadlineMs`.
   * Subscribed consumers commit in their stable generation (else REBALANCE_IN_PROGRESS or
   * ILLEGAL_GENERATION: poll to finish the rebalance); assign() consumers with generation -1.
   */
  async commit(offsets: readonly OffsetCommitItem[], deadlineMs: number): Promise<void> {
    if (offsets.length === 0) return;
    const c = this.config;
    for (let attempt = 0; ; attempt++) {
      if (this.closed && attempt > 0) throw new ClientClosedError('the consumer is closed');
      let generation: Generation | null = null;
      if (this.subscription !== null) {
        generation = this.membership.generationIfStable();
        if (generation === null) {
          throw this.rejoinWanted() || this.joining !== null
            ? new KafkaError(ErrorCode.REBALANCE_IN_PROGRESS, 'Offset commit cannot be completed since the consumer is rebalancing; call poll() to complete the rebalance, then commit again', { groupId: this.groupId })
            : new KafkaError(ErrorCode.ILLEGAL_GENERATION, 'Offset commit cannot be completed since the consumer is not part of an active group', { groupId: this.groupId });
        }
      }
      let failure: KafkaError;
      try {
        const { body } = await this.coordinator.request<OffsetCommitResponse>(
          ApiKey.OffsetCommit,
          (v) => offsetCommitRequest(v, this.groupId, generation, this.subscription !== null ? c.groupInstanceId : null, offsets),
          { deadlineMs },
        );
        const errors = offsetCommitErrors(body, offsets);
        const bad = [...errors].find(([, code]) => code !== ErrorCode.NONE);
        if (bad === undefined) return;
        const [tp, code] = bad;
        const action = commitErrorAction(code);
        const context = { groupId: this.groupId, topic: tp.topic, partition: tp.partition };
        if (action === 'coordinator') this.coordinator.markUnknown(`OffsetCommit answered ${errorInfo(code).name}`);
        if (action === 'generation') {
          if (generation !== null && this.membership.generationId === generation.generationId && this.membership.memberId === generation.memberId) {
            this.membership.resetGeneration(`OffsetCommit answered ${errorInfo(code).name}`);
            this.host.wake();
          }
          throw new KafkaError(code, 'Offset commit cannot be completed since the group has already rebalanced and assigned the partitions to another member; poll() rejoins the group', context);
        }
        if (action === 'rebalancing') {
          throw new KafkaError(code, 'Offset commit cannot be completed since the group is rebalancing; call poll() to complete the rebalance, then commit again', context);
        }
        failure = new KafkaError(code, undefined, context);
        if (action === 'fatal') throw failure;
      } catch (e) {
        if (!(e instanceof KafkaError) || !e.retriable || e.code === ErrorCode.REBALANCE_IN_PROGRESS) throw e;
        failure = e;
      }
      const wait = backoffMs({ initialMs: c.retryBackoffMs, maxMs: c.retryBackoffMaxMs }, attempt);
      if (Date.now() + wait >= deadlineMs) throw failure;
      await sleep(wait);
    }
  }

  /** The committed offsets of `partitions` (null: none), retrying retriable failures until `deadlineMs`. */
  async committed(partitions: readonly TopicPartition[], deadlineMs: number): Promise<(OffsetAndMetadata | null)[]> {
    if (partitions.length === 0) return [];
    const c = this.config;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new ClientClosedError('the consumer is closed');
      let failure: KafkaError;
      try {
        const { body, version } = await this.coordinator.request<OffsetFetchResponse>(ApiKey.OffsetFetch, (v) => offsetFetchRequest(v, this.groupId, partitions), { deadlineMs });
        const result = readOffsetFetch(body, version, this.groupId, partitions);
        let code = result.errorCode;
        let context: Record<string, unknown> = { groupId: this.groupId };
        if (code === ErrorCode.NONE) {
          const bad = [...result.partitions].find(([, p]) => p.errorCode !== ErrorCode.NONE);
          if (bad === undefined) return partitions.map((tp) => result.partitions.get(tp)!.committed);
          code = bad[1].errorCode;
          context = { ...context, topic: bad[0].topic, partition: bad[0].partition };
        }
        failure = new KafkaError(code, undefined, context);
        const action = fetchErrorAction(code);
        if (action === 'coordinator') this.coordinator.markUnknown(`OffsetFetch answered ${errorInfo(code).name}`);
        else if (action !== 'retry') throw failure;
      } catch (e) {
        if (!(e instanceof KafkaError) || !e.retriable) throw e;
        failure = e;
      }
      const wait = backoffMs({ initialMs: c.retryBackoffMs, maxMs: c.retryBackoffMaxMs }, attempt);
      if (Date.now() + wait >= deadlineMs) throw failure;
      await sleep(wait);
    }
  }

  /**
   * Looks up committed offsets for the partitions waiting for them, in the background (at most
   * one lookup at a time); each partition then starts there, or at auto.offset.reset. A fatal
   * error is thrown from the next poll().
   */
  startCommittedFetch(): void {
    if (this.committedFetch !== null || this.closed || Date.now() < this.committedRetryAtMs) return;
    const partitions = this.host.partitionsAwaitingCommitted();
    if (partitions.length === 0) return;
    this.committedFetch = this.committed(partitions, Date.now() + this.config.defaultApiTimeoutMs)
      .then(
        (found) => this.host.applyCommitted(partitions, found),
        (e: Error) => {
          if (this.closed) return;
          this.committedRetryAtMs = Date.now() + this.config.retryBackoffMs;
          if (e instanceof KafkaError && e.retriable) this.logger.debug?.(`group ${this.groupId}: committed offsets not fetched yet: ${e.message}`);
          else this.fatalError = e;
        },
      )
      .finally(() => {
        this.committedFetch = null;
        this.host.wake();
      });
  }

  /** Waits (until `deadlineMs`) for the committed offsets of partitions waiting for them. */
  async awaitCommitted(deadlineMs: number): Promise<void> {
    // After a failed lookup, the next one waits retry.backoff.ms (bounded by the deadline).
    const wait = Math.min(this.committedRetryAtMs, deadlineMs) - Date.now();
    if (wait > 0) await sleep(wait);
    this.startCommittedFetch();
    const f = this.committedFetch;
    if (f === null) return;
    await withDeadline(f, Math.max(0, deadlineMs - Date.now()), 'committed offsets not fetched before the timeout');
    if (this.fatalError !== null) {
      const e = this.fatalError;
      this.fatalError = null;
      throw e;
    }
  }

  /** Auto-commit of the current positions, in the background (at most one at a time). */
  private autoCommit(): void {
    const now = Date.now();
    this.nextAutoCommitMs = now + this.config.autoCommitIntervalMs;
    const offsets = this.host.consumedOffsets();
    if (offsets.length === 0) return;
    this.autoCommitInFlight = true;
    this.commit(offsets, now + this.config.defaultApiTimeoutMs)
      .catch((e: Error) => {
        if (this.closed) return;
        this.logger.warn(`group ${this.groupId}: auto-commit of ${offsets.length} offset(s) failed: ${e.message}`);
        if (e instanceof KafkaError && e.retriable) this.nextAutoCommitMs = Date.now() + this.config.retryBackoffMs;
      })
      .finally(() => {
        this.autoCommitInFlight = false;
      });
  }

  /** With enable.auto.commit, commits the positions of `partitions` and waits (bounded); failures are logged. */
  private async autoCommitSync(partitions: readonly TopicPartition[], when: string, deadlineMs = Date.now() + Math.min(this.config.defaultApiTimeoutMs, this.config.maxPollIntervalMs)): Promise<void> {
    if (!this.config.enableAutoCommit || partitions.length === 0) return;
    const wanted = new Set(partitions.map(tpKey));
    const offsets = this.host.consumedOffsets().filter((o) => wanted.has(tpKey(o)));
    try {
      await this.commit(offsets, deadlineMs);
    } catch (e) {
      this.logger.warn(`group ${this.groupId}: auto-commit ${when} failed: ${(e as Error).message}`);
    }
  }

  // ---- close ----

  /**
   * Auto-commits (bounded by `deadlineMs`), revokes everything (listener), leaves the group
   * (dynamic members) and closes the coordinator connection.
   */
  async close(deadlineMs: number): Promise<void> {
    if (this.closed || this.closing) return;
    this.closing = true;
    const errors: unknown[] = [];
    try {
      this.abandonJoin();
      const stableOrManual = this.subscription === null || this.membership.state === 'stable';
      if (stableOrManual) await this.autoCommitSync(this.host.assignment(), 'on close', deadlineMs);
      if (this.subscription !== null) {
        await this.giveUpPartitions(errors);
        await this.leaveGroup('the consumer is being closed', Math.min(deadlineMs, Date.now() + this.config.requestTimeoutMs));
      }
    } finally {
      this.closed = true;
      this.stopHeartbeats();
      if (this.patternTimer !== null) clearInterval(this.patternTimer);
      this.coordinator.close();
    }
    if (errors.length > 0) throw errors[0];
  }
}

function sameSet(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  if (a.size !== b.size) return false;
  for (const x of a) if (!b.has(x)) return false;
  return true;
}


/**
 * For the group shard tests: a GroupShard driven the way the coordinator's shell drives it, with
 * a clock that is a plain number. Each outcome's records are "written" (kept in `written`, the
 * partition as it would be on disk) and replayed live, and only then are its replies delivered,
 * as the shell does once the records are durable. Writes can be held (`holdWrites`) to see what
 * happens when requests arrive while earlier records are still on their way to disk: outcomes
 * then complete strictly in order, as the shell's per-shard queue completes them.
 */
import assert from 'node:assert/strict';
import { encodeConsumerProtocolSubscription } from '../../src/protocol/generated/messages/ConsumerProtocolSubscription.js';
import {
  GroupShard,
  type GroupConfig,
  type JoinInput,
  type JoinResult,
  type OffsetCommitInput,
  type Outcome,
  type SyncInput,
  type SyncResult,
} from '../../src/coordinator/group/group-shard.js';
import type { ClassicGroup, Protocol } from '../../src/coordinator/group/classic-group.js';
import type { OffsetsTopicRecord } from '../../src/coordinator/group/offsets-records.js';

export const DEFAULT_CONFIG: GroupConfig = {
  minSessionTimeoutMs: 6_000,
  maxSessionTimeoutMs: 1_800_000,
  initialRebalanceDelayMs: 0,
  maxSize: 1_000,
  offsetMetadataMaxBytes: 4096,
  offsetsRetentionMs: 7 * 24 * 3600_000,
};

/** The "consumer" protocol's member metadata: an int16 version, then ConsumerProtocolSubscription. */
export function subscription(topics: string[], version = 1): Buffer {
  const body = encodeConsumerProtocolSubscription({ topics, userData: null, ownedPartitions: [] }, version);
  const out = Buffer.alloc(2 + body.length);
  out.writeInt16BE(version, 0);
  body.copy(out, 2);
  return out;
}

export function consumerProtocols(topics: string[] = ['t'], names: string[] = ['range']): Protocol[] {
  return names.map((name) => ({ name, metadata: subscription(topics) }));
}

type Answer = JoinResult | SyncResult;

interface PendingOutcome {
  records: OffsetsTopicRecord[];
  deliver: () => void;
}

export class ShardHarness {
  nowMs = 1_700_000_000_000;
  readonly config: GroupConfig;
  readonly shard: GroupShard;
  /** Every record written, in order: the partition's log. */
  readonly written: OffsetsTopicRecord[] = [];
  /** Answers to parked requests, by token (more than one is a bug the tests look for). */
  readonly answers = new Map<number, Answer[]>();
  readonly issued = new Set<number>();
  /** While true, outcomes wait in `pending` until `flush()`. */
  holdWrites = false;
  private readonly pending: PendingOutcome[] = [];
  private nextToken = 1;
  private nextId = 0;

  constructor(config: Partial<GroupConfig> = {}) {
    this.config = { ...DEFAULT_CONFIG, ...config };
    this.shard = new GroupShard(() => this.config, (prefix) => `${prefix}-m${++this.nextId}`);
  }

  /** The shard's groups, for invariant checks (the core keeps them private). */
  groups(): Map<string, ClassicGroup> {
    return (this.shard as unknown as { groups: Map<string, ClassicGroup> }).groups;
  }

  group(groupId: string): ClassicGroup {
    const g = this.groups().get(groupId);
    assert.ok(g, `group ${groupId} exists`);
    return g;
  }

  /**
   * Applies an outcome as the shell does: records written then replayed, then replies; `onDone`
   * gets the direct response at that moment. With writes held, it waits behind earlier outcomes.
   */
  apply<R>(outcome: Outcome<R>, onDone?: (response: R) => void): void {
    const deliver = (): void => {
      for (const r of outcome.records) {
        this.written.push(r);
        this.shard.replay(r.key, r.value, this.nowMs, 'live');
      }
      for (const reply of outcome.replies) {
        assert.ok(this.issued.has(reply.token), `reply to token ${reply.token}, which was never issued`);
        let list = this.answers.get(reply.token);
        if (!list) this.answers.set(reply.token, (list = []));
        list.push(reply.response);
      }
      onDone?.(outcome.response);
    };
    if (this.holdWrites || this.pending.length > 0) this.pending.push({ records: outcome.records, deliver });
    else deliver();
  }

  /** Completes the oldest held outcome (its write became durable); false when none is held. */
  completeOne(): boolean {
    const next = this.pending.shift();
    if (next === undefined) return false;
    next.deliver();
    return true;
  }

  flush(): void {
    while (this.completeOne());
  }

  get pendingWrites(): number {
    return this.pending.length;
  }

  /** Runs the value-returning operations synchronously (writes must not be held). */
  private now<R>(outcome: Outcome<R>): R {
    assert.equal(this.pending.length, 0, 'synchronous call while writes are held');
    let result: R | undefined;
    let done = false;
    this.apply(outcome, (r) => {
      result = r;
      done = true;
    });
    assert.ok(done);
    return result as R;
  }

  token(): number {
    const t = this.nextToken++;
    this.issued.add(t);
    return t;
  }

  join(input: Partial<JoinInput> & { groupId: string }): number {
    const token = this.token();
    const full: JoinInput = {
      memberId: '',
      groupInstanceId: null,
      clientId: 'client',
      clientHost: '/127.0.0.1',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 30_000,
      protocolType: 'consumer',
      protocols: consumerProtocols(),
      requireKnownMemberId: true,
      supportsSkipAssignment: true,
      ...input,
    };
    this.apply(this.shard.join(full, token, this.nowMs));
    return token;
  }

  sync(input: Partial<SyncInput> & { groupId: string; memberId: string; generationId: number }): number {
    const token = this.token();
    const full: SyncInput = { groupInstanceId: null, protocolType: null, protocolName: null, assignments: [], ...input };
    this.apply(this.shard.sync(full, token, this.nowMs));
    return token;
  }

  heartbeat(groupId: string, memberId: string, generationId: number, groupInstanceId: string | null = null): number {
    return this.now(this.shard.heartbeat({ groupId, memberId, generationId, groupInstanceId }, this.nowMs));
  }

  leave(groupId: string, members: { memberId: string; groupInstanceId?: string | null }[]): number[] {
    return this.now(this.shard.leave(groupId, members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId ?? null })), this.nowMs));
  }

  commit(input: Partial<OffsetCommitInput> & { groupId: string; topics: OffsetCommitInput['topics'] }, exists: (topic: string, partition: number) => boolean = () => true): number[][] {
    const full: OffsetCommitInput = { memberId: '', groupInstanceId: null, generationId: -1, ...input };
    return this.now(this.shard.commitOffsets(full, this.nowMs, exists));
  }

  /** Commits one offset per partition of one topic; returns the codes. */
  commitSimple(groupId: string, topic: string, offsets: number[], member?: { memberId: string; generationId: number; groupInstanceId?: string | null }): number[] {
    return this.commit({
      groupId,
      memberId: member?.memberId ?? '',
      generationId: member?.generationId ?? -1,
      groupInstanceId: member?.groupInstanceId ?? null,
      topics: [{ name: topic, partitions: offsets.map((offset, partition) => ({ partition, offset, leaderEpoch: -1, metadata: null })) }],
    })[0]!;
  }

  committed(groupId: string): Map<string, number> {
    return new Map(this.shard.fetchOffsets(groupId, null).map((o) => [`${o.topic}-${o.partition}`, o.committed!.offset]));
  }

  deleteOffsets(groupId: string, topics: { name: string; partitions: number[] }[]): { errorCode: number; partitions: number[][] } {
    return this.now(this.shard.deleteOffsets(groupId, topics));
  }

  deleteGroups(groupIds: string[]): number[] {
    return this.now(this.shard.deleteGroups(groupIds, this.nowMs));
  }

  expire(): void {
    this.now(this.shard.expireOffsets(this.nowMs));
  }

  /** Moves the clock and runs the shard's timers, as the shell's tick does. */
  advance(ms: number): void {
    this.nowMs += ms;
    this.apply(this.shard.tick(this.nowMs));
  }

  /** Advances in steps of at most `stepMs`, ticking after each, as the shell's periodic timer does. */
  advanceBy(ms: number, stepMs = 100): void {
    for (let left = ms; left > 0; left -= stepMs) this.advance(Math.min(stepMs, left));
  }

  answered(token: number): boolean {
    return (this.answers.get(token)?.length ?? 0) > 0;
  }

  /** The one answer to a parked request (fails when there is none, or more than one). */
  answer(token: number): Answer {
    const list = this.answers.get(token) ?? [];
    assert.equal(list.length, 1, `token ${token} answered ${list.length} times`);
    return list[0]!;
  }

  joinAnswer(token: number): JoinResult {
    const a = this.answer(token);
    assert.ok('members' in a, `token ${token} was answered with a SyncGroup response`);
    return a;
  }

  syncAnswer(token: number): SyncResult {
    const a = this.answer(token);
    assert.ok('assignment' in a, `token ${token} was answered with a JoinGroup response`);
    return a;
  }

  /** A fresh shard fed every record written so far, as a coordinator loading the partition. */
  reloaded(): GroupShard {
    const fresh = new GroupShard(() => this.config, (prefix) => `${prefix}-reloaded`);
    for (const r of this.written) fresh.replay(r.key, r.value, this.nowMs);
    return fresh;
  }
}

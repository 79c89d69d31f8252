/**
 * The group coordinator's shell: one GroupShard per __consumer_offsets partition this node
 * leads, loaded by replaying the partition; requests go to the shard of their group. Every
 * outcome of a shard is applied in order per shard: its records are appended to the partition
 * and made durable, replayed into the shard, and only then are the parked requests answered.
 * A timer drives sessions, join and sync phases; another expires old offsets.
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { GroupShard, type GroupConfig, type JoinInput, type JoinResult, type Outcome, type SyncInput, type SyncResult, type OffsetCommitInput, type GroupSummary, type CommittedOffset } from './group-shard.js';
import type { Token } from './classic-group.js';
import { partitionForGroup, type OffsetsTopicRecord } from './offsets-records.js';

/** What a shard needs of its partition. */
export interface OffsetsPartitionStore {
  /**
   * Appends the records as one batch; resolves when they are durable. The append must be queued
   * before the call returns (appends of one partition keep the order of the calls).
   */
  append(records: readonly OffsetsTopicRecord[], nowMs: number): Promise<void>;
  /** Every record of the partition, in order. */
  records(): AsyncIterable<{ key: Buffer | null; value: Buffer | null }>;
}

export interface GroupCoordinatorOptions {
  config: () => GroupConfig;
  nowMs: () => number;
  newMemberId: (prefix: string) => string;
  /** How often sessions and rebalance phases are checked. */
  tickIntervalMs?: number;
  /** offsets.retention.check.interval.ms. */
  retentionCheckIntervalMs: number;
  onError: (message: string) => void;
}

interface Shard {
  partition: number;
  core: GroupShard;
  store: OffsetsPartitionStore;
  /** Replays of written outcomes, one after another in the order of their appends. */
  queue: Promise<void>;
}

/** A shard's answer could not be made durable (the partition's storage failed). */
export class CoordinatorUnavailableError extends KafkaError {
  constructor(message: string) {
    super(ErrorCode.COORDINATOR_NOT_AVAILABLE, message);
  }
}

export class GroupCoordinator {
  private readonly shards = new Map<number, Shard>();
  private partitionCount = 0;
  private nextToken: Token = 1;
  private readonly waiting = new Map<Token, { resolve: (r: JoinResult | SyncResult) => void; reject: (e: Error) => void }>();
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: GroupCoordinatorOptions) {}

  start(): void {
    const tick = setInterval(() => this.forEachShard((s) => s.core.tick(this.options.nowMs())), this.options.tickIntervalMs ?? 100);
    const expire = setInterval(() => this.forEachShard((s) => s.core.expireOffsets(this.options.nowMs())), this.options.retentionCheckIntervalMs);
    tick.unref();
    expire.unref();
    this.timers = [tick, expire];
  }

  /** Stops the timers and answers parked requests with NOT_COORDINATOR (members find the next one). */
  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    for (const [, w] of this.waiting) w.reject(new KafkaError(ErrorCode.NOT_COORDINATOR, 'the coordinator is shutting down'));
    this.waiting.clear();
  }

  /** Whether __consumer_offsets exists (its partitions are known). */
  get ready(): boolean {
    return this.partitionCount > 0;
  }

  /**
   * Brings shards in line with the partitions this node leads: new ones are loaded by replay,
   * gone ones dropped. `partitionCount` is the topic's partition count (0 when absent).
   */
  async syncShards(partitionCount: number, stores: Map<number, OffsetsPartitionStore>): Promise<void> {
    this.partitionCount = partitionCount;
    for (const [p, shard] of this.shards) {
      if (stores.get(p) !== shard.store) this.shards.delete(p);
    }
    for (const [p, store] of stores) {
      if (this.shards.has(p)) continue;
      const core = new GroupShard(this.options.config, this.options.newMemberId);
      const now = this.options.nowMs();
      for await (const r of store.records()) {
        try {
          core.replay(r.key, r.value, now);
        } catch (e) {
          // Only this coordinator writes the topic; a record it cannot read is reported and skipped
          // rather than keeping every group of the partition from loading.
          this.options.onError(`__consumer_offsets-${p}: skipped an unreadable record: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      this.shards.set(p, { partition: p, core, store, queue: Promise.resolve() });
    }
  }

  /** The __consumer_offsets partition of a group (-1 before the topic exists). */
  partitionFor(groupId: string): number {
    return this.partitionCount === 0 ? -1 : partitionForGroup(groupId, this.partitionCount);
  }

  /** The shard of a group, or a KafkaError saying why this node cannot serve it. */
  private shardOf(groupId: string): Shard {
    const p = this.partitionFor(groupId);
    if (p < 0) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'the __consumer_offsets topic does not exist yet');
    const shard = this.shards.get(p);
    if (shard === undefined) throw new KafkaError(ErrorCode.NOT_COORDINATOR, `this node does not lead __consumer_offsets-${p}`);
    return shard;
  }

  join(input: JoinInput): Promise<JoinResult> {
    return this.parked(input.groupId, (core, token, now) => core.join(input, token, now)) as Promise<JoinResult>;
  }

  sync(input: SyncInput): Promise<SyncResult> {
    return this.parked(input.groupId, (core, token, now) => core.sync(input, token, now)) as Promise<SyncResult>;
  }

  heartbeat(input: { groupId: string; memberId: string; groupInstanceId: string | null; generationId: number }): Promise<number> {
    return this.run(input.groupId, (core, now) => core.heartbeat(input, now));
  }

  leave(groupId: string, members: { memberId: string; groupInstanceId: string | null }[]): Promise<number[]> {
    return this.run(groupId, (core, now) => core.leave(groupId, members, now));
  }

  commitOffsets(input: OffsetCommitInput, partitionExists: (topic: string, partition: number) => boolean): Promise<number[][]> {
    return this.run(input.groupId, (core, now) => core.commitOffsets(input, now, partitionExists));
  }

  fetchOffsets(groupId: string, topics: { name: string; partitions: number[] }[] | null): { topic: string; partition: number; committed: CommittedOffset | null }[] {
    return this.shardOf(groupId).core.fetchOffsets(groupId, topics);
  }

  deleteOffsets(groupId: string, topics: { name: string; partitions: number[] }[]): Promise<{ errorCode: number; partitions: number[][] }> {
    return this.run(groupId, (core) => core.deleteOffsets(groupId, topics));
  }

  /** Tombstones the committed offsets of topics that no longer exist, in every shard. */
  dropOffsetsOfDeletedTopics(topicExists: (topic: string) => boolean): void {
    this.forEachShard((s) => s.core.dropOffsetsOfDeletedTopics(topicExists, this.options.nowMs()));
  }

  deleteGroup(groupId: string): Promise<number> {
    return this.run(groupId, (core, now) => core.deleteGroups([groupId], now)).then((codes) => codes[0]!);
  }

  describe(groupId: string): GroupSummary | null {
    return this.shardOf(groupId).core.describe(groupId);
  }

  list(): ReturnType<GroupShard['list']> {
    return [...this.shards.values()].flatMap((s) => s.core.list());
  }

  /** Runs an operation whose caller waits in a parked request answered by token. */
  private parked(groupId: string, op: (core: GroupShard, token: Token, nowMs: number) => Outcome<void>): Promise<JoinResult | SyncResult> {
    let shard: Shard;
    try {
      shard = this.shardOf(groupId);
    } catch (e) {
      return Promise.reject(e);
    }
    const token = this.nextToken++;
    const answer = new Promise<JoinResult | SyncResult>((resolve, reject) => this.waiting.set(token, { resolve, reject }));
    let outcome: Outcome<void>;
    try {
      outcome = op(shard.core, token, this.options.nowMs());
    } catch (e) {
      this.waiting.delete(token);
      return Promise.reject(e);
    }
    void this.apply(shard, outcome).catch(() => undefined);
    return answer;
  }

  /** Runs an operation with a direct response, given once its records are durable. */
  private async run<R>(groupId: string, op: (core: GroupShard, nowMs: number) => Outcome<R>): Promise<R> {
    const shard = this.shardOf(groupId);
    const outcome = op(shard.core, this.options.nowMs());
    await this.apply(shard, outcome);
    return outcome.response;
  }

  private forEachShard(op: (shard: Shard) => Outcome<unknown>): void {
    for (const shard of this.shards.values()) {
      this.apply(shard, op(shard)).catch((e: unknown) => this.options.onError(`__consumer_offsets-${shard.partition}: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  /**
   * Writes an outcome's records (in shard order), replays them, then answers its replies. When
   * the write fails, the replies fail too: nobody is told of state that is not on disk.
   */
  private async apply(shard: Shard, outcome: Outcome<unknown>): Promise<void> {
    if (outcome.records.length === 0) {
      // Nothing to write, but the answer may rest on state whose records are still being written
      // (a follower's assignment while the leader's is): it waits for the writes before it, as
      // Kafka's coordinator answers nothing ahead of what was written before.
      await shard.queue;
      this.deliver(outcome, null);
      return;
    }
    // The append starts now, so appends reach the log in the order outcomes were made, and
    // several of them can share one fdatasync; only the replays wait for each other, in order.
    const now = this.options.nowMs();
    const durable = shard.store.append(outcome.records, now);
    durable.catch(() => undefined); // handled below, possibly after it fails
    const written = shard.queue.then(async () => {
      await durable;
      for (const r of outcome.records) shard.core.replay(r.key, r.value, now, 'live');
    });
    shard.queue = written.catch(() => undefined);
    try {
      await written;
    } catch (e) {
      const error = new CoordinatorUnavailableError(`writing __consumer_offsets-${shard.partition} failed: ${e instanceof Error ? e.message : String(e)}`);
      this.deliver(outcome, error);
      throw error;
    }
    this.deliver(outcome, null);
  }

  private deliver(outcome: Outcome<unknown>, error: Error | null): void {
    for (const reply of outcome.replies) {
      const w = this.waiting.get(reply.token);
      if (w === undefined) continue;
      this.waiting.delete(reply.token);
      if (error === null) w.resolve(reply.response);
      else w.reject(error);
    }
  }
}

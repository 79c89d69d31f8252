/**
 * The consumer: manual assignment (assign()) or group membership (subscribe(), see
 * ../group/consumer-group.ts), with offsets committed to the group (commit(), auto-commit,
 * committed()). Three ways to read, all over the same fetcher:
 * - `await consumer.poll(timeoutMs)`: up to max.poll.records records (Kafka's poll());
 * - `for await (const record of consumer)`: one record at a time until stop()/close() (or
 *   `break`); the position moves past each record as it is yielded;
 * - `await consumer.run({ eachRecord })` (or `eachBatch`): calls the handler for every record,
 *   awaiting it, until stop()/close(); rejects (and stops) if the handler throws.
 *
 * With a group.id, a partition assigned without an offset starts at the group's committed offset
 * (OffsetFetch), else auto.offset.reset. Group work (rebalances, listeners, auto-commit) happens
 * inside poll(), the iterator and run(), as in Kafka's poll().
 *
 * Fetching: one Fetch in flight per leader, for the assigned partitions that are not paused and
 * have no records waiting to be returned; the next fetch is sent as soon as a partition's records
 * have been handed out (prefetch). Positions: an assigned offset, seek(), or auto.offset.reset
 * (earliest/latest; none fails) when there is none or it is out of range (OFFSET_OUT_OF_RANGE).
 * Errors that mean stale metadata (leader moved, unknown partition) refresh it and back off;
 * other partition errors surface from the next poll.
 */
import { ApiKey } from '../../protocol/generated/registry.js';
import { ErrorCode, KafkaError, errorInfo } from '../../protocol/errors.js';
import { ZERO_UUID } from '../../protocol/primitives/types.js';
import type { FetchResponse } from '../../protocol/generated/messages/FetchResponse.js';
import { backoffMs } from '../backoff.js';
import { Cluster, isStaleMetadataError } from '../cluster.js';
import { checkConsumerConfig, type ConsumerConfig } from '../config.js';
import { ClientClosedError, timeoutError } from '../errors.js';
import { ConsumerGroup, type GroupHost } from '../group/consumer-group.js';
import type { ConsumerGroupMetadata, OffsetAndMetadata, OffsetCommitItem, RebalanceListener } from '../group/types.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets, tpKey } from '../list-offsets.js';
import type { ClientLogger, ConsumerRecord, OffsetAndTimestamp, PartitionAssignment, RunOptions, TopicPartition } from '../types.js';
import { decodeBatch, splitFetched } from './fetched-records.js';
import type { RecordBatch } from '../../protocol/records/record-batch.js';

/**
 * Fetches in flight per broker. One, as Kafka's consumer: brokers answer a connection's requests
 * in order, so a second fetch would only queue behind the first one's long poll anyway.
 */
const MAX_FETCHES_PER_NODE = 1;

/** Upper bound of one decompressed batch. */
const MAX_UNCOMPRESSED_BATCH_BYTES = 256 * 1024 * 1024;

type ResetStrategy = 'earliest' | 'latest';

/**
 * One fetch answer for a partition: its batches, decoded one at a time as records are handed
 * out (so the next fetch goes out before this one's records are decoded).
 */
interface Chunk {
  batches: RecordBatch[];
  /** Next batch to decode. */
  batchIndex: number;
  /** Records of the batch being handed out, from `index`. */
  records: ConsumerRecord[];
  index: number;
  /** The fetch offset (records below it in the first batch are skipped). */
  fetchOffset: number;
  /** Where the position goes once this chunk is used up (past its last whole batch). */
  nextOffset: number;
}

/**
 * Fetch answers buffered per partition: the one being handed out and one fetched ahead, so the
 * broker reads the next range while the application handles this one (bounded memory:
 * two answers of at most max.partition.fetch.bytes per partition, fetch.max.bytes per request).
 */
const MAX_BUFFERED_CHUNKS = 2;

interface PartitionState {
  topic: string;
  partition: number;
  /** Next offset to hand out; null until known (then the committed offset or a reset is needed). */
  position: number | null;
  /** Leader epoch of the record before the position (-1: unknown), committed with it. */
  positionEpoch: number;
  /** Waiting for the group's committed offset (group.id set, assigned without an offset). */
  awaitingCommitted: boolean;
  /** A pending reset (seekToBeginning/End, or auto.offset.reset). */
  reset: ResetStrategy | null;
  paused: boolean;
  /** Fetched records not yet handed out, oldest first (at most MAX_BUFFERED_CHUNKS). */
  chunks: Chunk[];
  /** Offset the fetch in flight started at, or null. */
  fetching: number | null;
  /** Bumped by every position change: answers to fetches sent before it are dropped. */
  epoch: number;
  retryAtMs: number;
  failures: number;
  error: Error | null;
  highWatermark: number;
  logStartOffset: number;
  lastStableOffset: number;
}

export class Consumer implements AsyncIterable<ConsumerRecord> {
  readonly config: ConsumerConfig;
  private readonly cluster: Cluster;
  private readonly logger: ClientLogger;
  private readonly parts = new Map<string, PartitionState>();
  private order: PartitionState[] = [];
  private cursor = 0;
  /** Fetches in flight per leader. */
  private readonly fetchesPerNode = new Map<number, number>();
  private readonly waiters = new Set<() => void>();
  private resetting: Promise<void> | null = null;
  /** The group (when group.id is set): membership, commits, committed offsets. */
  private readonly group: ConsumerGroup | null;
  private fetchTimer: NodeJS.Timeout | null = null;
  private lastMetadataRequestMs = 0;
  private stopped = false;
  private closed = false;
  private closing: Promise<void> | null = null;
  private runs = 0;
  /** Counts stop() calls: a poll() in progress when stop() is called returns at once. */
  private stops = 0;

  /** @internal Use `kafka.consumer(config)`. */
  constructor(config: ConsumerConfig, clientId: string, logger: ClientLogger) {
    this.config = config;
    this.logger = logger;
    checkConsumerConfig(config);
    this.cluster = new Cluster({ config, clientId, maxInFlight: 5, allowAutoTopicCreation: config.allowAutoCreateTopics, logger });
    this.group = config.groupId === null ? null : new ConsumerGroup(this.groupHost(), config, clientId, logger);
    this.cluster.onMetadata(() => {
      this.group?.onMetadata();
      this.maybeFetch();
    });
  }

  // ---- assignment ----

  /**
   * Replaces the assignment. Partitions kept keep their positions; `offset` sets a position
   * (else the group's committed offset, with a group.id, or auto.offset.reset applies on first
   * use). Synchronous; metadata is fetched lazily. Not while subscribed (Kafka: mutually exclusive).
   */
  assign(partitions: readonly PartitionAssignment[]): void {
    this.checkOpen();
    if (this.group?.subscribed) throw new Error('Subscription to topics, partitions and pattern are mutually exclusive: call unsubscribe() before assign()');
    for (const p of partitions) {
      if (typeof p?.topic !== 'string' || p.topic === '' || !Number.isInteger(p.partition) || p.partition < 0) {
        throw new TypeError(`assign(): invalid topic partition ${JSON.stringify(p)}`);
      }
      if (p.offset !== undefined) checkOffset(p.offset);
    }
    this.replaceAssignment(partitions);
  }

  /** Sets the assigned partitions (assign() and the group's assignments). */
  private replaceAssignment(partitions: readonly PartitionAssignment[]): void {
    const next = new Map<string, PartitionState>();
    for (const p of partitions) {
      const key = tpKey(p.topic, p.partition);
      const state = this.parts.get(key) ?? next.get(key) ?? this.newState(p.topic, p.partition);
      if (p.offset !== undefined) this.setPosition(state, checkOffset(p.offset));
      next.set(key, state);
    }
    this.parts.clear();
    for (const [k, v] of next) this.parts.set(k, v);
    this.order = [...next.values()];
    this.cursor = 0;
    this.updateInterest();
    this.wake();
  }

  /** Topics metadata is kept for: the assigned ones, the subscription, and (leader) the group's. */
  private updateInterest(): void {
    const interest = this.cluster.interest;
    interest.clear();
    for (const s of this.order) interest.add(s.topic);
    if (this.group !== null) {
      for (const t of this.group.subscribedTopics()) interest.add(t);
      for (const t of this.group.groupTopics) interest.add(t);
    }
  }

  /** The assigned partitions. */
  assignment(): TopicPartition[] {
    return this.order.map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /**
   * Joins the group (group.id) with these topics, or every topic whose whole name matches the
   * pattern (checked again every metadata.max.age.ms). The join happens in the next poll() (or
   * iterator / run()); the listener's callbacks run there. Calling it again replaces the
   * subscription (and rebalances if the topics change); an empty list unsubscribes.
   */
  subscribe(topics: readonly string[] | RegExp, listener: RebalanceListener = {}): void {
    this.checkOpen();
    const group = this.requireGroup('subscribe()');
    if (!(topics instanceof RegExp)) {
      if (!Array.isArray(topics) || topics.some((t) => typeof t !== 'string' || t.trim() === '')) throw new TypeError(`subscribe(): topics must be non-empty strings or a RegExp, got ${JSON.stringify(topics)}`);
      if (topics.length === 0) {
        void this.unsubscribe().catch((e) => this.logger.warn(`unsubscribe failed: ${(e as Error).message}`));
        return;
      }
    }
    if (!group.subscribed && this.order.length > 0) throw new Error('Subscription to topics, partitions and pattern are mutually exclusive: assign([]) before subscribe()');
    group.subscribe(topics, listener);
  }

  /** Gives up the partitions (onPartitionsRevoked), leaves the group (dynamic members) and drops the subscription. */
  async unsubscribe(): Promise<void> {
    this.checkOpen();
    if (this.group === null) {
      this.replaceAssignment([]);
      return;
    }
    if (!this.group.subscribed) this.replaceAssignment([]);
    await this.group.unsubscribe();
  }

  /** The subscribed topics (for a pattern: those it matches now); empty without a subscription. */
  subscription(): string[] {
    return this.group?.subscribed ? [...this.group.subscribedTopics()].sort() : [];
  }

  /** Who this consumer is in its group (Kafka's groupMetadata()). */
  groupMetadata(): ConsumerGroupMetadata {
    return this.requireGroup('groupMetadata()').groupMetadata();
  }

  /** Asks the group to rebalance; it starts in the next poll(). */
  enforceRebalance(reason = 'the application asked for a rebalance'): void {
    this.checkOpen();
    this.requireGroup('enforceRebalance()').enforceRebalance(reason);
  }

  /**
   * Commits offsets to the group and waits for the answer (Kafka's commitSync): without
   * arguments, the current position of every assigned partition (what poll() has returned so
   * far); else the given offsets (the next offset to read, optional metadata). Retries retriable
   * errors until `timeoutMs` (default.api.timeout.ms). While the group rebalances it fails with
   * REBALANCE_IN_PROGRESS; after the group moved on without this member, with ILLEGAL_GENERATION or
   * UNKNOWN_MEMBER_ID (the next poll() rejoins).
   */
  async commit(offsets?: readonly OffsetCommitItem[], options: { timeoutMs?: number } = {}): Promise<void> {
    this.checkOpen();
    const group = this.requireGroup('commit()');
    let items: OffsetCommitItem[];
    if (offsets === undefined) {
      items = this.consumedOffsets();
    } else {
      items = offsets.map((o) => {
        if (typeof o?.topic !== 'string' || o.topic === '' || !Number.isInteger(o.partition) || o.partition < 0) throw new TypeError(`commit(): invalid topic partition ${JSON.stringify(o)}`);
        if (o.metadata !== undefined && o.metadata !== null && typeof o.metadata !== 'string') throw new TypeError('commit(): metadata must be a string');
        return { topic: o.topic, partition: o.partition, offset: checkOffset(o.offset), metadata: o.metadata ?? '', leaderEpoch: o.leaderEpoch ?? -1 };
      });
    }
    await group.commit(items, Date.now() + (options.timeoutMs ?? this.config.defaultApiTimeoutMs));
  }

  /** The group's committed offsets of `partitions`, in order (null: nothing committed). */
  async committed(partitions: readonly TopicPartition[], options: { timeoutMs?: number } = {}): Promise<(OffsetAndMetadata | null)[]> {
    this.checkOpen();
    const group = this.requireGroup('committed()');
    for (const tp of partitions) {
      if (typeof tp?.topic !== 'string' || tp.topic === '' || !Number.isInteger(tp.partition) || tp.partition < 0) throw new TypeError(`committed(): invalid topic partition ${JSON.stringify(tp)}`);
    }
    return group.committed(partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition })), Date.now() + (options.timeoutMs ?? this.config.defaultApiTimeoutMs));
  }

  private requireGroup(what: string): ConsumerGroup {
    if (this.group === null) {
      throw new KafkaError(ErrorCode.INVALID_GROUP_ID, `${what}: to use the group management or offset commit APIs, you must provide a valid group.id in the consumer configuration`);
    }
    return this.group;
  }

  // ---- positions ----

  /** Moves the position; records already fetched for the partition are dropped. */
  seek(tp: TopicPartition, offset: number): void {
    this.setPosition(this.state(tp, 'seek'), checkOffset(offset));
    this.wake();
  }

  /** Starts at the earliest offset (evaluated lazily, on the next poll or position()). */
  seekToBeginning(partitions?: readonly TopicPartition[]): void {
    for (const s of this.states(partitions, 'seekToBeginning')) this.requestReset(s, 'earliest');
    this.wake();
  }

  /** Starts at the end (the high watermark, or last stable offset with read_committed), lazily. */
  seekToEnd(partitions?: readonly TopicPartition[]): void {
    for (const s of this.states(partitions, 'seekToEnd')) this.requestReset(s, 'latest');
    this.wake();
  }

  /** The offset of the next record this consumer will return (resolving a pending reset). */
  async position(tp: TopicPartition, options: { timeoutMs?: number } = {}): Promise<number> {
    const s = this.state(tp, 'position');
    const deadlineMs = Date.now() + (options.timeoutMs ?? this.config.defaultApiTimeoutMs);
    while (s.position === null) {
      this.throwPartitionError(s);
      if (s.awaitingCommitted && this.group !== null) await this.group.awaitCommitted(deadlineMs);
      else await this.resetPositions(deadlineMs);
      this.throwPartitionError(s);
      if (s.position === null && Date.now() >= deadlineMs) throw timeoutError(`the position of ${s.topic}-${s.partition} is not known before the timeout`);
    }
    return s.position;
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const s of this.states(partitions, 'pause')) s.paused = true;
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const s of this.states(partitions, 'resume')) s.paused = false;
    this.wake();
  }

  paused(): TopicPartition[] {
    return this.order.filter((s) => s.paused).map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /**
   * For each partition, the earliest offset whose timestamp is at or after the given one (null
   * when every record is older). Partitions need not be assigned.
   */
  async offsetsForTimes(query: readonly (TopicPartition & { timestamp: number })[], options: { timeoutMs?: number } = {}): Promise<OffsetAndTimestamp[]> {
    this.checkOpen();
    for (const q of query) if (!Number.isSafeInteger(q.timestamp) || q.timestamp < 0) throw new TypeError(`offsetsForTimes(): invalid timestamp ${q.timestamp}`);
    const found = await listOffsets(this.cluster, query, this.isolation(), Date.now() + (options.timeoutMs ?? this.config.defaultApiTimeoutMs));
    return query.map((q, i) => {
      const a = found[i]!;
      const none = a.offset < 0;
      return { topic: q.topic, partition: q.partition, offset: none ? null : a.offset, timestamp: none ? null : a.timestamp, leaderEpoch: a.leaderEpoch };
    });
  }

  /** The first offset of each partition (the log start offset). */
  async beginningOffsets(partitions: readonly TopicPartition[], options: { timeoutMs?: number } = {}): Promise<(TopicPartition & { offset: number })[]> {
    return this.specialOffsets(partitions, EARLIEST_TIMESTAMP, options.timeoutMs);
  }

  /** The end of each partition (high watermark; last stable offset with read_committed). */
  async endOffsets(partitions: readonly TopicPartition[], options: { timeoutMs?: number } = {}): Promise<(TopicPartition & { offset: number })[]> {
    return this.specialOffsets(partitions, LATEST_TIMESTAMP, options.timeoutMs);
  }

  // ---- reading ----

  /**
   * Returns up to max.poll.records records, waiting up to `timeoutMs` (default: 1000) for some.
   * Throws the first partition error (e.g. OFFSET_OUT_OF_RANGE with auto.offset.reset=none).
   */
  async poll(timeoutMs = 1_000): Promise<ConsumerRecord[]> {
    this.checkOpen();
    const deadlineMs = Date.now() + timeoutMs;
    const stops = this.stops;
    for (;;) {
      if (this.group !== null) await this.group.poll();
      this.throwAnyError();
      const out: ConsumerRecord[] = [];
      while (out.length < this.config.maxPollRecords) {
        const r = this.takeOne();
        if (r === null) break;
        out.push(r);
      }
      if (out.length === 0) this.throwAnyError();
      if (out.length > 0 || this.stops !== stops || this.closed) {
        this.maybeFetch();
        return out;
      }
      this.checkOpen();
      const left = deadlineMs - Date.now();
      if (left <= 0) return out;
      this.startResets();
      this.maybeFetch();
      await this.waitForData(left);
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord, void, undefined> {
    this.checkOpen();
    this.stopped = false;
    while (!this.stopped && !this.closed) {
      const group = this.group;
      if (group !== null) {
        // Each record asked for is a poll (max.poll.interval.ms); group work only when there is some.
        const now = Date.now();
        if (group.wantsPoll(now)) await group.poll();
        else group.polled(now);
        if (this.stopped || this.closed) break;
      }
      this.throwAnyError();
      const r = this.takeOne();
      if (r !== null) {
        yield r;
        continue;
      }
      if (group !== null) await group.poll();
      this.throwAnyError();
      this.startResets();
      this.maybeFetch();
      await this.waitForData(1_000);
    }
  }

  /**
   * Calls `eachRecord` (or `eachBatch`) for everything read, until stop() or close(). Resolves
   * then; rejects with the handler's error (after stopping) if a handler throws.
   */
  async run(options: RunOptions): Promise<void> {
    this.checkOpen();
    if (options.eachRecord === undefined && options.eachBatch === undefined) throw new TypeError('run() needs eachRecord or eachBatch');
    this.stopped = false;
    this.runs++;
    try {
      while (!this.stopped && !this.closed) {
        const records = await this.poll(1_000);
        if (records.length === 0) continue;
        if (options.eachBatch !== undefined) {
          await options.eachBatch(records);
        } else {
          for (const r of records) {
            await options.eachRecord!(r);
            if (this.closed) break;
          }
        }
      }
    } catch (e) {
      this.stopped = true;
      throw e;
    } finally {
      this.runs--;
    }
  }

  /** Ends run() and the async iterators (after the record being handled); poll() still works. */
  stop(): void {
    this.stopped = true;
    this.stops++;
    this.wake();
  }

  /**
   * Stops reading; with a group: auto-commits the positions (enable.auto.commit), revokes the
   * partitions (listener) and leaves the group (dynamic members), within `timeoutMs` (default
   * 30 s, Kafka's); then closes connections. Later calls fail with ClientClosedError.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed || this.closing !== null) return this.closing ?? undefined;
    this.stopped = true;
    this.stops++;
    this.wake();
    const deadlineMs = Date.now() + (options.timeoutMs ?? 30_000);
    this.closing = (async () => {
      try {
        if (this.group !== null) await this.group.close(deadlineMs);
      } finally {
        this.closed = true;
        if (this.fetchTimer !== null) clearTimeout(this.fetchTimer);
        this.cluster.close();
        this.wake();
      }
    })();
    return this.closing;
  }

  // ---- internals ----

  private newState(topic: string, partition: number): PartitionState {
    return {
      topic,
      partition,
      position: null,
      positionEpoch: -1,
      awaitingCommitted: this.group !== null,
      reset: null,
      paused: false,
      chunks: [],
      fetching: null,
      epoch: 0,
      retryAtMs: 0,
      failures: 0,
      error: null,
      highWatermark: -1,
      logStartOffset: -1,
      lastStableOffset: -1,
    };
  }

  private isolation(): 0 | 1 {
    return this.config.isolationLevel === 'read_committed' ? 1 : 0;
  }

  private checkOpen(): void {
    if (this.closed) throw new ClientClosedError('the consumer is closed');
  }

  private state(tp: TopicPartition, what: string): PartitionState {
    const s = this.parts.get(tpKey(tp?.topic, tp?.partition));
    if (s === undefined) throw new Error(`${what}(): partition ${tp?.topic}-${tp?.partition} is not assigned to this consumer`);
    return s;
  }

  private states(tps: readonly TopicPartition[] | undefined, what: string): PartitionState[] {
    this.checkOpen();
    return tps === undefined ? [...this.order] : tps.map((tp) => this.state(tp, what));
  }

  private setPosition(s: PartitionState, offset: number, leaderEpoch = -1): void {
    s.epoch++;
    s.fetching = null;
    s.position = offset;
    s.positionEpoch = leaderEpoch;
    s.awaitingCommitted = false;
    s.reset = null;
    s.error = null;
    s.chunks = [];
  }

  private requestReset(s: PartitionState, strategy: ResetStrategy): void {
    s.epoch++;
    s.fetching = null;
    s.position = null;
    s.awaitingCommitted = false;
    s.reset = strategy;
    s.error = null;
    s.chunks = [];
  }

  private async specialOffsets(tps: readonly TopicPartition[], timestamp: number, timeoutMs?: number): Promise<(TopicPartition & { offset: number })[]> {
    this.checkOpen();
    const found = await listOffsets(this.cluster, tps.map((tp) => ({ topic: tp.topic, partition: tp.partition, timestamp })), this.isolation(), Date.now() + (timeoutMs ?? this.config.defaultApiTimeoutMs));
    return tps.map((tp, i) => ({ topic: tp.topic, partition: tp.partition, offset: found[i]!.offset }));
  }

  private throwPartitionError(s: PartitionState): void {
    if (s.error !== null) {
      const e = s.error;
      s.error = null;
      throw e;
    }
  }

  private throwAnyError(): void {
    for (const s of this.order) this.throwPartitionError(s);
  }

  /** The next record to hand out, moving the position past it. */
  private takeOne(): ConsumerRecord | null {
    const n = this.order.length;
    for (let i = 0; i < n; i++) {
      const s = this.order[(this.cursor + i) % n]!;
      if (s.paused || s.chunks.length === 0) continue;
      const chunk = this.nextRecords(s);
      if (chunk === null) continue;
      this.cursor = (this.cursor + i) % n;
      const r = chunk.records[chunk.index++]!;
      s.position = r.offset + 1;
      s.positionEpoch = r.leaderEpoch;
      if (chunk.index >= chunk.records.length && chunk.batchIndex >= chunk.batches.length) {
        this.finishChunk(s);
        // Next partition's turn (fairness across partitions).
        this.cursor = (this.cursor + 1) % Math.max(1, n);
      }
      return r;
    }
    return null;
  }

  /**
   * The first chunk with a record ready to hand out, decoding its next batch when needed, or
   * null. Used-up chunks only move the position (their batches may all have been skipped).
   * A batch that does not decode becomes the partition's error.
   */
  private nextRecords(s: PartitionState): Chunk | null {
    for (;;) {
      const chunk = s.chunks[0];
      if (chunk === undefined) return null;
      if (chunk.index < chunk.records.length) return chunk;
      if (chunk.batchIndex < chunk.batches.length) {
        const batch = chunk.batches[chunk.batchIndex++]!;
        try {
          chunk.records = decodeBatch(s.topic, s.partition, batch, chunk.fetchOffset, MAX_UNCOMPRESSED_BATCH_BYTES);
        } catch (e) {
          s.chunks = [];
          s.error = e instanceof Error ? e : new Error(String(e));
          return null;
        }
        chunk.index = 0;
        continue;
      }
      this.finishChunk(s);
    }
  }

  private finishChunk(s: PartitionState): void {
    const chunk = s.chunks.shift()!;
    s.position = Math.max(s.position ?? 0, chunk.nextOffset);
  }

  /** Where the next fetch for `s` starts: after what is buffered, else at the position. */
  private fetchOffsetOf(s: PartitionState): number | null {
    return s.chunks.length > 0 ? s.chunks[s.chunks.length - 1]!.nextOffset : s.position;
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private waitForData(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.add(done);
    });
  }

  /** Resolves positions of partitions that need a reset (in the background; errors land on the partitions). */
  private startResets(): void {
    if (this.closed) return;
    this.group?.startCommittedFetch();
    if (this.resetting !== null) return;
    if (!this.order.some((s) => s.position === null && s.error === null && !s.awaitingCommitted)) return;
    this.resetting = this.resetPositions(Date.now() + this.config.defaultApiTimeoutMs)
      .catch((e) => this.logger.debug?.(`offset reset failed: ${(e as Error).message}`))
      .finally(() => {
        this.resetting = null;
        this.wake();
        this.maybeFetch();
      });
  }

  private async resetPositions(deadlineMs: number): Promise<void> {
    const need = this.order.filter((s) => s.position === null && s.error === null && !s.awaitingCommitted);
    if (need.length === 0) return;
    const queries: { s: PartitionState; strategy: ResetStrategy }[] = [];
    for (const s of need) {
      const strategy = s.reset ?? (this.config.autoOffsetReset === 'none' ? null : this.config.autoOffsetReset);
      if (strategy === null) {
        s.error = new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `Undefined offset with no reset policy for partition: ${s.topic}-${s.partition} (auto.offset.reset=none)`, { topic: s.topic, partition: s.partition });
        continue;
      }
      queries.push({ s, strategy });
    }
    if (queries.length === 0) return;
    try {
      const found = await listOffsets(
        this.cluster,
        queries.map(({ s, strategy }) => ({ topic: s.topic, partition: s.partition, timestamp: strategy === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP })),
        this.isolation(),
        deadlineMs,
      );
      for (const [i, { s, strategy }] of queries.entries()) {
        const a = found[i];
        // Only if nothing changed the partition meanwhile (seek, another reset, reassignment).
        if (a === undefined || s.position !== null || s.awaitingCommitted || this.parts.get(tpKey(s.topic, s.partition)) !== s) continue;
        if ((s.reset ?? this.config.autoOffsetReset) !== strategy) continue;
        this.setPosition(s, a.offset);
      }
    } catch (e) {
      if (e instanceof KafkaError && !e.retriable) {
        for (const { s } of queries) if (s.position === null) s.error = e;
      }
      throw e;
    }
  }

  /** Sends a Fetch to every leader that has fetchable partitions and none in flight. */
  private maybeFetch(): void {
    if (this.closed) return;
    const now = Date.now();
    const byNode = new Map<number, PartitionState[]>();
    let nextRetry = Infinity;
    let unknownLeader = false;
    for (const s of this.order) {
      if (s.paused || s.position === null || s.error !== null || s.fetching !== null || s.chunks.length >= MAX_BUFFERED_CHUNKS) continue;
      if (s.retryAtMs > now) {
        nextRetry = Math.min(nextRetry, s.retryAtMs);
        continue;
      }
      const md = this.cluster.topics.get(s.topic);
      const leader = md?.partitions[s.partition]?.leader ?? -1;
      if (leader < 0) {
        unknownLeader = true;
        const code = this.cluster.topicErrors.get(s.topic);
        if (code !== undefined && !errorInfo(code).retriable) s.error = new KafkaError(code, undefined, { topic: s.topic, partition: s.partition });
        continue;
      }
      if ((this.fetchesPerNode.get(leader) ?? 0) >= MAX_FETCHES_PER_NODE) continue;
      let list = byNode.get(leader);
      if (list === undefined) byNode.set(leader, (list = []));
      list.push(s);
    }
    if (unknownLeader) {
      if (now - this.lastMetadataRequestMs >= this.config.retryBackoffMs) {
        this.lastMetadataRequestMs = now;
        this.cluster.refreshMetadata().catch((e) => this.logger.debug?.(`metadata refresh failed: ${(e as Error).message}`));
      }
      nextRetry = Math.min(nextRetry, now + this.config.retryBackoffMs);
    }
    for (const [node, states] of byNode) {
      const conn = this.cluster.readyConnection(node, () => this.maybeFetch());
      if (conn === null) {
        nextRetry = Math.min(nextRetry, Math.max(now + 1, this.cluster.nextAttemptMs(node)));
        continue;
      }
      this.sendFetch(node, conn, states);
    }
    if (nextRetry !== Infinity && this.fetchTimer === null && (this.waiters.size > 0 || this.runs > 0)) {
      this.fetchTimer = setTimeout(() => {
        this.fetchTimer = null;
        this.maybeFetch();
      }, Math.max(1, nextRetry - now));
    }
  }

  private sendFetch(node: number, conn: import('../connection.js').BrokerConnection, states: PartitionState[]): void {
    // Fetch v13+ names topics by id; without ids (old metadata) stay at v12.
    const ids = new Map<string, string>();
    let allIds = true;
    for (const s of states) {
      const id = this.cluster.topics.get(s.topic)?.topicId ?? ZERO_UUID;
      ids.set(s.topic, id);
      if (id === ZERO_UUID) allIds = false;
    }
    const byTopic = new Map<string, PartitionState[]>();
    for (const s of states) {
      s.fetching = this.fetchOffsetOf(s);
      let l = byTopic.get(s.topic);
      if (l === undefined) byTopic.set(s.topic, (l = []));
      l.push(s);
    }
    this.fetchesPerNode.set(node, (this.fetchesPerNode.get(node) ?? 0) + 1);
    const epochs = states.map((s) => s.epoch);
    const offsets = new Map(states.map((s) => [s, s.fetching!]));
    const c = this.config;
    const build = (version: number): unknown => ({
      clusterId: null,
      replicaId: -1,
      maxWaitMs: c.fetchMaxWaitMs,
      minBytes: c.fetchMinBytes,
      maxBytes: c.fetchMaxBytes,
      isolationLevel: this.isolation(),
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic].map(([topic, list]) => ({
        topic: version >= 13 ? '' : topic,
        topicId: ids.get(topic)!,
        partitions: list.map((s) => ({
          partition: s.partition,
          currentLeaderEpoch: -1,
          fetchOffset: BigInt(offsets.get(s)!),
          lastFetchedEpoch: -1,
          logStartOffset: -1n,
          partitionMaxBytes: c.maxPartitionFetchBytes,
        })),
      })),
      forgottenTopicsData: [],
      rackId: c.clientRack,
    });
    const idToTopic = new Map([...ids].map(([t, id]) => [id, t]));
    conn
      .request<FetchResponse>(ApiKey.Fetch, build, { maxVersion: allIds ? undefined : 12, timeoutMs: c.requestTimeoutMs + c.fetchMaxWaitMs })
      .then(
        ({ body, version }) => this.onFetchResponse(node, states.filter((s, i) => s.epoch === epochs[i]), body, version, idToTopic),
        (e: Error) => this.onFetchFailure(states.filter((s, i) => s.epoch === epochs[i]), e),
      )
      .finally(() => {
        const left = (this.fetchesPerNode.get(node) ?? 1) - 1;
        if (left > 0) this.fetchesPerNode.set(node, left);
        else this.fetchesPerNode.delete(node);
        states.forEach((s, i) => {
          if (s.epoch === epochs[i]) s.fetching = null;
        });
        this.wake();
        this.maybeFetch();
      })
      .catch((e: unknown) => this.logger.error(`consumer fetch handling failed: ${(e as Error)?.stack ?? String(e)}`));
  }

  private onFetchResponse(node: number, states: PartitionState[], body: FetchResponse, version: number, idToTopic: Map<string, string>): void {
    if (body.errorCode !== ErrorCode.NONE) {
      this.onFetchFailure(states, new KafkaError(body.errorCode, undefined, { broker: node }));
      return;
    }
    const now = Date.now();
    let stale = false;
    for (const t of body.responses) {
      const topic = version >= 13 ? idToTopic.get(t.topicId) : t.topic;
      if (topic === undefined) continue;
      for (const p of t.partitions) {
        const s = this.parts.get(tpKey(topic, p.partitionIndex));
        // Dropped if the partition was reassigned or moved (seek, reset) meanwhile.
        if (s === undefined || !states.includes(s) || s.fetching === null || this.fetchOffsetOf(s) !== s.fetching) continue;
        if (p.errorCode === ErrorCode.NONE) {
          s.highWatermark = Number(p.highWatermark);
          s.lastStableOffset = Number(p.lastStableOffset);
          s.logStartOffset = Number(p.logStartOffset);
          s.failures = 0;
          try {
            const fetched = splitFetched(topic, p.partitionIndex, p.records, s.fetching, {
              verifyCrc: this.config.checkCrcs,
              readCommitted: this.isolation() === 1,
              aborted: p.abortedTransactions,
            });
            if (fetched.batches.length > 0) {
              s.chunks.push({ batches: fetched.batches, batchIndex: 0, records: [], index: 0, fetchOffset: s.fetching, nextOffset: fetched.nextOffset });
            } else if (fetched.nextOffset > s.fetching) {
              // Only skipped batches (control, aborted): move past them.
              if (s.chunks.length === 0) s.position = fetched.nextOffset;
              else s.chunks.push({ batches: [], batchIndex: 0, records: [], index: 0, fetchOffset: s.fetching, nextOffset: fetched.nextOffset });
            }
          } catch (e) {
            s.error = e instanceof Error ? e : new Error(String(e));
          }
        } else if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          if (this.config.autoOffsetReset === 'none') {
            s.error = new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `Fetch position ${s.position} is out of range for partition ${topic}-${p.partitionIndex} (auto.offset.reset=none)`, { topic, partition: p.partitionIndex, offset: s.position });
          } else {
            this.logger.info(`${topic}-${p.partitionIndex}: offset ${s.position} out of range, resetting to ${this.config.autoOffsetReset}`);
            this.requestReset(s, this.config.autoOffsetReset);
            s.reset = null;
          }
        } else if (errorInfo(p.errorCode).retriable) {
          if (isStaleMetadataError(p.errorCode)) stale = true;
          s.retryAtMs = now + backoffMs({ initialMs: this.config.retryBackoffMs, maxMs: this.config.retryBackoffMaxMs }, s.failures++);
        } else {
          s.error = new KafkaError(p.errorCode, undefined, { topic, partition: p.partitionIndex });
        }
      }
    }
    if (stale) this.refreshSoon();
    if (this.order.some((s) => s.position === null && s.error === null)) this.startResets();
  }

  /** The positions to commit: every assigned partition whose position is known. */
  private consumedOffsets(): OffsetCommitItem[] {
    const out: OffsetCommitItem[] = [];
    for (const s of this.order) if (s.position !== null) out.push({ topic: s.topic, partition: s.partition, offset: s.position, leaderEpoch: s.positionEpoch, metadata: '' });
    return out;
  }

  /** The consumer as its group sees it. */
  private groupHost(): GroupHost {
    return {
      cluster: this.cluster,
      assignment: () => this.assignment(),
      setAssignment: (partitions) => this.replaceAssignment(partitions),
      consumedOffsets: () => this.consumedOffsets(),
      partitionsAwaitingCommitted: () => this.order.filter((s) => s.awaitingCommitted && s.position === null).map((s) => ({ topic: s.topic, partition: s.partition })),
      applyCommitted: (partitions, committed) => {
        partitions.forEach((tp, i) => {
          const s = this.parts.get(tpKey(tp.topic, tp.partition));
          // Only if still assigned and nothing else (seek, reset) set it meanwhile.
          if (s === undefined || !s.awaitingCommitted || s.position !== null) return;
          const c = committed[i] ?? null;
          if (c !== null) this.setPosition(s, c.offset, c.leaderEpoch);
          else s.awaitingCommitted = false;
        });
        // All of them first: one ListOffsets for every partition without a committed offset, sent
        // before the fetch (a later one would queue behind the fetch's long poll on that broker).
        this.startResets();
        this.maybeFetch();
      },
      updateInterest: () => this.updateInterest(),
      wake: () => this.wake(),
    };
  }

  private onFetchFailure(states: PartitionState[], e: Error): void {
    if (this.closed) return;
    const now = Date.now();
    this.logger.debug?.(`fetch failed: ${e.message}`);
    if (e instanceof KafkaError && e.retriable) {
      for (const s of states) s.retryAtMs = now + backoffMs({ initialMs: this.config.retryBackoffMs, maxMs: this.config.retryBackoffMaxMs }, s.failures++);
      this.refreshSoon();
    } else {
      for (const s of states) s.error = e;
    }
  }

  private refreshSoon(): void {
    const now = Date.now();
    if (now - this.lastMetadataRequestMs < this.config.retryBackoffMs) return;
    this.lastMetadataRequestMs = now;
    this.cluster.refreshMetadata().catch((err) => this.logger.debug?.(`metadata refresh failed: ${(err as Error).message}`));
  }
}

function checkOffset(offset: number): number {
  if (typeof offset === 'bigint') offset = Number(offset);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new TypeError(`invalid offset ${String(offset)}`);
  return offset;
}

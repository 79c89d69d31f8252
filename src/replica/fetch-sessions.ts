/**
 * Incremental fetch sessions (KIP-227), as Kafka's FetchSession/FetchSessionCache/FetchManager.
 * Pure: no timers, no clock, no randomness of its own (the caller passes `nowMs` and a random
 * source), so the whole state machine is tested without a broker.
 *
 * A fetch request carries (sessionId, sessionEpoch):
 * - epoch -1 (FINAL): a full fetch without a session; a non-zero session id names a session to
 *   close. The answer's session id is 0.
 * - epoch 0 (INITIAL): a full fetch that asks for a new session (closing the named one, if any).
 *   The answer carries the new id, or 0 when the cache has no room for it.
 * - epoch > 0: an incremental fetch on an existing session, which must expect exactly that epoch.
 *   Listed partitions are added or have their fetch parameters updated, forgotten ones removed;
 *   every partition of the session is read, and the answer lists only those with something new
 *   (records, a different high watermark or log start offset, an error). A session left with
 *   no partitions is closed and the request is answered as sessionless.
 *   Errors: FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH, and
 *   FETCH_SESSION_TOPIC_ID_ERROR when a session created with topic ids (v13+) is used by a
 *   request without them or the other way round.
 *
 * Sessions created by v13+ requests key their partitions by topic id, older ones by name.
 * Partitions that returned records move to the end of the session's order, so the next fetch
 * starts with the others (fairness under max.bytes, as Kafka).
 *
 * The cache (max.incremental.fetch.session.cache.slots) evicts as Kafka's cache does, one shard:
 * when full, a new session may evict (1) the least recently used session if it has been idle for
 * more than evictionMs (Kafka's fixed 120 s, min.incremental.fetch.session.eviction.ms), else
 * (2) the least valuable evictable session — ordered by (privileged, partition count, id) — if
 * the new one ranks above it (compared with id 0, so a consumer session needs strictly more
 * partitions, and a follower session wins over any consumer session). Consumer sessions are evictable by anyone once older than
 * evictionMs at their last use, by follower (privileged) sessions at any time. An idle session is
 * never dropped on a timer: it stays usable until a new session needs its slot, as in Kafka.
 * Finding the evictable session is a scan over the cache (at most `maxEntries`, 1000 by default)
 * instead of Kafka's sorted trees; it happens only when the cache is full.
 */
import { ErrorCode } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/primitives/types.js';

export const INVALID_SESSION_ID = 0;
export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;
/** Kafka's MIN_INCREMENTAL_FETCH_SESSION_EVICTION_MS. */
export const DEFAULT_SESSION_EVICTION_MS = 120_000;
const INT32_MAX = 2 ** 31 - 1;

/** The epoch a client sends after `epoch` (FetchMetadata.nextEpoch). */
export function nextEpoch(epoch: number): number {
  if (epoch < 0) return FINAL_EPOCH;
  if (epoch === INT32_MAX) return 1;
  return epoch + 1;
}

/** One partition of a fetch request (or of a session), with its fetch parameters. */
export interface PartitionRequest {
  /** Topic name; null when a v13+ request named a topic id this broker does not know. */
  topic: string | null;
  /** The topic id the request used (v13+), ZERO_UUID for requests by name. */
  topicId: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  /** -1: none. */
  currentLeaderEpoch: number;
  /** The fetcher's log start offset (followers); -1 for consumers. */
  logStartOffset: number;
  /** -1: none. */
  lastFetchedEpoch: number;
}

/** A forgotten partition of an incremental request. */
export interface ForgottenPartition {
  topic: string | null;
  topicId: string;
  partition: number;
}

/** What an answered partition said: all the session needs to decide what is news. */
export interface FetchedPartition {
  readonly target: PartitionRequest;
  readonly errorCode: number;
  readonly highWatermark: number;
  readonly logStartOffset: number;
  readonly recordsBytes: number;
  /** -1: none. */
  readonly preferredReadReplica: number;
  /** Set when a follower's log diverges (KIP-320); always false for consumers. */
  readonly divergingEpoch?: boolean;
}

/** Topic id when the request used one, else the name: how a session identifies a partition. */
export function partitionKey(p: { topic: string | null; topicId: string; partition: number }): string {
  return p.topicId !== ZERO_UUID ? `i:${p.topicId}:${p.partition}` : `n:${p.topic ?? ''}:${p.partition}`;
}

export class CachedPartition {
  topic: string | null;
  readonly topicId: string;
  readonly partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  fetcherLogStartOffset: number;
  lastFetchedEpoch: number;
  /** Last values sent to the fetcher; -1 until sent (and after an error, so it is sent again). */
  highWatermark = -1;
  localLogStartOffset = -1;

  constructor(req: PartitionRequest) {
    this.topic = req.topic;
    this.topicId = req.topicId;
    this.partition = req.partition;
    this.fetchOffset = req.fetchOffset;
    this.partitionMaxBytes = req.partitionMaxBytes;
    this.currentLeaderEpoch = req.currentLeaderEpoch;
    this.fetcherLogStartOffset = req.logStartOffset;
    this.lastFetchedEpoch = req.lastFetchedEpoch;
  }

  get key(): string {
    return partitionKey(this);
  }

  updateRequest(req: PartitionRequest): void {
    this.fetchOffset = req.fetchOffset;
    this.partitionMaxBytes = req.partitionMaxBytes;
    this.currentLeaderEpoch = req.currentLeaderEpoch;
    this.fetcherLogStartOffset = req.logStartOffset;
    this.lastFetchedEpoch = req.lastFetchedEpoch;
  }

  /** The request this cached partition stands for (a copy: reads must not see later updates). */
  request(): PartitionRequest {
    return {
      topic: this.topic,
      topicId: this.topicId,
      partition: this.partition,
      fetchOffset: this.fetchOffset,
      partitionMaxBytes: this.partitionMaxBytes,
      currentLeaderEpoch: this.currentLeaderEpoch,
      logStartOffset: this.fetcherLogStartOffset,
      lastFetchedEpoch: this.lastFetchedEpoch,
    };
  }

  /**
   * Whether an incremental response must include this partition (Kafka's rules: records, a
   * changed high watermark or log start offset, a preferred read replica, an error, a diverging
   * epoch); with `update`, remembers what is being sent.
   */
  mustRespond(resp: FetchedPartition, update: boolean): boolean {
    let must = resp.recordsBytes > 0;
    if (this.highWatermark !== resp.highWatermark) {
      must = true;
      if (update) this.highWatermark = resp.highWatermark;
    }
    if (this.localLogStartOffset !== resp.logStartOffset) {
      must = true;
      if (update) this.localLogStartOffset = resp.logStartOffset;
    }
    if (resp.preferredReadReplica >= 0) must = true;
    if (resp.errorCode !== ErrorCode.NONE) {
      // Sent again once the error clears.
      if (update) this.highWatermark = -1;
      must = true;
    }
    if (resp.divergingEpoch === true) must = true;
    return must;
  }
}

export class FetchSession {
  /** Partitions in fetch order (Map keeps insertion order). */
  readonly partitions = new Map<string, CachedPartition>();
  /** Partition count when last touched; -1 while not in a cache. */
  cachedSize = -1;
  /** Eviction eligibility, decided at the last touch (as Kafka's evictable trees). */
  evictableByAll = false;
  evictableByPrivileged = false;

  constructor(
    readonly id: number,
    readonly privileged: boolean,
    readonly usesTopicIds: boolean,
    readonly creationMs: number,
    public lastUsedMs: number,
    public epoch: number,
  ) {}

  get size(): number {
    return this.partitions.size;
  }

  /** Applies an incremental request's partitions and forgotten partitions. */
  update(fetchData: readonly PartitionRequest[], toForget: readonly ForgottenPartition[]): { added: number; updated: number; removed: number } {
    let added = 0;
    let updated = 0;
    let removed = 0;
    for (const req of fetchData) {
      const key = partitionKey(req);
      const cached = this.partitions.get(key);
      if (cached === undefined) {
        this.partitions.set(key, new CachedPartition(req));
        added++;
      } else {
        cached.updateRequest(req);
        updated++;
      }
    }
    for (const f of toForget) if (this.partitions.delete(partitionKey(f))) removed++;
    return { added, updated, removed };
  }

  /** Moves a partition to the end of the fetch order. */
  moveToEnd(key: string): void {
    const p = this.partitions.get(key);
    if (p === undefined) return;
    this.partitions.delete(key);
    this.partitions.set(key, p);
  }
}

export interface FetchSessionCacheOptions {
  /** max.incremental.fetch.session.cache.slots. */
  maxEntries: number;
  /** How long a session must be idle (or have lived) before it may be evicted. */
  evictionMs?: number;
  /** Uniform integer in [0, bound). */
  randomInt: (bound: number) => number;
}

export class FetchSessionCache {
  readonly maxEntries: number;
  readonly evictionMs: number;
  private readonly randomInt: (bound: number) => number;
  private readonly sessions = new Map<number, FetchSession>();
  /** Sessions by last use, least recent first (re-inserted on every touch). */
  private readonly lastUsed = new Map<number, FetchSession>();
  private partitionCount = 0;
  evictions = 0;

  constructor(options: FetchSessionCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 0) throw new RangeError(`maxEntries ${options.maxEntries}`);
    this.maxEntries = options.maxEntries;
    this.evictionMs = options.evictionMs ?? DEFAULT_SESSION_EVICTION_MS;
    this.randomInt = options.randomInt;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Partitions cached over all sessions (as of their last touch). */
  get totalPartitions(): number {
    return this.partitionCount;
  }

  get(id: number): FetchSession | undefined {
    return this.sessions.get(id);
  }

  remove(id: number): FetchSession | undefined {
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    this.sessions.delete(id);
    this.lastUsed.delete(id);
    this.partitionCount -= session.cachedSize;
    session.cachedSize = -1;
    return session;
  }

  /** Records a use of the session: its last-use time, size and eviction eligibility. */
  touch(session: FetchSession, nowMs: number): void {
    if (this.sessions.get(session.id) !== session) return;
    this.lastUsed.delete(session.id);
    session.lastUsedMs = nowMs;
    this.lastUsed.set(session.id, session);
    if (session.cachedSize !== -1) this.partitionCount -= session.cachedSize;
    session.cachedSize = session.size;
    this.partitionCount += session.cachedSize;
    const old = nowMs - session.creationMs > this.evictionMs;
    session.evictableByPrivileged = !session.privileged || old;
    session.evictableByAll = old;
  }

  /**
   * Creates a session holding `partitions` (in that order) if there is room or a session can be
   * evicted for it. Returns its id, or INVALID_SESSION_ID.
   */
  maybeCreateSession(nowMs: number, privileged: boolean, usesTopicIds: boolean, partitions: readonly CachedPartition[]): number {
    if (this.sessions.size >= this.maxEntries && !this.tryEvict(privileged, partitions.length, nowMs)) return INVALID_SESSION_ID;
    const session = new FetchSession(this.newSessionId(), privileged, usesTopicIds, nowMs, nowMs, nextEpoch(INITIAL_EPOCH));
    for (const p of partitions) session.partitions.set(p.key, p);
    this.sessions.set(session.id, session);
    this.touch(session, nowMs);
    return session.id;
  }

  private newSessionId(): number {
    // Ids in [1, 2^31 - 2], as Kafka's; the cache holds at most maxEntries of ~2^31.
    for (let attempt = 0; attempt < 1000; attempt++) {
      const id = 1 + this.randomInt(INT32_MAX - 1);
      if (id !== INVALID_SESSION_ID && !this.sessions.has(id)) return id;
    }
    throw new Error('no free fetch session id after 1000 attempts');
  }

  private tryEvict(privileged: boolean, size: number, nowMs: number): boolean {
    const oldest = this.lastUsed.values().next();
    if (oldest.done === true) return false;
    if (nowMs - oldest.value.lastUsedMs > this.evictionMs) {
      this.remove(oldest.value.id);
      this.evictions++;
      return true;
    }
    let victim: FetchSession | undefined;
    for (const s of this.sessions.values()) {
      if (!(privileged ? s.evictableByPrivileged : s.evictableByAll)) continue;
      if (victim === undefined || compareEvictable(s, victim) < 0) victim = s;
    }
    if (victim === undefined) return false;
    // The new session (id 0 in the comparison, as Kafka) must not rank below the victim.
    if (compareKeys(privileged, size, 0, victim.privileged, victim.cachedSize, victim.id) < 0) return false;
    this.remove(victim.id);
    this.evictions++;
    return true;
  }
}

function compareKeys(p1: boolean, size1: number, id1: number, p2: boolean, size2: number, id2: number): number {
  if (p1 !== p2) return p1 ? 1 : -1;
  if (size1 !== size2) return size1 - size2;
  return id1 - id2;
}

function compareEvictable(a: FetchSession, b: FetchSession): number {
  return compareKeys(a.privileged, a.cachedSize, a.id, b.privileged, b.cachedSize, b.id);
}

// ---- Contexts (Kafka's FetchManager.newContext and the FetchContext classes) ---------------

export type FetchContext =
  | { readonly kind: 'error'; readonly errorCode: number }
  /** Full fetch without a session (epoch -1, or an incremental request that emptied its session). */
  | { readonly kind: 'sessionless'; readonly partitions: readonly PartitionRequest[] }
  /** Full fetch that will try to create a session once answered. */
  | { readonly kind: 'full'; readonly partitions: readonly PartitionRequest[]; readonly usesTopicIds: boolean; readonly privileged: boolean }
  /** Incremental fetch: `partitions` is the session's, in its order, as of this request. */
  | { readonly kind: 'incremental'; readonly session: FetchSession; readonly expectedEpoch: number; readonly partitions: readonly PartitionRequest[] };

export interface NewContextRequest {
  version: number;
  sessionId: number;
  sessionEpoch: number;
  isFollower: boolean;
  /** The request's partitions, without duplicates (see `dedupePartitions`). */
  fetchData: readonly PartitionRequest[];
  toForget: readonly ForgottenPartition[];
  nowMs: number;
  /** For v13+ sessions: names of topic ids that were unknown when first seen. */
  resolveTopicName?: (topicId: string) => string | undefined;
}

/**
 * Kafka keeps a request's partitions in a map: a repeated partition keeps its first position and
 * takes its last parameters.
 */
export function dedupePartitions(partitions: readonly PartitionRequest[]): PartitionRequest[] {
  const byKey = new Map<string, PartitionRequest>();
  for (const p of partitions) byKey.set(partitionKey(p), p);
  return [...byKey.values()];
}

export function newFetchContext(cache: FetchSessionCache, req: NewContextRequest): FetchContext {
  const isFull = req.sessionEpoch === INITIAL_EPOCH || req.sessionEpoch === FINAL_EPOCH;
  if (isFull) {
    // Any session named in a full fetch is closed.
    if (req.sessionId !== INVALID_SESSION_ID) cache.remove(req.sessionId);
    if (req.sessionEpoch === FINAL_EPOCH) return { kind: 'sessionless', partitions: req.fetchData };
    return { kind: 'full', partitions: req.fetchData, usesTopicIds: req.version >= 13, privileged: req.isFollower };
  }
  const session = cache.get(req.sessionId);
  if (session === undefined) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
  if (session.epoch !== req.sessionEpoch) return { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
  if (session.usesTopicIds !== req.version >= 13) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR };
  session.update(req.fetchData, req.toForget);
  if (session.size === 0) {
    cache.remove(session.id);
    return { kind: 'sessionless', partitions: req.fetchData };
  }
  cache.touch(session, req.nowMs);
  session.epoch = nextEpoch(session.epoch);
  const partitions: PartitionRequest[] = [];
  for (const p of session.partitions.values()) {
    if (session.usesTopicIds && p.topic === null && req.resolveTopicName) p.topic = req.resolveTopicName(p.topicId) ?? null;
    partitions.push(p.request());
  }
  return { kind: 'incremental', session, expectedEpoch: session.epoch, partitions };
}

export interface FetchAnswer<T extends FetchedPartition> {
  errorCode: number;
  sessionId: number;
  /** The partitions the response lists, in order. */
  partitions: T[];
}

/**
 * Turns a context and what was read for its partitions (in response order) into the answer:
 * creates the session of a full fetch, filters an incremental one down to what changed.
 */
export function completeFetch<T extends FetchedPartition>(cache: FetchSessionCache, ctx: FetchContext, results: readonly T[], nowMs: number): FetchAnswer<T> {
  switch (ctx.kind) {
    case 'error':
      return { errorCode: ctx.errorCode, sessionId: INVALID_SESSION_ID, partitions: [] };
    case 'sessionless':
      return { errorCode: ErrorCode.NONE, sessionId: INVALID_SESSION_ID, partitions: [...results] };
    case 'full': {
      const cached = results.map((r) => {
        const c = new CachedPartition(r.target);
        c.highWatermark = r.highWatermark;
        c.localLogStartOffset = r.logStartOffset;
        return c;
      });
      const sessionId = cache.maybeCreateSession(nowMs, ctx.privileged, ctx.usesTopicIds, cached);
      return { errorCode: ErrorCode.NONE, sessionId, partitions: [...results] };
    }
    case 'incremental': {
      const session = ctx.session;
      // Another request on this session got in between (a duplicate or pipelined request).
      if (session.epoch !== ctx.expectedEpoch) return { errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH, sessionId: session.id, partitions: [] };
      const selected: T[] = [];
      for (const r of results) {
        const key = partitionKey(r.target);
        const cached = session.partitions.get(key);
        if (cached === undefined) continue;
        if (!cached.mustRespond(r, true)) continue;
        selected.push(r);
        if (r.recordsBytes > 0) session.moveToEnd(key);
      }
      return { errorCode: ErrorCode.NONE, sessionId: session.id, partitions: selected };
    }
  }
}

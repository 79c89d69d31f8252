/**
 * Fetch (key 1), v4-v17 (Kafka 4.0 dropped v0-v3), for consumers.
 *
 * Sessions (KIP-227, v7+): the request's (sessionId, sessionEpoch) pick a context from the
 * session cache (replica/fetch-sessions.ts: sessionless, full with a new session, incremental,
 * or a top-level session error with no partitions). v4-v6 are always sessionless. v13+ names
 * topics by id; an id this broker does not know gets UNKNOWN_TOPIC_ID for its partitions.
 *
 * Reading, as Kafka's KafkaApis.handleFetchRequest and ReplicaManager.readFromLocalLog:
 * - Partitions whose topic id or topic/partition is unknown are answered with an error and
 *   -1 offsets, listed after all the others (Kafka appends these "erroneous" partitions at the
 *   end), and do not end a long poll.
 * - The rest are read in request order (for an incremental fetch: the session's order, where
 *   partitions that last returned records have moved to the end). max.bytes (capped by the
 *   broker's fetch.max.bytes) is shared; each partition reads at most its partition max bytes;
 *   the first partition that returns records gets at least one whole batch even beyond both
 *   limits (KIP-74). Whole batches only: a fetch offset inside a batch returns that batch.
 * - Up to the high watermark; with READ_COMMITTED up to the last stable offset, which equals the
 *   high watermark until transactions exist (then abortedTransactions is [] rather than null).
 *   A fetch offset between the high watermark and the log end gets no records and no error;
 *   below the log start or above the log end, OFFSET_OUT_OF_RANGE. Read errors
 *   (OFFSET_OUT_OF_RANGE, FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH from currentLeaderEpoch,
 *   NOT_LEADER_OR_FOLLOWER, INCONSISTENT_TOPIC_ID, KAFKA_STORAGE_ERROR) carry -1 offsets.
 * - Long poll: unless max.wait.ms <= 0, min.bytes (capped by max.bytes) is reached, or a read
 *   error occurred, the fetch waits in the purgatory until a high watermark it reads moves (then
 *   reads again) or max.wait.ms passes (then reads once more). A full purgatory answers at once.
 *
 * Quirks kept from Kafka: KAFKA_STORAGE_ERROR is sent as NOT_LEADER_OR_FOLLOWER to v4-v5
 * clients; a zstd topic answers UNSUPPORTED_COMPRESSION_TYPE to v4-v9; v16+ responses name the
 * current leader (currentLeader and NodeEndpoints) for NOT_LEADER_OR_FOLLOWER and
 * FENCED_LEADER_EPOCH partitions. Tagged fields (divergingEpoch, snapshotId) stay default:
 * they concern followers. Follower fetches (replicaId >= 0) come with replication.
 */
import { randomInt } from 'node:crypto';
import { ErrorCode } from '../protocol/errors.js';
import type { FetchRequest } from '../protocol/generated/messages/FetchRequest.js';
import type {
  FetchResponse,
  FetchResponseFetchableTopicResponse,
  FetchResponseNodeEndpoint,
  FetchResponsePartitionData,
} from '../protocol/generated/messages/FetchResponse.js';
import type { Input } from '../protocol/primitives/types.js';
import { ZERO_UUID } from '../protocol/primitives/types.js';
import { OffsetOutOfRangeError } from '../storage/log-errors.js';
import { isStorageError } from '../storage/errors.js';
import type { MetadataImage, PartitionState } from '../controller/metadata-image.js';
import type { Partition } from '../replica/partition.js';
import {
  completeFetch,
  dedupePartitions,
  FetchSessionCache,
  newFetchContext,
  type FetchContext,
  type FetchedPartition,
  type ForgottenPartition,
  type PartitionRequest,
} from '../replica/fetch-sessions.js';
import type { BrokerServices, Handler, RequestInfo } from './types.js';

const EMPTY = Buffer.alloc(0);
const READ_COMMITTED = 1;

/** One answered partition: what the session needs to know, and what goes on the wire. */
export interface Outcome extends FetchedPartition {
  readonly data: Input<FetchResponsePartitionData>;
  /** For NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH: the leader to name in v16+. */
  readonly leaderId?: number;
}

/** A partition that exists in the metadata image, to be read. */
interface Resolved {
  target: PartitionRequest;
  topic: string;
  state: PartitionState;
}

// ---- the session cache, one per broker ------------------------------------------------------

const sessionCaches = new WeakMap<BrokerServices, FetchSessionCache>();

/** The broker's fetch session cache (max.incremental.fetch.session.cache.slots). */
export function fetchSessionCache(services: BrokerServices): FetchSessionCache {
  let cache = sessionCaches.get(services);
  if (cache === undefined) {
    cache = new FetchSessionCache({
      maxEntries: services.config.values.maxIncrementalFetchSessionCacheSlots,
      randomInt: (bound) => randomInt(bound),
    });
    sessionCaches.set(services, cache);
  }
  return cache;
}

// ---- request → partitions ---------------------------------------------------------------------

function requestPartitions(request: FetchRequest, version: number, image: MetadataImage): PartitionRequest[] {
  const out: PartitionRequest[] = [];
  const byId = version >= 13;
  for (const t of request.topics) {
    const topic = byId ? (image.topicsById.get(t.topicId)?.name ?? null) : t.topic;
    const topicId = byId ? t.topicId : ZERO_UUID;
    for (const p of t.partitions) {
      out.push({
        topic,
        topicId,
        partition: p.partition,
        fetchOffset: Number(p.fetchOffset),
        partitionMaxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch,
        logStartOffset: Number(p.logStartOffset),
        lastFetchedEpoch: p.lastFetchedEpoch,
      });
    }
  }
  return out;
}

function forgottenPartitions(request: FetchRequest, version: number, image: MetadataImage): ForgottenPartition[] {
  const out: ForgottenPartition[] = [];
  const byId = version >= 13;
  for (const t of request.forgottenTopicsData) {
    const topic = byId ? (image.topicsById.get(t.topicId)?.name ?? null) : t.topic;
    const topicId = byId ? t.topicId : ZERO_UUID;
    for (const partition of t.partitions) out.push({ topic, topicId, partition });
  }
  return out;
}

// ---- answers ------------------------------------------------------------------------------------

/** Kafka's FetchResponse.partitionResponse / LogReadResult for an error: every offset -1. */
export function errorOutcome(target: PartitionRequest, errorCode: number, leader?: { leaderId: number; leaderEpoch: number }): Outcome {
  return {
    target,
    errorCode,
    highWatermark: -1,
    logStartOffset: -1,
    recordsBytes: 0,
    preferredReadReplica: -1,
    leaderId: leader?.leaderId,
    data: {
      partitionIndex: target.partition,
      errorCode,
      highWatermark: -1n,
      lastStableOffset: -1n,
      logStartOffset: -1n,
      abortedTransactions: null,
      preferredReadReplica: -1,
      records: EMPTY,
      ...(leader ? { currentLeader: { leaderId: leader.leaderId, leaderEpoch: leader.leaderEpoch } } : {}),
    },
  };
}

/** Splits partitions into those to read and those answered from metadata alone (Kafka's "erroneous"). */
function classify(image: MetadataImage, partitions: readonly PartitionRequest[]): { interesting: Resolved[]; erroneous: Outcome[] } {
  const interesting: Resolved[] = [];
  const erroneous: Outcome[] = [];
  for (const target of partitions) {
    if (target.topic === null) {
      erroneous.push(errorOutcome(target, ErrorCode.UNKNOWN_TOPIC_ID));
      continue;
    }
    const state = image.topicsByName.get(target.topic)?.partitions.get(target.partition);
    if (state === undefined) {
      erroneous.push(errorOutcome(target, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
      continue;
    }
    interesting.push({ target, topic: target.topic, state });
  }
  return { interesting, erroneous };
}

interface ReadOptions {
  maxBytes: number;
  minBytes: number;
  maxWaitMs: number;
  readCommitted: boolean;
  version: number;
}

/** One pass over the partitions in order, sharing max.bytes (KIP-74). */
async function readPartitions(services: BrokerServices, list: readonly Resolved[], opts: ReadOptions): Promise<Outcome[]> {
  let budget = opts.maxBytes;
  let minOneBatch = true;
  const outcomes: Outcome[] = [];
  for (const r of list) {
    const target = r.target;
    // v16+ names the current leader with these errors (KIP-951).
    const named = opts.version >= 16;
    const leader = named ? { leaderId: r.state.leader, leaderEpoch: r.state.leaderEpoch } : undefined;
    const p = services.replicas.get(r.topic, target.partition);
    if (p === undefined || r.state.leader !== services.nodeId) {
      outcomes.push(errorOutcome(target, ErrorCode.NOT_LEADER_OR_FOLLOWER, leader));
      continue;
    }
    if (target.topicId !== ZERO_UUID && p.topicId !== target.topicId) {
      outcomes.push(errorOutcome(target, ErrorCode.INCONSISTENT_TOPIC_ID));
      continue;
    }
    if (target.currentLeaderEpoch >= 0 && target.currentLeaderEpoch !== p.leaderEpoch) {
      if (target.currentLeaderEpoch < p.leaderEpoch) outcomes.push(errorOutcome(target, ErrorCode.FENCED_LEADER_EPOCH, named ? { leaderId: services.nodeId, leaderEpoch: p.leaderEpoch } : undefined));
      else outcomes.push(errorOutcome(target, ErrorCode.UNKNOWN_LEADER_EPOCH));
      continue;
    }
    const highWatermark = p.highWatermark;
    const lastStableOffset = highWatermark; // no transactions yet
    const logStartOffset = p.log.logStartOffset;
    if (target.fetchOffset < logStartOffset || target.fetchOffset > p.log.logEndOffset) {
      outcomes.push(errorOutcome(target, ErrorCode.OFFSET_OUT_OF_RANGE));
      continue;
    }
    const upperBound = opts.readCommitted ? lastStableOffset : highWatermark;
    const maxBytes = Math.max(0, Math.min(target.partitionMaxBytes, budget));
    let records: Buffer = EMPTY;
    if (target.fetchOffset < upperBound && (maxBytes > 0 || minOneBatch)) {
      try {
        records = (await p.log.read(target.fetchOffset, { maxBytes, upperBound, minOneBatch })).records;
      } catch (e) {
        if (e instanceof OffsetOutOfRangeError) {
          outcomes.push(errorOutcome(target, ErrorCode.OFFSET_OUT_OF_RANGE));
          continue;
        }
        if (!isStorageError(e)) throw e;
        services.log.error(`fetch from ${r.topic}-${target.partition}: ${String(e)}`);
        outcomes.push(errorOutcome(target, opts.version <= 5 ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.KAFKA_STORAGE_ERROR));
        continue;
      }
    }
    if (records.length > 0) {
      minOneBatch = false;
      budget = Math.max(0, budget - records.length);
    }
    outcomes.push({
      target,
      errorCode: ErrorCode.NONE,
      highWatermark,
      logStartOffset,
      recordsBytes: records.length,
      preferredReadReplica: -1,
      data: {
        partitionIndex: target.partition,
        errorCode: ErrorCode.NONE,
        highWatermark: BigInt(highWatermark),
        lastStableOffset: BigInt(lastStableOffset),
        logStartOffset: BigInt(logStartOffset),
        abortedTransactions: opts.readCommitted ? [] : null,
        preferredReadReplica: -1,
        records,
      },
    });
  }
  return outcomes;
}

/**
 * Reads; while less than min.bytes came back, no partition failed and time remains, waits in the
 * purgatory for a high watermark to move and reads again. What was read is dropped while
 * waiting (a waiting fetch holds no records), as Kafka's DelayedFetch reads again on completion.
 */
export async function fetchWithWait(services: BrokerServices, list: readonly Resolved[], opts: ReadOptions): Promise<Outcome[]> {
  const deadline = services.nowMs() + opts.maxWaitMs;
  const partitions = [...new Set(list.map((r) => services.replicas.get(r.topic, r.target.partition)).filter((p): p is Partition => p !== undefined))];
  for (;;) {
    // High watermarks as the read starts: one that moves during the read is not missed.
    const seen = partitions.map((p) => p.highWatermark);
    let outcomes = await readPartitions(services, list, opts);
    if (opts.maxWaitMs <= 0) return outcomes;
    const bytes = outcomes.reduce((n, o) => n + o.recordsBytes, 0);
    if (bytes >= opts.minBytes || outcomes.some((o) => o.errorCode !== ErrorCode.NONE)) return outcomes;
    const remainingMs = deadline - services.nowMs();
    if (remainingMs <= 0) return outcomes;
    if (partitions.some((p, i) => p.highWatermark !== seen[i])) continue;
    const waiting = services.purgatory.wait(partitions, remainingMs);
    if (waiting === null) return outcomes; // purgatory full: answer now
    outcomes = [];
    await waiting;
    if (services.nowMs() >= deadline) return readPartitions(services, list, opts);
  }
}

/** Groups partition answers under their topics: consecutive partitions of one topic share an entry. */
export function groupByTopic(outcomes: readonly Outcome[], version: number): Input<FetchResponseFetchableTopicResponse>[] {
  const out: Input<FetchResponseFetchableTopicResponse>[] = [];
  let key: string | null = null;
  let partitions: Input<FetchResponsePartitionData>[] = [];
  for (const o of outcomes) {
    const k = version >= 13 ? o.target.topicId : (o.target.topic ?? '');
    if (key !== k) {
      key = k;
      partitions = [];
      out.push({ topic: o.target.topic ?? '', topicId: o.target.topicId, partitions });
    }
    partitions.push(o.data);
  }
  return out;
}

/** v16+: the endpoints of the leaders named in NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH answers. */
function nodeEndpoints(services: BrokerServices, info: RequestInfo, outcomes: readonly Outcome[]): Input<FetchResponseNodeEndpoint>[] {
  if (info.version < 16) return [];
  const listener = services.listenerForPort(info.ctx.localPort);
  const image = services.metadata.image;
  const nodes = new Map<number, Input<FetchResponseNodeEndpoint>>();
  for (const o of outcomes) {
    if (o.leaderId === undefined || o.leaderId < 0 || nodes.has(o.leaderId)) continue;
    if (o.errorCode !== ErrorCode.NOT_LEADER_OR_FOLLOWER && o.errorCode !== ErrorCode.FENCED_LEADER_EPOCH) continue;
    if (o.leaderId === services.nodeId) {
      nodes.set(o.leaderId, { nodeId: o.leaderId, host: listener.host, port: listener.port, rack: services.config.values.brokerRack ?? null });
      continue;
    }
    const broker = image.brokers.get(o.leaderId);
    const endpoint = broker?.endpoints.find((e) => e.name === listener.name);
    if (broker && endpoint && !broker.fenced) nodes.set(o.leaderId, { nodeId: o.leaderId, host: endpoint.host, port: endpoint.port, rack: broker.rack });
  }
  return [...nodes.values()];
}

export const fetchHandler: Handler<FetchRequest, FetchResponse> = {
  apiKey: 1,
  minVersion: 4,
  maxVersion: 17,
  async handle(services, request, info) {
    const version = info.version;
    const replicaId = version >= 15 ? request.replicaState.replicaId : request.replicaId;
    if (replicaId >= 0) {
      // Follower fetches come with replication (a later issue).
      return { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, sessionId: 0, responses: [] };
    }
    const image = services.metadata.image;
    const cache = fetchSessionCache(services);
    const fetchData = dedupePartitions(requestPartitions(request, version, image));
    const ctx: FetchContext =
      version >= 7
        ? newFetchContext(cache, {
            version,
            sessionId: request.sessionId,
            sessionEpoch: request.sessionEpoch,
            isFollower: false,
            fetchData,
            toForget: forgottenPartitions(request, version, image),
            nowMs: services.nowMs(),
            resolveTopicName: (id) => services.metadata.image.topicsById.get(id)?.name,
          })
        : { kind: 'sessionless', partitions: fetchData };
    if (ctx.kind === 'error') return { throttleTimeMs: 0, errorCode: ctx.errorCode, sessionId: 0, responses: [] };

    const { interesting, erroneous } = classify(image, ctx.partitions);
    const maxBytes = Math.max(0, Math.min(request.maxBytes, services.config.values.fetchMaxBytes));
    const opts: ReadOptions = {
      maxBytes,
      minBytes: Math.min(request.minBytes, maxBytes),
      maxWaitMs: request.maxWaitMs,
      readCommitted: request.isolationLevel === READ_COMMITTED,
      version,
    };
    const fetched = interesting.length === 0 ? [] : await fetchWithWait(services, interesting, opts);
    const answer = completeFetch(cache, ctx, [...fetched, ...erroneous], services.nowMs());
    const listed = version < 10 ? answer.partitions.map((o) => zstdForOldClients(services, o)) : answer.partitions;
    return {
      throttleTimeMs: 0,
      errorCode: answer.errorCode,
      sessionId: answer.sessionId,
      responses: groupByTopic(listed, version),
      nodeEndpoints: nodeEndpoints(services, info, listed),
    };
  },
};

/** Kafka answers v4-v9 fetches of a zstd topic with UNSUPPORTED_COMPRESSION_TYPE (zstd came with v10). */
function zstdForOldClients(services: BrokerServices, o: Outcome): Outcome {
  if (o.errorCode !== ErrorCode.NONE || o.target.topic === null) return o;
  if (services.topicConfig(o.target.topic).logConfig.compressionType !== 'zstd') return o;
  return errorOutcome(o.target, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
}

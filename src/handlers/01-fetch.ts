/**
 * Fetch (key 1), v4-v17 (Kafka 4.0 dropped v0-v3), for consumers. Each partition is read from
 * its fetch offset up to the high watermark (the durable end; with READ_COMMITTED the last
 * stable offset, equal to it until transactions exist), whole batches only: a fetch in the
 * middle of a batch returns that batch. The first partition with data gets at least one whole
 * batch even beyond the size limits (KIP-74); the rest share max.bytes. When less than
 * min.bytes is available the request waits (max.wait.ms) for the high watermark to move.
 * Fetch sessions (KIP-227): see fetch-sessions.ts; without one (session id 0, epoch -1) every
 * request is a full fetch. v13+ names topics by id.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { FetchRequest } from '../protocol/generated/messages/FetchRequest.js';
import type { FetchResponse, FetchResponseFetchableTopicResponse, FetchResponsePartitionData } from '../protocol/generated/messages/FetchResponse.js';
import type { Input } from '../protocol/primitives/types.js';
import { ZERO_UUID } from '../protocol/primitives/types.js';
import { OffsetOutOfRangeError } from '../storage/log-errors.js';
import { isStorageError } from '../storage/errors.js';
import type { Partition } from '../replica/partition.js';
import type { BrokerServices, Handler } from './types.js';

const EMPTY = Buffer.alloc(0);

export interface FetchTarget {
  /** Name for v0-12, id for v13+ (the response echoes what was asked). */
  topic: string;
  topicId: string;
  partition: number;
  fetchOffset: number;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
}

interface Outcome {
  target: FetchTarget;
  data: Input<FetchResponsePartitionData>;
  bytes: number;
}

function readTargets(services: BrokerServices, request: FetchRequest, version: number): FetchTarget[] {
  const image = services.metadata.image;
  const targets: FetchTarget[] = [];
  for (const t of request.topics) {
    const byId = version >= 13;
    const name = byId ? (image.topicsById.get(t.topicId)?.name ?? '') : t.topic;
    const topicId = byId ? t.topicId : (image.topicsByName.get(t.topic)?.topicId ?? ZERO_UUID);
    for (const p of t.partitions) {
      targets.push({ topic: name, topicId, partition: p.partition, fetchOffset: Number(p.fetchOffset), partitionMaxBytes: p.partitionMaxBytes, currentLeaderEpoch: p.currentLeaderEpoch });
    }
  }
  return targets;
}

function errorData(partition: number, errorCode: number, p?: Partition): Input<FetchResponsePartitionData> {
  return {
    partitionIndex: partition,
    errorCode,
    highWatermark: BigInt(p?.highWatermark ?? -1),
    lastStableOffset: BigInt(p?.highWatermark ?? -1),
    logStartOffset: BigInt(p?.log.logStartOffset ?? -1),
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: EMPTY,
  };
}

async function readAll(services: BrokerServices, targets: readonly FetchTarget[], maxBytes: number, version: number): Promise<Outcome[]> {
  let budget = maxBytes;
  let first = true;
  const outcomes: Outcome[] = [];
  for (const target of targets) {
    const p = target.topic === '' ? undefined : services.replicas.get(target.topic, target.partition);
    if (!p) {
      const code = version >= 13 && target.topic === '' ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      outcomes.push({ target, data: errorData(target.partition, code), bytes: 0 });
      continue;
    }
    if (target.currentLeaderEpoch >= 0 && target.currentLeaderEpoch !== p.leaderEpoch) {
      const code = target.currentLeaderEpoch < p.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
      outcomes.push({ target, data: errorData(target.partition, code, p), bytes: 0 });
      continue;
    }
    const hw = p.highWatermark;
    let records: Buffer = EMPTY;
    let errorCode: number = ErrorCode.NONE;
    if (target.fetchOffset < p.log.logStartOffset || target.fetchOffset > p.log.logEndOffset) {
      errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
    } else if (target.fetchOffset < hw && (budget > 0 || first)) {
      try {
        const read = await p.log.read(target.fetchOffset, {
          maxBytes: Math.max(0, Math.min(target.partitionMaxBytes, budget)),
          upperBound: hw,
          minOneBatch: first,
        });
        records = read.records;
      } catch (e) {
        if (e instanceof OffsetOutOfRangeError) errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
        else if (isStorageError(e)) {
          services.log.error(`${target.topic}-${target.partition}: ${String(e)}`);
          errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
        } else throw e;
      }
    }
    if (records.length > 0) {
      first = false;
      budget -= records.length;
    }
    outcomes.push({
      target,
      data: {
        partitionIndex: target.partition,
        errorCode,
        highWatermark: BigInt(hw),
        lastStableOffset: BigInt(hw),
        logStartOffset: BigInt(p.log.logStartOffset),
        abortedTransactions: version >= 4 ? [] : null,
        preferredReadReplica: -1,
        records,
      },
      bytes: records.length,
    });
  }
  return outcomes;
}

/** Groups partition answers back under their topics, in request order. */
export function groupByTopic(outcomes: readonly Outcome[], version: number): Input<FetchResponseFetchableTopicResponse>[] {
  const out: Input<FetchResponseFetchableTopicResponse>[] = [];
  let current: { key: string; entry: Input<FetchResponseFetchableTopicResponse> & { partitions: Input<FetchResponsePartitionData>[] } } | null = null;
  for (const o of outcomes) {
    const key = version >= 13 ? o.target.topicId : o.target.topic;
    if (current === null || current.key !== key) {
      current = { key, entry: { topic: o.target.topic, topicId: o.target.topicId, partitions: [] } };
      out.push(current.entry);
    }
    current.entry.partitions.push(o.data);
  }
  return out;
}

/** Reads, and while less than minBytes is there and time remains, waits for data and reads again. */
export async function fetchWithWait(
  services: BrokerServices,
  targets: readonly FetchTarget[],
  opts: { maxBytes: number; minBytes: number; maxWaitMs: number; version: number },
): Promise<Outcome[]> {
  const deadline = services.nowMs() + Math.max(0, opts.maxWaitMs);
  for (;;) {
    const outcomes = await readAll(services, targets, opts.maxBytes, opts.version);
    const bytes = outcomes.reduce((n, o) => n + o.bytes, 0);
    const errors = outcomes.some((o) => o.data.errorCode !== ErrorCode.NONE);
    const remaining = deadline - services.nowMs();
    if (bytes >= Math.max(1, opts.minBytes) || errors || remaining <= 0 || targets.length === 0) return outcomes;
    const partitions = targets.map((t) => services.replicas.get(t.topic, t.partition)).filter((p): p is Partition => p !== undefined);
    await services.purgatory.wait(partitions, remaining);
    if (services.nowMs() >= deadline) return readAll(services, targets, opts.maxBytes, opts.version);
  }
}

export const fetchHandler: Handler<FetchRequest, FetchResponse> = {
  apiKey: 1,
  minVersion: 4,
  maxVersion: 17,
  async handle(services, request, info) {
    const replicaId = info.version >= 15 ? request.replicaState.replicaId : request.replicaId;
    if (replicaId >= 0) {
      // Follower fetches come with replication (a later issue).
      return { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, sessionId: 0, responses: [] };
    }
    const targets = readTargets(services, request, info.version);
    const outcomes = await fetchWithWait(services, targets, { maxBytes: request.maxBytes, minBytes: request.minBytes, maxWaitMs: request.maxWaitMs, version: info.version });
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses: groupByTopic(outcomes, info.version) };
  },
};

/**
 * ListOffsets against partition leaders, shared by the consumer (resets, seekToEnd,
 * offsetsForTimes) and the admin client: groups partitions by leader, sends one request per
 * leader, and retries partitions with retriable errors (after a metadata refresh when the error
 * says the leader moved) until the deadline. Special timestamps: -1 latest, -2 earliest,
 * -3 max timestamp (v7+), -4 earliest local (v8+), -5 latest tiered (v9+).
 */
import { ApiKey } from '../protocol/generated/registry.js';
import { ErrorCode, KafkaError, errorInfo } from '../protocol/errors.js';
import type { ListOffsetsResponse } from '../protocol/generated/messages/ListOffsetsResponse.js';
import { backoffMs, sleep } from './backoff.js';
import { isStaleMetadataError, type Cluster } from './cluster.js';
import { ClientClosedError, timeoutError } from './errors.js';

export const LATEST_TIMESTAMP = -1;
export const EARLIEST_TIMESTAMP = -2;
export const MAX_TIMESTAMP = -3;
export const EARLIEST_LOCAL_TIMESTAMP = -4;
export const LATEST_TIERED_TIMESTAMP = -5;

/** Lowest ListOffsets version that understands each special timestamp. */
const MIN_VERSION_FOR: ReadonlyMap<number, number> = new Map([
  [MAX_TIMESTAMP, 7],
  [EARLIEST_LOCAL_TIMESTAMP, 8],
  [LATEST_TIERED_TIMESTAMP, 9],
]);

export interface OffsetQuery {
  topic: string;
  partition: number;
  timestamp: number;
}

export interface OffsetAnswer {
  offset: number;
  timestamp: number;
  leaderEpoch: number;
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * Offsets for `queries`, in their order. A partition asked about more than once (several
 * timestamps) is asked in separate requests, since a request names each partition once.
 * Throws the first non-retriable error, or the last retriable one at the deadline.
 */
export async function listOffsets(cluster: Cluster, queries: readonly OffsetQuery[], isolationLevel: 0 | 1, deadlineMs: number): Promise<OffsetAnswer[]> {
  const rounds: OffsetQuery[][] = [];
  const where: [number, number][] = [];
  for (const q of queries) {
    const key = tpKey(q.topic, q.partition);
    let r = 0;
    while (r < rounds.length && rounds[r]!.some((x) => tpKey(x.topic, x.partition) === key)) r++;
    if (r === rounds.length) rounds.push([]);
    where.push([r, rounds[r]!.length]);
    rounds[r]!.push(q);
  }
  const answers = await Promise.all(rounds.map((round) => listOffsetsOnce(cluster, round, isolationLevel, deadlineMs)));
  return where.map(([r, i]) => {
    const q = rounds[r]![i]!;
    return answers[r]!.get(tpKey(q.topic, q.partition))!;
  });
}

async function listOffsetsOnce(cluster: Cluster, queries: readonly OffsetQuery[], isolationLevel: 0 | 1, deadlineMs: number): Promise<Map<string, OffsetAnswer>> {
  const result = new Map<string, OffsetAnswer>();
  let pending = [...queries];
  let attempt = 0;
  let lastError: Error | null = null;
  while (pending.length > 0) {
    if (cluster.isClosed) throw new ClientClosedError('the client is closed');
    const topics = [...new Set(pending.map((q) => q.topic))];
    try {
      await cluster.waitForTopics(topics, deadlineMs, new Map(topics.map((t) => [t, 1 + Math.max(...pending.filter((q) => q.topic === t).map((q) => q.partition))])), 'default.api.timeout.ms');
    } catch (e) {
      if (e instanceof KafkaError && e.code === ErrorCode.REQUEST_TIMED_OUT && lastError !== null) throw lastError;
      throw e;
    }
    const byLeader = new Map<number, OffsetQuery[]>();
    const retry: OffsetQuery[] = [];
    for (const q of pending) {
      const leader = cluster.leaderFor(q.topic, q.partition);
      if (leader < 0) {
        retry.push(q);
        continue;
      }
      let list = byLeader.get(leader);
      if (list === undefined) byLeader.set(leader, (list = []));
      list.push(q);
    }
    let stale = retry.length > 0;
    await Promise.all(
      [...byLeader].map(async ([leader, qs]) => {
        const minVersion = Math.max(1, ...qs.map((q) => MIN_VERSION_FOR.get(q.timestamp) ?? 1));
        try {
          const conn = await cluster.connectionTo(leader);
          const version = conn.versionFor(ApiKey.ListOffsets);
          if (version < minVersion) {
            throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `broker ${leader} does not support ListOffsets v${minVersion}, needed for timestamp ${qs.find((q) => (MIN_VERSION_FOR.get(q.timestamp) ?? 1) > version)!.timestamp}`);
          }
          const byTopic = new Map<string, OffsetQuery[]>();
          for (const q of qs) {
            let l = byTopic.get(q.topic);
            if (l === undefined) byTopic.set(q.topic, (l = []));
            l.push(q);
          }
          const { body } = await conn.request<ListOffsetsResponse>(ApiKey.ListOffsets, (v) => ({
            replicaId: -1,
            isolationLevel: v >= 2 ? isolationLevel : 0,
            timeoutMs: Math.max(0, deadlineMs - Date.now()),
            topics: [...byTopic].map(([name, list]) => ({
              name,
              partitions: list.map((q) => ({ partitionIndex: q.partition, currentLeaderEpoch: -1, timestamp: BigInt(q.timestamp), maxNumOffsets: 1 })),
            })),
          }), { timeoutMs: Math.max(1, Math.min(cluster.config.requestTimeoutMs, deadlineMs - Date.now())) });
          const answered = new Set<string>();
          for (const t of body.topics) {
            for (const p of t.partitions) {
              const key = tpKey(t.name, p.partitionIndex);
              answered.add(key);
              const q = qs.find((x) => x.topic === t.name && x.partition === p.partitionIndex);
              if (q === undefined) continue;
              if (p.errorCode === ErrorCode.NONE) {
                result.set(key, { offset: Number(p.offset), timestamp: Number(p.timestamp), leaderEpoch: p.leaderEpoch });
              } else if (errorInfo(p.errorCode).retriable) {
                if (isStaleMetadataError(p.errorCode)) stale = true;
                lastError = new KafkaError(p.errorCode, undefined, { topic: t.name, partition: p.partitionIndex });
                retry.push(q);
              } else {
                throw new KafkaError(p.errorCode, undefined, { topic: t.name, partition: p.partitionIndex });
              }
            }
          }
          for (const q of qs) if (!answered.has(tpKey(q.topic, q.partition))) retry.push(q);
        } catch (e) {
          if (!(e instanceof KafkaError) || !e.retriable) throw e;
          lastError = e;
          stale = true;
          retry.push(...qs);
        }
      }),
    );
    pending = retry;
    if (pending.length === 0) break;
    const wait = backoffMs({ initialMs: cluster.config.retryBackoffMs, maxMs: cluster.config.retryBackoffMaxMs }, attempt++);
    if (Date.now() + wait >= deadlineMs) {
      throw lastError ?? timeoutError(`ListOffsets for ${pending.map((q) => `${q.topic}-${q.partition}`).join(', ')} did not complete before the timeout`);
    }
    await sleep(wait);
    if (stale) await cluster.refreshMetadata().catch(() => undefined);
  }
  return result;
}

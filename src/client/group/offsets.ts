/**
 * OffsetCommit and OffsetFetch bodies and answers, per version, without I/O; and what each error
 * means for the caller, as in Kafka's ConsumerCoordinator:
 *
 * OffsetCommit (per partition): COORDINATOR_NOT_AVAILABLE / NOT_COORDINATOR / REQUEST_TIMED_OUT
 * → find the coordinator again and retry; COORDINATOR_LOAD_IN_PROGRESS / UNKNOWN_TOPIC_OR_PARTITION
 * → retry; REBALANCE_IN_PROGRESS → fail (poll to finish the rebalance, then commit again);
 * UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION (and GROUP_ID_NOT_FOUND, which v9+ brokers send for a
 * group that is gone) → the member is out of its generation: fail, rejoin;
 * anything else (FENCED_INSTANCE_ID, OFFSET_METADATA_TOO_LARGE, authorization, ...) → fail.
 *
 * OffsetFetch: group-level coordinator errors and COORDINATOR_LOAD_IN_PROGRESS → retry;
 * UNSTABLE_OFFSET_COMMIT on a partition (a transaction's offsets are pending) → retry; other
 * errors fail. An offset of -1 means nothing was committed. require_stable is asked for from v7
 * (Kafka's consumer always asks; older brokers cannot, so the flag is dropped for them).
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type { OffsetCommitResponse } from '../../protocol/generated/messages/OffsetCommitResponse.js';
import type { OffsetFetchResponse } from '../../protocol/generated/messages/OffsetFetchResponse.js';
import type { TopicPartition } from '../types.js';
import type { Generation } from './membership.js';
import type { OffsetAndMetadata, OffsetCommitItem } from './types.js';


export type OffsetErrorAction = 'retry' | 'coordinator' | 'rebalancing' | 'generation' | 'fatal';

/** What an OffsetCommit partition error means (see the header). */
export function commitErrorAction(code: number): OffsetErrorAction {
  switch (code) {
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
    case ErrorCode.REQUEST_TIMED_OUT:
      return 'coordinator';
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
      return 'retry';
    case ErrorCode.REBALANCE_IN_PROGRESS:
      return 'rebalancing';
    case ErrorCode.UNKNOWN_MEMBER_ID:
    case ErrorCode.ILLEGAL_GENERATION:
    case ErrorCode.GROUP_ID_NOT_FOUND:
      return 'generation';
    default:
      return 'fatal';
  }
}

/** What an OffsetFetch error (group-level or partition) means. */
export function fetchErrorAction(code: number): OffsetErrorAction {
  switch (code) {
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
      return 'coordinator';
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.UNSTABLE_OFFSET_COMMIT:
      return 'retry';
    default:
      return 'fatal';
  }
}

/** Topic-partitions grouped by topic, topics in first-seen order (how requests list them). */
export function groupByTopic<T extends TopicPartition>(items: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const it of items) {
    let l = m.get(it.topic);
    if (l === undefined) m.set(it.topic, (l = []));
    l.push(it);
  }
  return m;
}

/**
 * The OffsetCommit body for `version`. `generation` is null for a consumer outside group
 * management (assign() with a group.id) and for the admin client: Kafka then commits with
 * generation -1 and no member id.
 * Throws UNSUPPORTED_VERSION when a static member meets a broker older than v7.
 */
export function offsetCommitRequest(
  version: number,
  groupId: string,
  generation: Generation | null,
  groupInstanceId: string | null,
  offsets: readonly (Omit<OffsetCommitItem, 'metadata'> & { metadata?: string | null })[],
): unknown {
  if (groupInstanceId !== null && version < 7) {
    throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `The broker's OffsetCommit v${version} does not support static membership (group.instance.id needs v7+)`);
  }
  return {
    groupId,
    generationIdOrMemberEpoch: generation?.generationId ?? -1,
    memberId: generation?.memberId ?? '',
    groupInstanceId: version >= 7 ? groupInstanceId : null,
    retentionTimeMs: -1n,
    topics: [...groupByTopic(offsets)].map(([name, list]) => ({
      name,
      partitions: list.map((o) => ({
        partitionIndex: o.partition,
        committedOffset: BigInt(o.offset),
        committedLeaderEpoch: o.leaderEpoch ?? -1,
        commitTimestamp: -1n,
        committedMetadata: o.metadata === undefined ? '' : o.metadata,
      })),
    })),
  };
}

/** Error code per partition of an OffsetCommit answer ("topic\0partition" → code); missing partitions are UNKNOWN_SERVER_ERROR. */
export function offsetCommitErrors(body: OffsetCommitResponse, offsets: readonly OffsetCommitItem[]): Map<TopicPartition, number> {
  const codes = new Map<string, number>();
  for (const t of body.topics) for (const p of t.partitions) codes.set(`${t.name}\u0000${p.partitionIndex}`, p.errorCode);
  const out = new Map<TopicPartition, number>();
  for (const o of offsets) out.set(o, codes.get(`${o.topic}\u0000${o.partition}`) ?? ErrorCode.UNKNOWN_SERVER_ERROR);
  return out;
}

/** The OffsetFetch body for `version` (one group; the given partitions). */
/** The topics of an OffsetFetch request (or of one of its groups) for these partitions. */
export function offsetFetchTopics(partitions: readonly TopicPartition[]): { name: string; partitionIndexes: number[] }[] {
  return [...groupByTopic(partitions)].map(([name, list]) => ({ name, partitionIndexes: list.map((tp) => tp.partition) }));
}

export function offsetFetchRequest(version: number, groupId: string, partitions: readonly TopicPartition[]): unknown {
  const topics = offsetFetchTopics(partitions);
  if (version >= 8) {
    return { groups: [{ groupId, memberId: null, memberEpoch: -1, topics }], requireStable: true };
  }
  return { groupId, topics, requireStable: version >= 7 };
}

export interface OffsetFetchResult {
  /** Group-level (or top-level) error code. */
  errorCode: number;
  /** Per asked partition: the committed offset (null: none) or an error code. */
  partitions: Map<TopicPartition, { committed: OffsetAndMetadata | null; errorCode: number }>;
}

/** Reads an OffsetFetch answer for the partitions asked (a partition missing from it has nothing committed). */
export function readOffsetFetch(body: OffsetFetchResponse, version: number, groupId: string, asked: readonly TopicPartition[]): OffsetFetchResult {
  let errorCode = ErrorCode.NONE as number;
  let topics: { name: string; partitions: { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string | null; errorCode: number }[] }[];
  if (version >= 8) {
    const g = body.groups.find((x) => x.groupId === groupId);
    if (g === undefined) return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, partitions: new Map() };
    errorCode = g.errorCode;
    topics = g.topics;
  } else {
    errorCode = version >= 2 ? body.errorCode : ErrorCode.NONE;
    topics = body.topics ?? [];
  }
  const byKey = new Map<string, (typeof topics)[number]['partitions'][number]>();
  for (const t of topics) for (const p of t.partitions) byKey.set(`${t.name}\u0000${p.partitionIndex}`, p);
  const partitions = new Map<TopicPartition, { committed: OffsetAndMetadata | null; errorCode: number }>();
  for (const tp of asked) {
    const p = byKey.get(`${tp.topic}\u0000${tp.partition}`);
    if (p === undefined || p.errorCode !== ErrorCode.NONE) {
      partitions.set(tp, { committed: null, errorCode: p?.errorCode ?? ErrorCode.NONE });
      continue;
    }
    const offset = Number(p.committedOffset);
    partitions.set(tp, {
      committed: offset < 0 ? null : { topic: tp.topic, partition: tp.partition, offset, leaderEpoch: p.committedLeaderEpoch, metadata: p.metadata ?? '' },
      errorCode: ErrorCode.NONE,
    });
  }
  return { errorCode, partitions };
}

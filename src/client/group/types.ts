/**
 * Public types of consumer groups: the rebalance listener (Kafka's ConsumerRebalanceListener,
 * with camelCase names), what commit() takes and committed() returns, and the group metadata.
 */
import type { TopicPartition } from '../types.js';

/**
 * Called from inside poll() (or the iterator / run()) while the group rebalances, and awaited.
 * - onPartitionsRevoked: partitions this consumer gives up, before anyone else gets them (the
 *   place to commit what was processed); eager: all of them before every rebalance; cooperative:
 *   only the ones that move.
 * - onPartitionsAssigned: partitions this consumer got (cooperative: only the new ones, possibly
 *   none). Positions set here with seek() win over committed offsets.
 * - onPartitionsLost: partitions that may already belong to another member (this member fell out
 *   of the group: session or poll timeout, fenced generation); committing them fails. Defaults to
 *   onPartitionsRevoked, as in Kafka.
 * An error thrown by a listener is rethrown from poll() after the rebalance step completes.
 */
export interface RebalanceListener {
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

/** An offset to commit: the next offset to read (last processed + 1), with optional metadata. */
export interface OffsetCommitItem extends TopicPartition {
  offset: number;
  metadata?: string;
  /** Leader epoch of the last processed record (default: unknown). */
  leaderEpoch?: number;
}

/** A committed offset (Kafka's OffsetAndMetadata). */
export interface OffsetAndMetadata extends TopicPartition {
  offset: number;
  metadata: string;
  /** -1 when the committer did not give one. */
  leaderEpoch: number;
}

/** Kafka's ConsumerGroupMetadata: who this member is in which generation. */
export interface ConsumerGroupMetadata {
  groupId: string;
  /** -1 outside a generation. */
  generationId: number;
  /** '' before the first join. */
  memberId: string;
  groupInstanceId: string | null;
}

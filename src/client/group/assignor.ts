/**
 * What partition assignors share: the members' subscriptions as the group leader decodes them,
 * the assignor interface (a pure function from subscriptions and partition counts to one
 * assignment per member), and Kafka's member order. The assignors themselves are
 * range-assignor.ts, round-robin-assignor.ts and sticky-assignor.ts; assignors.ts names them.
 */
import type { TopicPartition } from '../types.js';

export type RebalanceProtocol = 'eager' | 'cooperative';

/** One member's subscription, as the leader sees it (decoded from its JoinGroup metadata). */
export interface MemberSubscription {
  memberId: string;
  groupInstanceId: string | null;
  topics: readonly string[];
  /** What the member owns while it rejoins (empty under the eager protocol: it revoked all). */
  ownedPartitions: readonly TopicPartition[];
  /** The generation its owned partitions are from (-1: unknown). */
  generationId: number;
  rackId: string | null;
  /** The assignor's own bytes from the subscription (cooperative-sticky: the generation). */
  userData: Buffer | null;
}

export interface Assignor {
  /** The protocol name sent in JoinGroup. */
  readonly name: string;
  readonly supportedProtocols: readonly RebalanceProtocol[];
  /** User data for this member's subscription (cooperative-sticky: its generation, for old leaders). */
  subscriptionUserData(generationId: number): Buffer | null;
  /**
   * One assignment per member (every member id present, possibly empty). Topics missing from
   * `partitionsPerTopic` (not in metadata) are not assigned.
   */
  assign(partitionsPerTopic: ReadonlyMap<string, number>, members: readonly MemberSubscription[]): Map<string, TopicPartition[]>;
}

/** Kafka's member order (AbstractPartitionAssignor.MemberInfo): static members first, by instance id, then by member id. */
export function compareMembers(a: Pick<MemberSubscription, 'memberId' | 'groupInstanceId'>, b: Pick<MemberSubscription, 'memberId' | 'groupInstanceId'>): number {
  if (a.groupInstanceId !== null && b.groupInstanceId !== null) return compareStrings(a.groupInstanceId, b.groupInstanceId);
  if (a.groupInstanceId !== null) return -1;
  if (b.groupInstanceId !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

/** Java's String.compareTo (UTF-16 code units), which is also JavaScript's `<` on strings. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortedMembers<T extends Pick<MemberSubscription, 'memberId' | 'groupInstanceId'>>(members: readonly T[]): T[] {
  return [...members].sort(compareMembers);
}

/** An empty assignment for every member. */
export function emptyAssignment(members: readonly MemberSubscription[]): Map<string, TopicPartition[]> {
  return new Map(members.map((m) => [m.memberId, []]));
}

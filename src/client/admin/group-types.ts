/**
 * Public types of the admin client's group calls (listGroups, describeGroups, deleteGroups and
 * the consumer-group offset calls). Group states and types are Kafka's names as the broker sends
 * them ('Stable', 'Empty', 'PreparingRebalance', ...; 'classic', 'consumer', ...).
 */
import type { KafkaError } from '../../protocol/errors.js';
import type { BrokerNode, TopicPartition } from '../types.js';

/** Kafka's group states (GroupState): what ListGroups filters on and DescribeGroups reports. */
export type GroupStateName =
  | 'Unknown'
  | 'PreparingRebalance'
  | 'CompletingRebalance'
  | 'Stable'
  | 'Dead'
  | 'Empty'
  | 'Assigning'
  | 'Reconciling'
  | 'NotReady';

/** Kafka's group types (GroupType). Groups of brokers before KIP-848 are all classic. */
export type GroupTypeName = 'classic' | 'consumer' | 'share' | 'streams';

export interface ListGroupsOptions {
  /** Only groups in these states (ListGroups v4+; case does not matter). */
  states?: readonly string[];
  /** Only groups of these types (ListGroups v5+; older brokers only have classic groups). */
  types?: readonly GroupTypeName[];
}

export interface GroupListing {
  groupId: string;
  /** 'consumer' for consumer groups, '' for groups that only store offsets, else another protocol's. */
  protocolType: string;
  /** The state (ListGroups v4+), else null. */
  state: string | null;
  /** The type in lower case (ListGroups v5+), else null. */
  type: string | null;
}

/** A consumer group member's subscription (JoinGroup metadata of the "consumer" protocol). */
export interface ConsumerSubscription {
  /** The version of the ConsumerProtocolSubscription encoding. */
  version: number;
  topics: string[];
  userData: Buffer | null;
  ownedPartitions: TopicPartition[];
  generationId: number;
  rackId: string | null;
}

/** A consumer group member's assignment (SyncGroup assignment of the "consumer" protocol). */
export interface ConsumerAssignment {
  partitions: TopicPartition[];
  userData: Buffer | null;
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  /** The address the member connected from, as the broker reports it (Kafka: "/127.0.0.1"). */
  host: string;
  /** The member's protocol metadata, as sent in JoinGroup. */
  metadata: Buffer;
  /** The member's assignment, as sent in SyncGroup (empty while rebalancing). */
  assignment: Buffer;
  /** `metadata` decoded, for groups of protocol type "consumer" (null otherwise or when it does not decode). */
  subscription: ConsumerSubscription | null;
  /** `assignment` decoded, for groups of protocol type "consumer" (empty before the first assignment; null otherwise or when it does not decode). */
  consumerAssignment: ConsumerAssignment | null;
}

export interface GroupDescription {
  groupId: string;
  state: string;
  /** 'consumer' for consumer groups; '' for a group that only stores offsets (a "simple" group). */
  protocolType: string;
  /** The protocol chosen in the last rebalance: for consumer groups the assignor ('range', ...). */
  protocol: string;
  members: GroupMemberDescription[];
  /** The broker coordinating the group. */
  coordinator: BrokerNode;
  /** Kafka's bit set of ACL operations (DescribeGroups v3+ with includeAuthorizedOperations), else null. */
  authorizedOperations: number | null;
}

/** A committed offset of a consumer group. */
export interface CommittedOffset extends TopicPartition {
  /** The committed offset, or null when the group has none for this partition. */
  offset: number | null;
  /** The leader epoch committed with it (OffsetFetch v5+), else null. */
  leaderEpoch: number | null;
  metadata: string | null;
}

export interface GroupOffsets {
  groupId: string;
  /** Sorted by topic, then partition. */
  offsets: CommittedOffset[];
}

/** Which offsets of which group listConsumerGroupOffsets reads: every partition when `partitions` is absent. */
export interface ListGroupOffsetsItem {
  groupId: string;
  partitions?: readonly TopicPartition[];
}

/** A new committed offset for alterConsumerGroupOffsets. */
export interface GroupOffsetItem extends TopicPartition {
  offset: number;
  /** Default: none (-1). */
  leaderEpoch?: number;
  /** Default: ''. */
  metadata?: string | null;
}

/** The outcome for one partition of deleteConsumerGroupOffsets. */
export interface DeletedGroupOffset extends TopicPartition {
  /** Null when the offset was deleted (or there was none). */
  error: KafkaError | null;
}

/**
 * The "consumer" protocol's embedded messages as DescribeGroups returns them: a member's
 * subscription (its JoinGroup metadata) and assignment (its SyncGroup assignment), each an int16
 * version followed by the body of that version. A version newer than the codec's is read as the
 * newest known one and the bytes after it are ignored, as Kafka's ConsumerProtocol does (newer
 * versions only append fields).
 */
import { Reader } from '../../protocol/primitives/reader.js';
import {
  readConsumerProtocolAssignment,
  ConsumerProtocolAssignmentVersions,
} from '../../protocol/generated/messages/ConsumerProtocolAssignment.js';
import {
  readConsumerProtocolSubscription,
  ConsumerProtocolSubscriptionVersions,
} from '../../protocol/generated/messages/ConsumerProtocolSubscription.js';
import type { TopicPartition } from '../types.js';
import type { ConsumerAssignment, ConsumerSubscription } from './group-types.js';

/** Kafka's protocol type of consumer groups. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

function flatten(list: readonly { topic: string; partitions: number[] }[]): TopicPartition[] {
  return list.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
}

/** Reads the version header; null for bytes too short to hold one or a negative version. */
function open(bytes: Buffer): { version: number; reader: Reader } | null {
  if (bytes.length < 2) return null;
  const reader = new Reader(bytes);
  const version = reader.int16();
  return version < 0 ? null : { version, reader };
}

/** A member's subscription, or null when `bytes` is empty or not a consumer subscription. */
export function decodeSubscription(bytes: Buffer): ConsumerSubscription | null {
  const opened = open(bytes);
  if (opened === null) return null;
  try {
    const s = readConsumerProtocolSubscription(opened.reader, Math.min(opened.version, ConsumerProtocolSubscriptionVersions.max));
    return {
      version: opened.version,
      topics: s.topics,
      userData: s.userData,
      ownedPartitions: flatten(s.ownedPartitions),
      generationId: s.generationId,
      rackId: s.rackId,
    };
  } catch {
    return null;
  }
}

/** A member's assignment, or null when `bytes` is empty (not assigned yet) or does not decode. */
export function decodeAssignment(bytes: Buffer): ConsumerAssignment | null {
  const opened = open(bytes);
  if (opened === null) return null;
  try {
    const a = readConsumerProtocolAssignment(opened.reader, Math.min(opened.version, ConsumerProtocolAssignmentVersions.max));
    return { version: opened.version, partitions: flatten(a.assignedPartitions), userData: a.userData };
  } catch {
    return null;
  }
}

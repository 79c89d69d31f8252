/**
 * What the coordinator reads of the "consumer" protocol's opaque member metadata: the topics a
 * member subscribes to (Kafka's ConsumerProtocolSubscription: an int16 version, then the struct;
 * newer versions than we know are read as the newest, as Kafka's consumer protocol is
 * forward compatible). Needed to keep offsets of subscribed topics (OffsetDelete, expiry).
 */
import { decodeConsumerProtocolSubscription, ConsumerProtocolSubscriptionVersions } from '../../protocol/generated/messages/ConsumerProtocolSubscription.js';
import { Reader } from '../../protocol/primitives/reader.js';
import { readConsumerProtocolSubscription } from '../../protocol/generated/messages/ConsumerProtocolSubscription.js';

/** The union of the members' subscribed topics, or null when some metadata does not parse. */
export function subscribedTopics(metadatas: readonly Buffer[]): Set<string> | null {
  const topics = new Set<string>();
  for (const bytes of metadatas) {
    try {
      if (bytes.length < 2) return null;
      const version = bytes.readInt16BE(0);
      if (version < 0) return null;
      const body = bytes.subarray(2);
      const subscription = version <= ConsumerProtocolSubscriptionVersions.max
        ? decodeConsumerProtocolSubscription(body, version)
        : readConsumerProtocolSubscription(new Reader(body), ConsumerProtocolSubscriptionVersions.max);
      for (const t of subscription.topics) topics.add(t);
    } catch {
      return null;
    }
  }
  return topics;
}

/**
 * The "consumer" protocol type's embedded messages: a member's subscription (JoinGroup protocol
 * metadata) and its assignment (SyncGroup), each an int16 version followed by the generated
 * ConsumerProtocolSubscription / ConsumerProtocolAssignment body of that version.
 *
 * Versions, as Kafka's ConsumerProtocol: subscriptions are written at v3 (topics, user data,
 * owned partitions, generation, rack), whatever the assignor, since the cooperative protocol needs
 * the owned partitions and their generation and older readers skip what they do not know. Any
 * version >= 0 is read; a version above 3 is read as v3 and the fields added later are ignored
 * (those versions only ever append). Bytes after the fields are ignored, as Kafka does. Each member's assignment is written at its subscription's
 * version (at most 3), so an old client always gets a version it knows.
 */
import { DecodeError } from '../../protocol/primitives/decode-error.js';
import { Reader } from '../../protocol/primitives/reader.js';
import {
  encodeConsumerProtocolAssignment,
  readConsumerProtocolAssignment,
} from '../../protocol/generated/messages/ConsumerProtocolAssignment.js';
import {
  encodeConsumerProtocolSubscription,
  readConsumerProtocolSubscription,
} from '../../protocol/generated/messages/ConsumerProtocolSubscription.js';
import type { TopicPartition } from '../types.js';

export const SUBSCRIPTION_VERSION = 3;
const HIGHEST_KNOWN_VERSION = 3;

export interface Subscription {
  topics: readonly string[];
  userData: Buffer | null;
  ownedPartitions: readonly TopicPartition[];
  generationId: number;
  rackId: string | null;
}

export interface DecodedSubscription extends Subscription {
  /** The version the member wrote. */
  version: number;
}

export interface Assignment {
  partitions: TopicPartition[];
  userData: Buffer | null;
}

function withVersion(version: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeInt16BE(version, 0);
  body.copy(out, 2);
  return out;
}

/** Groups partitions by topic, in first-seen topic order and the given partition order. */
function byTopic(partitions: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const map = new Map<string, number[]>();
  for (const tp of partitions) {
    let l = map.get(tp.topic);
    if (l === undefined) map.set(tp.topic, (l = []));
    l.push(tp.partition);
  }
  return [...map].map(([topic, ps]) => ({ topic, partitions: ps }));
}

function readVersion(r: Reader, what: string): number {
  if (r.remaining < 2) throw new DecodeError(`${what}: ${r.remaining} bytes, too short for a version`, 0);
  const version = r.int16();
  if (version < 0) throw new DecodeError(`${what}: unsupported version ${version}`, 0);
  return Math.min(version, HIGHEST_KNOWN_VERSION);
}

export function encodeSubscription(s: Subscription, version = SUBSCRIPTION_VERSION): Buffer {
  return withVersion(
    version,
    encodeConsumerProtocolSubscription(
      {
        topics: [...s.topics],
        userData: s.userData,
        ownedPartitions: version >= 1 ? byTopic(s.ownedPartitions) : [],
        generationId: version >= 2 ? s.generationId : -1,
        rackId: version >= 3 ? s.rackId : null,
      },
      version,
    ),
  );
}

/** Throws DecodeError for bytes that are not a subscription. */
export function decodeSubscription(buf: Buffer): DecodedSubscription {
  const r = new Reader(buf);
  const written = buf.length >= 2 ? buf.readInt16BE(0) : -1;
  const version = readVersion(r, 'consumer protocol subscription');
  const m = readConsumerProtocolSubscription(r, version);
  return {
    version: written,
    topics: m.topics,
    userData: m.userData,
    ownedPartitions: m.ownedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))),
    generationId: m.generationId,
    rackId: m.rackId,
  };
}

export function encodeAssignment(a: Assignment, version = SUBSCRIPTION_VERSION): Buffer {
  const v = Math.max(0, Math.min(version, HIGHEST_KNOWN_VERSION));
  return withVersion(v, encodeConsumerProtocolAssignment({ assignedPartitions: byTopic(a.partitions), userData: a.userData }, v));
}

/**
 * An empty buffer is an empty assignment (what a coordinator sends a member the leader gave
 * nothing to). Throws DecodeError for bytes that are not an assignment.
 */
export function decodeAssignment(buf: Buffer): Assignment {
  if (buf.length === 0) return { partitions: [], userData: null };
  const r = new Reader(buf);
  const version = readVersion(r, 'consumer protocol assignment');
  const m = readConsumerProtocolAssignment(r, version);
  return {
    partitions: m.assignedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))),
    userData: m.userData,
  };
}

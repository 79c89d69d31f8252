/**
 * Records of the __consumer_offsets topic, in Kafka's format so that Kafka's own tools could read
 * the log: the key is an int16 record type (0 or 1: a committed offset, 2: a group's metadata)
 * followed by that key struct; the value is an int16 version followed by the value struct; a
 * null value (tombstone) deletes the key when the topic is compacted.
 */
import { encodeOffsetCommitKey, decodeOffsetCommitKey } from '../../protocol/generated/group-coordinator/OffsetCommitKey.js';
import { encodeOffsetCommitValue, decodeOffsetCommitValue, type OffsetCommitValue } from '../../protocol/generated/group-coordinator/OffsetCommitValue.js';
import { encodeGroupMetadataKey, decodeGroupMetadataKey } from '../../protocol/generated/group-coordinator/GroupMetadataKey.js';
import { encodeGroupMetadataValue, decodeGroupMetadataValue, type GroupMetadataValue } from '../../protocol/generated/group-coordinator/GroupMetadataValue.js';
import { DecodeError } from '../../protocol/primitives/decode-error.js';
import type { Input } from '../../protocol/primitives/types.js';

/** Key versions double as record types. */
const OFFSET_KEY_VERSION = 1;
const GROUP_KEY_VERSION = 2;
/** Kafka 4.0 writes OffsetCommitValue v3 (leader epoch, no expire timestamp) and GroupMetadataValue v3. */
const OFFSET_VALUE_VERSION = 3;
const GROUP_VALUE_VERSION = 3;

/** A record as it goes to the log. */
export interface OffsetsTopicRecord {
  key: Buffer;
  value: Buffer | null;
}

export type DecodedOffsetsRecord =
  | { kind: 'offset'; group: string; topic: string; partition: number; value: OffsetCommitValue | null }
  | { kind: 'group'; group: string; value: GroupMetadataValue | null };

function withVersion(version: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(2 + body.length);
  out.writeInt16BE(version, 0);
  body.copy(out, 2);
  return out;
}

export function offsetCommitRecord(group: string, topic: string, partition: number, value: Input<OffsetCommitValue> | null): OffsetsTopicRecord {
  return {
    key: withVersion(OFFSET_KEY_VERSION, encodeOffsetCommitKey({ group, topic, partition }, OFFSET_KEY_VERSION)),
    value: value === null ? null : withVersion(OFFSET_VALUE_VERSION, encodeOffsetCommitValue(value, OFFSET_VALUE_VERSION)),
  };
}

export function groupMetadataRecord(group: string, value: Input<GroupMetadataValue> | null): OffsetsTopicRecord {
  return {
    key: withVersion(GROUP_KEY_VERSION, encodeGroupMetadataKey({ group }, GROUP_KEY_VERSION)),
    value: value === null ? null : withVersion(GROUP_VALUE_VERSION, encodeGroupMetadataValue(value, GROUP_VALUE_VERSION)),
  };
}

/**
 * Decodes a record read back from the log. Record types this coordinator does not know (Kafka's
 * KIP-848 and share-group records, types 3 and up) give null: they are skipped, not fatal.
 */
export function decodeOffsetsRecord(key: Buffer | null, value: Buffer | null): DecodedOffsetsRecord | null {
  if (key === null || key.length < 2) throw new DecodeError('__consumer_offsets record without a key', 0);
  const keyVersion = key.readInt16BE(0);
  const keyBody = key.subarray(2);
  const valueVersion = value === null ? -1 : value.length < 2 ? -2 : value.readInt16BE(0);
  if (valueVersion === -2) throw new DecodeError('__consumer_offsets value shorter than its version', 0);
  const valueBody = value?.subarray(2);
  if (keyVersion === 0 || keyVersion === 1) {
    const k = decodeOffsetCommitKey(keyBody, keyVersion);
    return { kind: 'offset', group: k.group, topic: k.topic, partition: k.partition, value: valueBody === undefined ? null : decodeOffsetCommitValue(valueBody, valueVersion) };
  }
  if (keyVersion === GROUP_KEY_VERSION) {
    const k = decodeGroupMetadataKey(keyBody, keyVersion);
    return { kind: 'group', group: k.group, value: valueBody === undefined ? null : decodeGroupMetadataValue(valueBody, valueVersion) };
  }
  return null;
}

/** The __consumer_offsets partition of a group: Kafka's abs(groupId.hashCode()) % partitions. */
export function partitionForGroup(groupId: string, partitions: number): number {
  let hash = 0;
  // Java's String.hashCode over UTF-16 code units, in int32 arithmetic.
  for (let i = 0; i < groupId.length; i++) hash = (Math.imul(hash, 31) + groupId.charCodeAt(i)) | 0;
  // Kafka's Utils.abs maps Integer.MIN_VALUE to 0 by masking the sign bit.
  return (hash & 0x7fffffff) % partitions;
}

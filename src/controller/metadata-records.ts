/**
 * Metadata records as they are stored in __cluster_metadata: each record's value is Kafka's
 * ApiMessageAndVersion framing — an unsigned varint frame version (1), the record type (its
 * apiKey) and the record version as unsigned varints, then the record itself. Keys are null.
 */
import { METADATA_RECORD_DEFINITIONS } from '../protocol/generated/registry.js';
import type { MetadataRecordDefinition } from '../protocol/registry-types.js';
import { Reader } from '../protocol/primitives/reader.js';
import { Writer } from '../protocol/primitives/writer.js';
import { DecodeError } from '../protocol/primitives/decode-error.js';
import { sizeOfUnsignedVarint } from '../protocol/primitives/varint.js';
import type { TopicRecord } from '../protocol/generated/metadata/TopicRecord.js';
import type { PartitionRecord } from '../protocol/generated/metadata/PartitionRecord.js';
import type { PartitionChangeRecord } from '../protocol/generated/metadata/PartitionChangeRecord.js';
import type { ConfigRecord } from '../protocol/generated/metadata/ConfigRecord.js';
import type { RemoveTopicRecord } from '../protocol/generated/metadata/RemoveTopicRecord.js';
import type { RegisterBrokerRecord } from '../protocol/generated/metadata/RegisterBrokerRecord.js';
import type { FeatureLevelRecord } from '../protocol/generated/metadata/FeatureLevelRecord.js';
import type { Input } from '../protocol/primitives/types.js';

const FRAME_VERSION = 1;

export const MetadataRecordType = {
  RegisterBroker: 0,
  Topic: 2,
  Partition: 3,
  Config: 4,
  PartitionChange: 5,
  RemoveTopic: 9,
  FeatureLevel: 12,
  NoOp: 20,
} as const;

/** A typed metadata record, as the image replays it. */
export type MetadataRecord =
  | { type: typeof MetadataRecordType.RegisterBroker; version: number; data: RegisterBrokerRecord }
  | { type: typeof MetadataRecordType.Topic; version: number; data: TopicRecord }
  | { type: typeof MetadataRecordType.Partition; version: number; data: PartitionRecord }
  | { type: typeof MetadataRecordType.Config; version: number; data: ConfigRecord }
  | { type: typeof MetadataRecordType.PartitionChange; version: number; data: PartitionChangeRecord }
  | { type: typeof MetadataRecordType.RemoveTopic; version: number; data: RemoveTopicRecord }
  | { type: typeof MetadataRecordType.FeatureLevel; version: number; data: FeatureLevelRecord }
  | { type: number; version: number; data: unknown };

const byType = new Map<number, MetadataRecordDefinition>(METADATA_RECORD_DEFINITIONS.map((d) => [d.type, d]));

export function metadataRecordDefinition(type: number): MetadataRecordDefinition | undefined {
  return byType.get(type);
}

/** A record to write: its type, version and (partial) data. */
export interface NewMetadataRecord {
  type: number;
  version: number;
  data: Input<unknown>;
}

export function encodeMetadataRecord(record: NewMetadataRecord): Buffer {
  const def = byType.get(record.type);
  if (def === undefined) throw new Error(`unknown metadata record type ${record.type}`);
  const body = def.codec.size(record.data, record.version);
  const w = new Writer(Buffer.allocUnsafe(sizeOfUnsignedVarint(FRAME_VERSION) + sizeOfUnsignedVarint(record.type) + sizeOfUnsignedVarint(record.version) + body));
  w.unsignedVarint(FRAME_VERSION);
  w.unsignedVarint(record.type);
  w.unsignedVarint(record.version);
  def.codec.write(w, record.data, record.version);
  return w.finish();
}

export function decodeMetadataRecord(bytes: Buffer): MetadataRecord {
  const r = new Reader(bytes);
  const frame = r.unsignedVarint();
  if (frame !== FRAME_VERSION) throw new DecodeError(`unknown metadata frame version ${frame}`, 0);
  const type = r.unsignedVarint();
  const version = r.unsignedVarint();
  const def = byType.get(type);
  if (def === undefined) throw new DecodeError(`unknown metadata record type ${type}`, 1);
  if (version < def.minVersion || version > def.maxVersion) throw new DecodeError(`${def.name} has no version ${version}`, 2);
  const data = def.codec.read(r, version);
  if (r.remaining !== 0) r.fail(`${r.remaining} bytes left after ${def.name}`);
  return { type, version, data } as MetadataRecord;
}

/** Shapes of the generated registry (src/protocol/generated/registry.ts). */
import type { Reader } from './primitives/reader.js';
import type { Writer } from './primitives/writer.js';
import type { MessageSchema } from './primitives/schema.js';
import type { Input } from './primitives/types.js';

/** The codec of one generated message, usable without knowing its type statically. */
export interface MessageCodec<T = unknown> {
  name: string;
  schema: MessageSchema;
  size(m: Input<T>, version: number): number;
  write(w: Writer, m: Input<T>, version: number): void;
  read(r: Reader, version: number): T;
  encode(m: Input<T>, version: number): Buffer;
  decode(buf: Buffer, version: number): T;
}

export interface ApiDefinition {
  apiKey: number;
  /** Kafka's API name without the Request suffix: Produce, Fetch, ApiVersions, ... */
  name: string;
  minVersion: number;
  maxVersion: number;
  /** First flexible version, or -1 when the API has none. */
  flexibleMinVersion: number;
  deprecatedVersions: readonly [number, number] | null;
  /** The highest version is still being designed in Kafka 4.0 and is not advertised by default. */
  latestVersionUnstable: boolean;
  /** Which Kafka listeners serve it: broker, controller, zkBroker. */
  listeners: readonly string[];
  request: MessageCodec<any>;
  response: MessageCodec<any>;
}

export interface MetadataRecordDefinition {
  type: number;
  name: string;
  minVersion: number;
  maxVersion: number;
  codec: MessageCodec<any>;
}

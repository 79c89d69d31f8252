/** Kafka's wire protocol: generated message codecs, frames, headers, error codes, record batches. */
export * from './generated/index.js';
export * from './apis.js';
export * from './frames.js';
export * from './errors.js';
export * from './registry-types.js';
export { Reader } from './primitives/reader.js';
export { Writer } from './primitives/writer.js';
export { DecodeError } from './primitives/decode-error.js';
export { EncodeError, ZERO_UUID, type Input, type RawTaggedField, type Uuid } from './primitives/types.js';
export type { MessageSchema, StructSchema, FieldSchema, TypeSchema } from './primitives/schema.js';
export * as records from './records/index.js';

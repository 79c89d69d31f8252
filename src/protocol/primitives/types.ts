/** Shared value types of the generated protocol codecs. */

/**
 * A Kafka UUID as its base64url form without padding (22 characters), the form Kafka's tools
 * print (e.g. topic ids). The wire form is 16 bytes.
 */
export type Uuid = string;

/** Kafka's all-zero UUID ("no id"), as used for topics without ids. */
export const ZERO_UUID: Uuid = 'AAAAAAAAAAAAAAAAAAAAAA';

/** A tagged field that this version of the codec does not know, kept as raw bytes to round-trip. */
export interface RawTaggedField {
  tag: number;
  data: Buffer;
}

type Leaf = string | number | bigint | boolean | Buffer | RawTaggedField | null | undefined;

/**
 * What an encoder accepts: any field may be left out, and then takes its default (Kafka's
 * generated classes start every field at its default too). Decoders return the full type.
 */
export type Input<T> = T extends Leaf
  ? T
  : T extends readonly (infer E)[]
    ? readonly Input<E>[]
    : { [K in keyof T]?: Input<T[K]> };

/** Thrown by an encoder for a message it cannot express (a bug in the caller, not bad input). */
export class EncodeError extends Error {
  override readonly name = 'EncodeError';
}

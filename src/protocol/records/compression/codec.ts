/**
 * The interface every compression codec module implements. Codecs are synchronous: record batches
 * are at most a few MiB and the native libraries are fast; the broker only decompresses when it
 * must (DESIGN §2), clients do it per fetched batch.
 *
 * Contract for decompress: the output is never larger than `maxBytes` (a decompression bomb is a
 * DecodeError, and no more than `maxBytes` is ever allocated for the output); malformed input of
 * any kind is a DecodeError, never another exception type (native errors are wrapped).
 */
import { DecodeError } from '../../primitives/decode-error.js';

export interface CompressionCodec {
  /** Codec id as stored in batch attributes bits 0-2. */
  readonly id: number;
  readonly name: string;
  /** Compresses `input` into a new buffer. `level` is codec-specific; undefined = Kafka's default. */
  compress(input: Uint8Array, level?: number): Buffer;
  /** Decompresses `input`; throws DecodeError if it is malformed or inflates beyond `maxBytes`. */
  decompress(input: Uint8Array, maxBytes: number): Buffer;
}

/** Largest Buffer Node can allocate. */
export const MAX_BUFFER_BYTES = 2 ** 31 - 1;

export function checkMaxBytes(maxBytes: number): void {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0 || maxBytes > MAX_BUFFER_BYTES) {
    throw new RangeError(`maxBytes must be an integer in [0, ${MAX_BUFFER_BYTES}], got ${maxBytes}`);
  }
}

export function tooLarge(codec: string, maxBytes: number): DecodeError {
  return new DecodeError(`${codec}: uncompressed size exceeds the limit of ${maxBytes} bytes`, 0);
}

/** Turns whatever a native library threw into a DecodeError (DecodeErrors pass through). */
export function wrapNativeError(codec: string, err: unknown): DecodeError {
  if (err instanceof DecodeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new DecodeError(`${codec}: malformed compressed data: ${message}`, 0);
}

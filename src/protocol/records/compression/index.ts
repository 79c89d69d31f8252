/**
 * Codec registry: the codec module for each compression id of a v2 batch (attributes bits 0-2).
 * NONE (0) has no codec; ids 5-7 are invalid.
 */
import { DecodeError } from '../../primitives/decode-error.js';
import type { CompressionCodec } from './codec.js';
import { gzipCodec } from './gzip.js';
import { lz4Codec } from './lz4.js';
import { snappyCodec } from './snappy.js';
import { zstdCodec } from './zstd.js';

export type { CompressionCodec } from './codec.js';
export { gzipCodec, GZIP_DEFAULT_LEVEL } from './gzip.js';
export { snappyCodec, snappyRawCodec, snappyCompressRaw, snappyCompressXerial, isXerialFramed } from './snappy.js';
export { lz4Codec, lz4Decompress } from './lz4.js';
export { zstdCodec, zstdCompress, zstdCompressStreaming, zstdDecompress, ZSTD_DEFAULT_LEVEL } from './zstd.js';
export { xxhash32 } from './xxhash32.js';

const codecs: readonly (CompressionCodec | undefined)[] = [undefined, gzipCodec, snappyCodec, lz4Codec, zstdCodec];

/** The codec for `id` (1-4); throws DecodeError for NONE and for ids that are not codecs. */
export function codecFor(id: number): CompressionCodec {
  const codec = codecs[id];
  if (codec === undefined) throw new DecodeError(`no compression codec with id ${id}`, 0);
  return codec;
}

export function compress(id: number, input: Uint8Array, level?: number): Buffer {
  return codecFor(id).compress(input, level);
}

export function decompress(id: number, input: Uint8Array, maxBytes: number): Buffer {
  return codecFor(id).decompress(input, maxBytes);
}

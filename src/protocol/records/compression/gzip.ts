/**
 * gzip (codec 1) through node:zlib: RFC 1952 members, as Java's GZIPOutputStream writes them;
 * concatenated members decode like Java's GZIPInputStream does. The output limit is zlib's own
 * maxOutputLength, so an over-long stream stops inflating as soon as it passes the limit.
 */
import { constants, gunzipSync, gzipSync } from 'node:zlib';
import { DecodeError } from '../../primitives/decode-error.js';
import { checkMaxBytes, tooLarge, wrapNativeError, type CompressionCodec } from './codec.js';

/** Kafka's compression.gzip.level default (Deflater.DEFAULT_COMPRESSION, i.e. 6). */
export const GZIP_DEFAULT_LEVEL = constants.Z_DEFAULT_COMPRESSION;

const CHUNK_BYTES = 64 * 1024;

export const gzipCodec: CompressionCodec = {
  id: 1,
  name: 'gzip',

  compress(input: Uint8Array, level: number = GZIP_DEFAULT_LEVEL): Buffer {
    return gzipSync(input, { level, chunkSize: CHUNK_BYTES });
  },

  decompress(input: Uint8Array, maxBytes: number): Buffer {
    checkMaxBytes(maxBytes);
    if (input.length === 0) throw new DecodeError('gzip: empty input', 0);
    let out: Buffer;
    try {
      out = gunzipSync(input, { maxOutputLength: Math.max(1, maxBytes), chunkSize: CHUNK_BYTES });
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge('gzip', maxBytes);
      throw wrapNativeError('gzip', err);
    }
    if (out.length > maxBytes) throw tooLarge('gzip', maxBytes);
    return out;
  },
};

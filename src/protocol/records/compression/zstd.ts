/**
 * zstd (codec 4, KIP-110; produce v7+) through zstd-napi's thin native binding.
 *
 * Decompression handles both kinds of frame Kafka clients send:
 *  - frames that declare their content size (one-shot compressors, including ours): the sizes of
 *    all frames are summed and checked against the limit, then one exact output buffer is
 *    allocated and decoded into in one native call;
 *  - frames without a content size (streaming compressors: Java's zstd-jni ZstdOutputStream,
 *    librdkafka): streaming decompression into a buffer that grows geometrically up to the limit,
 *    and a DecodeError as soon as the output would pass it.
 * The decoder's window is capped (windowLogMax, see windowLogFor) so a frame cannot make zstd
 * itself allocate a huge window for a small batch.
 */
import { createRequire } from 'node:module';
import type * as ZstdBinding from 'zstd-napi/binding.js';
import { DecodeError } from '../../primitives/decode-error.js';
import { checkMaxBytes, tooLarge, wrapNativeError, type CompressionCodec } from './codec.js';

const require = createRequire(import.meta.url);
const binding = require('zstd-napi/binding') as typeof ZstdBinding;

/** Kafka's compression.zstd.level default. */
export const ZSTD_DEFAULT_LEVEL = 3;
/** Smallest window cap: 8 MiB (windowLog 23) covers every standard level up to 19. */
const MIN_WINDOW_LOG = 23;
/** zstd's own default cap (ZSTD_WINDOWLOG_LIMIT_DEFAULT). */
const MAX_WINDOW_LOG = 27;
const MIN_STREAM_CHUNK_BYTES = 128 * 1024;

let cctx: ZstdBinding.CCtx | undefined;
let dctx: ZstdBinding.DCtx | undefined;
let dctxWindowLog = -1;

function decoder(maxBytes: number): ZstdBinding.DCtx {
  dctx ??= new binding.DCtx();
  const windowLog = windowLogFor(maxBytes);
  if (windowLog !== dctxWindowLog) {
    dctx.setParameter(binding.DParameter.windowLogMax, windowLog);
    dctxWindowLog = windowLog;
  }
  return dctx;
}

/** A window larger than the whole output is never needed; but keep standard levels working. */
export function windowLogFor(maxBytes: number): number {
  const needed = Math.ceil(Math.log2(Math.max(1, maxBytes)));
  return Math.min(MAX_WINDOW_LOG, Math.max(MIN_WINDOW_LOG, needed));
}

/** Sum of the declared content sizes of all frames, or null if a frame does not declare one. */
function declaredContentSize(input: Uint8Array, maxBytes: number): number | null {
  let total = 0;
  let pos = 0;
  while (pos < input.length) {
    const frame = input.subarray(pos);
    const size = binding.getFrameContentSize(frame);
    if (size === null) return null;
    total += size;
    if (total > maxBytes) throw tooLarge('zstd', maxBytes);
    const frameBytes = binding.findFrameCompressedSize(frame);
    if (!(frameBytes > 0)) throw new DecodeError('zstd: empty frame', pos);
    pos += frameBytes;
  }
  return total;
}

function decompressStreaming(ctx: ZstdBinding.DCtx, input: Uint8Array, maxBytes: number): Buffer {
  // One byte more than the limit tells "exactly at the limit" from "past it".
  const capacityLimit = maxBytes + 1;
  let out = Buffer.allocUnsafe(Math.min(capacityLimit, Math.max(MIN_STREAM_CHUNK_BYTES, input.length * 4)));
  let outPos = 0;
  let inPos = 0;
  let frameDone = false;
  for (;;) {
    if (outPos === out.length) {
      if (out.length >= capacityLimit) throw tooLarge('zstd', maxBytes);
      const grown = Buffer.allocUnsafe(Math.min(capacityLimit, out.length * 2));
      out.copy(grown, 0, 0, outPos);
      out = grown;
    }
    const [hint, produced, consumed] = ctx.decompressStream(out.subarray(outPos), input.subarray(inPos));
    outPos += produced;
    inPos += consumed;
    frameDone = hint === 0;
    if (frameDone && inPos === input.length) break;
    if (produced === 0 && consumed === 0 && outPos < out.length) {
      throw new DecodeError('zstd: truncated frame', inPos);
    }
  }
  if (outPos > maxBytes) throw tooLarge('zstd', maxBytes);
  return out.subarray(0, outPos);
}

export function zstdDecompress(input: Uint8Array, maxBytes: number): Buffer {
  checkMaxBytes(maxBytes);
  if (input.length === 0) throw new DecodeError('zstd: empty input', 0);
  const ctx = decoder(maxBytes);
  try {
    const size = declaredContentSize(input, maxBytes);
    if (size === null) return decompressStreaming(ctx, input, maxBytes);
    const out = Buffer.allocUnsafe(size);
    const written = ctx.decompress(out, input);
    if (written !== size) throw new DecodeError(`zstd: inflated to ${written} bytes, the frames declare ${size}`, 0);
    return out;
  } catch (err) {
    ctx.reset(binding.ResetDirective.sessionOnly);
    throw err instanceof DecodeError ? err : wrapNativeError('zstd', err);
  }
}

export function zstdCompress(input: Uint8Array, level: number = ZSTD_DEFAULT_LEVEL): Buffer {
  cctx ??= new binding.CCtx();
  const out = Buffer.allocUnsafe(binding.compressBound(input.length));
  const written = cctx.compress(out, input, level);
  // Do not keep a mostly empty worst-case buffer alive behind a small view.
  return written < out.length / 2 ? Buffer.from(out.subarray(0, written)) : out.subarray(0, written);
}

/**
 * A zstd frame without a content size, as streaming compressors write it (for tests and for
 * interop checks; the builder uses the one-shot form).
 */
export function zstdCompressStreaming(input: Uint8Array, level: number = ZSTD_DEFAULT_LEVEL): Buffer {
  const ctx = new binding.CCtx();
  ctx.setParameter(binding.CParameter.compressionLevel, level);
  const chunks: Buffer[] = [];
  const chunkBytes = binding.cStreamOutSize();
  // Feed everything with "continue" first: only an "end" on the very first call would let zstd
  // pledge the size, and then the header would carry it.
  let inPos = 0;
  while (inPos < input.length) {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    const [, produced, consumed] = ctx.compressStream2(chunk, input.subarray(inPos), binding.EndDirective.continue);
    inPos += consumed;
    if (produced > 0) chunks.push(chunk.subarray(0, produced));
  }
  for (;;) {
    const chunk = Buffer.allocUnsafe(chunkBytes);
    const [remaining, produced] = ctx.compressStream2(chunk, Buffer.alloc(0), binding.EndDirective.end);
    if (produced > 0) chunks.push(chunk.subarray(0, produced));
    if (remaining === 0) break;
  }
  return Buffer.concat(chunks);
}

export const zstdCodec: CompressionCodec = {
  id: 4,
  name: 'zstd',
  compress: zstdCompress,
  decompress: zstdDecompress,
};

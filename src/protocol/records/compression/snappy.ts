/**
 * snappy (codec 2), in both forms Kafka clients send:
 *
 *  - raw snappy (one block: uncompressed-length varint preamble, then the compressed stream), as
 *    librdkafka, franz-go and KafkaJS write it;
 *  - xerial framing, as Java's snappy-java SnappyOutputStream writes it: the 8-byte magic
 *    0x82 'S' 'N' 'A' 'P' 'P' 'Y' 0x00, int32 version and int32 compatible version (both 1), then
 *    blocks of [int32 big-endian compressed length][raw snappy block].
 *
 * Decompression tells them apart by the magic (as snappy-java's SnappyInputStream and librdkafka
 * do). Every block's preamble is checked against the limit before the native decoder allocates.
 * Compression writes the xerial form by default (what the Java producer and Kafka's own broker
 * write; every client decodes it); `snappyRawCodec` writes raw snappy.
 */
import { compressSync, uncompressSync } from 'snappy';
import { DecodeError } from '../../primitives/decode-error.js';
import { readUnsignedVarint } from '../../primitives/varint.js';
import { checkMaxBytes, tooLarge, wrapNativeError, type CompressionCodec } from './codec.js';

export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
export const XERIAL_HEADER_SIZE = 16;
const XERIAL_VERSION = 1;
const XERIAL_COMPATIBLE_VERSION = 1;
/** snappy-java's default block size. */
export const XERIAL_BLOCK_SIZE = 32 * 1024;

/** V8-owned output buffers instead of napi external ones (see rawUncompress). */
const COPY_OUTPUT = { copyOutputData: true };

export function isXerialFramed(input: Uint8Array): boolean {
  if (input.length < XERIAL_MAGIC.length) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (input[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

function rawUncompress(block: Uint8Array, expectedBytes: number): Buffer {
  let out: Buffer;
  try {
    // copyOutputData: a V8-owned result. The default (a napi external buffer) drives V8 into
    // full GCs through its external-memory accounting: ~7x slower with a large live heap.
    out = uncompressSync(block, { asBuffer: true, copyOutputData: true }) as Buffer;
  } catch (err) {
    throw wrapNativeError('snappy', err);
  }
  if (out.length !== expectedBytes) {
    throw new DecodeError(`snappy: block inflated to ${out.length} bytes, its preamble says ${expectedBytes}`, 0);
  }
  return out;
}

/** Raw snappy: one block, preamble checked against the limit first. */
function decompressRaw(input: Uint8Array, maxBytes: number): Buffer {
  if (input.length === 0) throw new DecodeError('snappy: empty input', 0);
  const preamble = readUnsignedVarint(input, 0, input.length).value;
  if (preamble > maxBytes) throw tooLarge('snappy', maxBytes);
  return rawUncompress(input, preamble);
}

function decompressXerial(input: Uint8Array, maxBytes: number): Buffer {
  if (input.length < XERIAL_HEADER_SIZE) throw new DecodeError('snappy: truncated xerial header', input.length);
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength);
  // Pass 1: walk the blocks, check bounds and sum the preambles (at most one entry per 5 input
  // bytes, so the bookkeeping is bounded by the input).
  const starts: number[] = [];
  const ends: number[] = [];
  const sizes: number[] = [];
  let total = 0;
  let pos = XERIAL_HEADER_SIZE;
  while (pos < input.length) {
    if (input.length - pos < 4) throw new DecodeError('snappy: truncated xerial block length', pos);
    const length = view.getInt32(pos);
    pos += 4;
    if (length <= 0 || length > input.length - pos) {
      throw new DecodeError(`snappy: xerial block length ${length} out of bounds`, pos - 4);
    }
    const size = readUnsignedVarint(input, pos, pos + length).value;
    total += size;
    if (total > maxBytes) throw tooLarge('snappy', maxBytes);
    starts.push(pos);
    ends.push(pos + length);
    sizes.push(size);
    pos += length;
  }
  if (starts.length === 1) return rawUncompress(input.subarray(starts[0], ends[0]), sizes[0]!);
  // Pass 2: one output allocation of the exact total; the native decoder returns a buffer per
  // block, copied into place.
  const out = Buffer.allocUnsafe(total);
  let outPos = 0;
  for (let i = 0; i < starts.length; i++) {
    const block = rawUncompress(input.subarray(starts[i], ends[i]), sizes[i]!);
    block.copy(out, outPos);
    outPos += block.length;
  }
  return out;
}

function decompress(input: Uint8Array, maxBytes: number): Buffer {
  checkMaxBytes(maxBytes);
  return isXerialFramed(input) ? decompressXerial(input, maxBytes) : decompressRaw(input, maxBytes);
}

/** Raw snappy, one block. */
export function snappyCompressRaw(input: Uint8Array): Buffer {
  return compressSync(input, COPY_OUTPUT);
}

/** xerial-framed snappy with `blockSize`-byte blocks (snappy-java's framing). */
export function snappyCompressXerial(input: Uint8Array, blockSize: number = XERIAL_BLOCK_SIZE): Buffer {
  if (!Number.isInteger(blockSize) || blockSize < 1) throw new RangeError(`blockSize: ${blockSize}`);
  const blocks: Buffer[] = [];
  let total = XERIAL_HEADER_SIZE;
  for (let pos = 0; pos < input.length; pos += blockSize) {
    const block = compressSync(input.subarray(pos, Math.min(input.length, pos + blockSize)), COPY_OUTPUT);
    blocks.push(block);
    total += 4 + block.length;
  }
  const out = Buffer.allocUnsafe(total);
  XERIAL_MAGIC.copy(out, 0);
  out.writeInt32BE(XERIAL_VERSION, 8);
  out.writeInt32BE(XERIAL_COMPATIBLE_VERSION, 12);
  let pos = XERIAL_HEADER_SIZE;
  for (const block of blocks) {
    out.writeInt32BE(block.length, pos);
    block.copy(out, pos + 4);
    pos += 4 + block.length;
  }
  return out;
}

/** Writes xerial framing (Java's form); reads both forms. `level` is ignored (snappy has none). */
export const snappyCodec: CompressionCodec = {
  id: 2,
  name: 'snappy',
  compress: (input: Uint8Array) => snappyCompressXerial(input),
  decompress,
};

/** Writes raw snappy (librdkafka's form); reads both forms. */
export const snappyRawCodec: CompressionCodec = {
  id: 2,
  name: 'snappy',
  compress: (input: Uint8Array) => snappyCompressRaw(input),
  decompress,
};

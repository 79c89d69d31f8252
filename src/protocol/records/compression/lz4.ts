/**
 * lz4 (codec 3): the standard LZ4 frame format (magic 0x184D2204), which Kafka uses for v2 batches
 * since KIP-57 fixed the header checksum (the HC byte is xxHash32 of the frame descriptor only).
 * Java's KafkaLZ4BlockOutputStream writes 64 KiB independent blocks without checksums; librdkafka
 * writes LZ4F frames with independent blocks; lz4-napi (lz4_flex) writes 256 KiB independent
 * blocks without checksums and decodes all of these.
 *
 * Decompression first walks the frame structure (magic, FLG/BD, header checksum, block sizes,
 * end mark, optional content size and checksums), which bounds the output: a block inflates to at
 * most its declared maximum size, and to at most 255 bytes per compressed byte. The block decoder
 * written here then decompresses into one buffer of min(bound, limit) bytes, checks every
 * sequence against the input, the block maximum and the output, verifies block and content
 * checksums when present, and stops with a DecodeError as soon as the output would pass the
 * limit. (lz4-napi's native decoder is available as an option; see Lz4DecompressOptions for why it
 * is not the default.) Concatenated frames and skippable frames are accepted; anything else after
 * the last frame is a DecodeError. Dictionaries (DictID) are not supported by Kafka and are
 * rejected. Compression uses lz4-napi (lz4_flex).
 */
import { compressFrameSync, decompressFrameSync } from 'lz4-napi';
import { DecodeError } from '../../primitives/decode-error.js';
import { checkMaxBytes, tooLarge, wrapNativeError, type CompressionCodec } from './codec.js';
import { xxhash32 } from './xxhash32.js';

const FRAME_MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_01 = 0x40;
const FLG_BLOCK_INDEPENDENT = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_RESERVED = 0x02;
const FLG_DICT_ID = 0x01;
const BLOCK_UNCOMPRESSED_FLAG = 0x80000000;
/** LZ4 can at best turn one input byte into 255 output bytes (a run of 255 length bytes). */
const MAX_EXPANSION = 255;
const MAX_EXPANSION_SLACK = 64;

function u32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

interface FrameInfo {
  /** First byte of the frame (its magic). */
  start: number;
  /** First byte of the first block header. */
  blocksStart: number;
  /** Byte after the frame. */
  end: number;
  flags: number;
  blockMaxBytes: number;
  /** Declared content size, or -1. */
  contentSize: number;
  /** Upper bound of the frame's output. */
  boundBytes: number;
}

function blockMaxFromBd(bd: number, at: number): number {
  if ((bd & 0x8f) !== 0) throw new DecodeError('lz4: reserved BD bits set', at);
  const id = (bd >> 4) & 0x07;
  if (id < 4) throw new DecodeError(`lz4: invalid block maximum size id ${id}`, at);
  return 1 << (2 * id + 8); // 4: 64 KiB, 5: 256 KiB, 6: 1 MiB, 7: 4 MiB
}

/** Checks one frame's structure starting at `start` (its magic already read); returns its shape. */
function scanFrame(input: Uint8Array, start: number, maxBytes: number): FrameInfo {
  const n = input.length;
  let pos = start + 4;
  if (n - pos < 3) throw new DecodeError('lz4: truncated frame descriptor', pos);
  const flags = input[pos]!;
  const bd = input[pos + 1]!;
  if ((flags & FLG_VERSION_MASK) !== FLG_VERSION_01) throw new DecodeError('lz4: unsupported frame version', pos);
  if (flags & FLG_RESERVED) throw new DecodeError('lz4: reserved FLG bit set', pos);
  if (flags & FLG_DICT_ID) throw new DecodeError('lz4: dictionaries are not supported', pos);
  const blockMaxBytes = blockMaxFromBd(bd, pos + 1);
  const descriptorBytes = 2 + (flags & FLG_CONTENT_SIZE ? 8 : 0);
  if (n - pos < descriptorBytes + 1) throw new DecodeError('lz4: truncated frame descriptor', pos);
  let contentSize = -1;
  if (flags & FLG_CONTENT_SIZE) {
    const lo = u32(input, pos + 2);
    const hi = u32(input, pos + 6);
    if (hi >= 0x200000) throw tooLarge('lz4', maxBytes);
    contentSize = hi * 2 ** 32 + lo;
    if (contentSize > maxBytes) throw tooLarge('lz4', maxBytes);
  }
  const hc = (xxhash32(input, 0, pos, pos + descriptorBytes) >>> 8) & 0xff;
  if (hc !== input[pos + descriptorBytes]) throw new DecodeError('lz4: frame header checksum mismatch', pos + descriptorBytes);
  pos += descriptorBytes + 1;
  const blocksStart = pos;
  const checksumBytes = flags & FLG_BLOCK_CHECKSUM ? 4 : 0;
  let boundBytes = 0;
  for (;;) {
    if (n - pos < 4) throw new DecodeError('lz4: truncated block header', pos);
    const word = u32(input, pos);
    pos += 4;
    if (word === 0) break; // EndMark
    const size = word & ~BLOCK_UNCOMPRESSED_FLAG;
    if (size > blockMaxBytes) throw new DecodeError(`lz4: block of ${size} bytes exceeds the frame's maximum ${blockMaxBytes}`, pos - 4);
    if (n - pos < size + checksumBytes) throw new DecodeError('lz4: truncated block', pos);
    boundBytes += word & BLOCK_UNCOMPRESSED_FLAG ? size : Math.min(blockMaxBytes, size * MAX_EXPANSION + MAX_EXPANSION_SLACK);
    pos += size + checksumBytes;
  }
  if (flags & FLG_CONTENT_CHECKSUM) {
    if (n - pos < 4) throw new DecodeError('lz4: truncated content checksum', pos);
    pos += 4;
  }
  if (contentSize >= 0) {
    if (contentSize > boundBytes) throw new DecodeError(`lz4: content size ${contentSize} cannot come out of these blocks`, start);
    boundBytes = contentSize;
  }
  return { start, blocksStart, end: pos, flags, blockMaxBytes, contentSize, boundBytes };
}

const OVERFLOW = -1;

/**
 * Decodes one LZ4 block src[sp, send) into dst at dp, writing no further than dend; matches may
 * reach back to windowStart. Returns the new dp, or OVERFLOW if the output would pass dend.
 */
function decodeBlock(
  src: Uint8Array,
  sp: number,
  send: number,
  dst: Uint8Array,
  dp: number,
  dend: number,
  windowStart: number,
): number {
  for (;;) {
    if (sp >= send) throw new DecodeError('lz4: truncated sequence', sp);
    const token = src[sp++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (sp >= send) throw new DecodeError('lz4: truncated literal length', sp);
        b = src[sp++]!;
        literals += b;
      } while (b === 255);
    }
    if (literals > send - sp) throw new DecodeError('lz4: literals run past the block', sp);
    if (literals > dend - dp) return OVERFLOW;
    if (literals < 64) {
      const litEnd = sp + literals;
      while (sp < litEnd) dst[dp++] = src[sp++]!;
    } else {
      dst.set(src.subarray(sp, sp + literals), dp);
      sp += literals;
      dp += literals;
    }
    if (sp === send) return dp; // the last sequence has literals only
    if (send - sp < 2) throw new DecodeError('lz4: truncated match offset', sp);
    const offset = src[sp]! | (src[sp + 1]! << 8);
    sp += 2;
    if (offset === 0 || offset > dp - windowStart) throw new DecodeError(`lz4: match offset ${offset} out of range`, sp - 2);
    let matchLength = (token & 0x0f) + 4;
    if (matchLength === 19) {
      let b: number;
      do {
        if (sp >= send) throw new DecodeError('lz4: truncated match length', sp);
        b = src[sp++]!;
        matchLength += b;
      } while (b === 255);
    }
    if (matchLength > dend - dp) return OVERFLOW;
    let from = dp - offset;
    if (matchLength >= 64 && offset >= matchLength) {
      dst.copyWithin(dp, from, from + matchLength);
      dp += matchLength;
    } else {
      // Byte by byte: also right for overlapping matches (offset < length repeats the pattern).
      const matchEnd = dp + matchLength;
      while (dp < matchEnd) dst[dp++] = dst[from++]!;
    }
  }
}

/** Decodes a scanned frame into out at outPos (no further than out.length). Returns the new outPos. */
function decodeFrameJs(input: Uint8Array, frame: FrameInfo, out: Buffer, outPos: number, maxBytes: number): number {
  const frameOut = outPos;
  const independent = (frame.flags & FLG_BLOCK_INDEPENDENT) !== 0;
  const checksumBytes = frame.flags & FLG_BLOCK_CHECKSUM ? 4 : 0;
  let pos = frame.blocksStart;
  for (;;) {
    const word = u32(input, pos);
    pos += 4;
    if (word === 0) break;
    const size = word & ~BLOCK_UNCOMPRESSED_FLAG;
    if (checksumBytes && xxhash32(input, 0, pos, pos + size) !== u32(input, pos + size)) {
      throw new DecodeError('lz4: block checksum mismatch', pos + size);
    }
    const blockEnd = Math.min(out.length, outPos + frame.blockMaxBytes);
    let next: number;
    if (word & BLOCK_UNCOMPRESSED_FLAG) {
      next = size > blockEnd - outPos ? OVERFLOW : outPos + size;
      if (next !== OVERFLOW) out.set(input.subarray(pos, pos + size), outPos);
    } else {
      next = decodeBlock(input, pos, pos + size, out, outPos, blockEnd, independent ? outPos : frameOut);
    }
    if (next === OVERFLOW) {
      // The block wants more than its own maximum (corrupt) or more than the limit (too large).
      if (outPos + frame.blockMaxBytes <= out.length) throw new DecodeError('lz4: block inflates past its maximum size', pos);
      if (out.length < maxBytes) throw new DecodeError('lz4: frame inflates past its declared size', pos);
      throw tooLarge('lz4', maxBytes);
    }
    outPos = next;
    pos += size + checksumBytes;
  }
  if (frame.flags & FLG_CONTENT_CHECKSUM && xxhash32(out, 0, frameOut, outPos) !== u32(input, pos)) {
    throw new DecodeError('lz4: content checksum mismatch', pos);
  }
  if (frame.contentSize >= 0 && outPos - frameOut !== frame.contentSize) {
    throw new DecodeError(`lz4: frame inflated to ${outPos - frameOut} bytes, its header says ${frame.contentSize}`, frame.start);
  }
  return outPos;
}

function decompressFrameNative(input: Uint8Array, frame: FrameInfo): Buffer {
  const bytes = input.subarray(frame.start, frame.end);
  let out: Buffer;
  try {
    out = decompressFrameSync(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (err) {
    throw wrapNativeError('lz4', err);
  }
  // The bound is an upper bound of any valid decoding; assert the native side agrees.
  if (out.length > frame.boundBytes) throw new DecodeError('lz4: frame inflated past its bound', frame.start);
  return out;
}

/** Finds the frames (skipping skippable frames); throws DecodeError on anything else. */
function scanFrames(input: Uint8Array, maxBytes: number): FrameInfo[] {
  const frames: FrameInfo[] = [];
  let pos = 0;
  let boundBytes = 0;
  if (input.length === 0) throw new DecodeError('lz4: empty input', 0);
  while (pos < input.length) {
    if (input.length - pos < 4) throw new DecodeError('lz4: truncated frame magic', pos);
    const magic = u32(input, pos);
    if ((magic & SKIPPABLE_MAGIC_MASK) >>> 0 === SKIPPABLE_MAGIC) {
      if (input.length - pos < 8) throw new DecodeError('lz4: truncated skippable frame', pos);
      const size = u32(input, pos + 4);
      if (size > input.length - pos - 8) throw new DecodeError('lz4: truncated skippable frame', pos);
      pos += 8 + size;
      continue;
    }
    if (magic !== FRAME_MAGIC) throw new DecodeError(`lz4: bad frame magic 0x${magic.toString(16)}`, pos);
    const frame = scanFrame(input, pos, maxBytes);
    boundBytes += frame.boundBytes;
    if (frame.contentSize >= 0 && boundBytes > maxBytes) throw tooLarge('lz4', maxBytes);
    frames.push(frame);
    pos = frame.end;
  }
  return frames;
}

export interface Lz4DecompressOptions {
  /**
   * Use lz4-napi's native decoder when the frames' bound fits the limit (default false). It is
   * 2-3x faster in a tight loop, but returns napi external buffers whose memory accounting
   * forces full (mark-compact) GCs: with a few hundred MB of live heap it is 2x slower than the
   * decoder here. See bench/records.ts.
   */
  native?: boolean;
}

/** Decompresses LZ4 frames into at most `maxBytes` bytes. */
export function lz4Decompress(input: Uint8Array, maxBytes: number, options: Lz4DecompressOptions = {}): Buffer {
  checkMaxBytes(maxBytes);
  const frames = scanFrames(input, maxBytes);
  let boundBytes = 0;
  for (const frame of frames) boundBytes += frame.boundBytes;
  if (options.native === true && boundBytes <= maxBytes) {
    if (frames.length === 1) return decompressFrameNative(input, frames[0]!);
    return Buffer.concat(frames.map((frame) => decompressFrameNative(input, frame)));
  }
  // Decode here into one buffer of the bound, capped at the limit; stop when the output would pass it.
  const out = Buffer.allocUnsafe(Math.min(maxBytes, boundBytes));
  let outPos = 0;
  for (const frame of frames) outPos = decodeFrameJs(input, frame, out, outPos, maxBytes);
  return out.subarray(0, outPos);
}

export const lz4Codec: CompressionCodec = {
  id: 3,
  name: 'lz4',
  /** LZ4 frame, 256 KiB independent blocks, no checksums (lz4-napi's framing); `level` is ignored. */
  compress(input: Uint8Array): Buffer {
    const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    return compressFrameSync(buf);
  },
  decompress: (input: Uint8Array, maxBytes: number) => lz4Decompress(input, maxBytes),
};

/**
 * Walks the batch headers in a chunk of a `.log` file without decoding records: the pure core
 * of reads (find the batch holding an offset, cut at maxBytes or an upper bound) and recovery.
 * Only the v2 header fields the log needs are read; CRC and record checks are `validate`'s job.
 */
import {
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  RECORD_BATCH_HEADER_SIZE,
  CURRENT_MAGIC,
} from '../protocol/records/record-batch.js';

export interface BatchHeader {
  /** Byte position of the batch in the chunk's file. */
  position: number;
  /** Whole batch size, LOG_OVERHEAD included. */
  size: number;
  baseOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  /** The partition leader epoch stamped into the batch (-1 if none). */
  leaderEpoch: number;
}

/** Header bytes the scan needs from each batch (through maxTimestamp). */
export const SCAN_HEADER_BYTES = 43;

/**
 * Reads the header of the batch at `at` in `chunk` (which starts at file position `chunkPosition`).
 * Returns null when the chunk ends before the batch does (the caller reads more), or
 * 'invalid' when the header cannot be a v2 batch.
 */
export function batchHeaderAt(chunk: Buffer, at: number, chunkPosition: number): BatchHeader | null | 'invalid' {
  if (chunk.length - at < LOG_OVERHEAD) return null;
  const length = chunk.readInt32BE(at + 8);
  const size = length + LOG_OVERHEAD;
  if (size < RECORD_BATCH_HEADER_SIZE) return 'invalid';
  if (chunk.length - at < SCAN_HEADER_BYTES) return null;
  if (chunk[at + MAGIC_OFFSET] !== CURRENT_MAGIC) return 'invalid';
  const baseOffset = Number(chunk.readBigInt64BE(at));
  const lastOffsetDelta = chunk.readInt32BE(at + 23);
  if (lastOffsetDelta < 0) return 'invalid';
  return {
    position: chunkPosition + at,
    size,
    baseOffset,
    lastOffset: baseOffset + lastOffsetDelta,
    maxTimestamp: Number(chunk.readBigInt64BE(at + 35)),
    leaderEpoch: chunk.readInt32BE(at + 12),
  };
}

/** Every complete batch header in the chunk, in order, stopping at the first incomplete one. */
export function scanBatchHeaders(chunk: Buffer, chunkPosition: number): { headers: BatchHeader[]; invalidAt: number | null } {
  const headers: BatchHeader[] = [];
  let at = 0;
  for (;;) {
    const h = batchHeaderAt(chunk, at, chunkPosition);
    if (h === null) return { headers, invalidAt: null };
    if (h === 'invalid') return { headers, invalidAt: chunkPosition + at };
    if (chunk.length - at < h.size) return { headers, invalidAt: null };
    headers.push(h);
    at += h.size;
  }
}

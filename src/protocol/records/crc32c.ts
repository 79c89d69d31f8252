/**
 * CRC32C (Castagnoli), the checksum of a v2 record batch. Delegates to @node-rs/crc32, which uses
 * the CPU's CRC32 instructions (SSE4.2 / ARMv8), so validating a batch costs about as much as
 * reading it once. Kept behind this one function so the implementation can change in one place.
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/** CRC32C of `data` as an unsigned 32-bit number; `initial` continues a running checksum. */
export function crc32c(data: Uint8Array, initial = 0): number {
  return nativeCrc32c(data, initial) >>> 0;
}

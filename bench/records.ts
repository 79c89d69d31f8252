/**
 * Record batches: for each codec, a batch of ~1 MiB of records with 100-byte values (no keys, no
 * headers, JSON-like compressible text), built once, then
 *  - record iteration (decompress + decode every record), in records/s and MB/s of uncompressed
 *    record bytes;
 *  - building the same batch from the records (sizes, one allocation, compression, CRC);
 * and CRC32C validation of the uncompressed batch in GB/s. Each figure is timed with
 * process.hrtime.bigint over ~0.5 s. Never part of `npm test`.
 */
import {
  buildRecordBatch,
  CompressionType,
  compressionName,
  recordsOf,
  uncompressedRecords,
  validateRecordBatch,
  type RecordBatch,
  type RecordInput,
} from '../src/protocol/records/index.js';
import { fmt, opsPerSecond } from './timing.js';

const MIB = 1024 * 1024;
const VALUE_BYTES = 100;
const MAX_UNCOMPRESSED_BYTES = 4 * MIB;

/** Deterministic JSON-ish values: compressible like real payloads, not trivially so. */
function makeRecords(totalBytes: number): RecordInput[] {
  const words = ['"id":', '"name":', '"kafka"', '"tributary"', '"offset":', '"ts":', ',', '{', '}', ' '];
  let seed = 42;
  const rnd = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const records: RecordInput[] = [];
  // Each record: 100-byte value plus ~8 bytes of record framing.
  const count = Math.floor(totalBytes / (VALUE_BYTES + 8));
  for (let i = 0; i < count; i++) {
    const value = Buffer.alloc(VALUE_BYTES);
    let pos = 0;
    while (pos < VALUE_BYTES) {
      if (rnd() < 0.3) pos += value.write(String(Math.floor(rnd() * 1e6)), pos);
      else pos += value.write(words[Math.floor(rnd() * words.length)]!, pos);
    }
    records.push({ key: null, value, timestamp: 1_700_000_000_000 + i });
  }
  return records;
}

function validated(bytes: Buffer): RecordBatch {
  const v = validateRecordBatch(bytes);
  if (!v.ok) throw new Error(v.problem.message);
  return v.batch;
}

export async function benchRecords(): Promise<string[]> {
  const lines: string[] = [];
  const records = makeRecords(MIB);
  const codecs = [CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD];
  let uncompressedBatch: Buffer | undefined;
  lines.push(`${records.length} records of ${VALUE_BYTES}-byte values per batch`);
  for (const codec of codecs) {
    const bytes = buildRecordBatch(records, { compression: codec });
    const batch = validated(bytes);
    if (codec === CompressionType.NONE) uncompressedBatch = bytes;
    const sectionBytes = uncompressedRecords(batch, { maxUncompressedBytes: MAX_UNCOMPRESSED_BYTES }).length;
    let sink = 0;
    const iterate = opsPerSecond(() => {
      for (const r of recordsOf(batch, { maxUncompressedBytes: MAX_UNCOMPRESSED_BYTES })) sink += r.offsetDelta;
    });
    const build = opsPerSecond(() => {
      sink += buildRecordBatch(records, { compression: codec }).length;
    });
    if (sink === -1) lines.push('unreachable');
    const name = compressionName(codec).padEnd(6);
    lines.push(
      `${name} batch ${fmt(bytes.length / 1024, 0).padStart(5)} KiB (${fmt((100 * bytes.length) / (sectionBytes + 61), 0)}%)  ` +
        `iterate ${fmt((iterate * records.length) / 1e6, 2)} M records/s, ${fmt((iterate * sectionBytes) / 1e6, 0)} MB/s  ` +
        `build ${fmt((build * sectionBytes) / 1e6, 0)} MB/s`,
    );
  }
  if (uncompressedBatch !== undefined) {
    const batch = validated(uncompressedBatch);
    let ok = true;
    const crc = opsPerSecond(() => {
      ok = ok && batch.isCrcValid();
    });
    const validate = opsPerSecond(() => {
      ok = ok && validateRecordBatch(uncompressedBatch!).ok;
    });
    if (!ok) throw new Error('CRC check failed');
    lines.push(`CRC32C over a ${fmt(uncompressedBatch.length / MIB, 2)} MiB batch: ${fmt((crc * uncompressedBatch.length) / 1e9, 1)} GB/s`);
    lines.push(`validateRecordBatch (sizes + CRC32C): ${fmt((validate * uncompressedBatch.length) / 1e9, 1)} GB/s`);
  }
  return lines;
}

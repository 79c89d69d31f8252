/**
 * Storage engine throughput on the real disk: appends of 1 KiB records in batches of 64 KiB to
 * 1 MiB, to 1 and 16 partitions, acknowledged after group-commit fsync and with flushing off,
 * each as a ratio to a plain write (+ fdatasync) loop of the same sizes run in this process, in
 * this run. Then reads of the whole log from the page cache.
 */
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogManager } from '../src/storage/log-manager.js';
import { NodeFileSystem } from '../src/storage/real-fs.js';
import { DEFAULT_LOG_SETTINGS, type LogSettings } from '../src/storage/log-settings.js';
import { buildRecordBatch } from '../src/protocol/records/builder.js';
import { RecordBatch } from '../src/protocol/records/record-batch.js';
import { fmt } from './timing.js';

const RECORD_BYTES = 1024;
/** Bytes appended per case. */
const TOTAL_BYTES = 64 * 1024 * 1024;

/** A template batch of `batchBytes` of 1 KiB records; each append gets a copy (offsets are written in place). */
function template(batchBytes: number): Buffer {
  const count = Math.max(1, Math.floor(batchBytes / (RECORD_BYTES + 16)));
  const value = Buffer.alloc(RECORD_BYTES, 'x');
  // Current timestamps: segment.ms counts from the first batch's timestamp, so old ones would roll every append.
  const now = Date.now();
  return buildRecordBatch(Array.from({ length: count }, (_, i) => ({ key: null, value, timestamp: now + i })));
}

/**
 * The baseline: write `size`-byte chunks sequentially to `files` fresh files, fdatasync after each
 * when `sync`; returns MB/s (10^6 bytes). Also the disk baseline of the broker benchmark.
 */
export async function plainWriteLoop(dir: string, size: number, sync: boolean, files: number, totalBytes = TOTAL_BYTES): Promise<number> {
  const chunk = Buffer.alloc(size, 'y');
  const handles = await Promise.all(Array.from({ length: files }, (_, i) => open(join(dir, `plain-${size}-${i}`), 'w')));
  const perFile = Math.floor(totalBytes / size / files);
  const start = process.hrtime.bigint();
  await Promise.all(
    handles.map(async (h) => {
      let pos = 0;
      for (let i = 0; i < perFile; i++) {
        await h.write(chunk, 0, size, pos);
        pos += size;
        if (sync) await h.datasync();
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  for (const h of handles) await h.close();
  return (perFile * files * size) / seconds / 1e6;
}

async function appendCase(dir: string, batchBytes: number, partitions: number, settings: LogSettings, inFlight: number): Promise<{ mbps: number; syncsPerAppend: number }> {
  const mgr = await LogManager.start({
    fs: new NodeFileSystem(),
    logDirs: [dir],
    nodeId: 1,
    clusterId: 'bench',
    defaultSettings: settings,
    nowMs: Date.now,
  });
  const logs = await Promise.all(Array.from({ length: partitions }, (_, p) => mgr.getOrCreateLog('bench', p)));
  const bytes = template(batchBytes);
  const perPartition = Math.floor(TOTAL_BYTES / bytes.length / partitions);
  const syncsBefore = mgr.flusher.stats.syncs;
  const start = process.hrtime.bigint();
  await Promise.all(
    logs.map(async (log) => {
      // Each partition keeps `inFlight` appends outstanding, like a producer with that many requests in flight.
      let next = 0;
      const worker = async (): Promise<void> => {
        // Each worker reuses one copy (offsets are written into it in place), as a broker reuses
        // the request buffer it read from the socket.
        const own = Buffer.from(bytes);
        while (next < perPartition) {
          next++;
          const r = await log.append([new RecordBatch(own)], { leaderEpoch: 0, nowMs: Date.now() });
          await r.durable;
        }
      };
      await Promise.all(Array.from({ length: inFlight }, worker));
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const appends = perPartition * partitions;
  const syncs = mgr.flusher.stats.syncs - syncsBefore;
  await mgr.shutdown();
  return { mbps: (appends * bytes.length) / seconds / 1e6, syncsPerAppend: syncs / appends };
}

async function readCase(dir: string): Promise<number> {
  const mgr = await LogManager.start({ fs: new NodeFileSystem(), logDirs: [dir], nodeId: 1, clusterId: 'bench', defaultSettings: DEFAULT_LOG_SETTINGS, nowMs: Date.now });
  const log = mgr.getLog('bench', 0)!;
  let offset = log.logStartOffset;
  let bytes = 0;
  const start = process.hrtime.bigint();
  while (offset < log.logEndOffset) {
    const r = await log.read(offset, { maxBytes: 1024 * 1024 });
    if (r.records.length === 0) break;
    bytes += r.records.length;
    // The last batch's next offset: walk the headers of what was returned.
    let at = 0;
    let last = offset;
    while (at < r.records.length) {
      const b = new RecordBatch(r.records.subarray(at));
      last = Number(b.baseOffset) + b.lastOffsetDelta + 1;
      at += b.sizeInBytes;
    }
    offset = last;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await mgr.shutdown();
  return bytes / seconds / 1e6;
}

/**
 * Runs the baseline and the case alternately (baseline, case, baseline, case), each in a fresh
 * directory removed afterwards, so both see the same page-cache and writeback conditions; the
 * ratio is of the sums. The disk of these shared machines varies a lot from minute to minute.
 */
async function paired(root: string, baseline: (dir: string) => Promise<number>, subject: (dir: string) => Promise<{ mbps: number; syncsPerAppend: number }>): Promise<{ base: number; ours: number; syncsPerAppend: number }> {
  let base = 0;
  let ours = 0;
  let syncs = 0;
  for (let rep = 0; rep < 2; rep++) {
    const dir = await mkdtemp(join(root, 'case-'));
    base += await baseline(dir);
    await rm(dir, { recursive: true, force: true });
    const dir2 = await mkdtemp(join(root, 'case-'));
    const r = await subject(dir2);
    await rm(dir2, { recursive: true, force: true });
    ours += r.mbps;
    syncs += r.syncsPerAppend;
  }
  return { base: base / 2, ours: ours / 2, syncsPerAppend: syncs / 2 };
}

export async function benchStorage(): Promise<string[]> {
  const lines: string[] = [];
  const root = await mkdtemp(join(tmpdir(), 'tributary-bench-'));
  const relaxed = { ...DEFAULT_LOG_SETTINGS, flushMessages: Number.MAX_SAFE_INTEGER };
  try {
    lines.push(`${TOTAL_BYTES / 1024 / 1024} MiB per run, 1 KiB records, on ${root}; each figure the mean of 2 runs alternated with its baseline`);
    for (const batchBytes of [64 * 1024, 256 * 1024, 1024 * 1024]) {
      const kib = `${batchBytes / 1024} KiB`;
      for (const partitions of [1, 16]) {
        for (const inFlight of [1, 4]) {
          const r = await paired(
            root,
            (dir) => plainWriteLoop(dir, batchBytes, true, partitions),
            (dir) => appendCase(dir, batchBytes, partitions, DEFAULT_LOG_SETTINGS, inFlight),
          );
          lines.push(
            `fsync'd append, ${kib} batches, ${partitions} partition(s), ${inFlight} in flight each: ${fmt(r.ours, 0)} MB/s = ` +
              `${fmt(r.ours / r.base, 2)}x write+fdatasync loop over ${partitions} file(s) (${fmt(r.base, 0)} MB/s); ${fmt(r.syncsPerAppend, 2)} fdatasync per append`,
          );
        }
      }
      const off = await paired(root, (dir) => plainWriteLoop(dir, batchBytes, false, 1), (dir) => appendCase(dir, batchBytes, 1, relaxed, 1));
      lines.push(`flushing off, ${kib} batches, 1 partition: ${fmt(off.ours, 0)} MB/s = ${fmt(off.ours / off.base, 2)}x plain write loop (${fmt(off.base, 0)} MB/s)`);
    }
    const readDir = join(root, 'case-read');
    await appendCase(readDir, 1024 * 1024, 1, relaxed, 1);
    lines.push(`read from the page cache, 1 MiB reads: ${fmt(await readCase(readDir), 0)} MB/s`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  return lines;
}

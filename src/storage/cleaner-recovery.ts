/**
 * The cleaner's files in a log dir and the startup half of its crash safety (Kafka's LogLoader
 * handling of `.cleaned` and `.swap` files), run by a partition log before it loads its segments.
 *
 * A cleaning writes a cleaned segment as `<base>.log.cleaned` (+ `.index.cleaned`,
 * `.timeindex.cleaned`), fsyncs them, and then, inside the log's exclusive queue, renames them
 * `.swap` (indexes first, the `.log` last) and fsyncs the directory: that is the commit point.
 * It then renames the segments it replaces `.deleted`, renames the `.swap` files to their final
 * names and fsyncs the directory again. So after a crash:
 * - `.cleaned` files: the cleaning never committed; they are deleted and the old segments stay;
 * - `<base>.log.swap`: the swap committed; it is completed. The segments it replaces are the ones
 *   whose base offsets fall in its offset range [base, next offset after its last batch), the
 *   same rule as Kafka. A cleaned segment keeps every batch's offsets and the last batch of its
 *   group (emptied if need be), so that range reaches every segment it replaced that held a
 *   batch. Their files are deleted, then the `.swap` files are renamed to their final names;
 * - an index `.swap` without its `.log.swap` (the crash fell between the renames) is deleted.
 * Every step can be repeated, so a crash during recovery is recovered the same way.
 */
import type { FileSystem } from './fs.js';
import { batchHeaderAt } from './batch-scan.js';
import {
  CLEANED_SUFFIX, INDEX_SUFFIX, join, LOG_SUFFIX, parseSegmentFileName, segmentFileName, SWAP_SUFFIX, TIME_INDEX_SUFFIX,
} from './log-files.js';

/** The three files of a segment, as the cleaner names them: .log last (it is renamed last). */
export const CLEANED_SEGMENT_KINDS = [INDEX_SUFFIX, TIME_INDEX_SUFFIX, LOG_SUFFIX] as const;

/** Path of a segment file of `kind` (.log, .index, .timeindex) in `dir`, with `suffix` ('', .cleaned, .swap, .deleted). */
export function segmentFilePath(dir: string, baseOffset: number, kind: string, suffix: string): string {
  return join(dir, segmentFileName(baseOffset, kind) + suffix);
}

/** Segment file kinds a completed swap replaces (producer snapshots are not the cleaner's). */
const REPLACED_KINDS = new Set([LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, '.txnindex']);

/** Bytes read at a time when finding a swap segment's end. */
const SCAN_CHUNK_BYTES = 1024 * 1024;

export interface CleanerRecoveryReport {
  /** `.cleaned` files deleted (cleanings that did not commit). */
  deletedCleanedFiles: number;
  /** `.swap` segments completed. */
  completedSwaps: number;
  /** Files of replaced segments deleted while completing swaps. */
  deletedReplacedFiles: number;
}

/** Resolves the cleaner's leftovers in a partition's directory; see the header. */
export async function recoverInterruptedCleaning(fs: FileSystem, dir: string): Promise<CleanerRecoveryReport> {
  const report: CleanerRecoveryReport = { deletedCleanedFiles: 0, completedSwaps: 0, deletedReplacedFiles: 0 };
  const files = (await fs.readdir(dir))
    .map((name) => ({ name, parsed: parseSegmentFileName(name) }))
    .filter((f): f is { name: string; parsed: NonNullable<typeof f.parsed> } => f.parsed !== null);

  for (const f of files) {
    if (f.parsed.state !== CLEANED_SUFFIX) continue;
    await fs.unlink(join(dir, f.name));
    report.deletedCleanedFiles++;
  }

  const swapBases = files
    .filter((f) => f.parsed.state === SWAP_SUFFIX && f.parsed.kind === LOG_SUFFIX)
    .map((f) => f.parsed.baseOffset)
    .sort((a, b) => a - b);
  const committed = new Set(swapBases);
  for (const f of files) {
    if (f.parsed.state === SWAP_SUFFIX && f.parsed.kind !== LOG_SUFFIX && !committed.has(f.parsed.baseOffset)) {
      await fs.unlink(join(dir, f.name));
      report.deletedCleanedFiles++;
    }
  }

  for (const base of swapBases) {
    const swapLog = segmentFilePath(dir, base, LOG_SUFFIX, SWAP_SUFFIX);
    const upper = Math.max(base + 1, await nextOffsetOf(fs, swapLog, base));
    for (const f of files) {
      const p = f.parsed;
      if (p.state !== '' || !REPLACED_KINDS.has(p.kind) || p.baseOffset < base || p.baseOffset >= upper) continue;
      const path = join(dir, f.name);
      if ((await fs.stat(path)) === null) continue;
      await fs.unlink(path);
      report.deletedReplacedFiles++;
    }
    for (const kind of CLEANED_SEGMENT_KINDS) {
      const from = segmentFilePath(dir, base, kind, SWAP_SUFFIX);
      if ((await fs.stat(from)) === null) continue;
      await fs.rename(from, segmentFilePath(dir, base, kind, ''));
    }
    report.completedSwaps++;
  }
  if (report.deletedCleanedFiles + report.completedSwaps > 0) await fs.syncDir(dir);
  return report;
}

/** The offset after the last complete batch of the segment file at `path` (`baseOffset` when it has none). */
export async function nextOffsetOf(fs: FileSystem, path: string, baseOffset: number): Promise<number> {
  const handle = await fs.open(path, 'r');
  try {
    const size = await handle.size();
    let next = baseOffset;
    let pos = 0;
    while (pos < size) {
      const chunk = Buffer.allocUnsafe(Math.min(SCAN_CHUNK_BYTES, size - pos));
      let got = 0;
      while (got < chunk.length) {
        const n = await handle.read(chunk, got, chunk.length - got, pos + got);
        if (n === 0) break;
        got += n;
      }
      const view = chunk.subarray(0, got);
      let at = 0;
      for (;;) {
        const h = batchHeaderAt(view, at, pos);
        if (h === null || h === 'invalid' || h.position + h.size > size) break;
        next = h.lastOffset + 1;
        at += h.size;
        if (at >= view.length) break;
      }
      if (at === 0) break; // a partial or invalid batch: the end of what can be trusted
      pos += at;
    }
    return next;
  } finally {
    await handle.close();
  }
}

/**
 * The partition's leader epochs and the offset each started at (Kafka's LeaderEpochFileCache),
 * persisted as `leader-epoch-checkpoint`: version 0, a count, then `<epoch> <startOffset>` lines.
 * OffsetForLeaderEpoch and follower truncation read it later; the log keeps it current on append
 * and truncation. Pure apart from `load`/`save`.
 */
import { LogCorruptError } from './log-errors.js';

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export class LeaderEpochCache {
  private entries: EpochEntry[] = [];

  static parse(text: string, path: string): LeaderEpochCache {
    const cache = new LeaderEpochCache();
    const lines = text.split('\n').filter((l, i, all) => !(i === all.length - 1 && l === ''));
    if (lines[0] !== '0') throw new LogCorruptError(path, `unknown leader epoch checkpoint version ${JSON.stringify(lines[0])}`);
    const count = Number(lines[1]);
    if (!Number.isInteger(count) || lines.length !== count + 2) throw new LogCorruptError(path, 'entry count does not match');
    for (const line of lines.slice(2)) {
      const m = /^(\d+) (\d+)$/.exec(line);
      if (!m) throw new LogCorruptError(path, `malformed line ${JSON.stringify(line)}`);
      cache.assign(Number(m[1]), Number(m[2]));
    }
    return cache;
  }

  format(): string {
    return `0\n${this.entries.length}\n${this.entries.map((e) => `${e.epoch} ${e.startOffset}\n`).join('')}`;
  }

  get all(): readonly EpochEntry[] {
    return this.entries;
  }

  latest(): EpochEntry | null {
    return this.entries.length === 0 ? null : this.entries[this.entries.length - 1]!;
  }

  /**
   * Records that `epoch` starts at `startOffset`. Returns true when the cache changed (the caller
   * then saves it). Older epochs and epochs already known are ignored, as Kafka does.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0) return false;
    const latest = this.latest();
    if (latest !== null && (epoch <= latest.epoch || startOffset < latest.startOffset)) return false;
    this.entries.push({ epoch, startOffset });
    return true;
  }

  /**
   * The end offset of `epoch` (the start of the next higher epoch, or `logEndOffset` for the
   * latest), with the largest epoch <= the requested one: OffsetForLeaderEpoch's answer.
   */
  endOffsetFor(epoch: number, logEndOffset: number): { epoch: number; endOffset: number } | null {
    let found = -1;
    for (let i = 0; i < this.entries.length; i++) if (this.entries[i]!.epoch <= epoch) found = i;
    if (found < 0) return null;
    const next = this.entries[found + 1];
    return { epoch: this.entries[found]!.epoch, endOffset: next ? next.startOffset : logEndOffset };
  }

  /** The epoch of the batch holding `offset`. */
  epochForOffset(offset: number): number {
    let epoch = -1;
    for (const e of this.entries) if (e.startOffset <= offset) epoch = e.epoch;
    return epoch;
  }

  /** Drops epochs starting at or after `offset` (log truncated to end there). Returns whether it changed. */
  truncateFromEnd(offset: number): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.startOffset < offset);
    return this.entries.length !== before;
  }

  /** The log start moved to `offset`: earlier epochs go, the one covering `offset` now starts there. */
  truncateFromStart(offset: number): boolean {
    let changed = false;
    while (this.entries.length > 1 && this.entries[1]!.startOffset <= offset) {
      this.entries.shift();
      changed = true;
    }
    const first = this.entries[0];
    if (first && first.startOffset < offset) {
      first.startOffset = offset;
      changed = true;
    }
    return changed;
  }
}

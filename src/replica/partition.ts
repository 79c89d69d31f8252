/**
 * One partition this broker leads (one node for now: the leader is the whole ISR). It owns the
 * high watermark, which here is the durable log end: consumers only ever see records that are
 * on disk, so a crash can never take back a record somebody has read. Waiters (long-polling
 * fetches) are told when it moves.
 */
import type { PartitionLog } from '../storage/partition-log.js';

export type HighWatermarkListener = () => void;

export class Partition {
  readonly topic: string;
  readonly partition: number;
  readonly topicId: string;
  readonly log: PartitionLog;
  leaderEpoch: number;
  private hw: number;
  private readonly listeners = new Set<HighWatermarkListener>();

  constructor(topic: string, partition: number, topicId: string, log: PartitionLog, leaderEpoch: number) {
    this.topic = topic;
    this.partition = partition;
    this.topicId = topicId;
    this.log = log;
    this.leaderEpoch = leaderEpoch;
    // What was recovered at start is on disk.
    this.hw = log.logEndOffset;
  }

  get highWatermark(): number {
    return this.hw;
  }

  /** Raises the high watermark (never lowers it) and wakes the waiters. */
  advanceHighWatermark(offset: number): void {
    if (offset <= this.hw) return;
    this.hw = Math.min(offset, this.log.logEndOffset);
    for (const l of [...this.listeners]) l();
  }

  /** The log was truncated or its start moved: the high watermark follows the log end down. */
  resetHighWatermark(): void {
    this.hw = Math.min(this.hw, this.log.logEndOffset);
  }

  /** Registers a listener for high watermark moves; returns its removal. */
  watch(listener: HighWatermarkListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Kafka's built-in partitioner (the Java producer's default since Kafka 3.3):
 * - an explicit partition wins;
 * - a record with a key (unless partitioner.ignore.keys) goes to
 *   toPositive(murmur2(keyBytes)) % numPartitions, over all partitions, available or not, so
 *   keyed records land where Java clients put them;
 * - records without a key stick to one partition (KIP-480) until batch.size bytes have gone to
 *   it (KIP-794's switch rule), then a new one is picked at random among the partitions that have
 *   a leader (all of them when none has), never the same one twice in a row when there is a
 *   choice.
 */
import { partitionForKey } from '../murmur2.js';

export interface PartitionerTopicView {
  /** Number of partitions. */
  count: number;
  /** Partitions that have a leader now. */
  available(): readonly number[];
}

interface StickyState {
  partition: number;
  bytes: number;
}

export class Partitioner {
  private readonly sticky = new Map<string, StickyState>();

  constructor(
    private readonly batchSize: number,
    private readonly ignoreKeys: boolean,
    private readonly random: () => number = Math.random,
  ) {}

  /** The partition for a record of `sizeBytes` (its estimated batch footprint). */
  partition(topic: string, key: Uint8Array | null, view: PartitionerTopicView, sizeBytes: number): number {
    if (key !== null && !this.ignoreKeys) return partitionForKey(key, view.count);
    let state = this.sticky.get(topic);
    if (state === undefined || state.partition >= view.count) {
      state = { partition: this.pick(view, -1), bytes: 0 };
      this.sticky.set(topic, state);
    }
    const chosen = state.partition;
    state.bytes += sizeBytes;
    if (state.bytes >= Math.max(1, this.batchSize)) {
      state.partition = this.pick(view, chosen);
      state.bytes = 0;
    }
    return chosen;
  }

  private pick(view: PartitionerTopicView, previous: number): number {
    const available = view.available();
    const pool = available.length > 0 ? available : Array.from({ length: view.count }, (_, i) => i);
    const choices = pool.length > 1 ? pool.filter((p) => p !== previous) : pool;
    return choices[Math.floor(this.random() * choices.length)]!;
  }
}

/**
 * The record accumulator: per partition, a queue of batches waiting to be sent (the last one
 * still open for records). Decides which partitions are ready: a batch is ready when it is full
 * (batch.size, or a newer batch exists behind it), has lingered linger.ms, or when a flush or
 * close is waiting, or send() calls are waiting for buffer.memory; a retried batch waits for its
 * backoff first. Expires batches older than delivery.timeout.ms that are not in flight.
 */
import { ProducerBatch, type PendingRecord } from './batch.js';

export class PartitionQueue {
  readonly batches: ProducerBatch[] = [];
  inFlight = 0;
  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

export interface ReadyCheck {
  nowMs: number;
  lingerMs: number;
  batchSize: number;
  /** Flush or close in progress, or memory exhausted: send whatever there is. */
  sendAll: boolean;
  /** max.in.flight.requests.per.connection is 1: one batch per partition in flight (order kept). */
  oneInFlightPerPartition: boolean;
}

export class Accumulator {
  private readonly queues = new Map<string, PartitionQueue>();
  /** The same queues by topic, then partition (no key string per record). */
  private readonly byTopic = new Map<string, PartitionQueue[]>();
  /** Every batch not yet completed or failed. */
  readonly incomplete = new Set<ProducerBatch>();

  queue(topic: string, partition: number): PartitionQueue {
    let list = this.byTopic.get(topic);
    if (list === undefined) this.byTopic.set(topic, (list = []));
    let q = list[partition];
    if (q === undefined) {
      q = new PartitionQueue(topic, partition);
      list[partition] = q;
      this.queues.set(`${topic}\u0000${partition}`, q);
    }
    return q;
  }

  allQueues(): IterableIterator<PartitionQueue> {
    return this.queues.values();
  }

  /** Appends a record to the partition's open batch (a new one when it is full). */
  append(topic: string, partition: number, record: PendingRecord, batchSize: number, nowMs: number): void {
    const q = this.queue(topic, partition);
    let batch = q.batches[q.batches.length - 1];
    if (batch === undefined || batch.closed || !batch.fits(record.bytes, batchSize)) {
      if (batch !== undefined) batch.closed = true;
      batch = new ProducerBatch(topic, partition, nowMs);
      q.batches.push(batch);
      this.incomplete.add(batch);
    }
    batch.add(record, record.bytes);
  }

  /** Puts a batch back at the front of its queue for a retry. */
  reenqueue(batch: ProducerBatch): void {
    batch.inFlight = false;
    batch.closed = true;
    this.queue(batch.topic, batch.partition).batches.unshift(batch);
  }

  /** Registers a batch made by splitting another one. */
  track(batch: ProducerBatch): void {
    this.incomplete.add(batch);
  }

  forget(batch: ProducerBatch): void {
    this.incomplete.delete(batch);
  }

  /**
   * When the queue's first batch may be sent: now (<= nowMs) or a future time, or Infinity when
   * there is nothing to send or the partition must wait for its batch in flight.
   */
  readyAt(q: PartitionQueue, c: ReadyCheck): number {
    const b = q.batches[0];
    if (b === undefined) return Infinity;
    if (c.oneInFlightPerPartition && q.inFlight > 0) return Infinity;
    if (b.attempts > 0) return b.retryAtMs;
    if (c.sendAll || q.batches.length > 1 || b.estimatedBytes >= c.batchSize) return c.nowMs;
    return b.createdMs + c.lingerMs;
  }

  /** Removes and returns the batches that have waited longer than `deliveryTimeoutMs`. */
  expire(nowMs: number, deliveryTimeoutMs: number): ProducerBatch[] {
    const out: ProducerBatch[] = [];
    for (const q of this.queues.values()) {
      while (q.batches.length > 0 && nowMs - q.batches[0]!.createdMs >= deliveryTimeoutMs) out.push(q.batches.shift()!);
    }
    return out;
  }

  /** Earliest creation time of a queued batch (for the expiry timer). */
  oldestQueuedMs(): number {
    let oldest = Infinity;
    for (const q of this.queues.values()) if (q.batches.length > 0) oldest = Math.min(oldest, q.batches[0]!.createdMs);
    return oldest;
  }

  /** Removes every queued batch (close with a timeout, or a forced close). */
  drainAll(): ProducerBatch[] {
    const out: ProducerBatch[] = [];
    for (const q of this.queues.values()) out.push(...q.batches.splice(0));
    return out;
  }
}

/**
 * A producer batch: the records sent to one partition in one v2 record batch, each with its
 * promise and its reserved buffer.memory bytes. The batch is built (and compressed) once, when
 * the sender drains it; a retry resends the same bytes. A batch that is too large for the broker
 * is split in two halves (each rebuilt) when it holds more than one record.
 */
import { sizeOfVarint } from '../../protocol/primitives/varint.js';
import { buildRecordBatch, type RecordInput } from '../../protocol/records/builder.js';
import { RECORD_BATCH_HEADER_SIZE, type CompressionType } from '../../protocol/records/record-batch.js';
import type { RecordMetadata } from '../types.js';

/** Kafka's send(record, callback): called once, with the error or with the metadata. */
export type SendCallback = (error: Error | null, metadata?: RecordMetadata) => void;

/** A queued record and how to report its outcome: a promise's functions, or a callback. */
export interface PendingRecord {
  readonly record: RecordInput & { readonly timestamp: number };
  readonly bytes: number;
  readonly resolve: ((m: RecordMetadata) => void) | null;
  readonly reject: ((e: Error) => void) | null;
  readonly callback: SendCallback | null;
}

/** A record's footprint in a batch, in bytes (close to exact: deltas are estimated small). */
export function estimateRecordBytes(record: RecordInput): number {
  let body = 1 + 3 + 3; // attributes, timestamp delta, offset delta
  const key = record.key ?? null;
  body += key === null ? 1 : sizeOfVarint(key.length) + key.length;
  const value = record.value ?? null;
  body += value === null ? 1 : sizeOfVarint(value.length) + value.length;
  const headers = record.headers ?? [];
  body += sizeOfVarint(headers.length);
  for (const h of headers) {
    const k = Buffer.byteLength(h.key, 'utf8');
    body += sizeOfVarint(k) + k + (h.value === null ? 1 : sizeOfVarint(h.value.length) + h.value.length);
  }
  return sizeOfVarint(body) + body;
}

/** A user callback that throws must not break the producer: its error is rethrown asynchronously. */
function callSafely(callback: SendCallback, error: Error | null, metadata?: RecordMetadata): void {
  try {
    callback(error, metadata);
  } catch (e) {
    queueMicrotask(() => {
      throw e;
    });
  }
}

export interface BuildSettings {
  compression: CompressionType;
  compressionLevel: number | undefined;
}

export class ProducerBatch {
  readonly topic: string;
  readonly partition: number;
  readonly createdMs: number;
  readonly records: PendingRecord[] = [];
  /** Estimated size of the built batch (uncompressed). */
  estimatedBytes = RECORD_BATCH_HEADER_SIZE;
  /** Send attempts so far. */
  attempts = 0;
  /** Not to be sent again before this time (retry backoff). */
  retryAtMs = 0;
  inFlight = false;
  /** No more records once drained. */
  closed = false;
  /** Settles (never rejects) when every record is resolved or rejected. */
  readonly settled: Promise<void>;
  private settle!: () => void;
  private built: Buffer | null = null;
  private done = false;

  constructor(topic: string, partition: number, createdMs: number) {
    this.topic = topic;
    this.partition = partition;
    this.createdMs = createdMs;
    this.settled = new Promise<void>((resolve) => (this.settle = resolve));
  }

  get isDone(): boolean {
    return this.done;
  }

  get reservedBytes(): number {
    let n = 0;
    for (const r of this.records) n += r.bytes;
    return n;
  }

  /** Whether `bytes` more fit within `batchSize` (an empty batch always takes one record). */
  fits(bytes: number, batchSize: number): boolean {
    return this.records.length === 0 || this.estimatedBytes + bytes <= batchSize;
  }

  add(record: PendingRecord, bytes: number): void {
    this.records.push(record);
    this.estimatedBytes += bytes;
  }

  build(settings: BuildSettings): Buffer {
    if (this.built === null) {
      this.built = buildRecordBatch(
        this.records.map((r) => r.record),
        { compression: settings.compression, compressionLevel: settings.compressionLevel },
      );
    }
    return this.built;
  }

  /** Resolves every record: offsets from `baseOffset` (-1 stays -1: acks=0). */
  complete(baseOffset: number, logAppendTimeMs: number): void {
    if (this.done) return;
    this.done = true;
    for (let i = 0; i < this.records.length; i++) {
      const r = this.records[i]!;
      const metadata: RecordMetadata = {
        topic: this.topic,
        partition: this.partition,
        offset: baseOffset < 0 ? -1 : baseOffset + i,
        timestamp: logAppendTimeMs >= 0 ? logAppendTimeMs : r.record.timestamp,
        serializedKeySize: r.record.key == null ? -1 : r.record.key.length,
        serializedValueSize: r.record.value == null ? -1 : r.record.value.length,
      };
      if (r.callback !== null) callSafely(r.callback, null, metadata);
      else r.resolve!(metadata);
    }
    this.settle();
  }

  fail(error: Error): void {
    if (this.done) return;
    this.done = true;
    for (const r of this.records) {
      if (r.callback !== null) callSafely(r.callback, error);
      else r.reject!(error);
    }
    this.settle();
  }

  /** Two batches with the first and second half of the records (for MESSAGE_TOO_LARGE). */
  split(): [ProducerBatch, ProducerBatch] {
    const half = Math.ceil(this.records.length / 2);
    const parts: [ProducerBatch, ProducerBatch] = [
      new ProducerBatch(this.topic, this.partition, this.createdMs),
      new ProducerBatch(this.topic, this.partition, this.createdMs),
    ];
    this.records.forEach((r, i) => parts[i < half ? 0 : 1].add(r, estimateRecordBytes(r.record)));
    for (const p of parts) {
      p.attempts = this.attempts;
      p.closed = true;
    }
    // This batch's promises now belong to the halves.
    this.done = true;
    this.settle();
    return parts;
  }
}

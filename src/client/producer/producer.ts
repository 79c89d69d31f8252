/**
 * The producer. `send()` returns a promise per record that resolves when the record is
 * acknowledged (acks) with its partition and offset, or rejects with a KafkaError. Records are
 * batched per partition (batch.size, linger.ms), compressed (compression.type) and sent by the
 * Sender; send() only waits when metadata for the topic is unknown or buffer.memory is used up,
 * both bounded by max.block.ms. Records sent one after another to the same partition keep their
 * order (retries may reorder them unless max.in.flight.requests.per.connection=1, as in Kafka
 * without idempotence).
 */
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { RECORD_BATCH_HEADER_SIZE } from '../../protocol/records/record-batch.js';
import type { RecordHeaderInput, RecordInput } from '../../protocol/records/builder.js';
import { Cluster } from '../cluster.js';
import { checkProducerConfig, type ProducerConfig } from '../config.js';
import { ClientClosedError } from '../errors.js';
import type { ClientLogger, HeadersInput, ProducerRecord, RecordMetadata } from '../types.js';
import { Accumulator } from './accumulator.js';
import { estimateRecordBytes, type PendingRecord, type SendCallback } from './batch.js';
import { MemoryPool } from './memory-pool.js';
import { Partitioner } from './partitioner.js';
import { Sender, type SenderStats } from './sender.js';

export interface ProducerCloseOptions {
  /** Wait at most this long for queued records; then fail what is left. Default: no limit. */
  timeoutMs?: number;
}

function toBytes(v: Buffer | Uint8Array | string | null | undefined, what: string): Buffer | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (Buffer.isBuffer(v)) return v;
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  throw new TypeError(`${what} must be a Buffer, Uint8Array, string or null`);
}

const NO_HEADERS: readonly RecordHeaderInput[] = Object.freeze([]);

function toHeaders(h: HeadersInput | undefined): readonly RecordHeaderInput[] {
  if (h === undefined) return NO_HEADERS;
  const out: RecordHeaderInput[] = [];
  if (Array.isArray(h)) {
    for (const e of h as readonly { key: string; value: Buffer | Uint8Array | string | null }[]) {
      if (typeof e?.key !== 'string') throw new TypeError('header keys must be strings');
      out.push({ key: e.key, value: toBytes(e.value, `header ${e.key}`) });
    }
  } else {
    for (const [key, value] of Object.entries(h as Record<string, Buffer | Uint8Array | string | null>)) out.push({ key, value: toBytes(value, `header ${key}`) });
  }
  return out;
}

export class Producer {
  readonly config: ProducerConfig;
  private readonly cluster: Cluster;
  private readonly accumulator = new Accumulator();
  private readonly pool: MemoryPool;
  private readonly partitioner: Partitioner;
  private readonly sender: Sender;
  private readonly logger: ClientLogger;
  /** send() calls waiting for metadata or memory, served in order. */
  private slowChain: Promise<void> = Promise.resolve();
  private slowPending = 0;
  private closing = false;
  private closedPromise: Promise<void> | null = null;
  /** Last append per topic (metadata.max.idle.ms). */
  private readonly topicUsedMs = new Map<string, number>();

  /** @internal Use `kafka.producer(config)`. */
  constructor(config: ProducerConfig, clientId: string, logger: ClientLogger) {
    checkProducerConfig(config);
    this.config = config;
    this.logger = logger;
    this.cluster = new Cluster({ config, clientId, maxInFlight: config.maxInFlightRequestsPerConnection, allowAutoTopicCreation: true, logger });
    this.pool = new MemoryPool(config.bufferMemory, () => this.sender.wakeup());
    this.partitioner = new Partitioner(config.batchSize, config.partitionerIgnoreKeys);
    this.sender = new Sender(config, this.cluster, this.accumulator, this.pool, logger);
    this.cluster.onMaintenance((now) => this.forgetIdleTopics(now));
  }

  /** metadata.max.idle.ms: topics not produced to for that long leave the metadata refreshes. */
  private forgetIdleTopics(nowMs: number): void {
    for (const [topic, usedMs] of this.topicUsedMs) {
      if (nowMs - usedMs < this.config.metadataMaxIdleMs) continue;
      if ([...this.accumulator.incomplete].some((b) => b.topic === topic)) continue;
      this.topicUsedMs.delete(topic);
      this.cluster.interest.delete(topic);
      this.cluster.topics.delete(topic);
    }
  }

  /** Requests and batches sent so far (for tests and tools). */
  get stats(): Readonly<SenderStats> {
    return this.sender.stats;
  }

  /**
   * Queues one record and resolves when it is acknowledged. Rejects with a KafkaError
   * (REQUEST_TIMED_OUT after max.block.ms or delivery.timeout.ms, MESSAGE_TOO_LARGE, or the
   * broker's error), ClientClosedError after close(), or TypeError for malformed input.
   * With a `callback` (Kafka's send(record, callback)), returns nothing and calls it once with
   * (error) or (null, metadata) instead: no promise per record, for high-rate producers.
   */
  send(record: ProducerRecord): Promise<RecordMetadata>;
  send(record: ProducerRecord, callback: SendCallback): void;
  send(record: ProducerRecord, callback?: SendCallback): Promise<RecordMetadata> | void {
    if (callback !== undefined) {
      this.sendWith(record, null, null, callback);
      return;
    }
    return new Promise<RecordMetadata>((resolve, reject) => this.sendWith(record, resolve, reject, null));
  }

  private sendWith(record: ProducerRecord, resolve: ((m: RecordMetadata) => void) | null, reject: ((e: Error) => void) | null, callback: SendCallback | null): void {
    const fail = (e: unknown): void => {
      const error = e instanceof Error ? e : new Error(String(e));
      if (callback !== null) queueMicrotask(() => callback(error));
      else reject!(error);
    };
    if (this.closing) return fail(new ClientClosedError('Cannot send after the producer is closed.'));
    let input: RecordInput & { timestamp: number };
    let bytes: number;
    try {
      if (typeof record?.topic !== 'string' || record.topic === '') throw new TypeError('send(): topic must be a non-empty string');
      if (record.partition !== undefined && (!Number.isInteger(record.partition) || record.partition < 0)) {
        throw new TypeError(`send(): invalid partition ${String(record.partition)}`);
      }
      const timestamp = record.timestamp ?? Date.now();
      if (!Number.isSafeInteger(timestamp)) throw new TypeError(`send(): invalid timestamp ${String(record.timestamp)}`);
      input = { key: toBytes(record.key, 'key'), value: toBytes(record.value, 'value'), headers: toHeaders(record.headers), timestamp };
      bytes = estimateRecordBytes(input);
    } catch (e) {
      return fail(e);
    }
    const size = bytes + RECORD_BATCH_HEADER_SIZE;
    if (size > this.config.maxRequestSize) {
      return fail(new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `The message is ${size} bytes when serialized which is larger than ${this.config.maxRequestSize}, which is the value of the max.request.size configuration.`, { topic: record.topic }));
    }
    if (size > this.config.bufferMemory) {
      return fail(new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `The message is ${size} bytes when serialized which is larger than the total memory buffer you have configured with the buffer.memory configuration.`, { topic: record.topic }));
    }
    // Fast path: metadata known and memory free, and nobody queued ahead of us.
    if (this.slowPending === 0 && this.hasPartition(record.topic, record.partition) && this.pool.tryReserve(bytes)) {
      const partition = this.choosePartition(record.topic, record.partition, input.key ?? null, bytes)!;
      this.append(record.topic, partition, { record: input, bytes, resolve, reject, callback });
      return;
    }
    // Slow path: wait (in send order) for metadata and memory, up to max.block.ms.
    const deadlineMs = Date.now() + this.config.maxBlockMs;
    this.slowPending++;
    const appended = this.slowChain.then(() => this.appendSlow(record.topic, record.partition, input, bytes, deadlineMs, { resolve, reject, callback }));
    this.slowChain = appended.then(
      () => undefined,
      () => undefined,
    );
    appended.then(
      () => this.slowPending--,
      (e: unknown) => {
        this.slowPending--;
        fail(e);
      },
    );
  }

  /** Resolves when every record sent before the call is acknowledged or failed (never rejects). */
  async flush(): Promise<void> {
    // Sends made before the call that still waited for metadata or memory are appended by now.
    await this.slowChain;
    const startMs = Date.now();
    this.sender.flushing++;
    this.sender.wakeup();
    try {
      for (;;) {
        const waiting = [...this.accumulator.incomplete].filter((b) => b.createdMs <= startMs + 1);
        if (waiting.length === 0) return;
        await Promise.all(waiting.map((b) => b.settled));
      }
    } finally {
      this.sender.flushing--;
    }
  }

  /** Partitions of a topic with their leaders (waits for metadata up to max.block.ms). */
  async partitionsFor(topic: string): Promise<{ topic: string; partition: number; leader: number; replicas: number[]; isr: number[] }[]> {
    await this.cluster.waitForTopics([topic], Date.now() + this.config.maxBlockMs);
    return this.cluster.topics.get(topic)!.partitions.map((p) => ({ topic, partition: p.partition, leader: p.leader, replicas: p.replicas, isr: p.isr }));
  }

  /**
   * Sends what is queued and closes. Later send() calls fail. With `timeoutMs`, records still
   * not acknowledged by then fail with ClientClosedError (0: fail them at once).
   */
  close(options: ProducerCloseOptions = {}): Promise<void> {
    if (this.closedPromise !== null) return this.closedPromise;
    this.closing = true;
    this.closedPromise = (async () => {
      const flushed = this.flush();
      if (options.timeoutMs === undefined) {
        await flushed;
      } else {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([flushed, new Promise<void>((r) => (timer = setTimeout(r, options.timeoutMs)))]);
        clearTimeout(timer);
      }
      const error = new ClientClosedError('The producer was closed before the record was sent.');
      this.sender.stop();
      this.pool.failWaiters(error);
      for (const b of this.accumulator.drainAll()) this.sender.finish(b, error);
      this.cluster.close();
      // In-flight batches fail through their closed connections; wait for them to settle.
      await Promise.all([...this.accumulator.incomplete].map((b) => b.settled));
    })();
    return this.closedPromise;
  }

  /** Whether metadata has the topic (and the explicit partition, if any). */
  private hasPartition(topic: string, explicit: number | undefined): boolean {
    const md = this.cluster.topics.get(topic);
    return md !== undefined && (explicit === undefined || explicit < md.partitions.length);
  }

  /** The partition for a record, or null when metadata is missing (the slow path waits for it). */
  private choosePartition(topic: string, explicit: number | undefined, key: Uint8Array | null, bytes: number): number | null {
    const md = this.cluster.topics.get(topic);
    if (md === undefined) return null;
    const count = md.partitions.length;
    if (explicit !== undefined) return explicit < count ? explicit : null;
    return this.partitioner.partition(topic, key, { count, available: () => md.partitions.filter((p) => p.leader >= 0).map((p) => p.partition) }, bytes);
  }

  private async appendSlow(
    topic: string,
    explicit: number | undefined,
    input: RecordInput & { timestamp: number },
    bytes: number,
    deadlineMs: number,
    done: Pick<PendingRecord, 'resolve' | 'reject' | 'callback'>,
  ): Promise<void> {
    if (this.closing && this.cluster.isClosed) throw new ClientClosedError('Cannot send after the producer is closed.');
    const minPartitions = explicit !== undefined ? new Map([[topic, explicit + 1]]) : undefined;
    await this.cluster.waitForTopics([topic], deadlineMs, minPartitions, `${this.config.maxBlockMs} ms`);
    const partition = this.choosePartition(topic, explicit, input.key ?? null, bytes)!;
    await this.pool.reserve(bytes, deadlineMs, this.config.maxBlockMs);
    this.append(topic, partition, { record: input, bytes, ...done });
  }

  private append(topic: string, partition: number, pending: PendingRecord): void {
    this.cluster.interest.add(topic);
    const nowMs = Date.now();
    this.topicUsedMs.set(topic, nowMs);
    this.accumulator.append(topic, partition, pending, this.config.batchSize, nowMs);
    this.sender.wakeup();
  }

}

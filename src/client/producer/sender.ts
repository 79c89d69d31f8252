/**
 * The producer's sender: turns ready batches into Produce requests, one request per leader at a
 * time per free in-flight slot (max.in.flight.requests.per.connection), each carrying at most one
 * batch per partition and at most max.request.size bytes (a single larger batch still goes
 * alone), and handles the answers:
 * - success: every record's promise resolves with its offset (base offset + index);
 * - MESSAGE_TOO_LARGE on a batch of several records: split in two and resent;
 * - retriable errors (and lost connections, timeouts): the batch goes back to the front of its
 *   queue after retry.backoff.ms (exponential up to retry.backoff.max.ms), at most `retries`
 *   times and never past delivery.timeout.ms; errors that mean stale metadata refresh it first;
 * - anything else fails the batch's records with a KafkaError naming topic and partition.
 * It runs on wakeups (a batch filled, a flush, an answer, a connection or metadata arriving) and
 * on one timer for the next linger / backoff / expiry deadline.
 */
import { ApiKey } from '../../protocol/generated/registry.js';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import { CompressionType, LOG_OVERHEAD } from '../../protocol/records/record-batch.js';
import type { ProduceResponse } from '../../protocol/generated/messages/ProduceResponse.js';
import { backoffMs } from '../backoff.js';
import { isStaleMetadataError, type Cluster } from '../cluster.js';
import type { BrokerConnection } from '../connection.js';
import { timeoutError } from '../errors.js';
import type { ProducerConfig } from '../config.js';
import type { ClientLogger } from '../types.js';
import type { Accumulator, PartitionQueue } from './accumulator.js';
import type { BuildSettings, ProducerBatch } from './batch.js';
import type { MemoryPool } from './memory-pool.js';

const CODECS: Record<ProducerConfig['compressionType'], CompressionType> = {
  none: CompressionType.NONE,
  gzip: CompressionType.GZIP,
  snappy: CompressionType.SNAPPY,
  lz4: CompressionType.LZ4,
  zstd: CompressionType.ZSTD,
};

/** Bytes of a Produce request around its record batches (header, topic names, ...), generously. */
const REQUEST_OVERHEAD_BYTES = 200;

export interface SenderStats {
  /** Produce requests sent. */
  requests: number;
  /** Batches sent (retries included). */
  batches: number;
}

export class Sender {
  readonly stats: SenderStats = { requests: 0, batches: 0 };
  /** >0 while flush() or close() waits: every batch is ready at once. */
  flushing = 0;
  private scheduled = false;
  private timer: NodeJS.Timeout | null = null;
  private timerAtMs = Infinity;
  private lastMetadataRequestMs = 0;
  private stopped = false;
  private readonly build: BuildSettings;
  private drainStart = 0;

  constructor(
    private readonly config: ProducerConfig,
    private readonly cluster: Cluster,
    private readonly accumulator: Accumulator,
    private readonly pool: MemoryPool,
    private readonly logger: ClientLogger,
  ) {
    const compression = CODECS[config.compressionType];
    this.build = {
      compression,
      compressionLevel:
        compression === CompressionType.GZIP ? config.compressionGzipLevel : compression === CompressionType.ZSTD ? config.compressionZstdLevel : undefined,
    };
    cluster.onMetadata(() => this.wakeup());
  }

  /** Runs the sender soon (once per turn of the event loop, however many wakeups). */
  wakeup(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private run(): void {
    if (this.stopped) return;
    const now = Date.now();
    for (const b of this.accumulator.expire(now, this.config.deliveryTimeoutMs)) {
      this.finish(b, timeoutError(`Expiring ${b.records.length} record(s) for ${b.topic}-${b.partition}: ${now - b.createdMs} ms has passed since batch creation (delivery.timeout.ms=${this.config.deliveryTimeoutMs})`, { topic: b.topic, partition: b.partition }));
    }
    const check = {
      nowMs: now,
      lingerMs: this.config.lingerMs,
      batchSize: this.config.batchSize,
      sendAll: this.flushing > 0 || this.pool.exhausted,
      oneInFlightPerPartition: this.config.maxInFlightRequestsPerConnection === 1,
    };
    const byNode = new Map<number, PartitionQueue[]>();
    let next = Infinity;
    let unknownLeader = false;
    for (const q of this.accumulator.allQueues()) {
      const at = this.accumulator.readyAt(q, check);
      if (at === Infinity) continue;
      const leader = this.cluster.leaderFor(q.topic, q.partition);
      if (leader < 0) {
        unknownLeader = true;
        continue;
      }
      if (at > now) {
        next = Math.min(next, at);
        continue;
      }
      let list = byNode.get(leader);
      if (list === undefined) byNode.set(leader, (list = []));
      list.push(q);
    }
    if (unknownLeader) {
      if (now - this.lastMetadataRequestMs >= this.config.retryBackoffMs) {
        this.lastMetadataRequestMs = now;
        this.cluster.refreshMetadata().catch((e) => this.logger.debug?.(`metadata refresh failed: ${(e as Error).message}`));
      }
      next = Math.min(next, now + this.config.retryBackoffMs);
    }
    for (const [node, queues] of byNode) {
      const conn = this.cluster.readyConnection(node, () => this.wakeup());
      if (conn === null) {
        next = Math.min(next, Math.max(now + 1, this.cluster.nextAttemptMs(node)));
        continue;
      }
      while (conn.hasCapacity) {
        const batches = this.drain(queues, check);
        if (batches.length === 0) break;
        this.sendRequest(node, conn, batches);
      }
    }
    const oldest = this.accumulator.oldestQueuedMs();
    if (oldest !== Infinity) next = Math.min(next, oldest + this.config.deliveryTimeoutMs);
    this.arm(next);
  }

  private arm(atMs: number): void {
    if (atMs === Infinity) return;
    if (this.timer !== null && this.timerAtMs <= atMs) return;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timerAtMs = atMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAtMs = Infinity;
      this.run();
    }, Math.max(0, atMs - Date.now()));
  }

  /** One batch per ready partition, starting at a rotating index, within max.request.size. */
  private drain(queues: PartitionQueue[], check: Parameters<Accumulator['readyAt']>[1]): ProducerBatch[] {
    const out: ProducerBatch[] = [];
    let size = REQUEST_OVERHEAD_BYTES;
    const n = queues.length;
    const start = this.drainStart++ % Math.max(1, n);
    for (let i = 0; i < n; i++) {
      const q = queues[(start + i) % n]!;
      if (this.accumulator.readyAt(q, check) > check.nowMs) continue;
      const b = q.batches[0]!;
      let bytes: number;
      try {
        bytes = b.build(this.build).length;
      } catch (e) {
        q.batches.shift();
        this.finish(b, e instanceof Error ? e : new Error(String(e)));
        continue;
      }
      if (out.length > 0 && size + bytes + LOG_OVERHEAD > this.config.maxRequestSize) continue;
      q.batches.shift();
      b.closed = true;
      b.inFlight = true;
      q.inFlight++;
      out.push(b);
      size += bytes + LOG_OVERHEAD;
    }
    return out;
  }

  private sendRequest(node: number, conn: BrokerConnection, batches: ProducerBatch[]): void {
    const acks = this.config.acks;
    const byTopic = new Map<string, { index: number; records: Buffer }[]>();
    for (const b of batches) {
      b.attempts++;
      let list = byTopic.get(b.topic);
      if (list === undefined) byTopic.set(b.topic, (list = []));
      list.push({ index: b.partition, records: b.build(this.build) });
    }
    const body = {
      transactionalId: null,
      acks,
      timeoutMs: this.config.requestTimeoutMs,
      topicData: [...byTopic].map(([name, partitionData]) => ({ name, partitionData })),
    };
    this.stats.requests++;
    this.stats.batches += batches.length;
    conn.request<ProduceResponse | null>(ApiKey.Produce, () => body, { expectResponse: acks !== 0 }).then(
      ({ body: response }) => {
        if (response === null) {
          for (const b of batches) this.completed(b, -1, -1);
        } else {
          this.handleResponse(node, batches, response);
        }
        this.wakeup();
      },
      (error: Error) => {
        for (const b of batches) this.failedAttempt(b, error);
        this.wakeup();
      },
    ).catch((e: unknown) => this.logger.error(`producer response handling failed: ${(e as Error)?.stack ?? String(e)}`));
  }

  private handleResponse(node: number, batches: ProducerBatch[], response: ProduceResponse): void {
    const results = new Map<string, ProduceResponse['responses'][number]['partitionResponses'][number]>();
    for (const t of response.responses) for (const p of t.partitionResponses) results.set(`${t.name}\u0000${p.index}`, p);
    for (const b of batches) {
      const r = results.get(`${b.topic}\u0000${b.partition}`);
      if (r === undefined) {
        this.failedAttempt(b, new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `broker ${node} did not answer for ${b.topic}-${b.partition}`, { topic: b.topic, partition: b.partition }));
      } else if (r.errorCode === ErrorCode.NONE) {
        this.completed(b, Number(r.baseOffset), Number(r.logAppendTimeMs));
      } else {
        const detail = r.errorMessage ?? r.recordErrors.find((e) => e.batchIndexErrorMessage !== null)?.batchIndexErrorMessage ?? undefined;
        this.failedAttempt(b, new KafkaError(r.errorCode, detail ?? undefined, { topic: b.topic, partition: b.partition, broker: node }));
      }
    }
  }

  private completed(b: ProducerBatch, baseOffset: number, logAppendTimeMs: number): void {
    this.accumulator.queue(b.topic, b.partition).inFlight--;
    b.inFlight = false;
    const bytes = b.reservedBytes;
    b.complete(baseOffset, logAppendTimeMs);
    this.accumulator.forget(b);
    this.pool.release(bytes);
  }

  private failedAttempt(b: ProducerBatch, error: Error): void {
    const q = this.accumulator.queue(b.topic, b.partition);
    q.inFlight--;
    b.inFlight = false;
    const now = Date.now();
    const code = error instanceof KafkaError ? error.code : ErrorCode.UNKNOWN_SERVER_ERROR;
    const expired = now - b.createdMs >= this.config.deliveryTimeoutMs;
    if (!this.stopped && !expired && code === ErrorCode.MESSAGE_TOO_LARGE && b.records.length > 1) {
      const [first, second] = b.split();
      this.accumulator.forget(b);
      this.accumulator.track(first);
      this.accumulator.track(second);
      q.batches.unshift(first, second);
      first.attempts = second.attempts = 0;
      return;
    }
    const retriable = error instanceof KafkaError && error.retriable;
    if (!this.stopped && retriable && !expired && b.attempts <= this.config.retries) {
      if (isStaleMetadataError(code)) {
        this.lastMetadataRequestMs = now;
        this.cluster.refreshMetadata().catch(() => undefined);
      }
      b.retryAtMs = now + backoffMs({ initialMs: this.config.retryBackoffMs, maxMs: this.config.retryBackoffMaxMs }, b.attempts - 1);
      this.logger.debug?.(`retrying ${b.topic}-${b.partition} (attempt ${b.attempts + 1}) after: ${error.message}`);
      this.accumulator.reenqueue(b);
      return;
    }
    this.finish(b, expired && retriable ? timeoutError(`Expiring ${b.records.length} record(s) for ${b.topic}-${b.partition}: delivery.timeout.ms (${this.config.deliveryTimeoutMs}) passed; last error: ${error.message}`, { topic: b.topic, partition: b.partition }) : error);
  }

  /** Fails a batch that is not in flight. */
  finish(b: ProducerBatch, error: Error): void {
    const bytes = b.reservedBytes;
    b.fail(error);
    this.accumulator.forget(b);
    this.pool.release(bytes);
  }
}

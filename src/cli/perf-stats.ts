/**
 * The perf tools' statistics and report lines, in Kafka's formats:
 * - ProducerStats (kafka-producer-perf-test): acknowledged records counted per 5 s window with
 *   average and max latency, a sample of at most 500,000 latencies for the percentiles, and the
 *   final `N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency,
 *   P50 ms 50th, P95 ms 95th, P99 ms 99th, P999 ms 99.9th.` (MB = 2^20 bytes).
 * - consumer perf header and lines (kafka-consumer-perf-test).
 */
import { fixed, formatDate, javaF } from './format.js';

export class ProducerStats {
  private readonly start: number;
  private readonly sampling: number;
  private readonly latencies: Int32Array;
  private index = 0;
  private iteration = 0;
  count = 0;
  bytes = 0;
  private maxLatency = 0;
  private totalLatency = 0;
  private windowStart: number;
  private windowCount = 0;
  private windowBytes = 0;
  private windowMaxLatency = 0;
  private windowTotalLatency = 0;

  constructor(
    numRecords: number,
    private readonly nowMs: () => number,
    private readonly print: (line: string) => void,
    private readonly reportingIntervalMs = 5_000,
    private readonly label = '',
  ) {
    this.start = nowMs();
    this.windowStart = this.start;
    this.sampling = Math.max(1, Math.floor(numRecords / Math.max(1, Math.min(numRecords, 500_000))));
    this.latencies = new Int32Array(Math.floor(numRecords / this.sampling) + 1);
  }

  /** One acknowledged record: its latency (ms), its value size, the time of the ack. */
  record(latencyMs: number, bytes: number, nowMs: number): void {
    this.count++;
    this.bytes += bytes;
    this.totalLatency += latencyMs;
    if (latencyMs > this.maxLatency) this.maxLatency = latencyMs;
    this.windowCount++;
    this.windowBytes += bytes;
    this.windowTotalLatency += latencyMs;
    if (latencyMs > this.windowMaxLatency) this.windowMaxLatency = latencyMs;
    if (this.iteration % this.sampling === 0 && this.index < this.latencies.length) this.latencies[this.index++] = latencyMs;
    this.iteration++;
    if (nowMs - this.windowStart >= this.reportingIntervalMs) {
      this.printWindow(nowMs);
      this.windowStart = nowMs;
      this.windowCount = 0;
      this.windowBytes = 0;
      this.windowMaxLatency = 0;
      this.windowTotalLatency = 0;
    }
  }

  private printWindow(nowMs: number): void {
    const elapsed = Math.max(1, nowMs - this.windowStart);
    const recsPerSec = (1000 * this.windowCount) / elapsed;
    const mbPerSec = (1000 * this.windowBytes) / elapsed / (1024 * 1024);
    this.print(
      `${this.windowCount} records sent, ${fixed(recsPerSec, 1)} records/sec (${fixed(mbPerSec, 2)} MB/sec), ` +
        `${fixed(this.windowTotalLatency / this.windowCount, 1)} ms avg latency, ${fixed(this.windowMaxLatency, 1)} ms max latency.`,
    );
  }

  /** The final report figures (also used by the benchmark). */
  totals(): { count: number; recordsPerSec: number; mbPerSec: number; avgLatencyMs: number; maxLatencyMs: number; p50: number; p95: number; p99: number; p999: number } {
    const elapsed = Math.max(1, this.nowMs() - this.start);
    const sorted = this.latencies.slice(0, this.index).sort();
    const pct = (p: number): number => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!);
    return {
      count: this.count,
      recordsPerSec: (1000 * this.count) / elapsed,
      mbPerSec: (1000 * this.bytes) / elapsed / (1024 * 1024),
      avgLatencyMs: this.count === 0 ? 0 : this.totalLatency / this.count,
      maxLatencyMs: this.maxLatency,
      p50: pct(0.5),
      p95: pct(0.95),
      p99: pct(0.99),
      p999: pct(0.999),
    };
  }

  printTotal(): void {
    const t = this.totals();
    this.print(
      `${t.count}${this.label} records sent, ${javaF(t.recordsPerSec)} records/sec (${fixed(t.mbPerSec, 2)} MB/sec), ` +
        `${fixed(t.avgLatencyMs, 2)} ms avg latency, ${fixed(t.maxLatencyMs, 2)} ms max latency, ` +
        `${t.p50} ms 50th, ${t.p95} ms 95th, ${t.p99} ms 99th, ${t.p999} ms 99.9th.`,
    );
  }
}

/** Kafka's ThroughputThrottler: sleeps so that sends average `targetPerSec` (< 0: no limit). */
export class Throttler {
  private readonly sleepNsPerRecord: number;
  constructor(
    private readonly targetPerSec: number,
    private readonly startMs: number,
  ) {
    this.sleepNsPerRecord = targetPerSec > 0 ? 1e9 / targetPerSec : 0;
  }

  /** How long to wait (ms) before sending record number `sent`, or 0. */
  delayMs(sent: number, nowMs: number): number {
    if (this.targetPerSec < 0) return 0;
    if (this.targetPerSec === 0) return 1_000; // Kafka waits forever; we poll.
    const elapsed = Math.max(0, nowMs - this.startMs);
    const expectedMs = (sent * this.sleepNsPerRecord) / 1e6;
    return expectedMs > elapsed ? expectedMs - elapsed : 0;
  }
}

const MB = 1024 * 1024;

export function consumerPerfHeader(detailed: boolean): string {
  const extra = ', rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';
  return detailed
    ? `time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec${extra}`
    : `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec${extra}`;
}

/** The summary line (without --show-detailed-stats). */
export function consumerPerfSummary(o: {
  startMs: number;
  endMs: number;
  bytes: number;
  messages: number;
  joinTimeMs: number;
  dateFormat: string;
}): string {
  const elapsedSec = (o.endMs - o.startMs) / 1000;
  const fetchTimeMs = o.endMs - o.startMs - o.joinTimeMs;
  const mb = o.bytes / MB;
  return [
    formatDate(o.startMs, o.dateFormat),
    formatDate(o.endMs, o.dateFormat),
    fixed(mb, 4),
    fixed(mb / elapsedSec, 4),
    String(o.messages),
    fixed(o.messages / elapsedSec, 4),
    String(o.joinTimeMs),
    String(fetchTimeMs),
    fixed(mb / (fetchTimeMs / 1000), 4),
    fixed(o.messages / (fetchTimeMs / 1000), 4),
  ].join(', ');
}

/** One --show-detailed-stats line for the interval [startMs, endMs]. */
export function consumerPerfProgress(o: {
  bytes: number;
  lastBytes: number;
  messages: number;
  lastMessages: number;
  startMs: number;
  endMs: number;
  joinTimeMs: number;
  dateFormat: string;
}): string {
  const elapsedMs = o.endMs - o.startMs;
  const intervalMb = (o.bytes - o.lastBytes) / MB;
  const fetchTimeMs = elapsedMs - o.joinTimeMs;
  const intervalMsgs = o.messages - o.lastMessages;
  return [
    formatDate(o.endMs, o.dateFormat),
    '0',
    fixed(o.bytes / MB, 4),
    fixed((1000 * intervalMb) / elapsedMs, 4),
    String(o.messages),
    fixed((intervalMsgs / elapsedMs) * 1000, 4),
    String(o.joinTimeMs),
    String(fetchTimeMs),
    fixed(fetchTimeMs <= 0 ? 0 : (1000 * intervalMb) / fetchTimeMs, 4),
    fixed(fetchTimeMs <= 0 ? 0 : (1000 * intervalMsgs) / fetchTimeMs, 4),
  ].join(', ');
}

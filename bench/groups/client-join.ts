/**
 * Join to stable with our own client: the same rounds as the raw-request members (10 consumers
 * subscribe to one topic of 100 partitions in a fresh group, then an 11th joins), but each member
 * is a src/client Consumer (range assignor, heartbeat.interval.ms as the raw members) polling in
 * a loop, all in this process. Stable: every consumer's last onPartitionsAssigned, all of one
 * generation, together assign each partition exactly once. Fresh consumers per round, so each
 * join includes what a starting consumer does first (bootstrap connection, metadata,
 * FindCoordinator); that cost is what separates these figures from the raw ones.
 */
import { Kafka } from '../../src/client/index.js';
import type { Consumer } from '../../src/client/consumer/consumer.js';
import type { ClientLogger, TopicPartition } from '../../src/client/types.js';

export interface ClientJoinSettings {
  bootstrap: string;
  topic: string;
  partitions: number;
  members: number;
  heartbeatMs: number;
  stableTimeoutMs: number;
}

export interface ClientRound {
  joinMs: number;
  rebalanceMs: number;
}

/** The client's warnings and errors (the first 20), for the report. */
export class CollectingLogger implements ClientLogger {
  readonly lines: string[] = [];
  count = 0;
  info(): void {}
  warn(message: string): void {
    this.keep(`WARN ${message}`);
  }
  error(message: string): void {
    this.keep(`ERROR ${message}`);
  }
  private keep(line: string): void {
    this.count++;
    if (this.lines.length < 20) this.lines.push(line);
  }
}

interface Polling {
  consumer: Consumer;
  assigned: TopicPartition[] | null;
  generation: number;
  loop: Promise<void>;
  stopped: boolean;
}

/** Waits until the consumers' assignments are stable (see the file comment). */
class ClientStableWatch {
  private readonly members: Polling[] = [];
  private partitions = 0;
  private done: (() => void) | null = null;

  add(p: Polling): void {
    this.members.push(p);
  }

  /** Resolves once every consumer holds an assignment of one generation and they cover each partition once. */
  expect(partitions: number): Promise<void> {
    return new Promise((resolve) => {
      this.partitions = partitions;
      this.done = resolve;
      this.check();
    });
  }

  check(): void {
    if (this.done === null) return;
    const generations = new Set(this.members.map((m) => m.generation));
    if (generations.size !== 1 || this.members.some((m) => m.assigned === null)) return;
    const seen = new Set<string>();
    for (const m of this.members) for (const tp of m.assigned!) seen.add(`${tp.topic}-${tp.partition}`);
    const total = this.members.reduce((n, m) => n + m.assigned!.length, 0);
    if (seen.size !== this.partitions || total !== this.partitions) return;
    const done = this.done;
    this.done = null;
    done();
  }
}

function startConsumer(kafka: Kafka, s: ClientJoinSettings, groupId: string, watch: ClientStableWatch): Polling {
  const consumer = kafka.consumer({
    'group.id': groupId,
    'partition.assignment.strategy': 'range',
    'heartbeat.interval.ms': s.heartbeatMs,
    'session.timeout.ms': 30_000,
    'enable.auto.commit': false,
    'auto.offset.reset': 'latest',
  });
  const p: Polling = { consumer, assigned: null, generation: -1, loop: Promise.resolve(), stopped: false };
  watch.add(p);
  consumer.subscribe([s.topic], {
    onPartitionsAssigned: (partitions) => {
      // Eager (range): each assignment is the member's whole share.
      p.assigned = partitions;
      p.generation = consumer.groupMetadata().generationId;
      watch.check();
    },
    onPartitionsRevoked: () => {
      p.assigned = null;
    },
  });
  p.loop = (async () => {
    while (!p.stopped) await consumer.poll(100);
  })();
  return p;
}

function withTimeout<T>(p: Promise<T>, loops: Promise<void>[], timeoutMs: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what())), timeoutMs);
  });
  const failures = loops.map((l) => l.then(() => new Promise<never>(() => undefined)));
  return Promise.race([p, timeout, ...failures]).finally(() => clearTimeout(timer));
}

/** One round: fresh consumers join group `groupId`, then an 11th joins; all close afterwards. */
export async function clientJoinRound(kafka: Kafka, s: ClientJoinSettings, groupId: string): Promise<ClientRound> {
  const watch = new ClientStableWatch();
  const started: Polling[] = [];
  const describe = (): string => started.map((p) => `gen ${p.generation} ${p.assigned?.length ?? '-'}p`).join(', ');
  try {
    const start = performance.now();
    for (let i = 0; i < s.members; i++) started.push(startConsumer(kafka, s, groupId, watch));
    await withTimeout(watch.expect(s.partitions), started.map((p) => p.loop), s.stableTimeoutMs, () => `${groupId}: ${s.members} consumers not stable after ${s.stableTimeoutMs} ms: ${describe()}`);
    const joinMs = performance.now() - start;
    const rebalanceStart = performance.now();
    started.push(startConsumer(kafka, s, groupId, watch));
    await withTimeout(watch.expect(s.partitions), started.map((p) => p.loop), s.stableTimeoutMs, () => `${groupId}: ${s.members + 1} consumers not stable after ${s.stableTimeoutMs} ms: ${describe()}`);
    return { joinMs, rebalanceMs: performance.now() - rebalanceStart };
  } finally {
    for (const p of started) p.stopped = true;
    await Promise.allSettled(started.map((p) => p.consumer.close()));
    await Promise.allSettled(started.map((p) => p.loop));
  }
}

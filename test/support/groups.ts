/**
 * Helpers for the consumer-group tests (test/client/mock-groups, test/client/groups): librdkafka's
 * mock cluster as a child process (built with ../shared/bench/build.sh), group members that poll
 * in the background and record what they read and which rebalance callbacks they saw, a producer
 * that keeps sending numbered records, and waiting for conditions.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Consumer, ConsumerRecord, Kafka, Producer, TopicPartition } from '../../src/index.js';
import { PROJECT_ROOT } from './interop.js';

const BUILD = join(PROJECT_ROOT, '../shared/bench/build.sh');
export const HAVE_LIBRDKAFKA_MOCK =
  existsSync('/usr/include/librdkafka/rdkafka_mock.h') && existsSync(BUILD) && spawnSync('cc', ['--version'], { stdio: 'ignore' }).status === 0;

export interface MockCluster {
  bootstrap: string;
  stop(): Promise<void>;
}

/** Builds and starts librdkafka's mock cluster with `topics` ("name:partitions") created. */
export async function startMockCluster(topics: readonly string[]): Promise<MockCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-mock-groups-'));
  const built = spawnSync(BUILD, [dir], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`building mockbroker failed:\n${built.stdout}${built.stderr}`);
  const mock: ChildProcess = spawn(join(dir, 'mockbroker'), ['-n', '1', ...topics.flatMap((t) => ['-t', t])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  mock.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise((r) => mock.once('exit', r));
  const bootstrap = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`mockbroker printed no bootstrap address:\n${stderr}`)), 10_000);
    mock.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.split('\n')[0]!.trim());
      }
    });
    mock.once('exit', (code) => reject(new Error(`mockbroker exited with ${code}:\n${stderr}`)));
  });
  return {
    bootstrap,
    async stop() {
      if (mock.exitCode === null) {
        mock.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const tpKey = (tp: TopicPartition): string => `${tp.topic}-${tp.partition}`;

const open = new Set<{ close(): Promise<void> }>();

/** Remembers a consumer (or anything closable) for closeAll(), so a failed test leaves nothing running. */
export function track<T extends { close(): Promise<void> }>(x: T): T {
  open.add(x);
  return x;
}

/** Closes everything track()ed (and every Member / SteadyProducer) that is still open; for afterEach. */
export async function closeAll(): Promise<void> {
  const all = [...open];
  open.clear();
  await Promise.allSettled(all.map((x) => x.close()));
}

export function sortedKeys(tps: readonly TopicPartition[]): string[] {
  return tps.map(tpKey).sort();
}

/** A group member polling in the background: what it read, and every rebalance callback in order. */
export class Member {
  readonly records: ConsumerRecord[] = [];
  readonly events: { kind: 'assigned' | 'revoked' | 'lost'; partitions: string[] }[] = [];
  readonly errors: unknown[] = [];
  private running = true;
  private loop: Promise<void> | null = null;

  constructor(
    readonly name: string,
    readonly consumer: Consumer,
  ) {
    track(this);
  }

  /** Subscribes with a recording listener and starts polling (`pollMs` per poll). */
  start(topics: readonly string[] | RegExp, pollMs = 200): this {
    this.consumer.subscribe(topics, {
      onPartitionsAssigned: (ps) => void this.events.push({ kind: 'assigned', partitions: sortedKeys(ps) }),
      onPartitionsRevoked: (ps) => void this.events.push({ kind: 'revoked', partitions: sortedKeys(ps) }),
      onPartitionsLost: (ps) => void this.events.push({ kind: 'lost', partitions: sortedKeys(ps) }),
    });
    this.loop = (async () => {
      while (this.running) {
        try {
          this.records.push(...(await this.consumer.poll(pollMs)));
        } catch (e) {
          this.errors.push(e);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
    return this;
  }

  assigned(): string[] {
    return sortedKeys(this.consumer.assignment());
  }

  values(): string[] {
    return this.records.map((r) => r.value!.toString());
  }

  /** Stops polling (the consumer stays in the group until close()). */
  async pause(): Promise<void> {
    this.running = false;
    this.consumer.stop();
    await this.loop;
  }

  async close(): Promise<void> {
    open.delete(this);
    await this.pause();
    await this.consumer.close();
  }
}

/** Sends numbered records ("<prefix>-<n>") round-robin over the partitions until stopped. */
export class SteadyProducer {
  readonly sent: string[] = [];
  private running = true;
  private readonly loop: Promise<void>;

  constructor(producer: Producer, topic: string, partitions: number, prefix: string, everyMs = 10) {
    track({ close: async () => void (await this.stop()) });
    this.loop = (async () => {
      for (let n = 0; this.running; n++) {
        const value = `${prefix}-${n}`;
        await producer.send({ topic, partition: n % partitions, value });
        this.sent.push(value);
        await new Promise((r) => setTimeout(r, everyMs));
      }
      await producer.close();
    })();
  }

  async stop(): Promise<string[]> {
    this.running = false;
    await this.loop;
    return this.sent;
  }
}

/** Waits until `check()` is true (polling every 50 ms), or throws naming `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Every value in `sent` appears in `got` (duplicates allowed: at-least-once). */
export function missing(sent: readonly string[], got: Iterable<string>): string[] {
  const have = new Set(got);
  return sent.filter((v) => !have.has(v));
}

/** Produces `count` records "<prefix>-<i>" to `topic`, spread over `partitions`. */
export async function produceNumbered(kafka: Kafka, topic: string, partitions: number, prefix: string, count: number): Promise<string[]> {
  const producer = kafka.producer({ 'linger.ms': 5 });
  const values = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  await Promise.all(values.map((value, i) => producer.send({ topic, partition: i % partitions, value })));
  await producer.close();
  return values;
}

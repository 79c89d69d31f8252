/**
 * For the broker admin tests (test/broker): a quiet in-process broker on an ephemeral port with
 * its own temporary log dir, and a bare protocol connection that sends requests encoded by our
 * codecs, for what KafkaJS cannot send.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { WireClient } from './wire-client.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '../../src/server/broker.js';
import type { Logger } from '../../src/handlers/types.js';

export const quietLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

export interface AdminTestBroker {
  broker: RunningBroker;
  address: string;
  host: string;
  port: number;
  dir: string;
  /** Stops the broker and removes its log dir. */
  stop(): Promise<void>;
}

export async function startAdminBroker(name: string, config: Record<string, string> = {}): Promise<AdminTestBroker> {
  const dir = mkdtempSync(join(tmpdir(), `tributary-${name}-`));
  let broker: RunningBroker;
  try {
    broker = await startBroker({ port: 0, host: '127.0.0.1', logDir: dir, logger: quietLogger, config });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  let stopped: Promise<void> | null = null;
  return {
    broker,
    address: broker.address,
    host: broker.host,
    port: broker.port,
    dir,
    stop: () =>
      (stopped ??= (async () => {
        try {
          await broker.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      })()),
  };
}

/** One connection; requests are answered in order, so one outstanding request at a time is enough here. */
/** Raw requests for what KafkaJS cannot send: the shared WireClient under the name these tests use. */
export class AdminRawClient {
  private constructor(private readonly wire: WireClient) {}

  static async connect(host: string, port: number): Promise<AdminRawClient> {
    return new AdminRawClient(await WireClient.connect(host, port, 'admin-raw'));
  }

  /** Sends a request (encoded by our codecs) and decodes its response. */
  request<T = any>(apiKey: number, apiVersion: number, body: unknown, timeoutMs = 10_000): Promise<T> {
    return this.wire.send<T>(apiKey, apiVersion, body, timeoutMs);
  }

  destroy(): void {
    void this.wire.close();
  }
}

/** Polls `check` until it returns a value other than undefined, or fails after timeoutMs. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * For the broker admin tests (test/broker): a quiet in-process broker on an ephemeral port with
 * its own temporary log dir, and a bare protocol connection that sends requests encoded by our
 * codecs, for what KafkaJS cannot send.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '../../src/server/broker.js';
import { decodeResponse, encodeRequest } from '../../src/protocol/frames.js';
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
export class AdminRawClient {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private waiter: (() => void) | null = null;
  private closed = false;
  private correlationId = 0;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffered = this.buffered.length === 0 ? d : Buffer.concat([this.buffered, d]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        this.frames.push(this.buffered.subarray(4, 4 + size));
        this.buffered = this.buffered.subarray(4 + size);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static async connect(host: string, port: number): Promise<AdminRawClient> {
    const socket = connect({ host, port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new AdminRawClient(socket);
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Sends a request (encoded by our codecs) and decodes its response. */
  async request<T = any>(apiKey: number, apiVersion: number, body: unknown, timeoutMs = 10_000): Promise<T> {
    const correlationId = ++this.correlationId;
    this.socket.write(encodeRequest({ requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId: 'admin-raw' }, body));
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closed) throw new Error(`connection closed instead of answering api ${apiKey} v${apiVersion}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no answer to api ${apiKey} v${apiVersion} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    const decoded = decodeResponse<T>(this.frames.shift()!, apiKey, apiVersion);
    if (decoded.correlationId !== correlationId) throw new Error(`correlation id ${decoded.correlationId}, expected ${correlationId}`);
    return decoded.body;
  }

  destroy(): void {
    this.socket.destroy();
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

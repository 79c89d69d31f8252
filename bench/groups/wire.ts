/**
 * The groups benchmark's Kafka connection: raw requests encoded with the generated codecs
 * (src/protocol/frames.ts), responses matched by correlation id, several requests in flight at
 * once. Kept this thin so the load generator costs the measurements as little as possible.
 * Every request has a timeout, so a broker that stops answering ends the benchmark with a
 * message naming the request instead of hanging it.
 */
import { connect, type Socket } from 'node:net';
import { decodeResponse, encodeRequest } from '../../src/protocol/frames.js';

interface Pending {
  apiKey: number;
  version: number;
  resolve: (body: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class BenchConnection {
  private nextCorrelationId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffered: Buffer = Buffer.alloc(0);
  private failure: Error | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly clientId: string,
    private readonly timeoutMs: number,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.failAll(e));
    socket.on('close', () => this.failAll(new Error(`connection ${clientId} closed`)));
  }

  static open(host: string, port: number, clientId: string, timeoutMs = 30_000): Promise<BenchConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new BenchConnection(socket, clientId, timeoutMs));
      });
    });
  }

  /** Sends one request; resolves with the decoded response body. */
  send<T>(apiKey: number, version: number, body: unknown): Promise<T> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const correlationId = this.nextCorrelationId++;
    const frame = encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: this.clientId }, body);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new Error(`${this.clientId}: no answer to api key ${apiKey} v${version} within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(correlationId, { apiKey, version, resolve: resolve as (b: unknown) => void, reject, timer });
      this.socket.write(frame);
    });
  }

  close(): Promise<void> {
    this.failure ??= new Error(`connection ${this.clientId} closed`);
    if (this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    while (this.buffered.length >= 4) {
      const size = this.buffered.readInt32BE(0);
      if (this.buffered.length < 4 + size) return;
      const payload = this.buffered.subarray(4, 4 + size);
      this.buffered = this.buffered.subarray(4 + size);
      const correlationId = payload.readInt32BE(0);
      const p = this.pending.get(correlationId);
      if (p === undefined) {
        this.failAll(new Error(`${this.clientId}: answer with unknown correlation id ${correlationId}`));
        this.socket.destroy();
        return;
      }
      this.pending.delete(correlationId);
      clearTimeout(p.timer);
      try {
        p.resolve(decodeResponse(payload, p.apiKey, p.version).body);
      } catch (e) {
        p.reject(e as Error);
      }
    }
  }

  private failAll(e: Error): void {
    this.failure ??= e;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(e);
      this.pending.delete(id);
    }
  }
}

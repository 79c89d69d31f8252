/**
 * A minimal Kafka wire client for tests: one socket, requests encoded with the generated codecs
 * (protocol/frames.ts), responses matched to their requests by correlation id. Requests may be
 * pipelined; each has a timeout so a broker that never answers fails the test instead of
 * hanging it.
 */
import { connect, type Socket } from 'node:net';
import { decodeResponse, encodeRequest } from '../../src/protocol/frames.js';
import type { FetchRequest } from '../../src/protocol/generated/messages/FetchRequest.js';
import type { FetchResponse } from '../../src/protocol/generated/messages/FetchResponse.js';
import type { ProduceRequest } from '../../src/protocol/generated/messages/ProduceRequest.js';
import type { ProduceResponse } from '../../src/protocol/generated/messages/ProduceResponse.js';
import type { CreateTopicsRequest } from '../../src/protocol/generated/messages/CreateTopicsRequest.js';
import type { CreateTopicsResponse } from '../../src/protocol/generated/messages/CreateTopicsResponse.js';
import type { Input } from '../../src/protocol/primitives/types.js';
import { buildRecordBatch, type RecordInput } from '../../src/protocol/records/builder.js';

interface Pending {
  apiKey: number;
  version: number;
  resolve: (body: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class WireClient {
  private nextCorrelationId = 1;
  private readonly pending = new Map<number, Pending>();
  private buffered: Buffer = Buffer.alloc(0);
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    readonly clientId: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.failAll(e));
    socket.on('close', () => this.failAll(new Error('connection closed')));
  }

  static connect(host: string, port: number, clientId = 'wire-test'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.setNoDelay(true);
        resolve(new WireClient(socket, clientId));
      });
    });
  }

  /** Sends one request and resolves with its decoded response body. */
  send<T = unknown>(apiKey: number, version: number, body: unknown, timeoutMs = 10_000): Promise<T> {
    if (this.closed) return Promise.reject(new Error('client closed'));
    const correlationId = this.nextCorrelationId++;
    const frame = encodeRequest({ requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: this.clientId }, body);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new Error(`no response to api ${apiKey} v${version} (correlation id ${correlationId}) within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(correlationId, { apiKey, version, resolve: resolve as (b: unknown) => void, reject, timer });
      this.socket.write(frame);
    });
  }

  fetch(version: number, body: Input<FetchRequest>, timeoutMs?: number): Promise<FetchResponse> {
    return this.send<FetchResponse>(1, version, body, timeoutMs);
  }

  produce(version: number, body: Input<ProduceRequest>): Promise<ProduceResponse> {
    return this.send<ProduceResponse>(0, version, body);
  }

  /** Creates topics (CreateTopics v7) and returns name → topic id; fails on any error. */
  async createTopics(topics: { name: string; partitions: number; configs?: Record<string, string> }[]): Promise<Map<string, string>> {
    const request: Input<CreateTopicsRequest> = {
      topics: topics.map((t) => ({
        name: t.name,
        numPartitions: t.partitions,
        replicationFactor: 1,
        assignments: [],
        configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
      })),
      timeoutMs: 10_000,
      validateOnly: false,
    };
    const response = await this.send<CreateTopicsResponse>(19, 7, request);
    const ids = new Map<string, string>();
    for (const t of response.topics) {
      if (t.errorCode !== 0) throw new Error(`CreateTopics ${t.name}: error ${t.errorCode} ${t.errorMessage ?? ''}`);
      ids.set(t.name, t.topicId);
    }
    return ids;
  }

  /** Produces one batch with acks=-1 (so it is readable once answered); returns its base offset. */
  async produceBatch(topic: string, partition: number, records: readonly RecordInput[]): Promise<number> {
    const response = await this.produce(9, {
      transactionalId: null,
      acks: -1,
      timeoutMs: 10_000,
      topicData: [{ name: topic, partitionData: [{ index: partition, records: buildRecordBatch(records, { timestampMs: Date.now() }) }] }],
    });
    const p = response.responses[0]!.partitionResponses[0]!;
    if (p.errorCode !== 0) throw new Error(`Produce ${topic}-${partition}: error ${p.errorCode} ${p.errorMessage ?? ''}`);
    return Number(p.baseOffset);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    // The broker may have closed the connection already (it shut down): then there is no 'close' to wait for.
    if (this.socket.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      this.socket.destroySoon?.();
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
        this.failAll(new Error(`response with unknown correlation id ${correlationId}`));
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
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(e);
      this.pending.delete(id);
    }
  }
}

/** Bytes of a string, for record keys and values. */
export function bytes(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}

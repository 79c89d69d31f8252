/**
 * A scriptable fake Kafka broker for client tests: a TCP server that decodes requests with the
 * protocol codecs and answers what the test's handler returns (a body, a raw frame, nothing, or
 * later), with its own advertised API version ranges. Every request is recorded.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { decodeRequest, encodeResponse, UnsupportedRequestError } from '../../src/protocol/frames.js';
import { API_DEFINITIONS } from '../../src/protocol/generated/registry.js';

export interface SeenRequest {
  apiKey: number;
  version: number;
  correlationId: number;
  body: any;
  atMs: number;
  socket: Socket;
}

/** What a handler returns: a body to encode, `{ raw }` bytes to send, or null for no answer. */
export type Answer = { body: unknown } | { raw: Buffer } | null;

export interface FakeBrokerOptions {
  nodeId?: number;
  /** API version ranges to advertise (default: every codec's full range). */
  versions?: Map<number, [number, number]>;
  /** Answers a request; default: ApiVersions only. May be async (answers then go out when it resolves). */
  handle?: (req: SeenRequest, broker: FakeBroker) => Answer | Promise<Answer> | undefined;
}

export class FakeBroker {
  readonly seen: SeenRequest[] = [];
  readonly sockets = new Set<Socket>();
  readonly nodeId: number;
  port = 0;
  versions: Map<number, [number, number]>;
  private readonly server: Server;
  private readonly options: FakeBrokerOptions;

  private constructor(options: FakeBrokerOptions) {
    this.options = options;
    this.nodeId = options.nodeId ?? 1;
    this.versions = options.versions ?? new Map(API_DEFINITIONS.map((a) => [a.apiKey, [a.minVersion, a.maxVersion] as [number, number]]));
    this.server = createServer((socket) => this.accept(socket));
  }

  static async start(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
    const b = new FakeBroker(options);
    await new Promise<void>((resolve) => b.server.listen(0, '127.0.0.1', resolve));
    b.port = (b.server.address() as { port: number }).port;
    return b;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  requests(apiKey: number): SeenRequest[] {
    return this.seen.filter((r) => r.apiKey === apiKey);
  }

  /** The standard ApiVersions answer (errorCode 0) with this broker's ranges. */
  apiVersionsBody(errorCode = 0): unknown {
    return { errorCode, apiKeys: [...this.versions].map(([apiKey, [minVersion, maxVersion]]) => ({ apiKey, minVersion, maxVersion })), throttleTimeMs: 0 };
  }

  send(req: SeenRequest, answer: Answer): void {
    if (answer === null || req.socket.destroyed) return;
    req.socket.write('raw' in answer ? answer.raw : encodeResponse(req.apiKey, req.version, req.correlationId, answer.body));
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const size = buffered.readInt32BE(0);
        const payload = buffered.subarray(4, 4 + size);
        buffered = buffered.subarray(4 + size);
        this.onRequest(socket, payload);
      }
    });
  }

  private onRequest(socket: Socket, payload: Buffer): void {
    let decoded;
    try {
      decoded = decodeRequest(payload);
    } catch (e) {
      if (e instanceof UnsupportedRequestError && e.apiKey === 18) {
        // KIP-511: a v0 answer with UNSUPPORTED_VERSION and our ranges.
        socket.write(encodeResponse(18, 0, e.correlationId, this.apiVersionsBody(35)));
        return;
      }
      socket.destroy();
      return;
    }
    const req: SeenRequest = {
      apiKey: decoded.header.requestApiKey,
      version: decoded.header.requestApiVersion,
      correlationId: decoded.header.correlationId,
      body: decoded.body,
      atMs: Date.now(),
      socket,
    };
    this.seen.push(req);
    const range = this.versions.get(req.apiKey);
    if (req.apiKey === 18 && range !== undefined && req.version > range[1]) {
      socket.write(encodeResponse(18, 0, req.correlationId, this.apiVersionsBody(35)));
      return;
    }
    const answer = this.options.handle?.(req, this);
    if (answer === undefined) {
      if (req.apiKey === 18) this.send(req, { body: this.apiVersionsBody() });
      return;
    }
    if (answer instanceof Promise) void answer.then((a) => this.send(req, a));
    else this.send(req, answer);
  }
}

/** A Metadata answer naming `brokers` and topics with partition leaders. */
export function metadataBody(brokers: FakeBroker[], topics: Record<string, number[]>, controllerId = brokers[0]!.nodeId): unknown {
  return {
    throttleTimeMs: 0,
    brokers: brokers.map((b) => ({ nodeId: b.nodeId, host: '127.0.0.1', port: b.port, rack: null })),
    clusterId: 'fake-cluster',
    controllerId,
    topics: Object.entries(topics).map(([name, leaders]) => ({
      errorCode: 0,
      name,
      topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
      isInternal: false,
      partitions: leaders.map((leader, i) => ({ errorCode: 0, partitionIndex: i, leaderId: leader, leaderEpoch: 0, replicaNodes: [leader], isrNodes: [leader], offlineReplicas: [] })),
      topicAuthorizedOperations: -2147483648,
    })),
  };
}

/** A Produce answer: every partition of the request gets `errorCode` (and base offset `baseOffset`). */
export function produceBody(request: any, errorCode: number, baseOffset = 0): unknown {
  return {
    responses: request.topicData.map((t: any) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p: any) => ({ index: p.index, errorCode, baseOffset: BigInt(baseOffset), logAppendTimeMs: -1n, logStartOffset: 0n, recordErrors: [], errorMessage: null })),
    })),
    throttleTimeMs: 0,
  };
}

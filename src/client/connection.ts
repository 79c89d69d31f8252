/**
 * One TCP connection to one broker: framing, correlation ids, pipelining, timeouts, throttling.
 *
 * - Connect: TCP, then ApiVersions v3 (KIP-511: a broker that does not know v3 answers a v0 body
 *   with UNSUPPORTED_VERSION and its ApiVersions range; we retry with the highest version it
 *   has). The broker's ranges then pick each request's version (versions.ts). The whole setup
 *   is bounded by `connectTimeoutMs`.
 * - Pipelining: up to `maxInFlight` requests wait for answers at once; more queue here in order.
 *   Answers are matched by correlation id (Kafka answers in order on a connection; an answer
 *   for an id we are not waiting for is a protocol error that closes the connection).
 * - A request without an answer after `requestTimeoutMs` fails with REQUEST_TIMED_OUT and the
 *   connection closes (its byte stream can no longer be trusted to line up), failing every other
 *   request on it with NETWORK_EXCEPTION; both are retriable.
 * - Throttling (KIP-219): an answer with throttleTimeMs > 0 (for versions where the client must
 *   back off) holds back further requests on this connection until the time has passed.
 * - Requests that get no answer (Produce with acks=0) complete once written to the socket.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { encodeRequest } from '../protocol/frames.js';
import { apiDefinition, responseHeaderVersion } from '../protocol/apis.js';
import { Reader } from '../protocol/primitives/reader.js';
import { readResponseHeader } from '../protocol/generated/messages/ResponseHeader.js';
import { ApiKey } from '../protocol/generated/registry.js';
import { ErrorCode, KafkaError } from '../protocol/errors.js';
import type { ApiVersionsResponse } from '../protocol/generated/messages/ApiVersionsResponse.js';
import { networkError, timeoutError } from './errors.js';
import { apiName, chooseVersion, FIRST_API_VERSIONS_VERSION, type VersionRange } from './versions.js';
import type { ClientLogger } from './types.js';

export const CLIENT_SOFTWARE_NAME = 'tributary';
export const CLIENT_SOFTWARE_VERSION = '0.1.0';

/** First version of each API whose throttle time the client must honour itself (KIP-219). */
const CLIENT_THROTTLE_FROM: ReadonlyMap<number, number> = new Map([
  [ApiKey.Produce, 6],
  [ApiKey.Fetch, 8],
  [ApiKey.ListOffsets, 3],
  [ApiKey.Metadata, 6],
  [ApiKey.ApiVersions, 2],
  [ApiKey.CreateTopics, 3],
  [ApiKey.DeleteTopics, 2],
  [ApiKey.DeleteRecords, 1],
  [ApiKey.DescribeConfigs, 2],
  [ApiKey.AlterConfigs, 1],
  [ApiKey.CreatePartitions, 1],
  [ApiKey.IncrementalAlterConfigs, 0],
  [ApiKey.DescribeCluster, 0],
]);

/** Largest response frame accepted (a corrupt size must not make us buffer gigabytes). */
const MAX_RESPONSE_BYTES = 1024 * 1024 * 1024;

export interface ConnectionOptions {
  host: string;
  port: number;
  clientId: string;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  maxInFlight: number;
  logger: ClientLogger;
}

export interface RequestOptions {
  /** Use at most this version (e.g. Fetch v12 when a topic id is unknown). */
  maxVersion?: number;
  /** False for requests the broker does not answer (Produce acks=0). Default true. */
  expectResponse?: boolean;
  /** Overrides request.timeout.ms for this request (e.g. a Fetch's max wait plus the timeout). */
  timeoutMs?: number;
}

export interface Response<T> {
  version: number;
  body: T;
}

interface Pending {
  apiKey: number;
  build: (version: number) => unknown;
  options: RequestOptions;
  resolve: (r: Response<any>) => void;
  reject: (e: Error) => void;
  /** Forced version (ApiVersions during setup). */
  version?: number;
}

interface InFlight {
  apiKey: number;
  version: number;
  /** The request, kept to send it again at a lower version (see onFrame). */
  pending: Pending;
  resolve: (r: Response<any>) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class BrokerConnection {
  readonly host: string;
  readonly port: number;
  /** The broker's supported versions per API key, from ApiVersions. */
  readonly apiVersions = new Map<number, VersionRange>();
  /** Last time a request was queued (for connections.max.idle.ms). */
  lastUsedMs = Date.now();

  private readonly socket: Socket;
  private readonly options: ConnectionOptions;
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Map<number, InFlight>();
  private nextCorrelationId = 1;
  /** Highest version to use per API after a server's answers at higher versions did not parse. */
  private readonly versionCaps = new Map<number, number>();
  private throttledUntilMs = 0;
  private throttleTimer: NodeJS.Timeout | null = null;
  private chunks: Buffer[] = [];
  private chunkBytes = 0;
  private closedError: Error | null = null;
  private readonly closeListeners: ((error: Error) => void)[] = [];

  private constructor(socket: Socket, options: ConnectionOptions) {
    this.socket = socket;
    this.options = options;
    this.host = options.host;
    this.port = options.port;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.close(networkError(`connection to ${this.address} failed: ${err.message}`, { broker: this.address }, err)));
    socket.on('close', () => this.close(networkError(`connection to ${this.address} closed by the broker`, { broker: this.address })));
  }

  /** Opens a connection and negotiates API versions. Rejects with NETWORK_EXCEPTION or REQUEST_TIMED_OUT. */
  static async connect(options: ConnectionOptions): Promise<BrokerConnection> {
    const address = `${options.host}:${options.port}`;
    const socket = netConnect({ host: options.host, port: options.port });
    socket.setNoDelay(true);
    const conn = new BrokerConnection(socket, options);
    const timer = setTimeout(() => {
      conn.close(timeoutError(`connection to ${address} not ready after ${options.connectTimeoutMs} ms (socket.connection.setup.timeout.ms)`, { broker: address }));
    }, options.connectTimeoutMs);
    try {
      await new Promise<void>((resolve, reject) => {
        const onConnect = (): void => {
          conn.offClose(onClose);
          resolve();
        };
        const onClose = (e: Error): void => {
          socket.off('connect', onConnect);
          reject(e);
        };
        socket.once('connect', onConnect);
        conn.onClose(onClose);
      });
      await conn.negotiateVersions();
      return conn;
    } catch (e) {
      conn.close(e instanceof Error ? e : new Error(String(e)));
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get closed(): boolean {
    return this.closedError !== null;
  }

  /** Requests sent and not yet answered. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /**
   * True while fewer than max-in-flight requests are queued or in flight: a new request goes out
   * at once, or as soon as a throttle time ends (the connection sends it then by itself).
   */
  get hasCapacity(): boolean {
    return !this.closed && this.queue.length + this.inFlight.size < this.options.maxInFlight;
  }

  /** Requests queued or in flight: how loaded the connection is. */
  get load(): number {
    return this.queue.length + this.inFlight.size;
  }

  onClose(listener: (error: Error) => void): void {
    if (this.closedError !== null) listener(this.closedError);
    else this.closeListeners.push(listener);
  }

  private offClose(listener: (error: Error) => void): void {
    const i = this.closeListeners.indexOf(listener);
    if (i >= 0) this.closeListeners.splice(i, 1);
  }

  /** The version that a request of `apiKey` would use here. Throws UNSUPPORTED_VERSION. */
  versionFor(apiKey: number, maxVersion?: number): number {
    const cap = this.versionCaps.get(apiKey);
    return chooseVersion(apiKey, this.apiVersions.get(apiKey), cap === undefined ? maxVersion : Math.min(cap, maxVersion ?? cap));
  }

  /**
   * Sends a request built for the negotiated version by `build(version)`, and resolves with the
   * decoded answer (or `{ version, body: null }` when no answer is expected).
   */
  request<T>(apiKey: number, build: (version: number) => unknown, options: RequestOptions = {}): Promise<Response<T>> {
    return new Promise<Response<T>>((resolve, reject) => {
      if (this.closedError !== null) {
        reject(this.closedError);
        return;
      }
      this.lastUsedMs = Date.now();
      this.queue.push({ apiKey, build, options, resolve, reject });
      this.pump();
    });
  }

  /** Closes the connection, failing every queued and in-flight request with `error`. */
  close(error: Error = networkError(`connection to ${this.address} closed by the client`, { broker: this.address })): void {
    if (this.closedError !== null) return;
    this.closedError = error;
    if (this.throttleTimer !== null) clearTimeout(this.throttleTimer);
    this.socket.destroy();
    for (const f of this.inFlight.values()) {
      clearTimeout(f.timer);
      f.reject(error);
    }
    this.inFlight.clear();
    for (const p of this.queue.splice(0)) p.reject(error);
    for (const l of this.closeListeners.splice(0)) l(error);
    this.chunks = [];
  }

  private async negotiateVersions(): Promise<void> {
    let version = FIRST_API_VERSIONS_VERSION;
    for (let attempt = 0; attempt <= FIRST_API_VERSIONS_VERSION; attempt++) {
      const response = await new Promise<Response<ApiVersionsResponse>>((resolve, reject) => {
        this.queue.push({
          apiKey: ApiKey.ApiVersions,
          version,
          build: () => ({ clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION }),
          options: {},
          resolve,
          reject,
        });
        this.pump();
      });
      const body = response.body;
      if (body.errorCode === ErrorCode.UNSUPPORTED_VERSION && version > 0) {
        const own = body.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions);
        const next = own === undefined ? version - 1 : Math.min(own.maxVersion, version - 1);
        this.options.logger.debug?.(`${this.address}: ApiVersions v${version} unsupported, retrying with v${next}`);
        version = next;
        continue;
      }
      if (body.errorCode !== ErrorCode.NONE) throw new KafkaError(body.errorCode, undefined, { broker: this.address, api: 'ApiVersions' });
      for (const k of body.apiKeys) this.apiVersions.set(k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion });
      return;
    }
    throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `${this.address} accepts no ApiVersions version`, { broker: this.address });
  }

  private pump(): void {
    if (this.closedError !== null) return;
    let corked = false;
    while (this.queue.length > 0 && this.inFlight.size < this.options.maxInFlight) {
      if (Date.now() < this.throttledUntilMs) {
        this.scheduleAfterThrottle();
        break;
      }
      const p = this.queue.shift()!;
      let frame: Buffer;
      let version: number;
      const correlationId = this.nextCorrelationId;
      this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
      try {
        version = p.version ?? this.versionFor(p.apiKey, p.options.maxVersion);
        frame = encodeRequest(
          { requestApiKey: p.apiKey, requestApiVersion: version, correlationId, clientId: this.options.clientId },
          p.build(version),
        );
      } catch (e) {
        p.reject(e instanceof Error ? e : new Error(String(e)));
        continue;
      }
      if (!corked) {
        this.socket.cork();
        corked = true;
      }
      if (p.options.expectResponse === false) {
        this.socket.write(frame, (err) => {
          if (err) p.reject(networkError(`write to ${this.address} failed: ${err.message}`, { broker: this.address }, err));
          else p.resolve({ version, body: null });
        });
        continue;
      }
      const timeoutMs = p.options.timeoutMs ?? this.options.requestTimeoutMs;
      const timer = setTimeout(() => {
        this.close(
          timeoutError(`${apiName(p.apiKey)} request to ${this.address} got no answer within ${timeoutMs} ms (request.timeout.ms)`, {
            broker: this.address,
            api: apiName(p.apiKey),
          }),
        );
      }, timeoutMs);
      this.inFlight.set(correlationId, { apiKey: p.apiKey, version, pending: p, resolve: p.resolve, reject: p.reject, timer });
      this.socket.write(frame);
    }
    if (corked) this.socket.uncork();
  }

  private scheduleAfterThrottle(): void {
    if (this.throttleTimer !== null) return;
    this.throttleTimer = setTimeout(() => {
      this.throttleTimer = null;
      this.pump();
    }, Math.max(0, this.throttledUntilMs - Date.now()));
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.chunkBytes += chunk.length;
    while (this.chunkBytes >= 4) {
      const size = this.peekSize();
      if (size < 4 || size > MAX_RESPONSE_BYTES) {
        this.close(networkError(`invalid response size ${size} from ${this.address}`, { broker: this.address }));
        return;
      }
      if (this.chunkBytes < 4 + size) return;
      const frame = this.take(4 + size);
      this.onFrame(frame.subarray(4));
      if (this.closedError !== null) return;
    }
  }

  private peekSize(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.concat(this.chunks, Math.min(4, this.chunkBytes));
    return head.readInt32BE(0);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      out = Buffer.allocUnsafe(n);
      let pos = 0;
      while (pos < n) {
        const c = this.chunks[0]!;
        const use = Math.min(c.length, n - pos);
        c.copy(out, pos, 0, use);
        pos += use;
        if (use === c.length) this.chunks.shift();
        else this.chunks[0] = c.subarray(use);
      }
    }
    this.chunkBytes -= n;
    return out;
  }

  private onFrame(payload: Buffer): void {
    if (payload.length < 4) {
      this.close(networkError(`response shorter than a header from ${this.address}`, { broker: this.address }));
      return;
    }
    const correlationId = payload.readInt32BE(0);
    const f = this.inFlight.get(correlationId);
    if (f === undefined) {
      this.close(networkError(`response with unexpected correlation id ${correlationId} from ${this.address}`, { broker: this.address }));
      return;
    }
    this.inFlight.delete(correlationId);
    clearTimeout(f.timer);
    let version = f.version;
    // KIP-511: an ApiVersions version the broker does not know is answered with a v0 body.
    if (f.apiKey === ApiKey.ApiVersions && version > 0 && payload.length >= 6 && payload.readInt16BE(4) === ErrorCode.UNSUPPORTED_VERSION) version = 0;
    let body: any;
    let trailing = 0;
    try {
      try {
        body = decodeBody(payload, f.apiKey, version, (n) => (trailing = n));
      } catch (e) {
        // Some servers answer an unknown ApiVersions version with a body no version decodes
        // (librdkafka's mock): without the broker's list, negotiation steps down one version.
        if (f.apiKey !== ApiKey.ApiVersions || payload.length < 6 || payload.readInt16BE(4) !== ErrorCode.UNSUPPORTED_VERSION) throw e;
        body = { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: [], throttleTimeMs: 0 };
      }
    } catch (e) {
      const err = networkError(`malformed ${apiName(f.apiKey)} v${version} response from ${this.address}: ${(e as Error).message}`, { broker: this.address }, e);
      f.reject(err);
      this.close(err);
      return;
    }
    if (trailing > 0 && f.pending.version === undefined) {
      // Bytes left over mean the server wrote this version differently from the spec (librdkafka
      // 2.0's mock writes an extra int32 per partition in ListOffsets v4+). The answer cannot be
      // trusted: send the request again one version lower, and stay there on this connection.
      const lower = version - 1;
      let usable = false;
      try {
        usable = this.versionFor(f.apiKey, lower) === lower;
      } catch {
        usable = false;
      }
      if (usable) {
        this.options.logger.warn(`${this.address}: ${trailing} bytes after a ${apiName(f.apiKey)} v${version} answer; using v${lower} on this connection`);
        this.versionCaps.set(f.apiKey, lower);
        this.queue.unshift(f.pending);
        this.pump();
        return;
      }
      this.options.logger.debug?.(`${this.address}: ${trailing} bytes after the ${apiName(f.apiKey)} v${version} response, ignored`);
    }
    const throttleMs = typeof body?.throttleTimeMs === 'number' ? body.throttleTimeMs : 0;
    if (throttleMs > 0 && version >= (CLIENT_THROTTLE_FROM.get(f.apiKey) ?? 0)) {
      this.throttledUntilMs = Math.max(this.throttledUntilMs, Date.now() + throttleMs);
    }
    f.resolve({ version: f.version === version ? version : f.version, body });
    this.pump();
  }
}

/**
 * Decodes a response payload (header and body). Bytes after the body are ignored, as Kafka's
 * Java client does (some servers, e.g. librdkafka's mock, send a few).
 */
function decodeBody(payload: Buffer, apiKey: number, version: number, onTrailing: (bytes: number) => void): unknown {
  const api = apiDefinition(apiKey);
  if (api === undefined) throw new Error(`no codec for api key ${apiKey}`);
  const r = new Reader(payload);
  readResponseHeader(r, responseHeaderVersion(apiKey, version));
  const body = api.response.read(r, version);
  if (r.remaining > 0) onTrailing(r.remaining);
  return body;
}

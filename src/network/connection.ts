/**
 * One client connection: frames in, requests handled (several at once, up to a limit),
 * responses out strictly in request order. Reading pauses while the limit of requests in
 * flight is reached or while the socket's write buffer is full (Kafka's "mute"), so memory per
 * connection stays bounded. A malformed frame or a handler's protocol error closes this
 * connection only, with the reason logged. Idle connections close after connections.max.idle.ms.
 */
import type { Socket } from 'node:net';
import { FrameDecoder } from './frame-decoder.js';

/** What a handler returns: response bytes (framed), several buffers written with one cork, or nothing (acks=0). */
export type Response = Buffer | readonly Buffer[] | null;

export interface RequestContext {
  connectionId: string;
  remoteAddress: string;
  /** Where the request arrived (the listener), for advertised addresses. */
  localPort: number;
}

/** Handles one request payload (the frame without its size). Throwing closes the connection. */
export type RequestHandler = (payload: Buffer, ctx: RequestContext) => Promise<Response>;

export interface ConnectionOptions {
  maxFrameBytes: number;
  /** Requests handled at once per connection; responses still leave in order. */
  maxInFlight: number;
  idleTimeoutMs: number;
  log: (level: 'info' | 'warn', message: string) => void;
}

interface Slot {
  done: boolean;
  response: Response;
}

export class Connection {
  readonly id: string;
  private readonly socket: Socket;
  private readonly decoder: FrameDecoder;
  private readonly handler: RequestHandler;
  private readonly options: ConnectionOptions;
  private readonly ctx: RequestContext;
  /** Requests in arrival order; the head is written as soon as it is done. */
  private readonly slots: Slot[] = [];
  /** Frames received but not started (reading is paused, but a chunk may hold several). */
  private readonly waiting: Buffer[] = [];
  private writeBlocked = false;
  private closed = false;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;

  constructor(socket: Socket, id: string, handler: RequestHandler, options: ConnectionOptions) {
    this.socket = socket;
    this.id = id;
    this.handler = handler;
    this.options = options;
    this.decoder = new FrameDecoder(options.maxFrameBytes);
    this.ctx = { connectionId: id, remoteAddress: `${socket.remoteAddress}:${socket.remotePort}`, localPort: socket.localPort ?? 0 };
    this.closedPromise = new Promise((r) => (this.resolveClosed = r));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.writeBlocked = false;
      this.pump();
    });
    socket.on('error', (e) => this.close(`socket error: ${e.message}`, 'info'));
    socket.on('close', () => this.close(null, 'info'));
    socket.on('end', () => this.onEnd());
    this.touch();
  }

  /** Resolves once the socket has closed. */
  get whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  get inFlight(): number {
    return this.slots.length;
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.touch();
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (e) {
      this.close(`malformed frame: ${(e as Error).message}`, 'warn');
      return;
    }
    for (const f of frames) this.waiting.push(f);
    this.pump();
  }

  private onEnd(): void {
    // The client half-closed: finish what was asked, then close. A partial frame can never complete.
    if (!this.closed && !this.decoder.isIdle) {
      this.options.log('info', `connection ${this.id} from ${this.ctx.remoteAddress}: the client ended its side in the middle of a request frame; the partial frame is dropped`);
    }
    if (this.slots.length === 0 && this.waiting.length === 0) this.socket.end();
  }

  /** Starts waiting requests while there is room, writes finished responses, pauses or resumes reading. */
  private pump(): void {
    if (this.closed) return;
    while (this.waiting.length > 0 && this.slots.length < this.options.maxInFlight) this.start(this.waiting.shift()!);
    while (this.slots.length > 0 && this.slots[0]!.done && !this.writeBlocked) {
      const { response } = this.slots.shift()!;
      if (response !== null) this.write(response);
    }
    const full = this.slots.length >= this.options.maxInFlight || this.waiting.length > 0 || this.writeBlocked;
    if (full) this.socket.pause();
    else this.socket.resume();
    if (this.socket.readableEnded && this.slots.length === 0 && this.waiting.length === 0) this.socket.end();
  }

  private start(payload: Buffer): void {
    const slot: Slot = { done: false, response: null };
    this.slots.push(slot);
    this.handler(payload, this.ctx).then(
      (response) => {
        slot.done = true;
        slot.response = response;
        this.touch();
        this.pump();
      },
      (e: unknown) => this.close(`request rejected: ${e instanceof Error ? e.message : String(e)}`, 'warn'),
    );
  }

  private write(response: Buffer | readonly Buffer[]): void {
    let ok: boolean;
    if (Buffer.isBuffer(response)) {
      ok = this.socket.write(response);
    } else {
      this.socket.cork();
      ok = true;
      for (const b of response as readonly Buffer[]) ok = this.socket.write(b) && ok;
      this.socket.uncork();
    }
    if (!ok) this.writeBlocked = true;
  }

  private touch(): void {
    if (this.closed || !(this.options.idleTimeoutMs > 0)) return;
    if (this.idleTimer !== null) this.idleTimer.refresh();
    else {
      this.idleTimer = setTimeout(() => {
        if (this.slots.length === 0) this.close(`idle for ${this.options.idleTimeoutMs} ms (connections.max.idle.ms)`, 'info');
        else this.touch();
      }, this.options.idleTimeoutMs);
      this.idleTimer.unref();
    }
  }

  /** Closes the connection, logging why (null: the peer closed it). */
  close(reason: string | null, level: 'info' | 'warn' = 'info'): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    if (reason !== null) this.options.log(level, `closing connection ${this.id} from ${this.ctx.remoteAddress}: ${reason}`);
    this.socket.destroy();
    this.resolveClosed();
  }

  /** Stops reading new requests, waits for those in flight to be answered, then closes. */
  async drain(timeoutMs: number): Promise<void> {
    this.waiting.length = 0;
    this.socket.pause();
    const deadline = Date.now() + timeoutMs;
    while (this.slots.length > 0 && !this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    this.close(null);
  }
}

/**
 * Helpers for the interop tests (test/interop): a broker per test file on an ephemeral port with
 * a collecting logger and its own temporary log dir; child processes (kcat, the Python clients)
 * that are tracked and killed when the file ends; LOUD skips when a system package is missing;
 * a raw protocol client for requests the clients cannot send.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTempBroker, type TempBroker } from './temp-broker.js';
import { HANDLERS } from '../../src/handlers/index.js';
import { decodeResponse, encodeRequest } from '../../src/protocol/frames.js';
import { apiDefinition } from '../../src/protocol/apis.js';
import type { Logger } from '../../src/handlers/types.js';

/** The project root, from dist/test/support or test/support alike. */
export const PROJECT_ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../' : '../../', import.meta.url));
export const PYTHON_DIR = join(PROJECT_ROOT, 'test/interop/python');
/** The apt Python (the `python3` on PATH may be a build that does not see apt packages). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

// ------------------------------------------------------------------ broker

export interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
}

export interface TestBroker extends TempBroker {
  /** Everything the broker logged, in order. */
  logs: LogLine[];
  /** Log lines logged since `mark` (an index into logs). */
  logsSince(mark: number): LogLine[];
}

/** Starts a broker on an ephemeral port with its own log dir. TRIBUTARY_TEST_LOG=1 echoes its log. */
export async function startTestBroker(name: string, config: Record<string, string> = {}): Promise<TestBroker> {
  const logs: LogLine[] = [];
  const echo = process.env['TRIBUTARY_TEST_LOG'] === '1';
  const logger: Logger = {
    info: (message) => push('info', message),
    warn: (message) => push('warn', message),
    error: (message) => push('error', message),
  };
  function push(level: LogLine['level'], message: string): void {
    logs.push({ level, message });
    if (echo) console.error(`[broker ${name}] ${level.toUpperCase()} ${message}`);
  }
  const started = await startTempBroker(`tributary-${name}-`, logger, config);
  return { ...started, logs, logsSince: (mark) => logs.slice(mark) };
}

/** Whether this build's broker serves an API key (the handler table ApiVersions advertises). */
export function serves(apiKey: number): boolean {
  return HANDLERS.some((h) => h.apiKey === apiKey);
}

/**
 * Test options for a test that needs handlers another change is adding: `{}` when they are all
 * there, else `{ todo: 'needs DeleteTopics handler' }` so the test shows up as to do.
 */
export function needs(...apiKeys: number[]): { todo?: string } {
  const missing = apiKeys.filter((k) => !serves(k)).map((k) => apiDefinition(k)?.name ?? `api ${k}`);
  return missing.length === 0 ? {} : { todo: `needs ${missing.join(', ')} handler${missing.length > 1 ? 's' : ''}` };
}

/**
 * The test body when the broker serves these APIs; otherwise a body that does nothing (the test
 * is marked todo by needs()), for bodies that would otherwise wait out a client's retries.
 */
export function ifServed<F extends (...args: any[]) => unknown>(apiKeys: readonly number[], fn: F): F | ((t: { diagnostic(message: string): void }) => void) {
  const { todo } = needs(...apiKeys);
  if (todo === undefined) return fn;
  return (t: { diagnostic(message: string): void }) => t.diagnostic(`not run: ${todo}`);
}

/** Kafka's API keys by name, from the generated registry (for needs() and raw requests). */
export { ApiKey } from '../../src/protocol/generated/registry.js';

// ------------------------------------------------------------------ system packages

/** `{ skip: reason }` with a loud warning when `available` is false, else `{}`. */
export function skipUnless(available: boolean, reason: string): { skip?: string } {
  if (available) return {};
  console.warn(`\n!!!!!!!! SKIPPED: ${reason} !!!!!!!!\n`);
  return { skip: reason };
}

export function commandWorks(command: string, args: string[]): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

export function hasKcat(): boolean {
  return commandWorks('kcat', ['-V']);
}

const pythonModules = new Map<string, boolean>();

/** Whether the apt Python can import all these modules (remembered per module). */
export function pythonHas(...modules: string[]): boolean {
  const unknown = modules.filter((m) => !pythonModules.has(m));
  if (unknown.length > 0) {
    // One interpreter start for all of them: it prints the ones it can import.
    const probe = unknown.map((m) => `\ntry:\n import ${m}\n print(${JSON.stringify(m)})\nexcept Exception:\n pass`).join('');
    const r = spawnSync(SYSTEM_PYTHON, ['-c', probe], { encoding: 'utf8', timeout: 20_000 });
    const found = new Set(r.status === 0 ? r.stdout.split('\n').map((l) => l.trim()) : []);
    for (const m of unknown) pythonModules.set(m, found.has(m));
  }
  return modules.every((m) => pythonModules.get(m) === true);
}

// ------------------------------------------------------------------ child processes

const children = new Set<ChildProcess>();

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
  ms: number;
}

/**
 * Runs a command to completion (or kills it after `timeoutMs`), feeding `input` on stdin.
 * Every child is tracked so that killChildren() can end those still running.
 */
export function run(command: string, args: readonly string[], options: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
    children.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => out.push(d));
    child.stderr!.on('data', (d: Buffer) => err.push(d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      children.delete(child);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8'), ms: Date.now() - started });
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(options.input ?? '');
  });
}

/** Like run(), but fails unless the command exits 0; returns stdout. */
export async function runOk(command: string, args: readonly string[], options: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<Buffer> {
  const r = await run(command, args, options);
  if (r.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${r.code ?? r.signal} after ${r.ms} ms\n--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout.toString('utf8').slice(0, 4000)}`);
  }
  return r.stdout;
}

/** A long-running child whose output the test reads while it runs. */
export interface LiveChild {
  child: ChildProcess;
  /** Complete stdout lines so far. */
  stdout: string[];
  /** Complete stderr lines so far. */
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Closes its stdin (the Python group members take that as "leave and exit"). */
  endInput(): void;
}

/** Starts a command and keeps reading its output line by line; tracked for killChildren(). */
export function startChild(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): LiveChild {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env });
  children.add(child);
  const lines = (stream: NodeJS.ReadableStream, into: string[]): void => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      const parts = (partial + d).split('\n');
      partial = parts.pop()!;
      into.push(...parts);
    });
    stream.on('end', () => {
      if (partial !== '') into.push(partial);
    });
  };
  const live: LiveChild = {
    child,
    stdout: [],
    stderr: [],
    exited: new Promise((resolve) => child.once('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    })),
    endInput: () => child.stdin!.end(),
  };
  lines(child.stdout!, live.stdout);
  lines(child.stderr!, live.stderr);
  child.stdin!.on('error', () => undefined);
  child.on('error', () => undefined);
  return live;
}

/** Kills every child process still running (each by its own pid). */
export function killChildren(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  children.clear();
}

/**
 * Runs a Python client script from test/interop/python with the apt Python: the bootstrap
 * address on argv, the JSON spec on stdin; returns the JSON it prints on stdout.
 */
export async function runPython<T = any>(script: string, address: string, spec: unknown, timeoutMs = 60_000): Promise<T> {
  const stdout = await runOk(SYSTEM_PYTHON, [join(PYTHON_DIR, script), address], { input: JSON.stringify(spec), timeoutMs });
  const text = stdout.toString('utf8');
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`${script} printed no JSON:\n${text.slice(0, 4000)}`);
  }
  if (process.env['TRIBUTARY_TEST_TIMING'] === '1' && parsed?.results) {
    for (const [id, r] of Object.entries(parsed.results as Record<string, { ms: number; ok: boolean }>)) console.error(`${script} ${id}: ${r.ms} ms${r.ok ? '' : ' (failed)'}`);
  }
  return parsed as T;
}

// ------------------------------------------------------------------ records

/** What every client's records are compared with: keys, values and header values byte for byte. */
export interface SentRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: [string, Buffer | null][];
  timestamp: number;
}

export const hex = (b: Buffer | null): string | null => (b === null ? null : b.toString('hex'));
export const unhex = (s: string | null): Buffer | null => (s === null ? null : Buffer.from(s, 'hex'));

/**
 * Records that exercise byte-exactness: every byte value in keys, values and header values,
 * invalid UTF-8, empty and null keys and values, duplicate and empty header keys, a large value.
 */
export function sampleRecords(tag: string, baseTimestamp: number, options: { nullHeaderValues?: boolean; count?: number } = {}): SentRecord[] {
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  const records: SentRecord[] = [
    { key: Buffer.from(`${tag}-k0`), value: Buffer.from(`${tag} plain`), headers: [], timestamp: baseTimestamp },
    { key: all, value: Buffer.concat([Buffer.from(tag), Buffer.from(all).reverse()]), headers: [['bin', Buffer.from([0, 255, 128, 10, 13])]], timestamp: baseTimestamp + 1 },
    { key: null, value: Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0x00]), headers: [['dup', Buffer.from('one')], ['dup', Buffer.from('two')], ['', Buffer.alloc(0)]], timestamp: baseTimestamp + 2 },
    { key: Buffer.alloc(0), value: Buffer.alloc(0), headers: [['ünï', Buffer.from('ç')]], timestamp: baseTimestamp + 3 },
    { key: Buffer.from(`${tag}-tombstone`), value: null, headers: options.nullHeaderValues ? [['n', null]] : [], timestamp: baseTimestamp + 4 },
    { key: Buffer.from(`${tag}-big`), value: Buffer.alloc(70_000, `${tag}-0123456789`), headers: [], timestamp: baseTimestamp + 5 },
  ];
  return records.slice(0, options.count ?? records.length);
}

/** The JSON form the Python scripts take and give back. */
export function toJsonRecord(r: SentRecord): { key: string | null; value: string | null; headers: [string, string | null][]; timestamp: number } {
  return { key: hex(r.key), value: hex(r.value), headers: r.headers.map(([k, v]) => [k, hex(v)]), timestamp: r.timestamp };
}

// ------------------------------------------------------------------ raw protocol client

/**
 * A bare Kafka protocol connection: send well-formed requests (encoded by our codecs) or any
 * bytes at all; read response frames; see whether the broker closed the connection.
 */
export class RawClient {
  private readonly socket: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private waiter: (() => void) | null = null;
  private nextCorrelationId = 1;
  closed = false;
  readonly whenClosed: Promise<void>;
  /** The client side's port: the broker's log names the connection by it. */
  readonly localPort: number;

  private constructor(socket: Socket) {
    this.socket = socket;
    this.localPort = socket.localPort ?? -1;
    this.whenClosed = new Promise((resolve) => socket.once('close', () => {
      this.closed = true;
      this.wake();
      resolve();
    }));
    socket.on('data', (d: Buffer) => {
      this.buffered = this.buffered.length === 0 ? d : Buffer.concat([this.buffered, d]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const size = this.buffered.readInt32BE(0);
        this.frames.push(this.buffered.subarray(4, 4 + size));
        this.buffered = this.buffered.subarray(4 + size);
      }
      this.wake();
    });
    socket.on('error', () => undefined);
  }

  static async connect(host: string, port: number): Promise<RawClient> {
    const socket = connect({ host, port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawClient(socket);
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Half-closes: no more bytes from us. */
  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** The next response frame (without its size), or null if the connection closed first. */
  async nextFrame(timeoutMs = 10_000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closed) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no response within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return this.frames.shift()!;
  }

  /** Resolves true if the broker closes the connection within timeoutMs (no frame expected). */
  async closesWithin(timeoutMs = 5_000): Promise<boolean> {
    const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
    return Promise.race([this.whenClosed.then(() => true as const), timeout]);
  }

  /** Encodes a request with our codecs (the header carries a fresh correlation id). */
  encode(apiKey: number, apiVersion: number, body: unknown, clientId = 'interop-raw'): { bytes: Buffer; correlationId: number } {
    const correlationId = this.nextCorrelationId++;
    return { bytes: encodeRequest({ requestApiKey: apiKey, requestApiVersion: apiVersion, correlationId, clientId }, body), correlationId };
  }

  /** Sends a well-formed request and decodes its response. */
  async request<T = any>(apiKey: number, apiVersion: number, body: unknown, timeoutMs = 10_000): Promise<T> {
    const { bytes, correlationId } = this.encode(apiKey, apiVersion, body);
    this.write(bytes);
    const frame = await this.nextFrame(timeoutMs);
    if (frame === null) throw new Error(`connection closed instead of answering api ${apiKey} v${apiVersion}`);
    const decoded = decodeResponse<T>(frame, apiKey, apiVersion);
    if (decoded.correlationId !== correlationId) throw new Error(`correlation id ${decoded.correlationId}, expected ${correlationId}`);
    return decoded.body;
  }
}

/** Polls `check` until it returns a value other than undefined, or fails after timeoutMs. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

// ------------------------------------------------------------------ comparing records

/** A consumed record as the Python scripts report it (bytes as hex). */
export interface JsonRecord {
  offset: number;
  timestamp: number;
  timestamp_type?: number;
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
}

/**
 * Checks consumed records against what was sent, byte for byte: offsets firstOffset.., keys,
 * values, header names/values/order and CreateTime timestamps.
 */
export function assertSameRecords(got: readonly JsonRecord[], sent: readonly SentRecord[], firstOffset: number, what: string): void {
  const describe = (r: JsonRecord | undefined): string => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 80)}...(${v.length})` : v));
  if (got.length !== sent.length) throw new Error(`${what}: ${got.length} records, expected ${sent.length}: ${got.map(describe).join('\n')}`);
  sent.forEach((s, i) => {
    const g = got[i]!;
    const where = `${what}: record ${i} (offset ${g.offset})`;
    if (g.offset !== firstOffset + i) throw new Error(`${where}: offset ${g.offset}, expected ${firstOffset + i}`);
    if (g.key !== hex(s.key)) throw new Error(`${where}: key ${describe(g)} differs from ${hex(s.key)?.slice(0, 80)}`);
    if (g.value !== hex(s.value)) throw new Error(`${where}: value differs (${g.value?.length ?? 'null'} hex chars, expected ${hex(s.value)?.length ?? 'null'})`);
    const wantHeaders = s.headers.map(([k, v]) => [k, hex(v)]);
    if (JSON.stringify(g.headers) !== JSON.stringify(wantHeaders)) throw new Error(`${where}: headers ${JSON.stringify(g.headers)}, expected ${JSON.stringify(wantHeaders)}`);
    if (g.timestamp !== s.timestamp) throw new Error(`${where}: timestamp ${g.timestamp}, expected ${s.timestamp}`);
  });
}

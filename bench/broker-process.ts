/**
 * The broker under a benchmark: `node dist/src/server/main.js` as a child process on a free
 * loopback port, so that the load (kperf, our tools, or raw requests from the bench process)
 * does not share its event loop. Used by the broker, groups and cli perf benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built broker (this file runs from dist/bench/). */
export const BROKER_MAIN = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..'), 'dist', 'src', 'server', 'main.js');
/** Linux USER_HZ: the unit of utime/stime in /proc/PID/stat (100 on every Linux architecture Node runs on). */
const CLK_TCK = 100;
const START_TIMEOUT_MS = 30_000;
/** Long enough for a broker under --cpu-prof to write its profile on SIGTERM. */
const STOP_TIMEOUT_MS = 60_000;

/** A loopback port free right now (the OS picks it; closed again before it is returned). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  server.close();
  await once(server, 'close');
  return port;
}

/** utime+stime of a process (`self` with `children`: of its reaped children) in seconds; NaN off Linux. */
export function cpuSeconds(pid: number | 'self', children = false): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // After "pid (comm) ": f[0] is field 3 (state); utime/stime are fields 14/15, cutime/cstime 16/17.
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    const ticks = children ? Number(f[13]) + Number(f[14]) : Number(f[11]) + Number(f[12]);
    return ticks / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

export interface BrokerProcessOptions {
  /** server.properties keys; listeners and log.dirs are set by start(). */
  overrides?: Record<string, string>;
  /** Node options before the script, e.g. --cpu-prof. */
  nodeArgs?: string[];
}

export class BrokerProcess {
  private tail: string[] = [];
  /** WARN and ERROR lines the broker logged (the first 50). */
  readonly complaints: string[] = [];
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.exited = new Promise((res) => child.once('exit', () => res()));
  }

  /** Starts a broker on a free port with its log in `logDir`; resolves once it listens, else kills it and throws. */
  static async start(logDir: string, options: BrokerProcessOptions = {}): Promise<BrokerProcess> {
    const port = await freePort();
    const props = { ...options.overrides, listeners: `PLAINTEXT://127.0.0.1:${port}`, 'log.dirs': logDir };
    const args = Object.entries(props).flatMap(([k, v]) => ['--override', `${k}=${v}`]);
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BROKER_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const broker = new BrokerProcess(child, port);
    const listening = new Promise<void>((res, rej) => {
      let partial = '';
      const onData = (d: string): void => {
        const lines = (partial + d).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) {
          broker.tail = [...broker.tail.slice(-19), line];
          if (/ (WARN|ERROR) /.test(line) && broker.complaints.length < 50) broker.complaints.push(line);
          if (line.includes('listening on')) res();
        }
      };
      child.stdout!.setEncoding('utf8').on('data', onData);
      child.stderr!.setEncoding('utf8').on('data', onData);
      child.once('exit', (code, signal) => rej(new Error(`broker exited during startup (code ${code}, signal ${signal}): ${broker.lastLines}`)));
      child.once('error', rej);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`broker not listening after ${START_TIMEOUT_MS} ms: ${broker.lastLines}`)), START_TIMEOUT_MS);
    });
    try {
      await Promise.race([listening, timeout]);
    } catch (e) {
      child.kill('SIGKILL');
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return broker;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** host:port for clients. */
  get bootstrap(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The broker's last output lines, for error messages. */
  get lastLines(): string {
    return this.tail.slice(-5).join(' | ');
  }

  /** CPU seconds (user + system) the broker has used; NaN off Linux. */
  cpuSeconds(): number {
    return cpuSeconds(this.pid);
  }

  /** SIGTERM (a clean shutdown, which also writes a --cpu-prof profile), SIGKILL after STOP_TIMEOUT_MS. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
  }
}

/**
 * The broker under the groups benchmark: `node dist/src/server/main.js` as a child process on a
 * free loopback port, so the load generator (this process) does not share its event loop. The
 * broker bench has its own copy of this with profiling options; this one only needs to start,
 * report its CPU time and stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BROKER_MAIN = join(resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..'), 'dist', 'src', 'server', 'main.js');
/** Linux USER_HZ, the unit of utime/stime in /proc/PID/stat. */
const CLK_TCK = 100;
const START_TIMEOUT_MS = 30_000;

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  server.close();
  await once(server, 'close');
  return port;
}

export class BrokerProcess {
  private tail: string[] = [];
  /** WARN and ERROR lines the broker logged (the first 50). */
  readonly complaints: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  /** Starts a broker with `overrides` (server.properties keys) on `logDir`; resolves once it listens. */
  static async start(logDir: string, overrides: Record<string, string>): Promise<BrokerProcess> {
    const port = await freePort();
    const props = { ...overrides, listeners: `PLAINTEXT://127.0.0.1:${port}`, 'log.dirs': logDir };
    const args = Object.entries(props).flatMap(([k, v]) => ['--override', `${k}=${v}`]);
    const child = spawn(process.execPath, [BROKER_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
      child.once('exit', (code, signal) => rej(new Error(`broker exited (code ${code}, signal ${signal}): ${broker.lastLines}`)));
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

  /** The broker's last output lines, for error messages. */
  get lastLines(): string {
    return this.tail.slice(-5).join(' | ');
  }

  /** CPU seconds (user + system) the broker has used; NaN off Linux. */
  cpuSeconds(): number {
    try {
      const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(f[11]) + Number(f[12])) / CLK_TCK;
    } catch {
      return Number.NaN;
    }
  }

  /** SIGTERM (clean shutdown), SIGKILL after 30 s. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

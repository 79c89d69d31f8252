/**
 * A broker in a child process, for tests of the process itself (signals, restarts on the same
 * log dir, bin/kafka-server-start.sh): it runs on a fixed port the test chose with freePort(), so
 * that a restarted broker is found where clients left the old one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built broker (tests run from dist/test/, next to dist/src/). */
export const BROKER_MAIN = fileURLToPath(new URL('../../src/server/main.js', import.meta.url));

/** A loopback port nothing listens on right now (the OS picked it; it is closed again). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface BrokerProcessOptions {
  port: number;
  logDir: string;
  /** Further server.properties keys (listeners, advertised.listeners and log.dirs are set from port and logDir). */
  overrides?: Record<string, string>;
  /** The command and its first arguments, before the --overrides; default `node dist/src/server/main.js`. */
  command?: readonly [string, ...string[]];
  timeoutMs?: number;
}

export interface BrokerProcess {
  child: ChildProcess;
  /** Resolves once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything it printed so far, stdout and stderr, for assertion messages. */
  output(): string;
}

/**
 * Starts a broker listening and advertised on 127.0.0.1:port; resolves once it prints
 * "listening on". If it exits first or does not listen within the timeout, it is killed and the
 * promise fails with its output.
 */
export async function startBrokerProcess(options: BrokerProcessOptions): Promise<BrokerProcess> {
  const listener = `PLAINTEXT://127.0.0.1:${options.port}`;
  const props = { listeners: listener, 'advertised.listeners': listener, 'log.dirs': options.logDir, ...options.overrides };
  const [command, ...first] = options.command ?? [process.execPath, BROKER_MAIN];
  const args = [...first, ...Object.entries(props).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.once('exit', (code, signal) => r({ code, signal })));
  const timeoutMs = options.timeoutMs ?? 20_000;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening" line within ${timeoutMs} ms:\n${output}`)), timeoutMs);
      const collect = (d: Buffer): void => {
        output += d.toString('utf8');
        if (!output.includes('listening on')) return;
        clearTimeout(timer);
        resolve();
      };
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      child.once('error', reject);
      void exited.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`broker exited (${code ?? signal}) before listening:\n${output}`));
      });
    });
  } catch (e) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    throw e;
  }
  return { child, exited, output: () => output };
}

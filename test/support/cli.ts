/**
 * Helpers for the CLI tests (test/cli): a broker on an ephemeral port with its own temporary log
 * dir and a quiet logger, and the bin/ scripts run as child processes, every one of them tracked
 * and killed when the test file ends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTempBroker, type TempBroker } from './temp-broker.js';

/** The project root, from dist/test/support or test/support alike. */
export const ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../' : '../../', import.meta.url));
export const BIN = join(ROOT, 'bin');

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

export type CliBroker = TempBroker;

export function startCliBroker(name: string, config: Record<string, string> = {}): Promise<CliBroker> {
  return startTempBroker(`tributary-cli-${name}-`, quiet, config);
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Milliseconds from spawn to exit. */
  elapsedMs: number;
}

export interface RunOptions {
  /** Written to the child's stdin, which is then closed (default: closed at once). */
  stdin?: string | Buffer;
  /** Keep stdin open (the caller writes to it through `child`). */
  keepStdinOpen?: boolean;
  /** Kill the child (SIGKILL) after this long; default 20 s. */
  timeoutMs?: number;
  env?: Record<string, string>;
}

const children = new Set<ChildProcess>();

/** Kills every child still running (call from an `after` hook). */
export function killAll(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  }
  children.clear();
}

export interface Running {
  child: ChildProcess;
  result: Promise<RunResult>;
  /** Resolves once stdout contains `text`. */
  waitForStdout(text: string | RegExp, timeoutMs?: number): Promise<void>;
  stdoutSoFar(): string;
}

/** Starts bin/<script> with args. */
export function start(script: string, args: readonly string[], options: RunOptions = {}): Running {
  const began = Date.now();
  const child = spawn(join(BIN, script), [...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const waiters: { text: string | RegExp; resolve: () => void }[] = [];
  const check = (): void => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      if (typeof w.text === 'string' ? stdout.includes(w.text) : w.text.test(stdout)) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
    check();
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin!.on('error', () => undefined);
  if (options.stdin !== undefined) child.stdin!.write(options.stdin);
  if (!options.keepStdinOpen) child.stdin!.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const result = new Promise<RunResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr, elapsedMs: Date.now() - began });
    });
  });
  return {
    child,
    result,
    stdoutSoFar: () => stdout,
    waitForStdout: (text, timeoutMs = 10_000) =>
      new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timed out waiting for ${String(text)} in stdout; got: ${stdout}\nstderr: ${stderr}`)), timeoutMs);
        waiters.push({
          text,
          resolve: () => {
            clearTimeout(t);
            resolve();
          },
        });
        check();
      }),
  };
}

/** Runs bin/<script> with args to completion. */
export function run(script: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return start(script, args, options).result;
}

/** A message for assertion failures: the whole run. */
export function describeRun(r: RunResult): string {
  return `exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

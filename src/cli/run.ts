/**
 * Runs one tool: parses its arguments, handles --help and --version, turns UsageError and
 * ToolError into a message (and the usage text) with exit status 2 or 1, turns SIGINT/SIGTERM
 * into an abort signal the tool observes (so the console consumer can still print its total),
 * and exits only once stdout and stderr are flushed. A stack trace is printed only for an error
 * that is neither (a bug), or for any error with TRIBUTARY_DEBUG=1.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { formatUsage, HELP_OPTIONS, parseArgs, type ParsedArgs, type ToolSpec } from './args.js';
import { ExitRequest, ToolError, UsageError } from './errors.js';

export interface ToolIO {
  readonly stdin: Readable & { isTTY?: boolean };
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Aborted on SIGINT/SIGTERM: the tool stops, prints its summary and returns. */
  readonly signal: AbortSignal;
}

export interface Tool {
  readonly spec: ToolSpec;
  /** Returns the exit status (0 when void). */
  run(args: ParsedArgs, io: ToolIO): Promise<number | void>;
}

/** Kafka's version these tools follow, and ours. */
export const KAFKA_VERSION = '4.0.0';

function ownVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function line(w: Writable, text: string): void {
  w.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Runs the tool with `argv` (arguments after the tool name) and returns its exit status. */
export async function runTool(tool: Tool, argv: readonly string[], io: ToolIO): Promise<number> {
  const spec: ToolSpec = { ...tool.spec, options: [...tool.spec.options, ...HELP_OPTIONS] };
  try {
    const args = parseArgs(spec, argv);
    if (args.has('help')) {
      line(io.stdout, formatUsage(spec));
      return 0;
    }
    if (args.has('version')) {
      line(io.stdout, `${KAFKA_VERSION} (Tributary ${ownVersion()})`);
      return 0;
    }
    const status = await tool.run(args, io);
    return status ?? 0;
  } catch (e) {
    if (e instanceof ExitRequest) return e.exitCode;
    if (process.env['TRIBUTARY_DEBUG'] === '1' && e instanceof Error) line(io.stderr, e.stack ?? String(e));
    if (e instanceof UsageError) {
      line(io.stderr, `${tool.spec.name}: ${e.message}`);
      if (e.showUsage) line(io.stderr, formatUsage(spec));
      return 2;
    }
    if (e instanceof ToolError) {
      line(io.stderr, `${tool.spec.name}: ${e.message}`);
      return e.exitCode;
    }
    const err = e as Error;
    line(io.stderr, `${tool.spec.name}: unexpected error: ${err?.message ?? String(e)}`);
    if (process.env['TRIBUTARY_DEBUG'] !== '1' && err?.stack) line(io.stderr, err.stack);
    return 1;
  }
}

/** The IO of this process, with SIGINT/SIGTERM turned into the abort signal. */
export function processIO(): ToolIO & { signalled: () => NodeJS.Signals | null } {
  const ac = new AbortController();
  let signalled: NodeJS.Signals | null = null;
  const onSignal = (sig: NodeJS.Signals): void => {
    if (signalled !== null) process.exit(sig === 'SIGINT' ? 130 : 143); // a second Ctrl-C: now
    signalled = sig;
    ac.abort(new Error(sig));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A closed pipe (`| head`) ends the tool quietly, as it would a Java tool.
  for (const s of [process.stdout, process.stderr]) {
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  }
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, signal: ac.signal, signalled: () => signalled };
}

function flush(w: Writable): Promise<void> {
  return new Promise((resolve) => {
    if (w.writableLength === 0) resolve();
    else w.write('', () => resolve());
  });
}

/** Runs the tool as this process: parses process.argv, exits with the tool's status. */
export async function main(tool: Tool, argv: readonly string[] = process.argv.slice(2)): Promise<never> {
  const io = processIO();
  let status = await runTool(tool, argv, io);
  const sig = io.signalled();
  if (sig !== null && status === 0) status = sig === 'SIGINT' ? 130 : 143;
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(status);
}

/** True when the module at `moduleUrl` is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

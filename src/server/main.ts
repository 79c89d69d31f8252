/**
 * `npm start` and `bin/kafka-server-start.sh [server.properties] [--override key=value ...]`:
 * runs one node until SIGTERM/SIGINT, then shuts down cleanly (exit 0). A bad config stops
 * startup with a message naming the key and exit code 1.
 */
import { readFileSync } from 'node:fs';
import { parseProperties } from '../common/config/properties.js';
import { ConfigError } from '../common/config/errors.js';
import { startBroker } from './broker.js';

const USAGE = 'USAGE: kafka-server-start.sh [server.properties] [--override property=value]*';

function parseArgs(argv: string[]): Record<string, string> {
  const config: Record<string, string> = {};
  let file: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--override') {
      const kv = argv[++i];
      const eq = kv?.indexOf('=') ?? -1;
      if (kv === undefined || eq <= 0) throw new UsageError(`--override needs property=value, got ${JSON.stringify(kv ?? '')}`);
      config[kv.slice(0, eq).trim()] = kv.slice(eq + 1);
    } else if (a === '--help' || a === '-h') {
      throw new UsageError(null);
    } else if (a.startsWith('-')) {
      throw new UsageError(`unknown option ${a}`);
    } else if (file === null) {
      file = a;
    } else {
      throw new UsageError(`unexpected argument ${a}`);
    }
  }
  if (file === null) return config;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new StartupError(`cannot read ${file}: ${(e as Error).message}`);
  }
  return { ...parseProperties(text), ...config };
}

class UsageError extends Error {
  constructor(readonly detail: string | null) {
    super(detail ?? USAGE);
  }
}

class StartupError extends Error {}

async function main(): Promise<void> {
  let config: Record<string, string>;
  try {
    config = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) {
      if (e.detail !== null) console.error(`kafka-server-start: ${e.detail}`);
      console.error(USAGE);
      process.exit(e.detail === null ? 0 : 2);
    }
    console.error(`kafka-server-start: ${(e as Error).message}`);
    process.exit(1);
  }
  let broker;
  try {
    broker = await startBroker({ config });
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`kafka-server-start: invalid configuration: ${e.message}`);
      process.exit(1);
    }
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL') {
      console.error(`kafka-server-start: cannot listen: ${err.message} (check "listeners")`);
      process.exit(1);
    }
    if (err.name === 'StorageError' || err.name === 'LogCorruptError') {
      console.error(`kafka-server-start: unusable log dir: ${err.message} (check "log.dirs")`);
      process.exit(1);
    }
    throw e;
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`[tributary] INFO ${signal}: shutting down`);
    broker.close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(`[tributary] ERROR shutdown failed: ${String(e)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();

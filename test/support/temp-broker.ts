/**
 * An in-process broker for a test file: an ephemeral port on 127.0.0.1, its own temporary log
 * dir (removed when it stops, or when it fails to start), and a stop() safe to call twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '../../src/server/broker.js';
import type { Logger } from '../../src/handlers/types.js';

export interface TempBroker {
  broker: RunningBroker;
  /** host:port */
  address: string;
  host: string;
  port: number;
  dir: string;
  /** Stops the broker and removes its log dir. */
  stop(): Promise<void>;
}

export async function startTempBroker(dirPrefix: string, logger: Logger, config: Record<string, string> = {}): Promise<TempBroker> {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  let broker: RunningBroker;
  try {
    broker = await startBroker({ port: 0, host: '127.0.0.1', logDir: dir, logger, config });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  let stopped: Promise<void> | null = null;
  return {
    broker,
    address: broker.address,
    host: broker.host,
    port: broker.port,
    dir,
    stop: () =>
      (stopped ??= (async () => {
        try {
          await broker.close();
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      })()),
  };
}

/**
 * Helpers for the client tests (test/client): one broker per test file on an ephemeral port with
 * a quiet logger and its own temporary log dir, and unique topic names.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '../../src/server/broker.js';
import { Kafka } from '../../src/index.js';

export const quiet = { info() {}, warn() {}, error() {} };

export interface ClientTestBroker {
  broker: RunningBroker;
  address: string;
  dir: string;
  kafka: Kafka;
  stop(): Promise<void>;
}

export async function startClientTestBroker(name: string, config: Record<string, string> = {}): Promise<ClientTestBroker> {
  const dir = mkdtempSync(join(tmpdir(), `tributary-client-${name}-`));
  const broker = await startBroker({ port: 0, logDir: dir, logger: quiet, config });
  return {
    broker,
    address: broker.address,
    dir,
    kafka: new Kafka({ 'bootstrap.servers': broker.address }),
    async stop() {
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let topicCounter = 0;
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${process.pid}-${++topicCounter}`;
}

/**
 * A broker per test for the fetch tests: ephemeral port, its own temporary log dir, a quiet
 * logger that keeps warnings and errors, wire clients that are closed with it; plus helpers to
 * look into the record batches a fetch returns.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker, type RunningBroker } from '../../src/server/broker.js';
import type { Logger } from '../../src/handlers/types.js';
import type { FetchResponse, FetchResponsePartitionData } from '../../src/protocol/generated/messages/FetchResponse.js';
import { WireClient } from './wire-client.js';

export interface FetchTestBroker {
  broker: RunningBroker;
  dir: string;
  problems: string[];
  client(clientId?: string): Promise<WireClient>;
  stop(): Promise<void>;
}

export async function startFetchBroker(config: Record<string, string> = {}): Promise<FetchTestBroker> {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-fetch-'));
  const problems: string[] = [];
  const logger: Logger = { info: () => {}, warn: (m) => problems.push(`WARN ${m}`), error: (m) => problems.push(`ERROR ${m}`) };
  const broker = await startBroker({ port: 0, logDir: dir, logger, config });
  const clients: WireClient[] = [];
  return {
    broker,
    dir,
    problems,
    async client(clientId?: string) {
      const c = await WireClient.connect(broker.host, broker.port, clientId);
      clients.push(c);
      return c;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close()));
      await broker.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Base and last offset of each batch in a records field. */
export function batchOffsets(records: Buffer | null): { base: number; last: number }[] {
  const out: { base: number; last: number }[] = [];
  if (records === null) return out;
  for (let pos = 0; pos + 61 <= records.length; ) {
    const base = Number(records.readBigInt64BE(pos));
    const length = records.readInt32BE(pos + 8);
    out.push({ base, last: base + records.readInt32BE(pos + 23) });
    pos += 12 + length;
  }
  return out;
}

/** The partitions of a response, flattened, with their topic (name or id). */
export function flatPartitions(response: FetchResponse): { topic: string; topicId: string; p: FetchResponsePartitionData }[] {
  return response.responses.flatMap((t) => t.partitions.map((p) => ({ topic: t.topic, topicId: t.topicId, p })));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * For the broker admin tests (test/broker): a quiet in-process broker on an ephemeral port with
 * its own temporary log dir, and a bare protocol connection that sends requests encoded by our
 * codecs, for what KafkaJS cannot send.
 */
import { WireClient } from './wire-client.js';
import { startTempBroker, type TempBroker } from './temp-broker.js';
import type { Logger } from '../../src/handlers/types.js';

export const quietLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

export type AdminTestBroker = TempBroker;

export function startAdminBroker(name: string, config: Record<string, string> = {}): Promise<AdminTestBroker> {
  return startTempBroker(`tributary-${name}-`, quietLogger, config);
}

/** One connection; requests are answered in order, so one outstanding request at a time is enough here. */
/** Raw requests for what KafkaJS cannot send: the shared WireClient under the name these tests use. */
export class AdminRawClient {
  private constructor(private readonly wire: WireClient) {}

  static async connect(host: string, port: number): Promise<AdminRawClient> {
    return new AdminRawClient(await WireClient.connect(host, port, 'admin-raw'));
  }

  /** Sends a request (encoded by our codecs) and decodes its response. */
  request<T = any>(apiKey: number, apiVersion: number, body: unknown, timeoutMs = 10_000): Promise<T> {
    return this.wire.send<T>(apiKey, apiVersion, body, timeoutMs);
  }

  destroy(): void {
    void this.wire.close();
  }
}

/** Polls `check` until it returns a value other than undefined, or fails after timeoutMs. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

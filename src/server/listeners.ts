/**
 * listeners / advertised.listeners: `NAME://host:port` lists. Only PLAINTEXT listeners are served
 * for now (TLS/SASL come later); the controller listener of a combined node is not needed with
 * one node and is skipped.
 */
import { ConfigError } from '../common/config/errors.js';

export interface ListenerSpec {
  name: string;
  host: string;
  port: number;
}

export function parseListeners(key: string, text: string): ListenerSpec[] {
  const out: ListenerSpec[] = [];
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([A-Za-z0-9_]+):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(item);
    if (!m) throw ConfigError.invalidValue(key, text, `invalid listener ${JSON.stringify(item)}`, 'NAME://host:port, e.g. PLAINTEXT://localhost:9092');
    const port = Number(m[3]);
    if (port > 65535) throw ConfigError.invalidValue(key, text, `port ${port} is out of range`, '0..65535');
    out.push({ name: m[1]!, host: m[2]!.replace(/^\[|\]$/g, ''), port });
  }
  return out;
}

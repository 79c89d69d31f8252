/**
 * kafka-broker-api-versions.sh: for every broker of the cluster, the API versions it supports
 * and the one this client would use, in Kafka's layout:
 *   host:port (id: 1 rack: null isFenced: false) -> (
 *   	Produce(0): 3 to 11 [usable: 11],
 *   	...
 *   	ControllerRegistration(70): UNSUPPORTED
 *   )
 * Every API a Kafka broker listener can serve is listed, in API key order.
 */
import type { ApiDefinition } from '../protocol/registry-types.js';
import { requireOptions, type ToolSpec } from './args.js';
import { commandConfigOption } from './common.js';
import { openAdmin } from './lazy.js';
import { isMain, main, type Tool } from './run.js';

export const spec: ToolSpec = {
  name: 'kafka-broker-api-versions.sh',
  description: 'This tool helps to retrieve broker version information.',
  options: [
    { name: 'bootstrap-server', kind: 'string', metavar: 'server(s) to use for bootstrapping', required: true, description: 'REQUIRED: The server to connect to.' },
    commandConfigOption('Admin Client'),
  ],
};

export interface ApiRange {
  apiKey: number;
  minVersion: number;
  maxVersion: number;
}

function range(min: number, max: number): string {
  return min === max ? String(min) : `${min} to ${max}`;
}

/** The lines between `-> (` and `)` for one broker. */
export function apiLines(brokerApis: readonly ApiRange[], definitions: readonly ApiDefinition[]): string[] {
  const byKey = new Map(brokerApis.map((a) => [a.apiKey, a]));
  const known = definitions.filter((d) => d.listeners.includes('broker')).sort((a, b) => a.apiKey - b.apiKey);
  const lines: string[] = [];
  for (const def of known) {
    const b = byKey.get(def.apiKey);
    if (b === undefined) {
      lines.push(`\t${def.name}(${def.apiKey}): UNSUPPORTED`);
      continue;
    }
    const ours = def.latestVersionUnstable ? def.maxVersion - 1 : def.maxVersion;
    let usable: string;
    if (b.maxVersion < def.minVersion) usable = '[unusable: node too old]';
    else if (b.minVersion > ours) usable = '[unusable: node too new]';
    else usable = `[usable: ${Math.min(ours, b.maxVersion)}]`;
    lines.push(`\t${def.name}(${def.apiKey}): ${range(b.minVersion, b.maxVersion)} ${usable}`);
  }
  const listed = new Set(known.map((d) => d.apiKey));
  for (const b of brokerApis) {
    if (!listed.has(b.apiKey)) {
      const def = definitions.find((d) => d.apiKey === b.apiKey);
      lines.push(`\t${def?.name ?? 'UNKNOWN'}(${b.apiKey}): ${range(b.minVersion, b.maxVersion)}`);
    }
  }
  return lines.map((l, i) => (i < lines.length - 1 ? `${l},` : l));
}

export const tool: Tool = {
  spec,
  async run(args, io) {
    requireOptions(args, 'bootstrap-server');
    const admin = await openAdmin(args, io);
    try {
      const brokers = await admin.brokerApiVersions();
      const { API_DEFINITIONS } = await import('../protocol/generated/registry.js');
      for (const b of brokers) {
        const head = `${b.host}:${b.port} (id: ${b.nodeId} rack: ${b.rack ?? 'null'} isFenced: false) -> (`;
        io.stdout.write(`${[head, ...apiLines(b.apis, API_DEFINITIONS), ')'].join('\n')}\n`);
      }
    } catch (e) {
      throw admin.wrapError(e);
    } finally {
      await admin.close();
    }
  },
};

if (isMain(import.meta.url)) await main(tool);

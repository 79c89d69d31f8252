/**
 * What several tools share: the connection options (--bootstrap-server, --command-config),
 * reading .properties files, Kafka's topic include-list (a regex; commas are alternatives), and
 * turning client errors into messages a user can act on.
 */
import { readFileSync } from 'node:fs';
import { parseProperties } from '../common/config/properties.js';
import { ConfigError } from '../common/config/errors.js';
import { KafkaError } from '../protocol/errors.js';
import type { OptionSpec } from './args.js';
import { ToolError, UsageError } from './errors.js';

export function bootstrapOption(description = 'REQUIRED: The Kafka server(s) to connect to, in the form HOST1:PORT1,HOST2:PORT2.'): OptionSpec {
  return { name: 'bootstrap-server', kind: 'string', metavar: 'server to connect to', description, required: true };
}

export function commandConfigOption(what = 'Admin Client'): OptionSpec {
  return { name: 'command-config', kind: 'string', metavar: 'command config property file', description: `Property file containing configs to be passed to ${what}.` };
}

/** A .properties file as a map; a missing or unreadable file is a ToolError naming it. */
export function loadProperties(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ToolError(`Cannot read properties file ${path}: ${(e as Error).message}`);
  }
  try {
    return new Map(Object.entries(parseProperties(text)));
  } catch (e) {
    throw new ToolError(`Malformed properties file ${path}: ${(e as Error).message}`);
  }
}

/**
 * Kafka's IncludeList: the --topic argument is a regular expression matched against the whole
 * name; commas separate alternatives, surrounding quotes are dropped.
 */
export function topicFilter(pattern: string): (topic: string) => boolean {
  const source = pattern.trim().replace(/,/g, '|').replace(/^["']+/, '').replace(/["']+$/, '');
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${source})$`);
  } catch (e) {
    throw new UsageError(`Invalid topic pattern '${pattern}': ${(e as Error).message}`, false);
  }
  return (t) => re.test(t);
}

export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);

/** A client error as a ToolError: Kafka's error name and message, or the configuration problem. */
export function toToolError(e: unknown, context?: string): Error {
  if (e instanceof ToolError || e instanceof UsageError) return e;
  // Kafka's tools put " : " after their context ("Error while executing topic command : ...").
  const prefix = context === undefined ? '' : `${context} : `;
  if (e instanceof KafkaError) return new ToolError(`${prefix}${e.message}`);
  if (e instanceof ConfigError) return new ToolError(`${prefix}Invalid configuration: ${e.message}`);
  if (e instanceof Error && (e.name === 'ClientClosedError' || e.name === 'NotSupportedYetError')) return new ToolError(`${prefix}${e.message}`);
  return e instanceof Error ? e : new Error(String(e));
}

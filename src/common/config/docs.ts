/**
 * Markdown for the config reference (docs/configuration.md is generated from this): one table
 * per scope with key, type, default, valid values, importance, update mode and description; the
 * topic table also names the broker keys a topic falls back to. Defaults print as Kafka's docs
 * print them: Kafka's text of the value, with a readable size or duration after exact multiples
 * ("604800000 (7 days)", "1073741824 (1 gibibyte)"), "null" for no value, "" for empty.
 */
import { BROKER_CONFIG_KEYS } from './broker-configs.js';
import { TOPIC_CONFIG_KEYS } from './topic-configs.js';
import { LONG_MAX, REQUIRED, type ConfigKey, type ConfigValue } from './types.js';
import { formatValue } from './values.js';

const DURATIONS: readonly [number, string][] = [[86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second']];
const SIZES: readonly [number, string][] = [[2 ** 30, 'gibibyte'], [2 ** 20, 'mebibyte'], [2 ** 10, 'kibibyte']];

function readable(key: string, value: number): string {
  if (value <= 0 || value >= LONG_MAX) return '';
  const units = key.endsWith('.ms') ? DURATIONS : key.endsWith('.bytes') ? SIZES : [];
  for (const [size, unit] of units) {
    if (value % size === 0) {
      const n = value / size;
      return ` (${n} ${unit}${n === 1 ? '' : 's'})`;
    }
  }
  return '';
}

/** The "Default" cell of a key. */
export function defaultText(def: ConfigKey): string {
  if (def.default === REQUIRED) return '(required)';
  const text = formatValue(def.type, def.default as ConfigValue);
  if (text === null) return 'null';
  if (text === '') return '""';
  const isInteger = def.type === 'int' || def.type === 'long' || def.type === 'short';
  return isInteger ? text + readable(def.key, def.default as number) : text;
}

function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function code(text: string): string {
  return text === '' ? '' : `\`${text}\``;
}

/** A Markdown table of `keys`, in the order given. */
export function renderConfigTable(keys: readonly ConfigKey[]): string {
  const topic = keys.some((k) => k.scope === 'topic');
  const header = topic
    ? ['Key', 'Type', 'Default', 'Valid values', 'Broker default from', 'Importance', 'Update mode', 'Description']
    : ['Key', 'Type', 'Default', 'Valid values', 'Importance', 'Update mode', 'Description'];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const def of keys) {
    const row = [code(def.key), def.type, code(defaultText(def)), code(def.validator?.text ?? '')];
    if (topic) row.push(def.scope === 'topic' ? def.synonyms.map((s) => code(s.key)).join(', ') : '');
    row.push(def.importance, def.scope === 'broker' ? def.updateMode : 'per-topic', def.doc);
    lines.push(`| ${row.map(cell).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

/** The whole configuration reference: broker keys, then topic keys. */
export function renderConfigDocs(): string {
  return [
    '# Configuration',
    '',
    'Keys and meanings are Kafka\'s. An unknown key in server.properties stops the broker.',
    '',
    '## Broker configs',
    '',
    renderConfigTable(BROKER_CONFIG_KEYS),
    '## Topic configs',
    '',
    'Set per topic (kafka-topics.sh --config, kafka-configs.sh --alter). Without an override a topic',
    'takes the first broker key listed under "Broker default from" that has a value.',
    '',
    renderConfigTable(TOPIC_CONFIG_KEYS),
  ].join('\n');
}

/**
 * resolveBrokerConfig: server.properties entries → typed broker values with Kafka 4.0 defaults.
 *
 * Every key must be in the broker table, every value must parse and validate, and keys without
 * a default (node.id, process.roles) must be present; otherwise a ConfigError names the key, the
 * value and what is allowed. Kafka only logs unknown keys; Tributary stops, and says when the
 * key is a topic config (whose broker default has another name) or looks like a known key.
 *
 * The result keeps, besides the typed values, which keys were set and where from (the layers,
 * highest precedence first), because topic resolution and DescribeConfigs need the difference
 * between "set to the default value" and "not set". Only STATIC_BROKER_CONFIG (the properties
 * file) exists today; dynamic broker configs will add layers in front of it.
 */
import { BROKER_CONFIG_BY_KEY, BROKER_CONFIG_KEYS, type BrokerConfig } from './broker-configs.js';
import { ConfigError } from './errors.js';
import type { BrokerConfigLayer, ResolvedBrokerConfig } from './broker-layers.js';
import { checkTopicDefaults } from './topic-defaults.js';
import { TOPIC_CONFIG_BY_KEY } from './topic-configs.js';
import { REQUIRED, type ConfigValue } from './types.js';
import { parseValue } from './values.js';

export type { BrokerConfigLayer, BrokerConfigSource, ResolvedBrokerConfig } from './broker-layers.js';

/** Levenshtein distance, for "did you mean" hints. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

function unknownBrokerKey(key: string): ConfigError {
  const topic = TOPIC_CONFIG_BY_KEY.get(key);
  if (topic !== undefined) {
    const brokerKey = topic.synonyms[0]?.key;
    return ConfigError.unknownKey(key, brokerKey !== undefined
      ? `${key} is a topic config; its broker-wide default is ${brokerKey}`
      : `${key} is a topic config with no broker-wide default; set it per topic`);
  }
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const def of BROKER_CONFIG_KEYS) {
    const d = distance(key, def.key);
    if (d < bestDistance) {
      best = def.key;
      bestDistance = d;
    }
  }
  return ConfigError.unknownKey(key, best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 5))
    ? `did you mean ${best}?`
    : 'not a broker config Tributary knows');
}

/** Parses and validates a set of broker entries (one layer) without applying defaults. */
export function parseBrokerEntries(props: Readonly<Record<string, string>>): Map<string, ConfigValue> {
  const values = new Map<string, ConfigValue>();
  for (const [key, text] of Object.entries(props)) {
    const def = BROKER_CONFIG_BY_KEY.get(key);
    if (def === undefined) throw unknownBrokerKey(key);
    values.set(key, parseValue(def, text));
  }
  return values;
}

/**
 * Kafka's populateSynonyms: broker.id and node.id name the same id; when only one is set, the
 * other takes its value (then both are validated, and must be equal).
 */
function withIdSynonyms(props: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const hasNode = Object.hasOwn(props, 'node.id');
  const hasBroker = Object.hasOwn(props, 'broker.id');
  if (hasNode && !hasBroker) return { ...props, 'broker.id': props['node.id']! };
  if (hasBroker && !hasNode) return { ...props, 'node.id': props['broker.id']! };
  return props;
}

/**
 * Resolves server.properties entries (see parseProperties) into typed broker values. Throws a
 * ConfigError on the first unknown key, bad value or missing required key, and when a broker
 * value would give topics an invalid default (log.roll.ms=0 → segment.ms=0), naming the broker key.
 */
export function resolveBrokerConfig(props: Readonly<Record<string, string>>): ResolvedBrokerConfig {
  const staticValues = parseBrokerEntries(withIdSynonyms(props));
  if (staticValues.get('node.id') !== staticValues.get('broker.id')) {
    const nodeId = String(staticValues.get('node.id'));
    throw new ConfigError(`node.id (${nodeId}) and broker.id (${String(staticValues.get('broker.id'))}) must be equal; set only node.id`,
      'broker.id', 'conflict', String(staticValues.get('broker.id')), nodeId);
  }
  const layers: BrokerConfigLayer[] = [{ source: 'STATIC_BROKER_CONFIG', values: staticValues }];
  const values: Record<string, ConfigValue> = {};
  for (const def of BROKER_CONFIG_KEYS) {
    if (staticValues.has(def.key)) {
      values[def.name] = staticValues.get(def.key)!;
    } else if (def.default === REQUIRED) {
      throw ConfigError.missingRequired(def.key);
    } else {
      values[def.name] = def.default as ConfigValue;
    }
  }
  const resolved: ResolvedBrokerConfig = Object.freeze({
    values: Object.freeze(values) as unknown as BrokerConfig,
    layers: Object.freeze(layers),
  });
  checkTopicDefaults(resolved);
  return resolved;
}

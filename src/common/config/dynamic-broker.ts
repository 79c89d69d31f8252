/**
 * Dynamic broker configs (KIP-226): values set at runtime, per broker (resource BROKER "<id>")
 * or as the cluster-wide default (resource BROKER ""), stored as ConfigRecords and layered in
 * front of server.properties:
 *
 *   DYNAMIC_BROKER_CONFIG > DYNAMIC_DEFAULT_BROKER_CONFIG > STATIC_BROKER_CONFIG > default
 *
 * `withDynamicLayers` builds that layered view (what topics inherit and DescribeConfigs reports);
 * `dynamicBrokerConfigProblem` is Kafka's DynamicBrokerConfig.validateConfigs, with its messages:
 * read-only keys ("Cannot update these configs dynamically: Set(...)"), bad values, and per-broker
 * keys on the cluster default. One deliberate difference: Kafka accepts (and ignores) keys it does
 * not know; Tributary refuses them, as it refuses them in server.properties.
 */
import { BROKER_CONFIG_BY_KEY, BROKER_CONFIG_KEYS, type BrokerConfig } from './broker-configs.js';
import type { BrokerConfigLayer, ResolvedBrokerConfig } from './broker-layers.js';
import { ConfigError } from './errors.js';
import { checkTopicDefaults } from './topic-defaults.js';
import type { ConfigValue } from './types.js';
import { parseValue } from './values.js';

/** Kafka's DynamicBrokerConfig.brokerConfigSynonyms: the keys that name the same broker setting, highest precedence first. */
export function brokerConfigSynonymKeys(key: string): string[] {
  switch (key) {
    case 'log.roll.ms':
    case 'log.roll.hours':
      return ['log.roll.ms', 'log.roll.hours'];
    case 'log.roll.jitter.ms':
    case 'log.roll.jitter.hours':
      return ['log.roll.jitter.ms', 'log.roll.jitter.hours'];
    case 'log.flush.interval.ms':
      return ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'];
    case 'log.retention.ms':
    case 'log.retention.minutes':
    case 'log.retention.hours':
      return ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'];
    default:
      return [key];
  }
}

/** Scala's Set#toString, which Kafka's messages print: Set(a, b). */
function scalaSet(keys: readonly string[]): string {
  return `Set(${keys.join(', ')})`;
}

/**
 * Checks the dynamic configs a broker resource would end up with (all of them, not only the
 * changed ones, as Kafka does). Returns Kafka's message, or null when they are acceptable.
 * Kafka answers these with INVALID_REQUEST (KAFKA-13609 keeps it that way).
 */
export function dynamicBrokerConfigProblem(props: Readonly<Record<string, string>>, perBroker: boolean): string | null {
  const keys = Object.keys(props);
  const unknown = keys.filter((k) => !BROKER_CONFIG_BY_KEY.has(k));
  if (unknown.length > 0) return `Unknown broker configs: ${scalaSet(unknown)}`;
  const readOnly = keys.filter((k) => BROKER_CONFIG_BY_KEY.get(k)!.updateMode === 'read-only');
  if (readOnly.length > 0) return `Cannot update these configs dynamically: ${scalaSet(readOnly)}`;
  for (const key of keys) {
    try {
      parseValue(BROKER_CONFIG_BY_KEY.get(key)!, props[key]!);
    } catch (e) {
      if (e instanceof ConfigError) return e.message;
      throw e;
    }
  }
  if (!perBroker) {
    const perBrokerOnly = keys.filter((k) => BROKER_CONFIG_BY_KEY.get(k)!.updateMode === 'per-broker');
    if (perBrokerOnly.length > 0) return `Cannot update these configs at default cluster level, broker id must be specified: ${scalaSet(perBrokerOnly)}`;
  }
  return null;
}

/** One parsed dynamic layer; entries that no longer parse or are not dynamic are dropped and reported. */
function dynamicLayer(
  source: 'DYNAMIC_BROKER_CONFIG' | 'DYNAMIC_DEFAULT_BROKER_CONFIG',
  entries: ReadonlyMap<string, string>,
  perBroker: boolean,
  onIgnored: (key: string, reason: string) => void,
): BrokerConfigLayer {
  const values = new Map<string, ConfigValue>();
  for (const [key, text] of entries) {
    const problem = dynamicBrokerConfigProblem({ [key]: text }, perBroker);
    if (problem !== null) {
      onIgnored(key, problem);
      continue;
    }
    values.set(key, parseValue(BROKER_CONFIG_BY_KEY.get(key)!, text));
  }
  return { source, values };
}

/**
 * The broker config with the dynamic layers in front of the static one (`staticConfig` may
 * already carry dynamic layers: they are replaced). Stored entries that are
 * not valid (any more) are ignored and reported, as Kafka's fromPersistentProps does. Throws a
 * ConfigError when the result gives topics an invalid default (log.roll.ms=0 → segment.ms=0).
 */
export function withDynamicLayers(
  staticConfig: ResolvedBrokerConfig,
  perBroker: ReadonlyMap<string, string>,
  clusterDefault: ReadonlyMap<string, string>,
  onIgnored: (key: string, reason: string) => void = () => {},
): ResolvedBrokerConfig {
  const staticLayers = staticConfig.layers.filter((l) => l.source === 'STATIC_BROKER_CONFIG');
  const layers: BrokerConfigLayer[] = [
    dynamicLayer('DYNAMIC_BROKER_CONFIG', perBroker, true, onIgnored),
    dynamicLayer('DYNAMIC_DEFAULT_BROKER_CONFIG', clusterDefault, false, onIgnored),
    ...staticLayers,
  ].filter((l) => l.values.size > 0 || l.source === 'STATIC_BROKER_CONFIG');
  const values: Record<string, ConfigValue> = {};
  for (const def of BROKER_CONFIG_KEYS) {
    const layer = layers.find((l) => l.values.has(def.key));
    // Keys without a default (node.id, process.roles) are always in the static layer.
    values[def.name] = layer !== undefined ? layer.values.get(def.key)! : (def.default as ConfigValue);
  }
  const resolved: ResolvedBrokerConfig = Object.freeze({
    values: Object.freeze(values) as unknown as BrokerConfig,
    layers: Object.freeze(layers),
  });
  checkTopicDefaults(resolved);
  return resolved;
}

/**
 * Broker values in layers: which keys are set, where from, and the effective value of a key
 * (the first layer that sets it, else the table default). Kept apart from resolve-broker.ts so
 * that topic resolution can read broker values without depending on how they were loaded.
 */
import { BROKER_CONFIG_BY_KEY, type BrokerConfig } from './broker-configs.js';
import { ConfigError } from './errors.js';
import { REQUIRED, type ConfigValue } from './types.js';

/** Where a broker-level value came from, as DescribeConfigs names it. */
export type BrokerConfigSource = 'DYNAMIC_BROKER_CONFIG' | 'DYNAMIC_DEFAULT_BROKER_CONFIG' | 'STATIC_BROKER_CONFIG';

export interface BrokerConfigLayer {
  readonly source: BrokerConfigSource;
  /** Kafka key → parsed value, only the keys this layer sets. */
  readonly values: ReadonlyMap<string, ConfigValue>;
}

export interface ResolvedBrokerConfig {
  /** Typed values by TypeScript name, defaults applied. */
  readonly values: BrokerConfig;
  /** Keys explicitly set, by layer, highest precedence first. */
  readonly layers: readonly BrokerConfigLayer[];
}

/** The effective value of a broker key: the first layer that sets it, else its default (null if none). */
export function brokerValue(config: ResolvedBrokerConfig, key: string): ConfigValue {
  for (const layer of config.layers) {
    if (layer.values.has(key)) return layer.values.get(key)!;
  }
  const def = BROKER_CONFIG_BY_KEY.get(key);
  if (def === undefined) throw ConfigError.unknownKey(key);
  return def.default === REQUIRED ? null : (def.default as ConfigValue);
}

/** Whether any layer sets `key` explicitly. */
export function isBrokerKeySet(config: ResolvedBrokerConfig, key: string): boolean {
  return config.layers.some((layer) => layer.values.has(key));
}

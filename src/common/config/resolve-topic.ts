/**
 * resolveTopicConfig: a topic's overrides + the broker config → the effective topic config.
 *
 * Per key: the topic override if there is one, else the broker synonym chain (first broker key
 * with a value, defaults included), else the topic default. Each key also carries what
 * DescribeConfigs reports, computed the way Kafka's ConfigHelper does:
 * - synonyms: the override (DYNAMIC_TOPIC_CONFIG) first, then the broker chain's keys per layer
 *   (dynamic per-broker, dynamic cluster default, static), then the chain keys' non-null
 *   defaults (DEFAULT_CONFIG); broker entries before the first one naming the chain's primary
 *   key are dropped. Kafka quirk kept on purpose: with only log.retention.hours set, retention.ms
 *   reports no synonyms and source DEFAULT_CONFIG, because the primary key log.retention.ms never
 *   appears. Likewise for segment.ms/log.roll.hours and flush.ms/log.flush.scheduler.interval.ms.
 * - source: the first synonym's source, DEFAULT_CONFIG when there is none.
 *
 * Also builds the LogConfig the storage engine runs with (see log-config.ts for the flush rule).
 */
import { BROKER_CONFIG_BY_KEY } from './broker-configs.js';
import type { ResolvedBrokerConfig } from './broker-layers.js';
import type { ConfigSourceName } from './config-source.js';
import { ConfigError } from './errors.js';
import { toLogConfig, type LogConfig } from './log-config.js';
import { topicValueFromBroker } from './topic-defaults.js';
import { TOPIC_CONFIG_BY_KEY, TOPIC_CONFIG_KEYS, type TopicConfig, type TopicConfigKeyDef } from './topic-configs.js';
import { REQUIRED, type ConfigType, type ConfigValue } from './types.js';
import { formatValue, parseValue } from './values.js';

export interface ConfigSynonymEntry {
  readonly key: string;
  /** Kafka's text of the value (null for a null value). */
  readonly value: string | null;
  readonly source: ConfigSourceName;
}

export interface TopicConfigEntry {
  readonly key: string;
  /** TypeScript name. */
  readonly name: string;
  readonly type: ConfigType;
  readonly value: ConfigValue;
  /** Kafka's text of the value, as DescribeConfigs sends it. */
  readonly valueText: string | null;
  readonly source: ConfigSourceName;
  /** Kafka's synonym list, highest precedence first. */
  readonly synonyms: readonly ConfigSynonymEntry[];
  readonly doc: string;
}

export interface ResolvedTopicConfig {
  /** Effective values by TypeScript name. */
  readonly values: TopicConfig;
  /** The topic's own overrides, parsed, by Kafka key. */
  readonly overrides: ReadonlyMap<string, ConfigValue>;
  /** One entry per topic key, in table (alphabetical) order. */
  readonly entries: readonly TopicConfigEntry[];
  readonly logConfig: LogConfig;
}

function unknownTopicKey(key: string): ConfigError {
  for (const def of TOPIC_CONFIG_KEYS) {
    if (def.synonyms.some((s) => s.key === key) && def.key !== key) {
      return ConfigError.unknownKey(key, `${key} is a broker config; the topic config is ${def.key}`);
    }
  }
  return ConfigError.unknownKey(key, 'not a topic config');
}

/**
 * Parses and validates topic overrides (CreateTopics configs, AlterConfigs, stored topic
 * configs). Throws a ConfigError naming the key on an unknown key or a bad value.
 */
export function parseTopicOverrides(overrides: Readonly<Record<string, string>>): Map<string, ConfigValue> {
  const values = new Map<string, ConfigValue>();
  for (const [key, text] of Object.entries(overrides)) {
    const def = TOPIC_CONFIG_BY_KEY.get(key);
    if (def === undefined) throw unknownTopicKey(key);
    values.set(key, parseValue(def, text));
  }
  if (values.get('remote.storage.enable') === true) {
    throw new ConfigError(
      'Tiered storage is disabled on this broker (remote.log.storage.system.enable is false); remote.storage.enable cannot be true',
      'remote.storage.enable', 'conflict', 'true', 'false',
    );
  }
  return values;
}

/** Kafka's synonym list for one topic key (without the override entry). */
function brokerSynonyms(def: TopicConfigKeyDef, broker: ResolvedBrokerConfig): ConfigSynonymEntry[] {
  const chain = def.synonyms.map((s) => s.key);
  if (chain.length === 0) return [];
  const list: ConfigSynonymEntry[] = [];
  for (const layer of broker.layers) {
    for (const key of chain) {
      if (!layer.values.has(key)) continue;
      const type = BROKER_CONFIG_BY_KEY.get(key)!.type;
      list.push({ key, value: formatValue(type, layer.values.get(key)!), source: layer.source });
    }
  }
  for (const key of chain) {
    const brokerDef = BROKER_CONFIG_BY_KEY.get(key)!;
    if (brokerDef.default === null || brokerDef.default === REQUIRED) continue;
    list.push({ key, value: formatValue(brokerDef.type, brokerDef.default as ConfigValue), source: 'DEFAULT_CONFIG' });
  }
  const first = list.findIndex((entry) => entry.key === chain[0]);
  return first < 0 ? [] : list.slice(first);
}

/**
 * Resolves a topic's effective config from its overrides (Kafka keys → text) and the broker
 * config. Throws a ConfigError naming the key on an unknown key, a bad value, or conflicting
 * values (min.compaction.lag.ms above max.compaction.lag.ms).
 */
export function resolveTopicConfig(
  overrides: Readonly<Record<string, string>>,
  broker: ResolvedBrokerConfig,
): ResolvedTopicConfig {
  const parsed = parseTopicOverrides(overrides);
  const values: Record<string, ConfigValue> = {};
  const entries: TopicConfigEntry[] = [];
  let flushMessagesExplicit = false;
  let flushMsExplicit = false;
  for (const def of TOPIC_CONFIG_KEYS) {
    const synonyms = brokerSynonyms(def, broker);
    let value: ConfigValue;
    if (parsed.has(def.key)) {
      value = parsed.get(def.key)!;
      synonyms.unshift({ key: def.key, value: formatValue(def.type, value), source: 'DYNAMIC_TOPIC_CONFIG' });
      if (def.key === 'flush.messages') flushMessagesExplicit = true;
      if (def.key === 'flush.ms') flushMsExplicit = true;
    } else {
      const derived = topicValueFromBroker(def, broker);
      value = derived.value;
      if (def.key === 'flush.messages') flushMessagesExplicit = derived.explicit;
      if (def.key === 'flush.ms') flushMsExplicit = derived.explicit;
    }
    values[def.name] = value;
    entries.push(Object.freeze({
      key: def.key, name: def.name, type: def.type, value, valueText: formatValue(def.type, value),
      source: synonyms[0]?.source ?? 'DEFAULT_CONFIG', synonyms: Object.freeze(synonyms), doc: def.doc,
    }));
  }
  const typed = Object.freeze(values) as unknown as TopicConfig;
  if (typed.minCompactionLagMs > typed.maxCompactionLagMs) {
    throw new ConfigError(
      `Conflicting topic configs: min.compaction.lag.ms (${formatValue('long', typed.minCompactionLagMs)}) is greater than ` +
        `max.compaction.lag.ms (${formatValue('long', typed.maxCompactionLagMs)})`,
      'min.compaction.lag.ms', 'conflict', formatValue('long', typed.minCompactionLagMs) ?? undefined,
      `at most max.compaction.lag.ms (${formatValue('long', typed.maxCompactionLagMs)})`,
    );
  }
  return Object.freeze({
    values: typed,
    overrides: parsed,
    entries: Object.freeze(entries),
    logConfig: toLogConfig(typed, { flushMessages: flushMessagesExplicit, flushMs: flushMsExplicit }),
  });
}

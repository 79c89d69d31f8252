/**
 * What a topic without an override gets from the broker: walk the topic key's synonym chain
 * (e.g. log.retention.ms, log.retention.minutes, log.retention.hours) and take the first broker
 * key that has a value (set, or a non-null default), converting hours/minutes to milliseconds.
 * A negative retention time means "no limit" and becomes -1, as in Kafka's KafkaConfig.
 */
import { brokerValue, isBrokerKeySet, type ResolvedBrokerConfig } from './broker-layers.js';
import { BROKER_CONFIG_BY_KEY } from './broker-configs.js';
import { ConfigError } from './errors.js';
import { TOPIC_CONFIG_KEYS, type TopicConfigKeyDef } from './topic-configs.js';
import type { ConfigValue } from './types.js';
import { formatValue } from './values.js';

export interface BrokerDerivedValue {
  readonly value: ConfigValue;
  /** Broker key the value came from; null for topic-only keys (the topic default applies). */
  readonly brokerKey: string | null;
  /** Whether that broker key was explicitly set (not its default). */
  readonly explicit: boolean;
}

/** The value topic key `def` takes from the broker when the topic does not override it. */
export function topicValueFromBroker(def: TopicConfigKeyDef, broker: ResolvedBrokerConfig): BrokerDerivedValue {
  for (const synonym of def.synonyms) {
    const raw = brokerValue(broker, synonym.key);
    if (raw === null) continue;
    let value: ConfigValue = raw;
    if (synonym.multiplierToMs !== undefined) value = (raw as number) * synonym.multiplierToMs;
    if (def.key === 'retention.ms' && (value as number) < 0) value = -1;
    return { value, brokerKey: synonym.key, explicit: isBrokerKeySet(broker, synonym.key) };
  }
  return { value: def.default as ConfigValue, brokerKey: null, explicit: false };
}

/**
 * Checks that every broker-derived topic default passes the topic key's validator; throws a
 * ConfigError naming the broker key otherwise.
 */
export function checkTopicDefaults(broker: ResolvedBrokerConfig): void {
  for (const def of TOPIC_CONFIG_KEYS) {
    const derived = topicValueFromBroker(def, broker);
    if (derived.brokerKey === null || def.validator === null) continue;
    const reason = def.validator.check(derived.value);
    if (reason === null) continue;
    const brokerDef = BROKER_CONFIG_BY_KEY.get(derived.brokerKey)!;
    const text = formatValue(brokerDef.type, brokerValue(broker, derived.brokerKey)) ?? 'null';
    throw ConfigError.invalidValue(derived.brokerKey, text,
      `as the default of topic config ${def.key} (${formatValue(def.type, derived.value)}) it ${reason}`, def.validator.text);
  }
}

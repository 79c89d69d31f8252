/**
 * The definition model for Kafka configuration keys: what one row of the config table says about
 * a key (Kafka's exact name, type, Kafka 4.0 default, validator, importance, documentation, the
 * camelCase TypeScript name with its unit last) and, per scope, what only that scope has: the
 * update mode DescribeConfigs and the docs report for broker keys, the broker-level synonym chain
 * for topic keys.
 *
 * Values are plain JavaScript: boolean, number (short/int/long/double), string (string, class,
 * password) and string[] (list). `long` is a number: Kafka's Long.MAX_VALUE sentinel ("not set",
 * "no limit") becomes LONG_MAX (2^63 as a double) and is printed back as 9223372036854775807 by
 * formatValue(); other longs above 2^53 lose precision, which no real setting needs.
 */
import type { Validator } from './validators.js';

/** Kafka's ConfigDef types (`class` and `password` are strings here). */
export type ConfigType = 'boolean' | 'short' | 'int' | 'long' | 'double' | 'string' | 'list' | 'class' | 'password';

/** Kafka's ConfigDef.Importance. */
export type Importance = 'high' | 'medium' | 'low';

/**
 * How a broker key can change at runtime, as Kafka's docs ("Update Mode") report it:
 * read-only needs a restart; per-broker can be set for one broker (and cluster-wide);
 * cluster-wide can be set as the cluster default (and per broker, for testing).
 */
export type UpdateMode = 'read-only' | 'per-broker' | 'cluster-wide';

/** The JavaScript value of one config. */
export type ConfigValue = boolean | number | string | readonly string[] | null;

/** The JavaScript value type of a ConfigType. */
export type JsValue<T extends ConfigType> =
  T extends 'boolean' ? boolean
    : T extends 'short' | 'int' | 'long' | 'double' ? number
      : T extends 'list' ? readonly string[]
        : string;

/** Marks a key that has no default: it must be set (Kafka's NO_DEFAULT_VALUE). */
export const REQUIRED: unique symbol = Symbol('required');
export type Required = typeof REQUIRED;

/** Kafka's Long.MAX_VALUE as a number (2^63); formatValue() prints it as 9223372036854775807. */
export const LONG_MAX = 2 ** 63;
/** Kafka's Long.MIN_VALUE as a number (-2^63). */
export const LONG_MIN = -(2 ** 63);
/** Java's Integer.MAX_VALUE. */
export const INT_MAX = 2 ** 31 - 1;
/** Java's Double.MAX_VALUE. */
export const DOUBLE_MAX = Number.MAX_VALUE;

/** What every key has, broker or topic. */
export interface ConfigKeyBase<N extends string = string, T extends ConfigType = ConfigType, D = unknown> {
  /** Kafka's key, exactly as in server.properties / kafka-configs.sh. */
  readonly key: string;
  /** camelCase TypeScript name, unit last (segmentBytes, retentionMs). */
  readonly name: N;
  readonly type: T;
  /** Kafka 4.0's default: a value, null (unset, no value), or REQUIRED. */
  readonly default: D;
  readonly validator: Validator | null;
  readonly importance: Importance;
  /** Short documentation, in our own words. */
  readonly doc: string;
}

export interface BrokerConfigKey<N extends string = string, T extends ConfigType = ConfigType, D = unknown>
  extends ConfigKeyBase<N, T, D> {
  readonly scope: 'broker';
  readonly updateMode: UpdateMode;
}

/**
 * One broker key a topic key falls back to. `multiplierToMs` converts hours/minutes synonyms to
 * milliseconds (log.retention.hours → retention.ms).
 */
export interface TopicSynonym {
  readonly key: string;
  readonly multiplierToMs?: number;
}

export interface TopicConfigKey<N extends string = string, T extends ConfigType = ConfigType, D = unknown>
  extends ConfigKeyBase<N, T, D> {
  readonly scope: 'topic';
  /**
   * Broker keys that supply this topic key's value when the topic has no override, in Kafka's
   * precedence order (the first one set wins). Empty for topic-only keys.
   */
  readonly synonyms: readonly TopicSynonym[];
}

export type ConfigKey = BrokerConfigKey | TopicConfigKey;

/** The value type a definition resolves to: nullable when its default is null. */
export type ValueOfKey<K> = K extends ConfigKeyBase<string, infer T, infer D>
  ? (null extends D ? JsValue<T> | null : JsValue<T>)
  : never;

/** Builds a typed, camelCase-keyed record type from a table of definitions. */
export type ValuesOf<Keys extends ConfigKeyBase> = {
  readonly [K in Keys as K['name']]: ValueOfKey<K>;
};

type Spec<N extends string, T extends ConfigType, D> = {
  key: string;
  name: N;
  type: T;
  default: D;
  validator?: Validator;
  importance: Importance;
  doc: string;
};

function frozen<D>(value: D): D {
  return Array.isArray(value) ? (Object.freeze([...value]) as D) : value;
}

/** Defines a broker key (keeps its literal name and default types for ValuesOf). */
export function brokerKey<N extends string, T extends ConfigType, D extends JsValue<T> | null | Required>(
  spec: Spec<N, T, D> & { updateMode: UpdateMode },
): BrokerConfigKey<N, T, D> {
  return Object.freeze({
    key: spec.key, name: spec.name, type: spec.type, default: frozen(spec.default), validator: spec.validator ?? null,
    importance: spec.importance, doc: spec.doc, scope: 'broker' as const, updateMode: spec.updateMode,
  });
}

/** Defines a topic key with its broker synonym chain (broker keys, in Kafka's precedence order). */
export function topicKey<N extends string, T extends ConfigType, D extends JsValue<T> | null | Required>(
  spec: Spec<N, T, D> & { synonyms: readonly (string | TopicSynonym)[] },
): TopicConfigKey<N, T, D> {
  return Object.freeze({
    key: spec.key, name: spec.name, type: spec.type, default: frozen(spec.default), validator: spec.validator ?? null,
    importance: spec.importance, doc: spec.doc, scope: 'topic' as const,
    synonyms: Object.freeze(spec.synonyms.map((s) => Object.freeze(typeof s === 'string' ? { key: s } : { ...s }))),
  });
}

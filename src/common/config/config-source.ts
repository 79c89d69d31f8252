/**
 * Config sources and types as DescribeConfigs puts them on the wire (Kafka's
 * DescribeConfigsResponse.ConfigSource and ConfigType ids). The Admin API calls source 1
 * DYNAMIC_TOPIC_CONFIG; the broker's own enum calls it TOPIC_CONFIG.
 */
import type { ConfigType } from './types.js';

export type ConfigSourceName =
  | 'DYNAMIC_TOPIC_CONFIG'
  | 'DYNAMIC_BROKER_CONFIG'
  | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'STATIC_BROKER_CONFIG'
  | 'DEFAULT_CONFIG';

/** Wire ids of config sources. */
export const CONFIG_SOURCE_ID: Readonly<Record<ConfigSourceName | 'UNKNOWN', number>> = Object.freeze({
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
});

/** Wire ids of config types (DescribeConfigs v3+ ConfigType). */
export const CONFIG_TYPE_ID: Readonly<Record<ConfigType | 'unknown', number>> = Object.freeze({
  unknown: 0,
  boolean: 1,
  string: 2,
  int: 3,
  short: 4,
  long: 5,
  double: 6,
  list: 7,
  class: 8,
  password: 9,
});

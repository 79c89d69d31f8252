/**
 * DescribeConfigs (key 32), v1-v4 (Kafka 4.0 dropped v0). Answers as Kafka's ConfigHelper does:
 * - TOPIC: every topic key with its effective value, source (DYNAMIC_TOPIC_CONFIG for an
 *   override, else the broker layer the value comes from, else DEFAULT_CONFIG) and synonyms
 *   (from the config table's resolution), readOnly false. An invalid name is
 *   INVALID_TOPIC_EXCEPTION; an unknown topic UNKNOWN_TOPIC_OR_PARTITION with no configs.
 * - BROKER "<this node id>": every broker key; synonyms per Kafka's brokerConfigSynonyms
 *   (log.retention.{ms,minutes,hours}, log.roll.{ms,hours}, ...) from the dynamic per-broker,
 *   dynamic cluster-default and static layers, then the defaults; readOnly for keys that cannot
 *   change at runtime. BROKER "": only the cluster-wide dynamic defaults, source
 *   DYNAMIC_DEFAULT_BROKER_CONFIG. Another id: INVALID_REQUEST "Unexpected broker id, expected 1
 *   or empty string, but received 2"; a non-number: "Broker id must be an integer, but it is: x".
 * - configurationKeys null or empty lists everything; otherwise only the keys named (unknown
 *   keys are simply absent). Synonyms only with includeSynonyms, documentation only with
 *   includeDocumentation (v3+); configType v3+. Sensitive (PASSWORD) values are null.
 * Kafka quirks kept on purpose: a synonym list is cut before the first entry naming the key
 * itself, so with only log.retention.hours set, log.retention.ms reports source DEFAULT_CONFIG and
 * no synonyms; null defaults (log.retention.ms) are not listed as DEFAULT_CONFIG synonyms.
 */
import { METADATA_TOPIC, topicNameProblem } from '../controller/topic-names.js';
import { ConfigResourceType } from '../controller/metadata-image.js';
import { BROKER_CONFIG_BY_KEY, BROKER_CONFIG_KEYS } from '../common/config/broker-configs.js';
import { brokerValue, type ResolvedBrokerConfig } from '../common/config/broker-layers.js';
import { CONFIG_SOURCE_ID, CONFIG_TYPE_ID, type ConfigSourceName } from '../common/config/config-source.js';
import { brokerConfigSynonymKeys } from '../common/config/dynamic-broker.js';
import { REQUIRED, type ConfigType, type ConfigValue } from '../common/config/types.js';
import { formatValue } from '../common/config/values.js';
import { ErrorCode } from '../protocol/errors.js';
import type { DescribeConfigsRequest, DescribeConfigsRequestDescribeConfigsResource } from '../protocol/generated/messages/DescribeConfigsRequest.js';
import type {
  DescribeConfigsResponse,
  DescribeConfigsResponseDescribeConfigsResourceResult,
  DescribeConfigsResponseDescribeConfigsResult,
} from '../protocol/generated/messages/DescribeConfigsResponse.js';
import type { Input } from '../protocol/primitives/types.js';
import type { BrokerServices, Handler } from './types.js';

type Entry = Input<DescribeConfigsResponseDescribeConfigsResourceResult>;
type Result = Input<DescribeConfigsResponseDescribeConfigsResult>;

interface Synonym {
  key: string;
  value: string | null;
  source: ConfigSourceName;
}

interface Options {
  includeSynonyms: boolean;
  includeDocumentation: boolean;
}

const RESOURCE_TYPE_NAMES: Readonly<Record<number, string>> = { 8: 'BROKER_LOGGER', 16: 'CLIENT_METRICS', 32: 'GROUP' };

function entry(
  key: string,
  type: ConfigType,
  value: string | null,
  synonyms: readonly Synonym[],
  readOnly: boolean,
  doc: string,
  options: Options,
): Entry {
  // Kafka's KafkaConfig.maybeSensitive: PASSWORD values are never shown.
  const isSensitive = type === 'password';
  return {
    name: key,
    value: isSensitive ? null : value,
    readOnly,
    configSource: CONFIG_SOURCE_ID[synonyms[0]?.source ?? 'DEFAULT_CONFIG'],
    isSensitive,
    synonyms: options.includeSynonyms
      ? synonyms.map((s) => ({ name: s.key, value: isSensitive ? null : s.value, source: CONFIG_SOURCE_ID[s.source] }))
      : [],
    configType: CONFIG_TYPE_ID[type],
    documentation: options.includeDocumentation ? doc : null,
  };
}

/** Kafka's configSynonyms for a broker key: per layer, then the defaults, cut before the key itself. */
function brokerSynonyms(config: ResolvedBrokerConfig, key: string): Synonym[] {
  const chain = brokerConfigSynonymKeys(key).filter((k) => BROKER_CONFIG_BY_KEY.has(k));
  const list: Synonym[] = [];
  for (const layer of config.layers) {
    for (const k of chain) {
      if (layer.values.has(k)) list.push({ key: k, value: formatValue(BROKER_CONFIG_BY_KEY.get(k)!.type, layer.values.get(k)!), source: layer.source });
    }
  }
  for (const k of chain) {
    const def = BROKER_CONFIG_BY_KEY.get(k)!;
    if (def.default === null || def.default === REQUIRED) continue;
    list.push({ key: k, value: formatValue(def.type, def.default as ConfigValue), source: 'DEFAULT_CONFIG' });
  }
  const first = list.findIndex((s) => s.key === key);
  return first < 0 ? [] : list.slice(first);
}

function wanted(resource: DescribeConfigsRequestDescribeConfigsResource): (key: string) => boolean {
  const keys = resource.configurationKeys;
  if (keys === null || keys.length === 0) return () => true;
  const set = new Set(keys);
  return (key) => set.has(key);
}

function describeTopic(services: BrokerServices, resource: DescribeConfigsRequestDescribeConfigsResource, options: Options): Result {
  const name = resource.resourceName;
  const problem = topicNameProblem(name);
  if (problem !== null) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, errorMessage: problem, configs: [] };
  if (name === METADATA_TOPIC || !services.metadata.image.topicsByName.has(name)) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, configs: [] };
  }
  const include = wanted(resource);
  const configs = services
    .topicConfig(name)
    .entries.filter((e) => include(e.key))
    .map((e) => entry(e.key, e.type, e.valueText, e.synonyms, false, e.doc, options));
  return { errorCode: ErrorCode.NONE, errorMessage: null, configs };
}

function describeBroker(services: BrokerServices, resource: DescribeConfigsRequestDescribeConfigsResource, options: Options): Result {
  const name = resource.resourceName;
  const config = services.config;
  const include = wanted(resource);
  if (name === '') {
    // The cluster-wide default resource lists only what is set there.
    const defaults = config.layers.find((l) => l.source === 'DYNAMIC_DEFAULT_BROKER_CONFIG');
    const configs: Entry[] = [];
    for (const [key, value] of defaults?.values ?? []) {
      if (!include(key)) continue;
      const def = BROKER_CONFIG_BY_KEY.get(key)!;
      const synonyms = brokerSynonyms(config, key).filter((s) => s.source === 'DYNAMIC_DEFAULT_BROKER_CONFIG');
      configs.push(entry(key, def.type, formatValue(def.type, value), synonyms, def.updateMode === 'read-only', def.doc, options));
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null, configs };
  }
  if (!/^[+-]?\d+$/.test(name) || !Number.isSafeInteger(Number(name))) {
    return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Broker id must be an integer, but it is: ${name}`, configs: [] };
  }
  if (Number(name) !== services.nodeId) {
    return {
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: `Unexpected broker id, expected ${services.nodeId} or empty string, but received ${name}`,
      configs: [],
    };
  }
  const configs = BROKER_CONFIG_KEYS.filter((def) => include(def.key)).map((def) =>
    entry(def.key, def.type, formatValue(def.type, brokerValue(config, def.key)), brokerSynonyms(config, def.key), def.updateMode === 'read-only', def.doc, options),
  );
  return { errorCode: ErrorCode.NONE, errorMessage: null, configs };
}

export const describeConfigsHandler: Handler<DescribeConfigsRequest, DescribeConfigsResponse> = {
  apiKey: 32,
  minVersion: 1,
  maxVersion: 4,
  async handle(services, request, info) {
    const options: Options = { includeSynonyms: request.includeSynonyms, includeDocumentation: info.version >= 3 && request.includeDocumentation };
    const results = request.resources.map((resource): Result => {
      const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
      switch (resource.resourceType) {
        case ConfigResourceType.TOPIC:
          return { ...base, ...describeTopic(services, resource, options) };
        case ConfigResourceType.BROKER:
          return { ...base, ...describeBroker(services, resource, options) };
        default: {
          const typeName = RESOURCE_TYPE_NAMES[resource.resourceType];
          const message = typeName !== undefined ? `Unsupported resource type: ${typeName}` : `Unexpected resource type ${resource.resourceType} for resource ${resource.resourceName}`;
          return { ...base, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: message, configs: [] };
        }
      }
    });
    return { throttleTimeMs: 0, results };
  },
};

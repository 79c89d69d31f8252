/**
 * AlterConfigs and IncrementalAlterConfigs as pure controller functions (image + request →
 * ConfigRecords + per-resource results), with the checks Kafka splits between the forwarding
 * broker (ConfigAdminManager.preprocess) and the controller (ConfigurationControlManager,
 * ControllerConfigurationValidator), in Kafka's order and with Kafka's messages:
 *
 * - every resource: appears once ("Each resource must appear at most once."), no duplicate keys
 *   ("Error due to duplicate config keys"), no null value except for DELETE ("Null value not
 *   supported for : k"), all INVALID_REQUEST. Only TOPIC (2) and BROKER (4) resources are known.
 * - TOPIC: the resulting overrides must resolve through the config table (INVALID_CONFIG naming
 *   the key; an unknown key is "Unknown topic config name: k"), then the topic must exist
 *   (UNKNOWN_TOPIC_OR_PARTITION "The topic 'x' does not exist."). Records only for keys whose
 *   value changes.
 * - BROKER: the name is "" (cluster default) or this node's id ("Unexpected broker id, expected
 *   1, but received 2"); the resulting dynamic configs must all be dynamic, valid, and not
 *   per-broker-only on the default resource — INVALID_REQUEST with Kafka's message (KAFKA-13609
 *   keeps INVALID_REQUEST). Records for every key touched, changed or not (KAFKA-14136).
 * - APPEND/SUBTRACT only on LIST keys; an unset key starts from its default.
 * - AlterConfigs (legacy) replaces the resource's whole config set: keys not given are deleted.
 * - validateOnly checks everything and returns no records.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { Input } from '../protocol/primitives/types.js';
import type { AlterConfigsRequest } from '../protocol/generated/messages/AlterConfigsRequest.js';
import type { AlterConfigsResponseAlterConfigsResourceResponse } from '../protocol/generated/messages/AlterConfigsResponse.js';
import type { IncrementalAlterConfigsRequest } from '../protocol/generated/messages/IncrementalAlterConfigsRequest.js';
import { BROKER_CONFIG_BY_KEY } from '../common/config/broker-configs.js';
import type { ResolvedBrokerConfig } from '../common/config/broker-layers.js';
import { dynamicBrokerConfigProblem, withDynamicLayers } from '../common/config/dynamic-broker.js';
import { ConfigError } from '../common/config/errors.js';
import { resolveTopicConfig } from '../common/config/resolve-topic.js';
import { TOPIC_CONFIG_BY_KEY } from '../common/config/topic-configs.js';
import type { ConfigKeyBase } from '../common/config/types.js';
import { formatValue } from '../common/config/values.js';
import type { ControllerResult } from './controller.js';
import { ConfigResourceType, type MetadataImage } from './metadata-image.js';
import { MetadataRecordType, type NewMetadataRecord } from './metadata-records.js';
import { topicNameProblem } from './topic-names.js';

/** IncrementalAlterConfigs operations (Kafka's AlterConfigOp.OpType ids). */
export const ConfigOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
const OP_NAMES = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'] as const;

export interface ConfigAdminContext {
  nodeId: number;
  /** The broker config from server.properties (the dynamic layers come from the image). */
  staticBrokerConfig: ResolvedBrokerConfig;
}

export type AlterConfigsResult = Input<AlterConfigsResponseAlterConfigsResourceResponse>;

/** The broker config this node runs with: its static config under the image's dynamic broker configs. */
export function brokerConfigFromImage(
  image: MetadataImage,
  staticConfig: ResolvedBrokerConfig,
  nodeId: number,
  onIgnored?: (key: string, reason: string) => void,
): ResolvedBrokerConfig {
  const brokers = image.configs.get(ConfigResourceType.BROKER);
  const perBroker = brokers?.get(String(nodeId)) ?? new Map<string, string>();
  const clusterDefault = brokers?.get('') ?? new Map<string, string>();
  try {
    return withDynamicLayers(staticConfig, perBroker, clusterDefault, onIgnored);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    onIgnored?.('*', `dynamic broker configs ignored: ${e.message}`);
    return staticConfig;
  }
}

class Refusal extends Error {
  constructor(readonly errorCode: number, message: string | null) {
    super(message ?? '');
    this.text = message;
  }
  readonly text: string | null;
}

const refuse = (errorCode: number, message: string | null): never => {
  throw new Refusal(errorCode, message);
};

/** One resource's wanted change: key → new value (null deletes), plus the keys it touches. */
interface ResourceChange {
  resourceType: number;
  resourceName: string;
  /** The resource's stored configs after the change. */
  after: Map<string, string>;
  /** Keys the request names (for broker records) and keys whose value changes. */
  touched: Set<string>;
}

function listDefault(def: ConfigKeyBase | undefined): string | null {
  if (def === undefined || def.default === null || typeof def.default === 'symbol') return null;
  return formatValue(def.type, def.default as readonly string[]);
}

/** Kafka's APPEND/SUBTRACT on a LIST value (an unset key starts from its default). */
function applyListOp(op: number, key: string, current: string | null, operand: string, def: ConfigKeyBase | undefined): string {
  if (def === undefined || def.type !== 'list') {
    refuse(ErrorCode.INVALID_CONFIG, `Can't ${OP_NAMES[op]} to key ${key} because its type is not LIST.`);
  }
  const parts = (current ?? listDefault(def) ?? '').split(',').filter((p) => p !== '');
  for (const value of operand.split(',')) {
    if (op === ConfigOp.APPEND) {
      if (!parts.includes(value)) parts.push(value);
    } else {
      const at = parts.indexOf(value);
      if (at >= 0) parts.splice(at, 1);
    }
  }
  return parts.join(',');
}

function storedConfigs(image: MetadataImage, resourceType: number, resourceName: string): ReadonlyMap<string, string> {
  return image.configs.get(resourceType)?.get(resourceName) ?? new Map();
}

function checkResourceBasics(resourceType: number, resourceName: string, names: readonly string[], nullValued: readonly string[], ctx: ConfigAdminContext): void {
  if (new Set(names).size !== names.length) refuse(ErrorCode.INVALID_REQUEST, 'Error due to duplicate config keys');
  if (nullValued.length > 0) refuse(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nullValued.join(', ')}`);
  if (resourceType === ConfigResourceType.BROKER) {
    if (resourceName === '') return;
    if (!/^[+-]?\d+$/.test(resourceName) || !Number.isSafeInteger(Number(resourceName))) {
      refuse(ErrorCode.INVALID_REQUEST, `Node id must be an integer, but it is: ${resourceName}`);
    }
    if (Number(resourceName) !== ctx.nodeId) {
      refuse(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${ctx.nodeId}, but received ${resourceName}`);
    }
    return;
  }
  if (resourceType !== ConfigResourceType.TOPIC) refuse(ErrorCode.INVALID_REQUEST, `Unknown resource type ${resourceType}`);
}

/** Validates a resource's resulting configs; throws a Refusal with Kafka's error. */
function validateChange(image: MetadataImage, change: ResourceChange, ctx: ConfigAdminContext): void {
  const props = Object.fromEntries(change.after);
  if (change.resourceType === ConfigResourceType.BROKER) {
    const perBroker = change.resourceName !== '';
    const problem = dynamicBrokerConfigProblem(props, perBroker);
    if (problem !== null) refuse(ErrorCode.INVALID_REQUEST, problem);
    const brokers = image.configs.get(ConfigResourceType.BROKER);
    const own = perBroker ? change.after : (brokers?.get(String(ctx.nodeId)) ?? new Map<string, string>());
    const clusterDefault = perBroker ? (brokers?.get('') ?? new Map<string, string>()) : change.after;
    try {
      withDynamicLayers(ctx.staticBrokerConfig, own, clusterDefault);
    } catch (e) {
      if (e instanceof ConfigError) refuse(ErrorCode.INVALID_REQUEST, e.message);
      throw e;
    }
    return;
  }
  const name = change.resourceName;
  if (name === '') refuse(ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.');
  const nameProblem = topicNameProblem(name);
  if (nameProblem !== null) refuse(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
  try {
    resolveTopicConfig(props, brokerConfigFromImage(image, ctx.staticBrokerConfig, ctx.nodeId));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    refuse(ErrorCode.INVALID_CONFIG, e.problem === 'unknown-key' ? `Unknown topic config name: ${e.key}` : e.message);
  }
  if (!image.topicsByName.has(name)) refuse(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
}

function changeRecords(image: MetadataImage, change: ResourceChange): NewMetadataRecord[] {
  const before = storedConfigs(image, change.resourceType, change.resourceName);
  const records: NewMetadataRecord[] = [];
  for (const key of change.touched) {
    const value = change.after.get(key) ?? null;
    if (change.resourceType !== ConfigResourceType.BROKER && value === (before.get(key) ?? null)) continue;
    records.push({
      type: MetadataRecordType.Config,
      version: 0,
      data: { resourceType: change.resourceType, resourceName: change.resourceName, name: key, value },
    });
  }
  return records;
}

interface AnyResource {
  resourceType: number;
  resourceName: string;
}

/** Runs `build` per resource (duplicates refused), validates, and collects records and results. */
function alter<R extends AnyResource>(
  image: MetadataImage,
  resources: readonly R[],
  validateOnly: boolean,
  ctx: ConfigAdminContext,
  build: (resource: R) => ResourceChange,
): ControllerResult<AlterConfigsResult[]> {
  const seen = new Map<string, number>();
  for (const r of resources) seen.set(`${r.resourceType}:${r.resourceName}`, (seen.get(`${r.resourceType}:${r.resourceName}`) ?? 0) + 1);
  const records: NewMetadataRecord[] = [];
  const results: AlterConfigsResult[] = [];
  for (const r of resources) {
    const result = { resourceType: r.resourceType, resourceName: r.resourceName };
    try {
      if (seen.get(`${r.resourceType}:${r.resourceName}`)! > 1) refuse(ErrorCode.INVALID_REQUEST, 'Each resource must appear at most once.');
      const change = build(r);
      validateChange(image, change, ctx);
      if (!validateOnly) records.push(...changeRecords(image, change));
      results.push({ ...result, errorCode: ErrorCode.NONE, errorMessage: null });
    } catch (e) {
      if (!(e instanceof Refusal)) throw e;
      results.push({ ...result, errorCode: e.errorCode, errorMessage: e.text });
    }
  }
  return { records, response: results };
}

function keyDef(resourceType: number, key: string): ConfigKeyBase | undefined {
  return resourceType === ConfigResourceType.BROKER ? BROKER_CONFIG_BY_KEY.get(key) : TOPIC_CONFIG_BY_KEY.get(key);
}

/** IncrementalAlterConfigs: SET, DELETE, APPEND, SUBTRACT on topic and broker resources. */
export function incrementalAlterConfigs(
  image: MetadataImage,
  request: Pick<IncrementalAlterConfigsRequest, 'resources' | 'validateOnly'>,
  ctx: ConfigAdminContext,
): ControllerResult<AlterConfigsResult[]> {
  return alter(image, request.resources, request.validateOnly, ctx, (r) => {
    checkResourceBasics(
      r.resourceType,
      r.resourceName,
      r.configs.map((c) => c.name),
      r.configs.filter((c) => c.configOperation !== ConfigOp.DELETE && c.value === null).map((c) => c.name),
      ctx,
    );
    const after = new Map(storedConfigs(image, r.resourceType, r.resourceName));
    const touched = new Set<string>();
    for (const c of r.configs) {
      touched.add(c.name);
      switch (c.configOperation) {
        case ConfigOp.SET:
          after.set(c.name, c.value!);
          break;
        case ConfigOp.DELETE:
          after.delete(c.name);
          break;
        case ConfigOp.APPEND:
        case ConfigOp.SUBTRACT: {
          const def = keyDef(r.resourceType, c.name);
          if (r.resourceType === ConfigResourceType.BROKER) {
            // The forwarding broker's check comes first in Kafka, with its own wording.
            const verb = c.configOperation === ConfigOp.APPEND ? 'append' : 'subtract';
            if (def === undefined) refuse(ErrorCode.INVALID_CONFIG, `Unknown config name: ${c.name}`);
            if (def!.type !== 'list') refuse(ErrorCode.INVALID_CONFIG, `Config value ${verb} is not allowed for config key: ${c.name}`);
          }
          after.set(c.name, applyListOp(c.configOperation, c.name, after.get(c.name) ?? null, c.value!, def));
          break;
        }
        default:
          refuse(ErrorCode.INVALID_REQUEST, `Unknown operations type ${c.configOperation}`);
      }
    }
    return { resourceType: r.resourceType, resourceName: r.resourceName, after, touched };
  });
}

/** AlterConfigs (legacy): the given configs become the resource's whole config set. */
export function alterConfigs(
  image: MetadataImage,
  request: Pick<AlterConfigsRequest, 'resources' | 'validateOnly'>,
  ctx: ConfigAdminContext,
): ControllerResult<AlterConfigsResult[]> {
  return alter(image, request.resources, request.validateOnly, ctx, (r) => {
    checkResourceBasics(r.resourceType, r.resourceName, r.configs.map((c) => c.name), r.configs.filter((c) => c.value === null).map((c) => c.name), ctx);
    const after = new Map<string, string>();
    const touched = new Set<string>();
    for (const c of r.configs) {
      after.set(c.name, c.value!);
      touched.add(c.name);
    }
    for (const key of storedConfigs(image, r.resourceType, r.resourceName).keys()) touched.add(key);
    return { resourceType: r.resourceType, resourceName: r.resourceName, after, touched };
  });
}

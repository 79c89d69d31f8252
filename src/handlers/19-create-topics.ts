/**
 * CreateTopics (key 19), v2-v7 (Kafka 4.0 serves v2+). Validation and records come from the
 * controller's pure createTopics; the records are committed to __cluster_metadata before the
 * answer, so a created topic is immediately usable. validateOnly checks everything and writes
 * nothing. Replication factors above the number of brokers get Kafka's INVALID_REPLICATION_FACTOR
 * message. From v5 on (KIP-525) each topic that passes carries its effective configs, sorted by
 * name, with their sources (as Kafka's ReplicationControlManager answers; validateOnly too).
 */
import { createTopics } from '../controller/controller.js';
import { resolveTopicConfig } from '../common/config/resolve-topic.js';
import { CONFIG_SOURCE_ID } from '../common/config/config-source.js';
import { ErrorCode } from '../protocol/errors.js';
import type { CreateTopicsRequest, CreateTopicsRequestCreatableTopic } from '../protocol/generated/messages/CreateTopicsRequest.js';
import type { CreateTopicsResponse, CreateTopicsResponseCreatableTopicConfigs } from '../protocol/generated/messages/CreateTopicsResponse.js';
import type { Input } from '../protocol/primitives/types.js';
import { controllerContext } from './controller-context.js';
import type { BrokerServices, Handler } from './types.js';

/** The configs a new topic gets: its overrides over the broker's defaults. */
function effectiveConfigs(services: BrokerServices, topic: CreateTopicsRequestCreatableTopic): Input<CreateTopicsResponseCreatableTopicConfigs>[] {
  const overrides: Record<string, string> = {};
  for (const c of topic.configs) if (c.value !== null) overrides[c.name] = c.value;
  return resolveTopicConfig(overrides, services.config)
    .entries.map((e) => {
      const isSensitive = e.type === 'password';
      return { name: e.key, value: isSensitive ? null : e.valueText, readOnly: false, configSource: CONFIG_SOURCE_ID[e.source], isSensitive };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export const createTopicsHandler: Handler<CreateTopicsRequest, CreateTopicsResponse> = {
  apiKey: 19,
  minVersion: 2,
  maxVersion: 7,
  async handle(services, request, info) {
    const response = await services.metadata.run((image) => createTopics(image, request, controllerContext(services, image)));
    if (info.version < 5) return response;
    const requested = new Map(request.topics.map((t) => [t.name, t]));
    return {
      ...response,
      topics: (response.topics ?? []).map((r) => {
        const topic = r.name === undefined ? undefined : requested.get(r.name);
        if (r.errorCode !== ErrorCode.NONE || topic === undefined) return r;
        return { ...r, topicConfigErrorCode: ErrorCode.NONE, configs: effectiveConfigs(services, topic) };
      }),
    };
  },
};

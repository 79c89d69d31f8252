/** The controller's view of the broker config, for handlers that run controller operations. */
import type { ControllerContext } from '../controller/controller.js';
import type { MetadataImage } from '../controller/metadata-image.js';
import { resolveTopicConfig } from '../common/config/resolve-topic.js';
import { ConfigError } from '../common/config/errors.js';
import type { BrokerServices } from './types.js';

export function controllerContext(services: BrokerServices, image: MetadataImage): ControllerContext {
  const registered = [...image.brokers.values()].filter((b) => !b.fenced).map((b) => b.brokerId);
  return {
    brokerIds: registered.length > 0 ? registered : [services.nodeId],
    defaultNumPartitions: services.config.values.numPartitions,
    defaultReplicationFactor: services.config.values.defaultReplicationFactor,
    validateTopicConfigs: (configs) => {
      try {
        resolveTopicConfig(configs, services.config);
        return null;
      } catch (e) {
        if (e instanceof ConfigError) return e.message;
        throw e;
      }
    },
    newTopicId: () => services.newTopicId(),
  };
}

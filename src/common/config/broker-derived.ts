/**
 * Broker values that Kafka derives from more than one key.
 */
import type { ResolvedBrokerConfig } from './broker-layers.js';
import { splitList } from './values.js';

/** The data directories: log.dirs when set, else log.dir (Kafka's KafkaConfig.logDirs). */
export function logDirs(config: ResolvedBrokerConfig): string[] {
  const { logDirs: dirs, logDir } = config.values;
  return splitList(dirs ?? logDir).filter((dir) => dir !== '');
}

/**
 * The broker's side of __consumer_offsets: the group coordinator's settings from the broker
 * config, creating the topic on first use (Kafka's FindCoordinator does the same), and giving
 * the coordinator a shard for each partition of it this node hosts.
 */
import type { ResolvedBrokerConfig } from '../common/config/index.js';
import { createTopics } from '../controller/controller.js';
import type { MetadataImage } from '../controller/metadata-image.js';
import type { GroupCoordinator, OffsetsPartitionStore } from '../coordinator/group/group-coordinator.js';
import type { GroupConfig } from '../coordinator/group/group-shard.js';
import { partitionStore } from '../coordinator/group/partition-store.js';
import { controllerContext } from '../handlers/controller-context.js';
import type { BrokerServices } from '../handlers/types.js';
import { ErrorCode } from '../protocol/errors.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { Partition } from '../replica/partition.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

const stores = new WeakMap<Partition, OffsetsPartitionStore>();

export const OffsetsTopic = {
  groupConfig(config: ResolvedBrokerConfig): GroupConfig {
    const v = config.values;
    return {
      minSessionTimeoutMs: v.groupMinSessionTimeoutMs,
      maxSessionTimeoutMs: v.groupMaxSessionTimeoutMs,
      initialRebalanceDelayMs: v.groupInitialRebalanceDelayMs,
      maxSize: v.groupMaxSize,
      offsetMetadataMaxBytes: v.offsetMetadataMaxBytes,
      offsetsRetentionMs: v.offsetsRetentionMinutes * 60_000,
    };
  },

  /** Creates the topic when missing; null when it exists, else why it could not be made. */
  async ensure(services: BrokerServices): Promise<string | null> {
    if (services.metadata.image.topicsByName.has(OFFSETS_TOPIC)) return null;
    const v = services.config.values;
    const result = await services.metadata.run((image: MetadataImage) =>
      createTopics(
        image,
        {
          topics: [{
            name: OFFSETS_TOPIC,
            numPartitions: v.offsetsTopicNumPartitions,
            replicationFactor: v.offsetsTopicReplicationFactor,
            assignments: [],
            configs: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'compression.type', value: 'producer' },
              { name: 'segment.bytes', value: String(v.offsetsTopicSegmentBytes) },
            ],
          }],
          timeoutMs: 0,
          validateOnly: false,
        },
        controllerContext(services, image),
      ),
    );
    const r = result.topics![0]!;
    if (r.errorCode === ErrorCode.NONE || r.errorCode === ErrorCode.TOPIC_ALREADY_EXISTS) return null;
    return `cannot create ${OFFSETS_TOPIC}: ${r.errorMessage ?? `error ${r.errorCode}`} (offsets.topic.replication.factor=${v.offsetsTopicReplicationFactor})`;
  },

  /** Gives the coordinator the partitions of the topic this node hosts (loading new ones). */
  async syncShards(groups: GroupCoordinator, image: MetadataImage, replicas: ReplicaManager): Promise<void> {
    const topic = image.topicsByName.get(OFFSETS_TOPIC);
    const hosted = new Map<number, OffsetsPartitionStore>();
    for (const p of topic?.partitions.keys() ?? []) {
      const partition = replicas.get(OFFSETS_TOPIC, p);
      if (partition === undefined) continue;
      let store = stores.get(partition);
      if (store === undefined) stores.set(partition, (store = partitionStore(partition)));
      hosted.set(p, store);
    }
    await groups.syncShards(topic?.partitions.size ?? 0, hosted);
  },

  /**
   * Tombstones the committed offsets of topics the image no longer has: after a metadata change
   * that removed topics, and at start (for deletions a crash kept from being cleaned up).
   */
  dropOffsetsOfDeletedTopics(groups: GroupCoordinator, image: MetadataImage): void {
    groups.dropOffsetsOfDeletedTopics((t) => image.topicsByName.has(t));
  },
};

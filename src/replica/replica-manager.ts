/**
 * The partitions this broker hosts, kept in line with the metadata image: a partition appears
 * (its log opened or created) when the image gives this node a replica, and goes (its log
 * deleted) when its topic is removed.
 */
import type { LogManager } from '../storage/log-manager.js';
import type { LogSettings } from '../storage/log-settings.js';
import type { MetadataImage } from '../controller/metadata-image.js';
import { METADATA_TOPIC } from '../controller/topic-names.js';
import { Partition } from './partition.js';

export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();

  constructor(
    private readonly nodeId: number,
    private readonly logs: LogManager,
    private readonly settingsFor: (topic: string) => LogSettings,
  ) {}

  get(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(`${topic}-${partition}`);
  }

  all(): Partition[] {
    return [...this.partitions.values()];
  }

  /** Brings hosted partitions in line with the image. */
  async sync(image: MetadataImage): Promise<void> {
    const wanted = new Set<string>();
    for (const topic of image.topicsByName.values()) {
      for (const p of topic.partitions.values()) {
        if (!p.replicas.includes(this.nodeId)) continue;
        const key = `${topic.name}-${p.partition}`;
        wanted.add(key);
        const existing = this.partitions.get(key);
        if (existing && existing.topicId === topic.topicId) {
          existing.leaderEpoch = p.leaderEpoch;
          existing.log.settings = this.settingsFor(topic.name);
          continue;
        }
        if (existing) await this.remove(key, existing);
        const log = await this.logs.getOrCreateLog(topic.name, p.partition, { topicId: topic.topicId, settings: this.settingsFor(topic.name) });
        this.partitions.set(key, new Partition(topic.name, p.partition, topic.topicId, log, p.leaderEpoch));
      }
    }
    for (const [key, partition] of this.partitions) if (!wanted.has(key)) await this.remove(key, partition);
    // Logs left on disk for topics the image no longer has (deleted while this broker was down).
    for (const log of this.logs.allLogs()) {
      if (log.topic === METADATA_TOPIC) continue;
      if (!wanted.has(`${log.topic}-${log.partition}`)) await this.logs.deleteLog(log.topic, log.partition);
    }
  }

  private async remove(key: string, partition: Partition): Promise<void> {
    this.partitions.delete(key);
    await this.logs.deleteLog(partition.topic, partition.partition);
  }
}

/**
 * The broker's view of the cluster, built only by replaying metadata records (TopicRecord,
 * PartitionRecord, ConfigRecord, ...), so that loading from the log and live operation run the
 * same code. Immutable from the outside: `replay` is the only way it changes.
 */
import { MetadataRecordType, type MetadataRecord } from './metadata-records.js';
import type { TopicRecord } from '../protocol/generated/metadata/TopicRecord.js';
import type { PartitionRecord } from '../protocol/generated/metadata/PartitionRecord.js';
import type { PartitionChangeRecord } from '../protocol/generated/metadata/PartitionChangeRecord.js';
import type { ConfigRecord } from '../protocol/generated/metadata/ConfigRecord.js';
import type { RegisterBrokerRecord } from '../protocol/generated/metadata/RegisterBrokerRecord.js';

/** ConfigRecord resource types (Kafka's ConfigResource.Type ids). */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4 } as const;

export interface PartitionState {
  partition: number;
  replicas: number[];
  isr: number[];
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
}

export interface TopicState {
  name: string;
  topicId: string;
  partitions: Map<number, PartitionState>;
}

export interface BrokerState {
  brokerId: number;
  epoch: bigint;
  endpoints: { name: string; host: string; port: number; securityProtocol: number }[];
  rack: string | null;
  fenced: boolean;
}

export class MetadataImage {
  readonly topicsByName = new Map<string, TopicState>();
  readonly topicsById = new Map<string, TopicState>();
  /** Resource type → resource name → config key → value. */
  readonly configs = new Map<number, Map<string, Map<string, string>>>();
  readonly brokers = new Map<number, BrokerState>();
  readonly features = new Map<string, number>();
  /** Offset of the last record replayed, -1 before any. */
  lastOffset = -1;

  replay(record: MetadataRecord, offset: number): void {
    switch (record.type) {
      case MetadataRecordType.Topic:
        this.replayTopic(record.data as TopicRecord);
        break;
      case MetadataRecordType.Partition:
        this.replayPartition(record.data as PartitionRecord);
        break;
      case MetadataRecordType.PartitionChange:
        this.replayPartitionChange(record.data as PartitionChangeRecord);
        break;
      case MetadataRecordType.Config:
        this.replayConfig(record.data as ConfigRecord);
        break;
      case MetadataRecordType.RemoveTopic: {
        const topic = this.topicsById.get((record.data as { topicId: string }).topicId);
        if (topic) {
          this.topicsById.delete(topic.topicId);
          this.topicsByName.delete(topic.name);
          this.configs.get(ConfigResourceType.TOPIC)?.delete(topic.name);
        }
        break;
      }
      case MetadataRecordType.RegisterBroker: {
        const b = record.data as RegisterBrokerRecord;
        this.brokers.set(b.brokerId, {
          brokerId: b.brokerId,
          epoch: b.brokerEpoch,
          endpoints: b.endPoints.map((e) => ({ name: e.name, host: e.host, port: e.port, securityProtocol: e.securityProtocol })),
          rack: b.rack,
          fenced: b.fenced,
        });
        break;
      }
      case MetadataRecordType.FeatureLevel: {
        const f = record.data as { name: string; featureLevel: number };
        this.features.set(f.name, f.featureLevel);
        break;
      }
      default:
        // Records this broker does not act on yet (ACLs, quotas, ...) are skipped, as an older broker would.
        break;
    }
    this.lastOffset = offset;
  }

  private replayTopic(r: TopicRecord): void {
    const topic: TopicState = { name: r.name, topicId: r.topicId, partitions: new Map() };
    this.topicsByName.set(r.name, topic);
    this.topicsById.set(r.topicId, topic);
  }

  private replayPartition(r: PartitionRecord): void {
    const topic = this.topicsById.get(r.topicId);
    if (!topic) return;
    topic.partitions.set(r.partitionId, {
      partition: r.partitionId,
      replicas: [...r.replicas],
      isr: [...r.isr],
      leader: r.leader,
      leaderEpoch: r.leaderEpoch,
      partitionEpoch: r.partitionEpoch,
    });
  }

  private replayPartitionChange(r: PartitionChangeRecord): void {
    const p = this.topicsById.get(r.topicId)?.partitions.get(r.partitionId);
    if (!p) return;
    if (r.isr !== null) p.isr = [...r.isr];
    if (r.replicas !== null) p.replicas = [...r.replicas];
    // Leader -2 means "unchanged"; a new leader starts a new epoch.
    if (r.leader !== -2) {
      p.leader = r.leader;
      p.leaderEpoch++;
    }
    p.partitionEpoch++;
  }

  private replayConfig(r: ConfigRecord): void {
    let byName = this.configs.get(r.resourceType);
    if (!byName) this.configs.set(r.resourceType, (byName = new Map()));
    let entries = byName.get(r.resourceName);
    if (!entries) byName.set(r.resourceName, (entries = new Map()));
    if (r.value === null) entries.delete(r.name);
    else entries.set(r.name, r.value);
  }

  topicConfigs(topic: string): ReadonlyMap<string, string> {
    return this.configs.get(ConfigResourceType.TOPIC)?.get(topic) ?? new Map();
  }
}

/**
 * The cluster as one listener sees it, from the metadata image: the live brokers with their
 * endpoint on that listener, and which replicas are offline for it. Shared by DescribeCluster
 * and DescribeTopicPartitions (Kafka's KRaftMetadataCache rules).
 */
import type { MetadataImage } from '../controller/metadata-image.js';

export interface BrokerNode {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** Live (unfenced) brokers that have an endpoint named `listener`, by id. */
export function aliveBrokerNodes(image: MetadataImage, listener: string): Map<number, BrokerNode> {
  const nodes = new Map<number, BrokerNode>();
  for (const b of [...image.brokers.values()].sort((x, y) => x.brokerId - y.brokerId)) {
    if (b.fenced) continue;
    const e = b.endpoints.find((ep) => ep.name === listener);
    if (e) nodes.set(b.brokerId, { nodeId: b.brokerId, host: e.host, port: e.port, rack: b.rack });
  }
  return nodes;
}

/** Replicas whose broker is unknown, fenced, or has no endpoint on `listener`. */
export function offlineReplicas(image: MetadataImage, replicas: readonly number[], listener: string): number[] {
  return replicas.filter((id) => {
    const b = image.brokers.get(id);
    return b === undefined || b.fenced || !b.endpoints.some((e) => e.name === listener);
  });
}

/** Kafka's AclOperation codes as a 32-bit field: what a principal may do when no authorizer is set. */
export function operationsBitfield(ops: readonly number[]): number {
  return ops.reduce((field, op) => field | (1 << op), 0);
}

/** Every operation Kafka supports on a topic (READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS). */
export const TOPIC_OPERATIONS = operationsBitfield([3, 4, 5, 6, 7, 8, 10, 11]);
/** Every operation Kafka supports on the cluster (CREATE, ALTER, DESCRIBE, CLUSTER_ACTION, DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE). */
export const CLUSTER_OPERATIONS = operationsBitfield([5, 7, 8, 9, 10, 11, 12]);

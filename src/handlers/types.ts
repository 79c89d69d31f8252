/**
 * What handlers see: the broker's services and the request's header and context. A handler
 * decodes nothing and encodes nothing (the dispatcher does); it never throws for a client's
 * mistake: errors are Kafka error codes in its response. It returns null only for a request
 * that gets no response (Produce with acks=0).
 */
import type { RequestHeader } from '../protocol/generated/messages/RequestHeader.js';
import type { Input } from '../protocol/primitives/types.js';
import type { RequestContext } from '../network/connection.js';
import type { MetadataLog } from '../controller/metadata-log.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { LogManager } from '../storage/log-manager.js';
import type { ResolvedBrokerConfig } from '../common/config/index.js';
import type { ResolvedTopicConfig } from '../common/config/resolve-topic.js';
import type { FetchPurgatory } from '../replica/fetch-purgatory.js';
import type { GroupCoordinator } from '../coordinator/group/group-coordinator.js';

export interface AdvertisedListener {
  name: string;
  host: string;
  port: number;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface BrokerServices {
  nodeId: number;
  clusterId: string;
  config: ResolvedBrokerConfig;
  /** Listeners clients are told about (advertised.listeners, else listeners). */
  advertised: readonly AdvertisedListener[];
  /** The listener a local port belongs to. */
  listenerForPort(port: number): AdvertisedListener;
  metadata: MetadataLog;
  replicas: ReplicaManager;
  logs: LogManager;
  purgatory: FetchPurgatory;
  groups: GroupCoordinator;
  /** Creates __consumer_offsets if it does not exist yet; a problem message when it cannot. */
  ensureOffsetsTopic(): Promise<string | null>;
  /** The effective config of a topic (its overrides over the broker's defaults). */
  topicConfig(topic: string): ResolvedTopicConfig;
  /** A new random topic id. */
  newTopicId(): string;
  nowMs(): number;
  log: Logger;
}

export interface RequestInfo {
  header: RequestHeader;
  version: number;
  ctx: RequestContext;
}

export interface Handler<Req = any, Resp = any> {
  apiKey: number;
  /** Versions this broker serves (within the codec's range). */
  minVersion: number;
  maxVersion: number;
  handle(services: BrokerServices, request: Req, info: RequestInfo): Promise<Input<Resp> | null>;
}

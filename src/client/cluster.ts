/**
 * What a client knows about the cluster, and its connections: the bootstrap list, brokers and
 * topic metadata (refreshed on demand, on errors that say it is stale, and at least every
 * metadata.max.age.ms for the topics the client uses), one connection per broker address
 * (opened on first use, with reconnect backoff after failures, closed after
 * connections.max.idle.ms unused), and request helpers with retries.
 */
import { ApiKey } from '../protocol/generated/registry.js';
import { ErrorCode, KafkaError, errorInfo } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/primitives/types.js';
import type { MetadataResponse } from '../protocol/generated/messages/MetadataResponse.js';
import { backoffMs, sleep } from './backoff.js';
import { BrokerConnection, type RequestOptions, type Response } from './connection.js';
import { ClientClosedError, networkError, timeoutError } from './errors.js';
import type { CommonConfig } from './config.js';
import type { BrokerNode, ClientLogger } from './types.js';

export interface PartitionMetadata {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  errorCode: number;
}

export interface TopicMetadata {
  name: string;
  topicId: string;
  isInternal: boolean;
  /** Indexed by partition number. */
  partitions: PartitionMetadata[];
}

export interface ClusterOptions {
  config: CommonConfig;
  clientId: string;
  maxInFlight: number;
  /** Whether Metadata requests let the broker auto-create the topics asked for. */
  allowAutoTopicCreation: boolean;
  logger: ClientLogger;
}

/** Errors that mean our metadata is stale (Kafka's InvalidMetadataException family). */
const STALE_METADATA = new Set<number>([
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.BROKER_NOT_AVAILABLE,
  ErrorCode.REPLICA_NOT_AVAILABLE,
  ErrorCode.KAFKA_STORAGE_ERROR,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.INCONSISTENT_TOPIC_ID,
  ErrorCode.NOT_CONTROLLER,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.REQUEST_TIMED_OUT,
]);

export function isStaleMetadataError(code: number): boolean {
  return STALE_METADATA.has(code);
}

interface AddressState {
  connection: BrokerConnection | null;
  connecting: Promise<BrokerConnection> | null;
  failures: number;
  nextAttemptMs: number;
}

export class Cluster {
  readonly config: CommonConfig;
  readonly clientId: string;
  private readonly options: ClusterOptions;
  private readonly logger: ClientLogger;
  private readonly bootstrap: { host: string; port: number }[];
  private bootstrapIndex = 0;
  private readonly addresses = new Map<string, AddressState>();

  brokers = new Map<number, BrokerNode>();
  clusterId: string | null = null;
  controllerId = -1;
  readonly topics = new Map<string, TopicMetadata>();
  /** Topic-level errors of the last metadata answer (unknown topics, invalid names, ...). */
  readonly topicErrors = new Map<string, number>();
  /** Topics whose metadata the periodic refresh keeps current. */
  readonly interest = new Set<string>();
  lastRefreshMs = 0;

  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private readonly metadataListeners: (() => void)[] = [];
  private readonly maintenanceListeners: ((nowMs: number) => void)[] = [];
  private maintenanceTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(options: ClusterOptions) {
    this.options = options;
    this.config = options.config;
    this.clientId = options.clientId;
    this.logger = options.logger;
    this.bootstrap = options.config.bootstrapServers.map((s) => {
      const i = s.lastIndexOf(':');
      return { host: s.slice(0, i).replace(/^\[(.*)\]$/, '$1'), port: Number(s.slice(i + 1)) };
    });
    // Start at a random bootstrap server so clients spread over them.
    this.bootstrapIndex = Math.floor(Math.random() * this.bootstrap.length);
    const periodMs = Math.max(1_000, Math.min(this.config.metadataMaxAgeMs, 30_000, this.idleMs() > 0 ? this.idleMs() : Infinity));
    this.maintenanceTimer = setInterval(() => this.maintain(), periodMs);
    this.maintenanceTimer.unref();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Called on every maintenance tick (at most every 30 s). */
  onMaintenance(listener: (nowMs: number) => void): void {
    this.maintenanceListeners.push(listener);
  }

  /** Called after every metadata update. */
  onMetadata(listener: () => void): void {
    this.metadataListeners.push(listener);
  }

  private idleMs(): number {
    return this.config.connectionsMaxIdleMs;
  }

  private maintain(): void {
    if (this.closed) return;
    const now = Date.now();
    for (const l of this.maintenanceListeners) l(now);
    if (this.interest.size > 0 && now - this.lastRefreshMs >= this.config.metadataMaxAgeMs) {
      this.refreshMetadata().catch((e) => this.logger.warn(`metadata refresh failed: ${(e as Error).message}`));
    }
    const idle = this.idleMs();
    if (idle >= 0) {
      for (const state of this.addresses.values()) {
        const c = state.connection;
        if (c !== null && c.load === 0 && now - c.lastUsedMs > idle) c.close();
      }
    }
  }

  // ---- connections ----

  private addressOf(nodeId: number): string | null {
    const b = this.brokers.get(nodeId);
    return b === undefined ? null : `${b.host}:${b.port}`;
  }

  /** The connection to a broker by id (metadata must know it). */
  async connectionTo(nodeId: number): Promise<BrokerConnection> {
    let address = this.addressOf(nodeId);
    if (address === null) {
      await this.refreshMetadata();
      address = this.addressOf(nodeId);
      if (address === null) throw new KafkaError(ErrorCode.BROKER_NOT_AVAILABLE, `broker ${nodeId} is not in the cluster metadata`, { nodeId });
    }
    return this.connectionToAddress(address);
  }

  /** An open connection to `nodeId`, or null (and a connection attempt starts) when there is none yet. */
  readyConnection(nodeId: number, onReady: () => void): BrokerConnection | null {
    const address = this.addressOf(nodeId);
    if (address === null) return null;
    const state = this.addresses.get(address);
    if (state?.connection != null && !state.connection.closed) return state.connection;
    this.connectionToAddress(address).then(onReady, () => setTimeout(onReady, this.config.reconnectBackoffMs).unref());
    return null;
  }

  /** When `nodeId`'s address may next be tried (reconnect backoff), or 0. */
  nextAttemptMs(nodeId: number): number {
    const address = this.addressOf(nodeId);
    return address === null ? 0 : (this.addresses.get(address)?.nextAttemptMs ?? 0);
  }

  async connectionToAddress(address: string): Promise<BrokerConnection> {
    if (this.closed) throw new ClientClosedError('the client is closed');
    let state = this.addresses.get(address);
    if (state === undefined) {
      state = { connection: null, connecting: null, failures: 0, nextAttemptMs: 0 };
      this.addresses.set(address, state);
    }
    if (state.connection !== null && !state.connection.closed) return state.connection;
    if (state.connecting !== null) return state.connecting;
    const s = state;
    const attempt = async (): Promise<BrokerConnection> => {
      const wait = s.nextAttemptMs - Date.now();
      if (wait > 0) await sleep(wait);
      if (this.closed) throw new ClientClosedError('the client is closed');
      const i = address.lastIndexOf(':');
      const connectTimeoutMs = Math.min(
        this.config.socketConnectionSetupTimeoutMs * 2 ** Math.min(s.failures, 16),
        Math.max(this.config.socketConnectionSetupTimeoutMs, this.config.socketConnectionSetupTimeoutMaxMs),
      );
      try {
        const conn = await BrokerConnection.connect({
          host: address.slice(0, i),
          port: Number(address.slice(i + 1)),
          clientId: this.clientId,
          requestTimeoutMs: this.config.requestTimeoutMs,
          connectTimeoutMs,
          maxInFlight: this.options.maxInFlight,
          logger: this.logger,
        });
        if (this.closed) {
          conn.close();
          throw new ClientClosedError('the client is closed');
        }
        s.failures = 0;
        s.nextAttemptMs = 0;
        s.connection = conn;
        conn.onClose((e) => {
          if (s.connection === conn) s.connection = null;
          if (!this.closed) this.logger.debug?.(`connection to ${address} closed: ${e.message}`);
        });
        return conn;
      } catch (e) {
        s.failures++;
        s.nextAttemptMs = Date.now() + backoffMs({ initialMs: this.config.reconnectBackoffMs, maxMs: this.config.reconnectBackoffMaxMs }, s.failures - 1);
        this.logger.debug?.(`cannot connect to ${address}: ${(e as Error).message}`);
        throw e;
      }
    };
    state.connecting = attempt().finally(() => {
      s.connecting = null;
    });
    return state.connecting;
  }

  /**
   * Some connection: an open one with the least load, else a known broker, else a bootstrap
   * server (rotating through them on failure).
   */
  async anyConnection(): Promise<BrokerConnection> {
    let best: BrokerConnection | null = null;
    for (const s of this.addresses.values()) {
      const c = s.connection;
      if (c !== null && !c.closed && (best === null || c.load < best.load)) best = c;
    }
    if (best !== null) return best;
    const candidates: string[] = [];
    for (const b of this.brokers.values()) candidates.push(`${b.host}:${b.port}`);
    for (let i = 0; i < this.bootstrap.length; i++) {
      const b = this.bootstrap[(this.bootstrapIndex + i) % this.bootstrap.length]!;
      candidates.push(`${b.host}:${b.port}`);
    }
    // Prefer addresses not in reconnect backoff.
    const now = Date.now();
    candidates.sort((a, b) => Number((this.addresses.get(a)?.nextAttemptMs ?? 0) > now) - Number((this.addresses.get(b)?.nextAttemptMs ?? 0) > now));
    let lastError: unknown = null;
    for (const address of [...new Set(candidates)]) {
      try {
        return await this.connectionToAddress(address);
      } catch (e) {
        if (e instanceof ClientClosedError) throw e;
        lastError = e;
        this.bootstrapIndex++;
      }
    }
    throw lastError instanceof Error
      ? lastError
      : networkError(`no broker reachable (bootstrap.servers=${this.config.bootstrapServers.join(',')})`);
  }

  // ---- metadata ----

  /**
   * Refreshes metadata for `topics` (default: the topics of interest; null: all topics).
   * Concurrent calls share one request; a call made while a refresh is running triggers
   * another one after it, so its answer is never older than the call.
   */
  refreshMetadata(topics?: readonly string[] | null): Promise<void> {
    if (topics !== undefined) return this.fetchMetadata(topics);
    if (this.refreshing !== null) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          this.refreshAgain = false;
          await this.fetchMetadata([...this.interest]);
        } while (this.refreshAgain);
      } finally {
        this.refreshing = null;
      }
    };
    this.refreshing = run();
    return this.refreshing;
  }

  private async fetchMetadata(topics: readonly string[] | null): Promise<void> {
    const conn = await this.anyConnection();
    const { body } = await conn.request<MetadataResponse>(ApiKey.Metadata, (version) => metadataRequest(topics, this.options.allowAutoTopicCreation, version));
    this.applyMetadata(body, topics);
  }

  /** Applies a Metadata answer (also used by admin calls that fetch metadata themselves). */
  applyMetadata(body: MetadataResponse, asked: readonly string[] | null): void {
    if (body.brokers.length > 0) {
      const brokers = new Map<number, BrokerNode>();
      for (const b of body.brokers) brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
      this.brokers = brokers;
    }
    this.clusterId = body.clusterId;
    this.controllerId = body.controllerId;
    const seen = new Set<string>();
    for (const t of body.topics) {
      if (t.name === null) continue;
      seen.add(t.name);
      if (t.errorCode !== ErrorCode.NONE && t.errorCode !== ErrorCode.LEADER_NOT_AVAILABLE) {
        this.topicErrors.set(t.name, t.errorCode);
        this.topics.delete(t.name);
        continue;
      }
      this.topicErrors.delete(t.name);
      if (t.partitions.length === 0) {
        if (t.errorCode !== ErrorCode.NONE) this.topicErrors.set(t.name, t.errorCode);
        continue;
      }
      const partitions: PartitionMetadata[] = [];
      for (const p of t.partitions) {
        partitions[p.partitionIndex] = {
          partition: p.partitionIndex,
          leader: p.errorCode === ErrorCode.LEADER_NOT_AVAILABLE ? -1 : p.leaderId,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicaNodes,
          isr: p.isrNodes,
          offlineReplicas: p.offlineReplicas,
          errorCode: p.errorCode,
        };
      }
      // A partition missing from the answer (should not happen) stays a hole: treat as no leader.
      for (let i = 0; i < partitions.length; i++) {
        if (partitions[i] === undefined) partitions[i] = { partition: i, leader: -1, leaderEpoch: -1, replicas: [], isr: [], offlineReplicas: [], errorCode: ErrorCode.LEADER_NOT_AVAILABLE };
      }
      this.topics.set(t.name, { name: t.name, topicId: t.topicId, isInternal: t.isInternal, partitions });
    }
    if (asked === null) {
      for (const name of [...this.topics.keys()]) if (!seen.has(name)) this.topics.delete(name);
    }
    this.lastRefreshMs = Date.now();
    for (const l of this.metadataListeners) l();
  }

  leaderFor(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.leader ?? -1;
  }

  /**
   * Waits (refreshing metadata with backoff) until every topic in `topics` is known with at
   * least `minPartitions[topic]` partitions, or `deadlineMs`. Fails at once for topic errors that
   * are not retriable (invalid names, authorization).
   */
  async waitForTopics(topics: readonly string[], deadlineMs: number, minPartitions?: ReadonlyMap<string, number>, what = 'max.block.ms'): Promise<void> {
    for (const t of topics) this.interest.add(t);
    const missing = (): string[] =>
      topics.filter((t) => {
        const md = this.topics.get(t);
        return md === undefined || md.partitions.length < (minPartitions?.get(t) ?? 1);
      });
    let attempt = 0;
    for (;;) {
      let left = missing();
      if (left.length === 0) return;
      for (const t of left) {
        const code = this.topicErrors.get(t);
        if (code !== undefined && !errorInfo(code).retriable) throw new KafkaError(code, undefined, { topic: t });
      }
      const remaining = deadlineMs - Date.now();
      if (remaining <= 0) {
        const t = left[0]!;
        const want = minPartitions?.get(t);
        const md = this.topics.get(t);
        throw timeoutError(
          want !== undefined && md !== undefined
            ? `Partition ${want - 1} of topic ${t} with partition count ${md.partitions.length} is not present in metadata after ${what}.`
            : `Topic ${t} not present in metadata after ${what}.`,
          { topic: t },
        );
      }
      try {
        await withDeadline(this.refreshMetadata(), remaining);
      } catch (e) {
        if (e instanceof ClientClosedError) throw e;
        this.logger.debug?.(`metadata refresh failed: ${(e as Error).message}`);
      }
      left = missing();
      if (left.length === 0) return;
      await sleep(Math.min(backoffMs({ initialMs: this.config.retryBackoffMs, maxMs: this.config.retryBackoffMaxMs }, attempt++), Math.max(0, deadlineMs - Date.now())));
    }
  }

  // ---- requests ----

  /**
   * Sends one request to a node (or any node) and retries retriable failures with backoff until
   * `deadlineMs`. `check` may throw a KafkaError for error codes inside the answer; retriable
   * ones are retried too (after a metadata refresh when they say it is stale).
   */
  async requestWithRetry<T>(
    target: number | 'any' | 'controller' | (() => Promise<BrokerConnection>),
    apiKey: number,
    build: (version: number) => unknown,
    opts: { deadlineMs: number; retries?: number; check?: (body: T, version: number) => void; request?: RequestOptions },
  ): Promise<Response<T>> {
    let attempt = 0;
    for (;;) {
      try {
        const conn =
          typeof target === 'function'
            ? await target()
            : target === 'any'
              ? await this.anyConnection()
              : target === 'controller'
                ? await this.controllerConnection()
                : await this.connectionTo(target);
        const remaining = opts.deadlineMs - Date.now();
        const timeoutMs = Math.max(1, Math.min(opts.request?.timeoutMs ?? this.config.requestTimeoutMs, remaining));
        const response = await conn.request<T>(apiKey, build, { ...opts.request, timeoutMs });
        opts.check?.(response.body, response.version);
        return response;
      } catch (e) {
        if (this.closed) throw new ClientClosedError('the client is closed');
        const retriable = e instanceof KafkaError && e.retriable;
        const wait = backoffMs({ initialMs: this.config.retryBackoffMs, maxMs: this.config.retryBackoffMaxMs }, attempt);
        if (!retriable || attempt >= (opts.retries ?? Number.MAX_SAFE_INTEGER) || Date.now() + wait >= opts.deadlineMs) throw e;
        attempt++;
        if (isStaleMetadataError(e.code)) await this.refreshMetadata().catch(() => undefined);
        await sleep(wait);
      }
    }
  }

  private async controllerConnection(): Promise<BrokerConnection> {
    if (this.controllerId < 0 || !this.brokers.has(this.controllerId)) await this.refreshMetadata();
    if (this.controllerId >= 0 && this.brokers.has(this.controllerId)) return this.connectionTo(this.controllerId);
    return this.anyConnection();
  }

  /** Open connections (for tools: ApiVersions per broker). */
  async connectionsToAllBrokers(): Promise<{ node: BrokerNode; connection: BrokerConnection }[]> {
    if (this.brokers.size === 0) await this.refreshMetadata();
    const out: { node: BrokerNode; connection: BrokerConnection }[] = [];
    for (const node of this.brokers.values()) out.push({ node, connection: await this.connectionTo(node.nodeId) });
    return out;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.maintenanceTimer !== null) clearInterval(this.maintenanceTimer);
    for (const s of this.addresses.values()) s.connection?.close();
    this.addresses.clear();
  }
}

/**
 * A Metadata request body for `version`: topics by name (null: all); auto-creation can only be
 * switched off from v4 (before it, the broker's auto.create.topics.enable decides).
 */
export function metadataRequest(topics: readonly string[] | null, allowAutoTopicCreation: boolean, version: number): unknown {
  return {
    topics: topics === null ? null : topics.map((name) => ({ name, topicId: ZERO_UUID })),
    ...(version >= 4 ? { allowAutoTopicCreation } : {}),
  };
}

/** Rejects with REQUEST_TIMED_OUT when `promise` has not settled after `ms`. */
export function withDeadline<T>(promise: Promise<T>, ms: number, message = `timed out after ${ms} ms`): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(timeoutError(message)), Math.max(0, ms));
    t.unref?.();
    promise.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

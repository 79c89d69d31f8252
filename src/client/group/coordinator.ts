/**
 * The way to a group's coordinator: FindCoordinator (key type 0, the group id; batched
 * CoordinatorKeys from v4, the single Key before), then a connection of its own to that broker,
 * as Kafka's consumer keeps one: JoinGroup and SyncGroup answers can take up to the rebalance
 * timeout, and fetches must not queue behind them on a shared connection (librdkafka's mock even
 * stops reading a connection while a JoinGroup waits).
 *
 * The coordinator becomes unknown when a request to it fails on the way or an answer says
 * NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE (callers call markUnknown); the connection is closed
 * then (so nothing stays in flight to the old one) and the next request finds it again.
 */
import { ApiKey } from '../../protocol/generated/registry.js';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type { FindCoordinatorResponse } from '../../protocol/generated/messages/FindCoordinatorResponse.js';
import { backoffMs, sleep } from '../backoff.js';
import type { Cluster } from '../cluster.js';
import type { ConsumerConfig } from '../config.js';
import { BrokerConnection, type Response } from '../connection.js';
import { ClientClosedError, timeoutError } from '../errors.js';
import type { ClientLogger } from '../types.js';

const GROUP_KEY_TYPE = 0;

export interface CoordinatorNode {
  nodeId: number;
  host: string;
  port: number;
}

/** The coordinator named in a FindCoordinator answer, or the error code it gave instead. */
export function readFindCoordinator(body: FindCoordinatorResponse, version: number, groupId: string): { node: CoordinatorNode } | { errorCode: number; message: string | null } {
  if (version >= 4) {
    const c = body.coordinators.find((x) => x.key === groupId) ?? body.coordinators[0];
    if (c === undefined) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, message: 'FindCoordinator answered no coordinator' };
    if (c.errorCode !== ErrorCode.NONE) return { errorCode: c.errorCode, message: c.errorMessage };
    return { node: { nodeId: c.nodeId, host: c.host, port: c.port } };
  }
  if (body.errorCode !== ErrorCode.NONE) return { errorCode: body.errorCode, message: body.errorMessage };
  return { node: { nodeId: body.nodeId, host: body.host, port: body.port } };
}

export function findCoordinatorRequest(version: number, groupId: string): unknown {
  return version >= 4 ? { keyType: GROUP_KEY_TYPE, coordinatorKeys: [groupId] } : { key: groupId, keyType: GROUP_KEY_TYPE };
}

export class GroupCoordinator {
  private node: CoordinatorNode | null = null;
  private connection: BrokerConnection | null = null;
  private finding: Promise<BrokerConnection> | null = null;
  private closed = false;
  /** Called whenever a coordinator is found (the session clock restarts). */
  onFound: (() => void) | null = null;

  constructor(
    private readonly cluster: Cluster,
    private readonly config: ConsumerConfig,
    readonly groupId: string,
    private readonly clientId: string,
    private readonly logger: ClientLogger,
  ) {}

  get known(): boolean {
    return this.node !== null && this.connection !== null && !this.connection.closed;
  }

  get coordinator(): CoordinatorNode | null {
    return this.node;
  }

  /** Forgets the coordinator and closes its connection (requests in flight on it fail). */
  markUnknown(reason: string): void {
    if (this.node !== null) this.logger.info(`group ${this.groupId}: coordinator ${this.node.host}:${this.node.port} (id ${this.node.nodeId}) unknown: ${reason}`);
    this.node = null;
    const c = this.connection;
    this.connection = null;
    c?.close();
  }

  /** The open connection to the coordinator, finding and connecting first (retrying until `deadlineMs`). */
  async connect(deadlineMs: number): Promise<BrokerConnection> {
    if (this.closed) throw new ClientClosedError('the consumer is closed');
    if (this.connection !== null && !this.connection.closed) return this.connection;
    // Concurrent callers share one search; each still bounds its own wait.
    this.finding ??= this.find().finally(() => {
      this.finding = null;
    });
    const found = this.finding;
    const left = deadlineMs - Date.now();
    if (left <= 0) throw timeoutError(`the coordinator of group ${this.groupId} was not found in time`, { groupId: this.groupId });
    return new Promise<BrokerConnection>((resolve, reject) => {
      const t = setTimeout(() => reject(timeoutError(`the coordinator of group ${this.groupId} was not found in time`, { groupId: this.groupId })), left);
      found.then(
        (c) => {
          clearTimeout(t);
          resolve(c);
        },
        (e) => {
          clearTimeout(t);
          reject(e);
        },
      );
    });
  }

  /** FindCoordinator and connect, retrying retriable failures with backoff until closed. */
  private async find(): Promise<BrokerConnection> {
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new ClientClosedError('the consumer is closed');
      try {
        const conn = await this.cluster.anyConnection();
        const { body, version } = await conn.request<FindCoordinatorResponse>(ApiKey.FindCoordinator, (v) => findCoordinatorRequest(v, this.groupId));
        const found = readFindCoordinator(body, version, this.groupId);
        if ('errorCode' in found) {
          throw new KafkaError(found.errorCode, found.message ?? undefined, { groupId: this.groupId });
        }
        const node = found.node;
        const connection = await BrokerConnection.connect({
          host: node.host,
          port: node.port,
          clientId: this.clientId,
          requestTimeoutMs: this.config.requestTimeoutMs,
          connectTimeoutMs: this.config.socketConnectionSetupTimeoutMs,
          maxInFlight: 5,
          logger: this.logger,
        });
        if (this.closed) {
          connection.close();
          throw new ClientClosedError('the consumer is closed');
        }
        this.node = node;
        this.connection = connection;
        connection.onClose(() => {
          if (this.connection === connection) {
            this.connection = null;
            this.node = null;
          }
        });
        this.logger.info(`group ${this.groupId}: coordinator is ${node.host}:${node.port} (id ${node.nodeId})`);
        this.onFound?.();
        return connection;
      } catch (e) {
        if (this.closed || e instanceof ClientClosedError) throw new ClientClosedError('the consumer is closed');
        if (!(e instanceof KafkaError) || !e.retriable) throw e;
        this.logger.debug?.(`group ${this.groupId}: FindCoordinator failed: ${e.message}`);
        // A broker we cannot reach may have moved: learn the cluster again.
        if (e.code === ErrorCode.NETWORK_EXCEPTION || e.code === ErrorCode.REQUEST_TIMED_OUT) await this.cluster.refreshMetadata().catch(() => undefined);
        await sleep(backoffMs({ initialMs: this.config.retryBackoffMs, maxMs: this.config.retryBackoffMaxMs }, attempt));
      }
    }
  }

  /**
   * One request to the coordinator. A failure on the way (lost connection, timeout) makes the
   * coordinator unknown and rejects (retriable); error codes in the answer are the caller's.
   */
  async request<T>(apiKey: number, build: (version: number) => unknown, options: { deadlineMs: number; timeoutMs?: number }): Promise<Response<T>> {
    const conn = await this.connect(options.deadlineMs);
    try {
      return await conn.request<T>(apiKey, build, { timeoutMs: options.timeoutMs ?? Math.max(1, Math.min(this.config.requestTimeoutMs, options.deadlineMs - Date.now())) });
    } catch (e) {
      if (e instanceof KafkaError && (e.code === ErrorCode.NETWORK_EXCEPTION || e.code === ErrorCode.REQUEST_TIMED_OUT)) {
        if (this.connection === conn) this.markUnknown(e.message);
      }
      throw e;
    }
  }

  close(): void {
    this.closed = true;
    this.connection?.close();
    this.connection = null;
    this.node = null;
  }
}

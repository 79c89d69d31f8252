/**
 * Group coordinators for the admin client: FindCoordinator (key type 0, several groups per
 * request from v4, one per request before), a cache of what it found, and `forGroups`, which
 * runs a per-group call against each group's coordinator and retries the groups whose answer
 * says the coordinator moved or is not ready (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE,
 * COORDINATOR_LOAD_IN_PROGRESS) or whose connection failed, with backoff, until the deadline.
 * Groups that hit a non-retriable error keep it as their result; the call never mixes them up.
 */
import { ApiKey } from '../../protocol/generated/registry.js';
import { ErrorCode, KafkaError } from '../../protocol/errors.js';
import type { FindCoordinatorResponse } from '../../protocol/generated/messages/FindCoordinatorResponse.js';
import { backoffMs, sleep } from '../backoff.js';
import type { Cluster } from '../cluster.js';
import type { AdminConfig } from '../config.js';
import type { BrokerConnection } from '../connection.js';
import { ClientClosedError, timeoutError } from '../errors.js';
import type { BrokerNode } from '../types.js';

/** FindCoordinator's key type for consumer groups. */
const GROUP_KEY_TYPE = 0;
/** First FindCoordinator version that takes several keys. */
const BATCHED_FIND_COORDINATOR = 4;

/** Answers that mean "ask the coordinator again later". */
const RETRY_COORDINATOR = new Set<number>([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR]);
/** Answers that mean "find the coordinator again" (it moved, or its connection broke). */
const FORGET_COORDINATOR = new Set<number>([ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR, ErrorCode.NETWORK_EXCEPTION, ErrorCode.REQUEST_TIMED_OUT]);
/** Connection failures: the request may not have reached the coordinator. */
const NETWORK = new Set<number>([ErrorCode.NETWORK_EXCEPTION, ErrorCode.REQUEST_TIMED_OUT]);

/** One group's outcome: its value, or the error that ended it. */
export type GroupResult<R> = R | KafkaError;

/**
 * Sends one request (or a few) for `groups` to their coordinator and returns every group's
 * outcome. A thrown KafkaError counts for every group of the call.
 */
export type CoordinatorCall<R> = (coordinator: CoordinatorTarget, groups: readonly string[]) => Promise<Map<string, GroupResult<R>>>;

export interface CoordinatorTarget {
  node: BrokerNode;
  connection: BrokerConnection;
  /** Per-request timeout: request.timeout.ms, capped by the call's deadline. */
  timeoutMs: number;
}

export interface ForGroupsOptions {
  deadlineMs: number;
  /** More error codes that are worth retrying for this call (e.g. UNSTABLE_OFFSET_COMMIT). */
  retryCodes?: ReadonlySet<number>;
}

export class GroupCoordinators {
  private readonly cache = new Map<string, BrokerNode>();

  constructor(
    private readonly cluster: Cluster,
    private readonly config: AdminConfig,
  ) {}

  /**
   * Runs `call` for every group against its coordinator, in one call per coordinator per round,
   * and resolves with every group's outcome (in `groups` order). Never rejects for a group's
   * broker error; rejects for client errors (a closed client, a bug).
   */
  async forGroups<R>(groups: readonly string[], call: CoordinatorCall<R>, options: ForGroupsOptions): Promise<Map<string, GroupResult<R>>> {
    const results = new Map<string, GroupResult<R>>();
    const lastError = new Map<string, KafkaError>();
    let pending = [...new Set(groups)];
    const retriable = (e: KafkaError): boolean => RETRY_COORDINATOR.has(e.code) || NETWORK.has(e.code) || options.retryCodes?.has(e.code) === true;
    for (let attempt = 0; pending.length > 0; attempt++) {
      const again: string[] = [];
      const settle = (group: string, outcome: GroupResult<R>): void => {
        if (outcome instanceof KafkaError && retriable(outcome)) {
          if (FORGET_COORDINATOR.has(outcome.code)) this.cache.delete(group);
          lastError.set(group, outcome);
          again.push(group);
        } else {
          results.set(group, outcome);
        }
      };
      const found = await this.find(pending, options.deadlineMs);
      const byNode = new Map<number, { node: BrokerNode; groups: string[] }>();
      for (const g of pending) {
        const f = found.get(g)!;
        if (f instanceof KafkaError) {
          settle(g, f);
          continue;
        }
        let entry = byNode.get(f.nodeId);
        if (entry === undefined) byNode.set(f.nodeId, (entry = { node: f, groups: [] }));
        entry.groups.push(g);
      }
      await Promise.all(
        [...byNode.values()].map(async ({ node, groups: list }) => {
          try {
            const connection = await this.cluster.connectionToAddress(`${node.host}:${node.port}`);
            const timeoutMs = Math.max(1, Math.min(this.config.requestTimeoutMs, options.deadlineMs - Date.now()));
            const answers = await call({ node, connection, timeoutMs }, list);
            for (const g of list) {
              // has(), not ??: a call without a result value (void) answers undefined.
              settle(g, answers.has(g) ? answers.get(g)! : new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `coordinator ${node.nodeId} did not answer for group '${g}'`, { groupId: g }));
            }
          } catch (e) {
            if (!(e instanceof KafkaError) || this.cluster.isClosed) throw this.cluster.isClosed ? new ClientClosedError('the admin client is closed') : e;
            for (const g of list) settle(g, e);
          }
        }),
      );
      pending = again;
      if (pending.length === 0) break;
      const wait = backoffMs({ initialMs: this.config.retryBackoffMs, maxMs: this.config.retryBackoffMaxMs }, attempt);
      if (attempt >= this.config.retries || Date.now() + wait >= options.deadlineMs) {
        for (const g of pending) results.set(g, lastError.get(g) ?? timeoutError(`no coordinator answered for group '${g}' in time`, { groupId: g }));
        break;
      }
      await sleep(wait);
    }
    return new Map(groups.map((g) => [g, results.get(g)!]));
  }

  /** The coordinator of each group (cached), or the error FindCoordinator gave for it. */
  private async find(groups: readonly string[], deadlineMs: number): Promise<Map<string, BrokerNode | KafkaError>> {
    const out = new Map<string, BrokerNode | KafkaError>();
    const missing: string[] = [];
    for (const g of groups) {
      const cached = this.cache.get(g);
      if (cached !== undefined) out.set(g, cached);
      else missing.push(g);
    }
    if (missing.length === 0) return out;
    let batched: boolean;
    try {
      batched = (await this.cluster.anyConnection()).versionFor(ApiKey.FindCoordinator) >= BATCHED_FIND_COORDINATOR;
    } catch (e) {
      if (!(e instanceof KafkaError)) throw e;
      for (const g of missing) out.set(g, e);
      return out;
    }
    const requests = batched ? [missing] : missing.map((g) => [g]);
    await Promise.all(
      requests.map(async (keys) => {
        try {
          const { body, version } = await this.cluster.requestWithRetry<FindCoordinatorResponse>(
            'any',
            ApiKey.FindCoordinator,
            (v) => (v >= BATCHED_FIND_COORDINATOR ? { keyType: GROUP_KEY_TYPE, coordinatorKeys: keys } : { key: keys[0]!, keyType: GROUP_KEY_TYPE }),
            { deadlineMs, retries: this.config.retries },
          );
          const answers =
            version >= BATCHED_FIND_COORDINATOR
              ? body.coordinators
              : [{ key: keys[0]!, nodeId: body.nodeId, host: body.host, port: body.port, errorCode: body.errorCode, errorMessage: body.errorMessage }];
          for (const a of answers) {
            if (!keys.includes(a.key)) continue;
            if (a.errorCode !== ErrorCode.NONE) {
              out.set(a.key, new KafkaError(a.errorCode, a.errorMessage || undefined, { groupId: a.key }));
              continue;
            }
            const node: BrokerNode = { nodeId: a.nodeId, host: a.host, port: a.port, rack: null };
            this.cache.set(a.key, node);
            out.set(a.key, node);
          }
        } catch (e) {
          if (!(e instanceof KafkaError)) throw e;
          for (const g of keys) out.set(g, e);
        }
      }),
    );
    for (const g of missing) {
      if (!out.has(g)) out.set(g, new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `FindCoordinator gave no answer for group '${g}'`, { groupId: g }));
    }
    return out;
  }
}

/**
 * FindCoordinator (key 10), v0-v6. Every group is coordinated by the leader of its
 * __consumer_offsets partition; with one node that is this node. The first request creates
 * __consumer_offsets (offsets.topic.num.partitions, offsets.topic.replication.factor,
 * compacted), as Kafka does; when it cannot be created the answer is COORDINATOR_NOT_AVAILABLE.
 * v4+ batches keys (KIP-699). Transaction coordinators (key type 1) are not served yet:
 * COORDINATOR_NOT_AVAILABLE with a message; other key types are INVALID_REQUEST.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { FindCoordinatorRequest } from '../protocol/generated/messages/FindCoordinatorRequest.js';
import type { FindCoordinatorResponse, FindCoordinatorResponseCoordinator } from '../protocol/generated/messages/FindCoordinatorResponse.js';
import type { Input } from '../protocol/primitives/types.js';
import type { BrokerServices, Handler } from './types.js';

const GROUP_KEY = 0;
const TRANSACTION_KEY = 1;

async function coordinatorFor(services: BrokerServices, key: string, keyType: number, port: number): Promise<Input<FindCoordinatorResponseCoordinator>> {
  const failed = (errorCode: number, errorMessage: string): Input<FindCoordinatorResponseCoordinator> => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage });
  if (keyType === TRANSACTION_KEY) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'transactions are not supported yet');
  if (keyType !== GROUP_KEY) return failed(ErrorCode.INVALID_REQUEST, `unknown coordinator key type ${keyType}`);
  const problem = await services.ensureOffsetsTopic();
  if (problem !== null) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE, problem);
  const listener = services.listenerForPort(port);
  return { key, nodeId: services.nodeId, host: listener.host, port: listener.port, errorCode: ErrorCode.NONE, errorMessage: null };
}

export const findCoordinatorHandler: Handler<FindCoordinatorRequest, FindCoordinatorResponse> = {
  apiKey: 10,
  minVersion: 0,
  maxVersion: 6,
  async handle(services, request, { version, ctx }) {
    if (version >= 4) {
      const coordinators = await Promise.all(request.coordinatorKeys.map((k) => coordinatorFor(services, k, request.keyType, ctx.localPort)));
      return { throttleTimeMs: 0, coordinators };
    }
    const c = await coordinatorFor(services, request.key, version >= 1 ? request.keyType : GROUP_KEY, ctx.localPort);
    return { throttleTimeMs: 0, errorCode: c.errorCode, errorMessage: c.errorMessage, nodeId: c.nodeId, host: c.host, port: c.port };
  },
};

/**
 * DescribeCluster (key 60), v0-v1. The cluster id, a controller id that is a live broker (in
 * KRaft, Kafka's brokers name a random live broker: clients cannot reach the controller, KIP-590;
 * with one node it is this node), and the live brokers' endpoints on the listener the request
 * came in on. v1's endpointType must be 1 (brokers): 2 (controllers) is MISMATCHED_ENDPOINT_TYPE
 * and anything else UNSUPPORTED_ENDPOINT_TYPE (INVALID_REQUEST in v0), with Kafka's messages.
 * includeClusterAuthorizedOperations gets every cluster operation (no authorizer), else
 * Kafka's "not requested" value.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { DescribeClusterRequest } from '../protocol/generated/messages/DescribeClusterRequest.js';
import type { DescribeClusterResponse } from '../protocol/generated/messages/DescribeClusterResponse.js';
import { aliveBrokerNodes, CLUSTER_OPERATIONS } from './cluster-view.js';
import type { Handler } from './types.js';

const BROKERS = 1;
const CONTROLLERS = 2;
const NOT_REQUESTED = -2147483648;

export const describeClusterHandler: Handler<DescribeClusterRequest, DescribeClusterResponse> = {
  apiKey: 60,
  minVersion: 0,
  maxVersion: 1,
  async handle(services, request, info) {
    const base = { throttleTimeMs: 0, clusterId: services.clusterId, brokers: [] };
    if (request.endpointType !== BROKERS) {
      if (request.endpointType === CONTROLLERS) {
        return {
          ...base,
          errorCode: info.version === 0 ? ErrorCode.INVALID_REQUEST : ErrorCode.MISMATCHED_ENDPOINT_TYPE,
          errorMessage: 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER',
        };
      }
      return {
        ...base,
        errorCode: info.version === 0 ? ErrorCode.INVALID_REQUEST : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: `Unsupported endpoint type ${request.endpointType}`,
      };
    }
    const listener = services.listenerForPort(info.ctx.localPort);
    const nodes = aliveBrokerNodes(services.metadata.image, listener.name);
    if (!nodes.has(services.nodeId)) nodes.set(services.nodeId, { nodeId: services.nodeId, host: listener.host, port: listener.port, rack: services.config.values.brokerRack ?? null });
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: BROKERS,
      controllerId: services.nodeId,
      brokers: [...nodes.values()].map((n) => ({ brokerId: n.nodeId, host: n.host, port: n.port, rack: n.rack })),
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : NOT_REQUESTED,
    };
  },
};

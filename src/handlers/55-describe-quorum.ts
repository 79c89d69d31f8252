/**
 * DescribeQuorum (key 55), v0-v2: the state of the KRaft metadata quorum (kafka-metadata-quorum.sh
 * describe). One node for now, with no Raft yet: this node is the leader and only voter of
 * __cluster_metadata-0; its log end offset and high watermark are the offset after the last
 * metadata record (a record is replayed only once durable, so both are the same); the leader
 * epoch is the one the metadata log writes its batches with (0 until Raft elects leaders).
 * The leader reports lastFetchTimestamp -1 and lastCaughtUpTimestamp now, as Kafka's leader does.
 * No directory ids yet (the zero uuid, which Kafka's tool leaves out). v2's node endpoints are
 * this node's listeners (one node serves clients and the controller on the same listener).
 * Kafka's errors: a topic or partition other than __cluster_metadata-0 gets
 * UNKNOWN_TOPIC_OR_PARTITION at the partition level; no partition asked for is INVALID_REQUEST.
 */
import { ErrorCode } from '../protocol/errors.js';
import { ZERO_UUID } from '../protocol/primitives/types.js';
import type { DescribeQuorumRequest } from '../protocol/generated/messages/DescribeQuorumRequest.js';
import type { DescribeQuorumResponse, DescribeQuorumResponsePartitionData } from '../protocol/generated/messages/DescribeQuorumResponse.js';
import type { Input } from '../protocol/primitives/types.js';
import { METADATA_TOPIC } from '../controller/topic-names.js';
import type { Handler } from './types.js';

/** The leader epoch MetadataLog writes (see src/controller/metadata-log.ts). */
const METADATA_LEADER_EPOCH = 0;

export const describeQuorumHandler: Handler<DescribeQuorumRequest, DescribeQuorumResponse> = {
  apiKey: 55,
  minVersion: 0,
  maxVersion: 2,
  async handle(services, request) {
    const asked = request.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.topicName, partition: p.partitionIndex })));
    if (asked.length === 0) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'DescribeQuorum needs __cluster_metadata-0', topics: [], nodes: [] };
    }
    const now = BigInt(services.nowMs());
    const end = BigInt(services.metadata.image.lastOffset + 1);
    const answer = (partition: number, ours: boolean): Input<DescribeQuorumResponsePartitionData> =>
      ours
        ? {
            partitionIndex: partition,
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            leaderId: services.nodeId,
            leaderEpoch: METADATA_LEADER_EPOCH,
            highWatermark: end,
            currentVoters: [{ replicaId: services.nodeId, replicaDirectoryId: ZERO_UUID, logEndOffset: end, lastFetchTimestamp: -1n, lastCaughtUpTimestamp: now }],
            observers: [],
          }
        : {
            partitionIndex: partition,
            errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            errorMessage: null,
            leaderId: -1,
            leaderEpoch: -1,
            highWatermark: -1n,
            currentVoters: [],
            observers: [],
          };
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: request.topics.map((t) => ({
        topicName: t.topicName,
        partitions: t.partitions.map((p) => answer(p.partitionIndex, t.topicName === METADATA_TOPIC && p.partitionIndex === 0)),
      })),
      nodes: [{ nodeId: services.nodeId, listeners: services.advertised.map((a) => ({ name: a.name, host: a.host, port: a.port })) }],
    };
  },
};

/**
 * ListOffsets (key 2), v1-v9 (Kafka 4.0 dropped v0). Timestamps: -1 latest (the high
 * watermark; with READ_COMMITTED the last stable offset, the same until transactions exist),
 * -2 earliest (log start), -3 max timestamp (v7+), -4 earliest local (v8+: the log start, no
 * tiered storage), -5 earliest tiered (v9+: the log start), >= 0 the first record at or after
 * that time below the high watermark, or offset -1 when there is none.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { ListOffsetsRequest } from '../protocol/generated/messages/ListOffsetsRequest.js';
import type { ListOffsetsResponse, ListOffsetsResponseListOffsetsPartitionResponse } from '../protocol/generated/messages/ListOffsetsResponse.js';
import type { Input } from '../protocol/primitives/types.js';
import type { Handler } from './types.js';

const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
const EARLIEST_LOCAL = -4;
const EARLIEST_TIERED = -5;

export const listOffsetsHandler: Handler<ListOffsetsRequest, ListOffsetsResponse> = {
  apiKey: 2,
  minVersion: 1,
  maxVersion: 9,
  async handle(services, request, info) {
    const topics = await Promise.all(
      request.topics.map(async (t) => ({
        name: t.name,
        partitions: await Promise.all(
          t.partitions.map(async (req): Promise<Input<ListOffsetsResponseListOffsetsPartitionResponse>> => {
            const base = { partitionIndex: req.partitionIndex, oldStyleOffsets: [], timestamp: -1n, offset: -1n, leaderEpoch: -1 };
            const p = services.replicas.get(t.name, req.partitionIndex);
            if (!p) return { ...base, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
            if (req.currentLeaderEpoch >= 0 && req.currentLeaderEpoch !== p.leaderEpoch) {
              return { ...base, errorCode: req.currentLeaderEpoch < p.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH };
            }
            const ts = Number(req.timestamp);
            const hw = p.highWatermark;
            const epochs = p.log.leaderEpochCache;
            const at = (offset: number, timestamp = -1, leaderEpoch = offset < 0 ? -1 : epochs.epochForOffset(offset)) => ({
              ...base,
              errorCode: ErrorCode.NONE,
              timestamp: BigInt(timestamp),
              offset: BigInt(offset),
              // The field exists from v4 on.
              leaderEpoch: info.version >= 4 ? leaderEpoch : -1,
            });
            if (ts === LATEST) return at(hw, -1, epochs.latest()?.epoch ?? -1);
            if (ts === EARLIEST || ts === EARLIEST_LOCAL || ts === EARLIEST_TIERED) return at(p.log.logStartOffset);
            if (ts === MAX_TIMESTAMP) {
              const found = await p.log.maxTimestampOffset();
              return found && found.offset < hw ? at(found.offset, found.timestamp, found.leaderEpoch) : at(-1);
            }
            if (ts < 0) return { ...base, errorCode: ErrorCode.INVALID_REQUEST };
            const found = await p.log.offsetForTimestamp(ts);
            return found && found.offset < hw ? at(found.offset, found.timestamp, found.leaderEpoch) : at(-1);
          }),
        ),
      })),
    );
    return { throttleTimeMs: 0, topics };
  },
};

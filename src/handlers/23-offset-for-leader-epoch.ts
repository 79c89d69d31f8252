/**
 * OffsetForLeaderEpoch (key 23), v2-v4 (Kafka 4.0 dropped v0-v1). For each partition: the
 * largest epoch <= the requested one in the log's leader epoch cache, and its end offset (the
 * start offset of the next epoch, or the log end offset for the latest epoch), following Kafka's
 * LeaderEpochFileCache.endOffsetFor exactly:
 * - requested epoch -1, a requested epoch above every known epoch, or an empty cache:
 *   epoch -1 and offset -1 with no error;
 * - a requested epoch below every known epoch: the requested epoch itself and the start offset of
 *   the first known epoch (the data before it is gone);
 * - the latest epoch: the log end offset. The partition's current leader epoch counts as known
 *   even before anything was appended in it (Kafka caches it when the leader is elected).
 * currentLeaderEpoch (-1 = not checked) older than the partition's is FENCED_LEADER_EPOCH, newer
 * UNKNOWN_LEADER_EPOCH. Partitions not hosted: NOT_LEADER_OR_FOLLOWER when the image has them,
 * else UNKNOWN_TOPIC_OR_PARTITION.
 * Kafka behaviour kept on purpose: the answer is never capped at the high watermark, whatever
 * replicaId says (consumers -1, followers their id): Kafka's broker ignores replicaId here except
 * for authorization, and answers the log end offset for the latest epoch.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { OffsetForLeaderEpochRequest } from '../protocol/generated/messages/OffsetForLeaderEpochRequest.js';
import type { OffsetForLeaderEpochResponse, OffsetForLeaderEpochResponseEpochEndOffset } from '../protocol/generated/messages/OffsetForLeaderEpochResponse.js';
import type { Input } from '../protocol/primitives/types.js';
import type { EpochEntry } from '../storage/leader-epoch-cache.js';
import type { Handler } from './types.js';

const UNDEFINED_EPOCH = -1;
const UNDEFINED_OFFSET = -1;

/** Kafka's LeaderEpochFileCache.endOffsetFor over the cache's entries (ascending epochs). */
export function endOffsetForEpoch(entries: readonly EpochEntry[], requested: number, logEndOffset: number): { epoch: number; endOffset: number } {
  const undefinedAnswer = { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_OFFSET };
  if (requested === UNDEFINED_EPOCH) return undefinedAnswer;
  const latest = entries[entries.length - 1];
  if (latest !== undefined && latest.epoch === requested) return { epoch: requested, endOffset: logEndOffset };
  const higher = entries.find((e) => e.epoch > requested);
  if (higher === undefined) return undefinedAnswer;
  let floor: EpochEntry | undefined;
  for (const e of entries) if (e.epoch <= requested) floor = e;
  return { epoch: floor === undefined ? requested : floor.epoch, endOffset: higher.startOffset };
}

/**
 * Kafka's leader puts its epoch into the cache when it becomes leader (starting at the log end
 * then); ours is written by the first append in that epoch. Until then, the current epoch is
 * added here, so an empty or idle partition answers as Kafka's does.
 */
function withCurrentEpoch(entries: readonly EpochEntry[], leaderEpoch: number, logEndOffset: number): readonly EpochEntry[] {
  const latest = entries[entries.length - 1];
  if (leaderEpoch < 0 || (latest !== undefined && latest.epoch >= leaderEpoch)) return entries;
  return [...entries, { epoch: leaderEpoch, startOffset: logEndOffset }];
}

export const offsetForLeaderEpochHandler: Handler<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse> = {
  apiKey: 23,
  minVersion: 2,
  maxVersion: 4,
  async handle(services, request) {
    const image = services.metadata.image;
    const topics = request.topics.map((t) => ({
      topic: t.topic,
      partitions: t.partitions.map((req): Input<OffsetForLeaderEpochResponseEpochEndOffset> => {
        const failed = (errorCode: number) => ({ errorCode, partition: req.partition, leaderEpoch: UNDEFINED_EPOCH, endOffset: BigInt(UNDEFINED_OFFSET) });
        const p = services.replicas.get(t.topic, req.partition);
        if (!p) {
          const known = image.topicsByName.get(t.topic)?.partitions.has(req.partition) === true;
          return failed(known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
        }
        if (req.currentLeaderEpoch !== -1 && req.currentLeaderEpoch !== p.leaderEpoch) {
          return failed(req.currentLeaderEpoch < p.leaderEpoch ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH);
        }
        const found = endOffsetForEpoch(withCurrentEpoch(p.log.leaderEpochCache.all, p.leaderEpoch, p.log.logEndOffset), req.leaderEpoch, p.log.logEndOffset);
        return { errorCode: ErrorCode.NONE, partition: req.partition, leaderEpoch: found.epoch, endOffset: BigInt(found.endOffset) };
      }),
    }));
    return { throttleTimeMs: 0, topics };
  },
};

/**
 * OffsetFetch (key 9), v0-v9: committed offsets of a group (v8+: of several groups), of the
 * asked partitions (-1 and no metadata when none is committed) or, with null topics (v2+), of
 * every partition the group committed. require_stable (v7+) needs no wait: there are no
 * pending transactional offsets yet. A group this node does not coordinate gets the
 * coordinator error (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE) at the level the version has.
 */
import { ErrorCode } from '../protocol/errors.js';
import type { OffsetFetchRequest } from '../protocol/generated/messages/OffsetFetchRequest.js';
import type { OffsetFetchResponse } from '../protocol/generated/messages/OffsetFetchResponse.js';
import type { BrokerServices, Handler } from './types.js';
import { groupErrorCode } from './group-errors.js';

interface TopicOffsets {
  name: string;
  partitions: { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string | null; errorCode: number }[];
}

function fetchGroup(services: BrokerServices, groupId: string, topics: { name: string; partitions: number[] }[] | null): { errorCode: number; topics: TopicOffsets[] } {
  let found;
  try {
    found = services.groups.fetchOffsets(groupId, topics);
  } catch (e) {
    const errorCode = groupErrorCode(services, e);
    const asked = (topics ?? []).map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode })) }));
    return { errorCode, topics: asked };
  }
  const byTopic = new Map<string, TopicOffsets>();
  for (const f of found) {
    let t = byTopic.get(f.topic);
    if (!t) byTopic.set(f.topic, (t = { name: f.topic, partitions: [] }));
    t.partitions.push({
      partitionIndex: f.partition,
      committedOffset: BigInt(f.committed?.offset ?? -1),
      committedLeaderEpoch: f.committed?.leaderEpoch ?? -1,
      metadata: f.committed?.metadata ?? '',
      errorCode: ErrorCode.NONE,
    });
  }
  return { errorCode: ErrorCode.NONE, topics: [...byTopic.values()] };
}

export const offsetFetchHandler: Handler<OffsetFetchRequest, OffsetFetchResponse> = {
  apiKey: 9,
  minVersion: 0,
  maxVersion: 9,
  async handle(services, request, { version }) {
    if (version >= 8) {
      const groups = request.groups.map((g) => {
        const r = fetchGroup(services, g.groupId, g.topics === null ? null : g.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes })));
        return { groupId: g.groupId, errorCode: r.errorCode, topics: r.topics };
      });
      return { throttleTimeMs: 0, groups };
    }
    const topics = request.topics === null ? null : request.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes }));
    const r = fetchGroup(services, request.groupId, topics);
    return { throttleTimeMs: 0, errorCode: r.errorCode, topics: r.topics };
  },
};

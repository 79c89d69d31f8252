/**
 * Kafka's RangeAssignor ("range"): topic by topic, the partitions in numeric order are cut into
 * contiguous ranges, one per member subscribed to the topic, in Kafka's member order; the first
 * `partitions % members` members get one extra. Members subscribed to the same topics therefore
 * get the same partition numbers of every topic (co-partitioned joins). Rack-aware placement
 * (KIP-881) is not done: it only applies when members and replicas have racks.
 */
import type { TopicPartition } from '../types.js';
import { compareStrings, emptyAssignment, sortedMembers, type Assignor } from './assignor.js';

export const rangeAssignor: Assignor = {
  name: 'range',
  supportedProtocols: ['eager'],
  subscriptionUserData: () => null,
  assign(partitionsPerTopic, members) {
    const out = emptyAssignment(members);
    const byTopic = new Map<string, typeof members[number][]>();
    for (const m of members) {
      for (const t of new Set(m.topics)) {
        let list = byTopic.get(t);
        if (list === undefined) byTopic.set(t, (list = []));
        list.push(m);
      }
    }
    for (const topic of [...byTopic.keys()].sort(compareStrings)) {
      const count = partitionsPerTopic.get(topic);
      if (count === undefined) continue;
      const consumers = sortedMembers(byTopic.get(topic)!);
      const per = Math.floor(count / consumers.length);
      const extra = count % consumers.length;
      consumers.forEach((m, i) => {
        const start = per * i + Math.min(i, extra);
        const length = per + (i < extra ? 1 : 0);
        const list: TopicPartition[] = out.get(m.memberId)!;
        for (let p = start; p < start + length; p++) list.push({ topic, partition: p });
      });
    }
    return out;
  },
};

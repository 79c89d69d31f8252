/**
 * Kafka's RoundRobinAssignor ("roundrobin"): every partition of every subscribed topic, sorted by
 * topic name then partition number, is dealt in turn to the members in Kafka's member order,
 * skipping members not subscribed to the partition's topic. With equal subscriptions the counts
 * differ by at most one.
 */
import type { TopicPartition } from '../types.js';
import { compareStrings, emptyAssignment, sortedMembers, type Assignor } from './assignor.js';

export const roundRobinAssignor: Assignor = {
  name: 'roundrobin',
  supportedProtocols: ['eager'],
  subscriptionUserData: () => null,
  assign(partitionsPerTopic, members) {
    const out = emptyAssignment(members);
    const order = sortedMembers(members);
    const subscribed = order.map((m) => new Set(m.topics));
    const topics = [...new Set(members.flatMap((m) => m.topics))].filter((t) => partitionsPerTopic.has(t)).sort(compareStrings);
    let next = 0;
    for (const topic of topics) {
      const count = partitionsPerTopic.get(topic)!;
      for (let p = 0; p < count; p++) {
        // Someone subscribes to `topic` (it came from a subscription), so this ends within one turn.
        while (!subscribed[next % order.length]!.has(topic)) next++;
        const list: TopicPartition[] = out.get(order[next % order.length]!.memberId)!;
        list.push({ topic, partition: p });
        next++;
      }
    }
    return out;
  },
};

/**
 * Kafka's CooperativeStickyAssignor ("cooperative-sticky"): a balanced assignment that moves as
 * few partitions as it can, handed out incrementally (KIP-429).
 *
 * Target assignment (sticky and balanced):
 * 1. Each member keeps what it owns, if it still subscribes to the topic and the partition still
 *    exists. Two members claiming one partition: the claim from the later generation wins; two
 *    claims from the same generation are both dropped (Kafka's rule; it should not happen).
 * 2. Partitions nobody keeps go, in topic/partition order, to the subscribed member with the
 *    fewest partitions (ties: Kafka's member order).
 * 3. While some member has a partition that a subscribed member with at least two fewer could
 *    take, it moves (new partitions of the member first, so owned ones stay). Every move lowers the
 *    sum of squared counts, so this ends; at the end no single move improves the balance, which with
 *    equal subscriptions means the counts differ by at most one.
 *
 * Cooperative round: a partition whose owner changes is left out of this round's assignment
 * altogether. Its owner sees it missing, revokes it and rejoins; the next rebalance finds it
 * unowned and hands it to its new member. Nothing is ever consumed by two members at once.
 */
import type { TopicPartition } from '../types.js';
import { compareStrings, sortedMembers, type Assignor, type MemberSubscription } from './assignor.js';

interface Slot {
  topic: string;
  partition: number;
  key: string;
  /** True if the member holding it in the target owned it before. */
  kept: boolean;
}

function keyOf(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  return compareStrings(a.topic, b.topic) || a.partition - b.partition;
}

/**
 * The generation a member's owned partitions are from: the subscription's generationId (v2+),
 * else the 4-byte generation Kafka's cooperative-sticky puts in its user data, else -1.
 */
export function generationOf(m: MemberSubscription): number {
  if (m.generationId >= 0) return m.generationId;
  const u = m.userData;
  if (u !== null && u.length >= 4) return u.readInt32BE(0);
  return -1;
}

export interface StickyResult {
  /** The balanced target assignment, per member id. */
  target: Map<string, TopicPartition[]>;
  /** The member id that validly owns each partition now ("topic\0partition" → member id). */
  owners: Map<string, string>;
}

/** The sticky, balanced target assignment (steps 1-3 above). */
export function stickyTarget(partitionsPerTopic: ReadonlyMap<string, number>, members: readonly MemberSubscription[]): StickyResult {
  const order = sortedMembers(members);
  const subscribed = order.map((m) => new Set(m.topics.filter((t) => partitionsPerTopic.has(t))));
  const subscribers = new Map<string, number[]>();
  order.forEach((_, i) => {
    for (const t of subscribed[i]!) {
      let l = subscribers.get(t);
      if (l === undefined) subscribers.set(t, (l = []));
      l.push(i);
    }
  });

  // 1. Valid ownership: the latest generation's claim, if it is the only one at that generation.
  const claims = new Map<string, { member: number; generation: number; contested: boolean; tp: TopicPartition }>();
  order.forEach((m, i) => {
    const generation = generationOf(m);
    for (const tp of m.ownedPartitions) {
      const count = partitionsPerTopic.get(tp.topic);
      if (count === undefined || !subscribed[i]!.has(tp.topic) || !Number.isInteger(tp.partition) || tp.partition < 0 || tp.partition >= count) continue;
      const key = keyOf(tp.topic, tp.partition);
      const prior = claims.get(key);
      if (prior === undefined || generation > prior.generation) claims.set(key, { member: i, generation, contested: false, tp });
      else if (generation === prior.generation && prior.member !== i) prior.contested = true;
    }
  });
  const slots: Slot[][] = order.map(() => []);
  const owners = new Map<string, string>();
  const ownerIndex = new Map<string, number>();
  for (const [key, c] of claims) {
    if (c.contested) continue;
    owners.set(key, order[c.member]!.memberId);
    ownerIndex.set(key, c.member);
    slots[c.member]!.push({ topic: c.tp.topic, partition: c.tp.partition, key, kept: true });
  }
  for (const list of slots) list.sort(byTopicPartition);

  const fewest = (candidates: readonly number[]): number => {
    let best = candidates[0]!;
    for (const c of candidates) if (slots[c]!.length < slots[best]!.length) best = c;
    return best;
  };

  // 2. Unowned partitions to the least loaded subscribed member.
  for (const topic of [...subscribers.keys()].sort(compareStrings)) {
    const count = partitionsPerTopic.get(topic)!;
    const candidates = subscribers.get(topic)!;
    for (let p = 0; p < count; p++) {
      const key = keyOf(topic, p);
      if (ownerIndex.has(key)) continue;
      slots[fewest(candidates)]!.push({ topic, partition: p, key, kept: false });
    }
  }

  // 3. Move single partitions from a member to a subscribed member with at least two fewer.
  for (;;) {
    let moved = false;
    const byLoad = order.map((_, i) => i).sort((a, b) => slots[b]!.length - slots[a]!.length || a - b);
    for (const from of byLoad) {
      const list = slots[from]!;
      // Newly given partitions sit after the kept ones: try them first.
      const tryOrder = [...list.keys()].sort((a, b) => Number(list[a]!.kept) - Number(list[b]!.kept) || b - a);
      for (const j of tryOrder) {
        const slot = list[j]!;
        const to = fewest(subscribers.get(slot.topic)!);
        if (slots[to]!.length < list.length - 1) {
          list.splice(j, 1);
          slots[to]!.push({ ...slot, kept: ownerIndex.get(slot.key) === to });
          moved = true;
          break;
        }
      }
      if (moved) break;
    }
    if (!moved) break;
  }

  const target = new Map<string, TopicPartition[]>();
  order.forEach((m, i) => target.set(m.memberId, slots[i]!.map((s) => ({ topic: s.topic, partition: s.partition })).sort(byTopicPartition)));
  return { target, owners };
}

/** The generation as Kafka's cooperative-sticky user data: one big-endian int32. */
function generationUserData(generationId: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(generationId, 0);
  return b;
}

export const cooperativeStickyAssignor: Assignor = {
  name: 'cooperative-sticky',
  supportedProtocols: ['cooperative', 'eager'],
  subscriptionUserData: generationUserData,
  assign(partitionsPerTopic, members) {
    const { target, owners } = stickyTarget(partitionsPerTopic, members);
    // Partitions changing hands wait for their owner to revoke them (next rebalance).
    for (const [memberId, list] of target) {
      target.set(memberId, list.filter((tp) => {
        const owner = owners.get(keyOf(tp.topic, tp.partition));
        return owner === undefined || owner === memberId;
      }));
    }
    return target;
  },
};

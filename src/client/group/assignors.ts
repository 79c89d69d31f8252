/**
 * The partition assignors by name, for partition.assignment.strategy: a Java class name or the
 * protocol name (librdkafka's spelling). The group leader runs the one the coordinator selected
 * (the first protocol, in the leader's preference order, that every member supports).
 *
 * The rebalance protocol a consumer follows is the most capable one that all its configured
 * assignors support (Kafka's rule): cooperative only if every assignor is cooperative, so the
 * default [range, cooperative-sticky] still rebalances eagerly.
 */
import type { Assignor, RebalanceProtocol } from './assignor.js';
import { cooperativeStickyAssignor } from './sticky-assignor.js';
import { rangeAssignor } from './range-assignor.js';
import { roundRobinAssignor } from './round-robin-assignor.js';

const BY_NAME: ReadonlyMap<string, Assignor> = new Map<string, Assignor>([
  ['range', rangeAssignor],
  ['org.apache.kafka.clients.consumer.RangeAssignor', rangeAssignor],
  ['roundrobin', roundRobinAssignor],
  ['org.apache.kafka.clients.consumer.RoundRobinAssignor', roundRobinAssignor],
  ['cooperative-sticky', cooperativeStickyAssignor],
  ['org.apache.kafka.clients.consumer.CooperativeStickyAssignor', cooperativeStickyAssignor],
]);

/** Names partition.assignment.strategy accepts. */
export const ASSIGNOR_NAMES: readonly string[] = [...BY_NAME.keys()];

/** The assignor for a class name or protocol name, or undefined. */
export function assignorByName(name: string): Assignor | undefined {
  return BY_NAME.get(name.trim());
}

/**
 * The assignors for partition.assignment.strategy, in preference order, duplicates dropped.
 * Throws for an unknown name or an empty list.
 */
export function resolveAssignors(names: readonly string[]): Assignor[] {
  const out: Assignor[] = [];
  for (const n of names) {
    const a = assignorByName(n);
    if (a === undefined) {
      throw new Error(`partition.assignment.strategy: unknown assignor "${n}" (supported: range, roundrobin, cooperative-sticky, or their Kafka class names)`);
    }
    if (!out.includes(a)) out.push(a);
  }
  if (out.length === 0) throw new Error('partition.assignment.strategy must name at least one assignor to join a group');
  return out;
}

/** The rebalance protocol every assignor supports, the most capable first (Kafka's rule). */
export function rebalanceProtocolOf(assignors: readonly Assignor[]): RebalanceProtocol {
  for (const p of ['cooperative', 'eager'] as const) {
    if (assignors.every((a) => a.supportedProtocols.includes(p))) return p;
  }
  throw new Error(`the assignors ${assignors.map((a) => a.name).join(', ')} have no rebalance protocol in common`);
}

/**
 * One classic consumer group (JoinGroup/SyncGroup protocol) as data: its members, generation,
 * chosen protocol and leader, and the deadlines that drive it. The rules that move it between
 * states live in group-shard.ts; this module answers questions about it.
 */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/** A parked JoinGroup or SyncGroup request, answered later through the shell. */
export type Token = number;

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface Member {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  /** In the member's order of preference. */
  protocols: Protocol[];
  /** Its assignment in the current generation (opaque bytes from the leader). */
  assignment: Buffer;
  /** The JoinGroup waiting for the join phase to end. */
  awaitingJoin: Token | null;
  /** The SyncGroup waiting for the leader's assignment. */
  awaitingSync: Token | null;
  /** The member is removed when this passes without a heartbeat (unless a request of it waits). */
  sessionDeadlineMs: number;
}

export class ClassicGroup {
  state: GroupState = 'Empty';
  generation = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  readonly members = new Map<string, Member>();
  /** group.instance.id → member id of static members. */
  readonly staticMembers = new Map<string, string>();
  /** KIP-394: ids handed out with MEMBER_ID_REQUIRED, each with the deadline to come back by. */
  readonly pendingMembers = new Map<string, number>();
  /** Members of this generation that have not sent SyncGroup yet (removed at syncDeadlineMs). */
  readonly pendingSync = new Set<string>();
  /** End of the join phase (PreparingRebalance) or of the sync phase (CompletingRebalance). */
  phaseDeadlineMs: number | null = null;
  /** The join phase is the first of an empty group, held open by group.initial.rebalance.delay.ms. */
  initialDelay = false;
  /** group.initial.rebalance.delay.ms: how much longer the first join phase may still be extended. */
  initialDelayRemainingMs = 0;
  /** Whether a member joined since the current initial delay started. */
  joinedDuringDelay = false;
  stateTimestampMs: number;

  constructor(readonly groupId: string, nowMs: number) {
    this.stateTimestampMs = nowMs;
  }

  transition(state: GroupState, nowMs: number): void {
    this.state = state;
    this.stateTimestampMs = nowMs;
  }

  /** Protocols every member supports (all protocols of an empty group's newcomer). */
  candidateProtocols(): Set<string> | null {
    let candidates: Set<string> | null = null;
    for (const m of this.members.values()) {
      const names = new Set<string>(m.protocols.map((p) => p.name));
      if (candidates === null) candidates = names;
      else for (const n of [...candidates]) if (!names.has(n)) candidates.delete(n);
    }
    return candidates;
  }

  /** Whether a member with this protocol type and these protocols may be in the group. */
  supports(protocolType: string, protocols: readonly Protocol[]): boolean {
    if (protocolType === '' || protocols.length === 0) return false;
    if (this.members.size === 0) return true;
    if (protocolType !== this.protocolType) return false;
    const candidates = this.candidateProtocols()!;
    return protocols.some((p) => candidates.has(p.name));
  }

  /**
   * The protocol for the next generation: every member votes for the first protocol of its own
   * preference list that all members support; most votes wins, ties going to the earlier
   * preference of the first member.
   */
  selectProtocol(): string {
    const candidates = this.candidateProtocols()!;
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.protocols.find((p) => candidates.has(p.name))!.name;
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    const first = this.members.values().next().value!;
    let best: string | null = null;
    for (const p of first.protocols) {
      if (!candidates.has(p.name)) continue;
      if (best === null || (votes.get(p.name) ?? 0) > (votes.get(best) ?? 0)) best = p.name;
    }
    return best!;
  }

  /** The member's metadata for the chosen protocol (empty when there is none yet). */
  metadataOf(member: Member): Buffer {
    return member.protocols.find((p) => p.name === this.protocolName)?.metadata ?? Buffer.alloc(0);
  }

  maxRebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  allMembersJoined(): boolean {
    if (this.pendingMembers.size > 0) return false;
    for (const m of this.members.values()) if (m.awaitingJoin === null) return false;
    return true;
  }
}

export function sameProtocols(a: readonly Protocol[], b: readonly Protocol[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i]!.name && p.metadata.equals(b[i]!.metadata));
}

/**
 * Consumer groups on one broker (a child process), driven by raw requests from this process
 * (bench/groups/member.ts), one connection per member, so the client costs next to nothing:
 *
 * - Join to stable: 10 members join a fresh group at once, subscribed to one topic of 100
 *   partitions; timed from the first JoinGroup sent until the last of them holds its SyncGroup
 *   assignment of one generation of all 10 (checked: every partition assigned once, and
 *   DescribeGroups says Stable with 10 members). Then an 11th member joins that stable group
 *   (rebalance: the others learn of it from their heartbeats). Median and p99 over the rounds,
 *   as multiples of a Heartbeat round trip and of one fdatasync'd small append measured in this
 *   run, with the generations and requests it took.
 * - The same join and rebalance with our own client's consumers (client-join.ts).
 * - OffsetCommit: commits/s and partitions/s with 1 and 100 partitions per request, 1 group with
 *   1 and 8 requests in flight, and 8 groups (on 8 different __consumer_offsets partitions) with
 *   1 each, against a write+fdatasync loop of the same batch size over as many files (what each
 *   commit costs the coordinator at least: its records are appended and fdatasync'd before the
 *   answer), measured before and after each case.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, errorName } from '../../src/protocol/errors.js';
import type { ApiVersionsResponse } from '../../src/protocol/generated/messages/ApiVersionsResponse.js';
import type { CreateTopicsResponse } from '../../src/protocol/generated/messages/CreateTopicsResponse.js';
import type { DescribeGroupsResponse } from '../../src/protocol/generated/messages/DescribeGroupsResponse.js';
import type { FindCoordinatorResponse } from '../../src/protocol/generated/messages/FindCoordinatorResponse.js';
import type { OffsetCommitRequest } from '../../src/protocol/generated/messages/OffsetCommitRequest.js';
import type { OffsetCommitResponse } from '../../src/protocol/generated/messages/OffsetCommitResponse.js';
import type { Input } from '../../src/protocol/primitives/types.js';
import { buildRecordBatch } from '../../src/protocol/records/builder.js';
import { Kafka } from '../../src/client/index.js';
import { offsetCommitRecord, partitionForGroup } from '../../src/coordinator/group/offsets-records.js';
import { BrokerProcess, BROKER_MAIN } from '../broker-process.js';
import { plainWriteLoop } from '../storage.js';
import { fmt } from '../timing.js';
import { clientJoinRound, CollectingLogger, type ClientRound } from './client-join.js';
import { API, GroupMember, type MemberListener, type MemberSettings } from './member.js';
import { BenchConnection } from './wire.js';

const TOPIC = 'groups-bench';
const PARTITIONS = 100;
const MEMBERS = 10;
const WARMUP_ROUNDS = 3;
const ROUNDS = 100;
/** Rounds with our client's consumers (heavier: fresh consumers, connections and metadata each round). */
const CLIENT_WARMUP_ROUNDS = 2;
const CLIENT_ROUNDS = 20;
/** Members heartbeat this often once assigned: how soon a stable member hears of a rebalance. */
const HEARTBEAT_MS = 10;
const SESSION_TIMEOUT_MS = 30_000;
const REBALANCE_TIMEOUT_MS = 60_000;
/** A round that is not stable by then is reported as a stall. */
const STABLE_TIMEOUT_MS = 30_000;
const ROUND_TRIPS = 2000;
const COMMIT_SECONDS = 3;
const COMMIT_GROUPS = 8;
const COMMIT_IN_FLIGHT = 8;
/** Set explicitly so the groups of the commit cases can be placed on different partitions. */
const OFFSETS_PARTITIONS = 50;
/** Seconds each disk baseline runs (calibrated from a short probe). */
const DISK_SECONDS = 1;

const BROKER_CONFIG = {
  'group.initial.rebalance.delay.ms': '0',
  'offsets.topic.num.partitions': String(OFFSETS_PARTITIONS),
};

// ---------------------------------------------------------------------------------------------
// Helpers

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function summary(values: readonly number[]): { median: number; p99: number; max: number } {
  const s = [...values].sort((a, b) => a - b);
  return { median: percentile(s, 0.5), p99: percentile(s, 0.99), max: s[s.length - 1]! };
}

const ms = (v: number): string => fmt(v, v < 1 ? 3 : v < 10 ? 2 : 1);
const nowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

function settings(groupId: string): MemberSettings {
  return { groupId, topic: TOPIC, partitionCount: PARTITIONS, sessionTimeoutMs: SESSION_TIMEOUT_MS, rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS, heartbeatMs: HEARTBEAT_MS };
}

function withTimeout<T>(p: Promise<T>, timeoutMs: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(what())), timeoutMs);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function createTopic(conn: BenchConnection, name: string, partitions: number): Promise<void> {
  const r = await conn.send<CreateTopicsResponse>(API.createTopics.key, API.createTopics.version, {
    topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 10_000,
    validateOnly: false,
  });
  const t = r.topics[0]!;
  if (t.errorCode !== ErrorCode.NONE) throw new Error(`CreateTopics ${name}: ${errorName(t.errorCode)} ${t.errorMessage ?? ''}`);
}

/** FindCoordinator for the groups (the first creates __consumer_offsets); each must be this broker. */
async function findCoordinators(conn: BenchConnection, groupIds: string[], port: number): Promise<void> {
  const r = await conn.send<FindCoordinatorResponse>(API.findCoordinator.key, API.findCoordinator.version, { key: '', keyType: 0, coordinatorKeys: groupIds });
  for (const c of r.coordinators) {
    if (c.errorCode !== ErrorCode.NONE) throw new Error(`FindCoordinator ${c.key}: ${errorName(c.errorCode)} ${c.errorMessage ?? ''}`);
    if (c.port !== port) throw new Error(`FindCoordinator ${c.key}: coordinator ${c.host}:${c.port}, expected the broker on port ${port}`);
  }
}

/** Whether DescribeGroups shows the group Stable with `members` members; else why not. */
async function checkStable(conn: BenchConnection, groupId: string, members: number): Promise<string | null> {
  const r = await conn.send<DescribeGroupsResponse>(15, 5, { groups: [groupId], includeAuthorizedOperations: false });
  const g = r.groups[0]!;
  if (g.errorCode !== ErrorCode.NONE) return `DescribeGroups ${groupId}: ${errorName(g.errorCode)}`;
  if (g.groupState !== 'Stable' || g.members.length !== members) return `DescribeGroups ${groupId}: ${g.groupState} with ${g.members.length} members, expected Stable with ${members}`;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Round trips and the disk

/** Sequential round trips of `send` (after a warm-up), in ms. */
async function roundTrips(send: () => Promise<unknown>): Promise<{ median: number; p99: number; max: number }> {
  for (let i = 0; i < 200; i++) await send();
  const times: number[] = [];
  for (let i = 0; i < ROUND_TRIPS; i++) {
    const start = nowMs();
    await send();
    times.push(nowMs() - start);
  }
  return summary(times);
}

/** ApiVersions and Heartbeat (a one-member group's, no disk write) round trips on their own connections. */
async function measureRoundTrips(port: number, label: string): Promise<{ apiVersions: ReturnType<typeof summary>; heartbeat: ReturnType<typeof summary> }> {
  const conn = await BenchConnection.open('127.0.0.1', port, `rtt-${label}`);
  const apiVersions = await roundTrips(() => conn.send<ApiVersionsResponse>(API.apiVersions.key, API.apiVersions.version, { clientSoftwareName: 'tributary-bench', clientSoftwareVersion: '0' }));
  const groupId = `rtt-probe-${label}`;
  await findCoordinators(conn, [groupId], port);
  const member = new GroupMember(conn, settings(groupId));
  await member.joinAndSync();
  const heartbeat = await roundTrips(async () => {
    if (await member.heartbeat()) throw new Error(`${groupId}: a one-member group rebalanced during the heartbeat round trips`);
  });
  await member.leave();
  await conn.close();
  return { apiVersions, heartbeat };
}

/** Bytes of the batch the coordinator appends for one commit of `partitions` partitions. */
function commitBatchBytes(groupId: string, partitions: number): number {
  const records = Array.from({ length: partitions }, (_, p) => offsetCommitRecord(groupId, TOPIC, p, { offset: 1_000_000n, leaderEpoch: 0, metadata: '', commitTimestamp: BigInt(Date.now()) }));
  return buildRecordBatch(records.map((r) => ({ key: r.key, value: r.value, timestamp: Date.now() }))).length;
}

/**
 * Appends per second of `size`-byte writes, each followed by fdatasync, into `files` fresh files
 * in parallel (one loop per file): storage's baseline loop, sized to run about DISK_SECONDS.
 */
async function syncedAppendsPerSecond(root: string, size: number, files: number): Promise<number> {
  const loop = async (perFile: number): Promise<number> => {
    const dir = await mkdtemp(join(root, 'disk-'));
    try {
      return ((await plainWriteLoop(dir, size, true, files, size * files * perFile)) * 1e6) / size;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };
  const probe = await loop(50);
  const perFile = Math.max(50, Math.round((probe / files) * DISK_SECONDS));
  return loop(perFile);
}

// ---------------------------------------------------------------------------------------------
// Join to stable

interface Stable {
  generation: number;
  /** ms from the start until the leader of the stable generation had its JoinGroup answer. */
  joinPhaseMs: number;
  /** ms from the start until the last assigned member heard from a heartbeat that it must rejoin (0: none did). */
  lastHeardMs: number;
  assignments: Map<string, number[]>;
}

/**
 * Watches members' reports for the first generation of `expected` members that all hold their
 * assignment. One listener serves every member of a group; expect() arms it for the next wait.
 */
class StableWatch implements MemberListener {
  private expected = 0;
  private start = 0;
  private lastHeard = 0;
  private readonly formed = new Map<number, { size: number; atMs: number }>();
  private readonly assignedIn = new Map<number, Map<string, number[]>>();
  private done: ((s: Stable) => void) | null = null;

  expect(members: number): Promise<Stable> {
    this.expected = members;
    this.start = nowMs();
    this.lastHeard = 0;
    return new Promise((resolve) => (this.done = resolve));
  }

  generationFormed(generation: number, memberIds: string[]): void {
    this.formed.set(generation, { size: memberIds.length, atMs: nowMs() });
    this.check(generation);
  }

  assigned(member: GroupMember, generation: number, partitions: number[]): void {
    let m = this.assignedIn.get(generation);
    if (m === undefined) this.assignedIn.set(generation, (m = new Map()));
    m.set(member.memberId, partitions);
    this.check(generation);
  }

  mustRejoin(): void {
    this.lastHeard = nowMs() - this.start;
  }

  private check(generation: number): void {
    const formed = this.formed.get(generation);
    const assigned = this.assignedIn.get(generation);
    if (this.done === null || formed === undefined || assigned === undefined) return;
    if (formed.size !== this.expected || assigned.size !== this.expected) return;
    const done = this.done;
    this.done = null;
    done({ generation, joinPhaseMs: formed.atMs - this.start, lastHeardMs: this.lastHeard, assignments: assigned });
  }
}

/** Every partition of the topic assigned exactly once; else what is wrong. */
function assignmentProblem(assignments: Map<string, number[]>): string | null {
  const all = [...assignments.values()].flat().sort((a, b) => a - b);
  if (all.length !== PARTITIONS || all.some((p, i) => p !== i)) return `assignment covers ${all.length} partition slots, not each of ${PARTITIONS} once: ${JSON.stringify([...assignments.values()])}`;
  return null;
}

interface RoundResult {
  joinMs: number;
  joinPhaseMs: number;
  joinGenerations: number;
  joinRequestsMax: number;
  joinRequestsTotal: number;
  /** UNKNOWN_MEMBER_ID answers the members got (each costs a fresh join). */
  joinResets: number;
  rebalanceMs: number;
  /** From when the last of the 10 heard of the rebalance (heartbeat) until stable. */
  rebalanceAfterHeardMs: number;
  rebalanceGenerations: number;
  rebalanceRequestsMax: number;
  rebalanceResets: number;
}

/** Waits for `stable`, failing as soon as a member fails (an answer it cannot act on). */
function stableOrFailure(stable: Promise<Stable>, runs: Promise<void>[], what: () => string): Promise<Stable> {
  const failures = runs.map((r) => r.then(() => new Promise<never>(() => undefined)));
  return withTimeout(Promise.race([stable, ...failures]), STABLE_TIMEOUT_MS, what);
}

async function joinRound(port: number, admin: BenchConnection, conns: BenchConnection[], groupId: string): Promise<RoundResult> {
  await findCoordinators(admin, [groupId], port);
  const watch = new StableWatch();
  const members = conns.slice(0, MEMBERS).map((c) => new GroupMember(c, settings(groupId), watch));
  const started: GroupMember[] = [];
  const runs: Promise<void>[] = [];
  const begin = (m: GroupMember): void => {
    started.push(m);
    runs.push(m.run());
  };
  const describe = (): string => started.map((m) => `${m.memberId || '(no id)'} gen ${m.generation} ${m.partitions.length}p`).join(', ');
  let failed = false;
  try {
    let stableAt = watch.expect(MEMBERS);
    const start = nowMs();
    for (const m of members) begin(m);
    const joined = await stableOrFailure(stableAt, runs, () => `${groupId}: ${MEMBERS} members not stable after ${STABLE_TIMEOUT_MS} ms: ${describe()}`);
    const joinMs = nowMs() - start;
    const joinRequests = members.map((m) => m.requests);
    const joinResets = members.reduce((n, m) => n + m.unknownMemberResets, 0);
    const problem = assignmentProblem(joined.assignments) ?? (await checkStable(admin, groupId, MEMBERS));
    if (problem !== null) throw new Error(problem);

    // An 11th member joins the stable group; the others hear of it from their next heartbeat.
    const newcomer = new GroupMember(conns[MEMBERS]!, settings(groupId), watch);
    const before = members.map((m) => m.requests);
    const resetsBefore = joinResets;
    stableAt = watch.expect(MEMBERS + 1);
    const rebalanceStart = nowMs();
    begin(newcomer);
    const rebalanced = await stableOrFailure(stableAt, runs, () => `${groupId}: ${MEMBERS + 1} members not stable after ${STABLE_TIMEOUT_MS} ms: ${describe()}`);
    const rebalanceMs = nowMs() - rebalanceStart;
    const rebalanceRequests = [...members.map((m, i) => m.requests - before[i]!), newcomer.requests];
    const rebalanceResets = members.reduce((n, m) => n + m.unknownMemberResets, 0) - resetsBefore + newcomer.unknownMemberResets;
    const problem2 = assignmentProblem(rebalanced.assignments) ?? (await checkStable(admin, groupId, MEMBERS + 1));
    if (problem2 !== null) throw new Error(problem2);
    return {
      joinMs,
      joinPhaseMs: joined.joinPhaseMs,
      joinGenerations: joined.generation,
      joinRequestsMax: Math.max(...joinRequests),
      joinRequestsTotal: joinRequests.reduce((a, b) => a + b, 0),
      joinResets,
      rebalanceMs,
      rebalanceAfterHeardMs: rebalanceMs - rebalanced.lastHeardMs,
      rebalanceGenerations: rebalanced.generation - joined.generation,
      rebalanceRequestsMax: Math.max(...rebalanceRequests),
      rebalanceResets,
    };
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    for (const m of started) m.stop();
    // The run loops end after their request in flight; then everybody leaves.
    await Promise.allSettled(runs);
    const left = await Promise.allSettled(started.map((m) => m.leave()));
    const refused = left.find((r) => r.status === 'rejected');
    if (refused !== undefined && !failed) throw (refused as PromiseRejectedResult).reason;
  }
}

/** The same join and rebalance with src/client consumers (subscribe()), as ratios to the raw members' median join. */
async function clientRounds(port: number, rawJoinMedian: number, heartbeatRtt: number): Promise<string[]> {
  const logger = new CollectingLogger();
  const kafka = new Kafka({ 'bootstrap.servers': `127.0.0.1:${port}` }, { logger });
  const settings = { bootstrap: `127.0.0.1:${port}`, topic: TOPIC, partitions: PARTITIONS, members: MEMBERS, heartbeatMs: HEARTBEAT_MS, stableTimeoutMs: STABLE_TIMEOUT_MS };
  const results: ClientRound[] = [];
  const lines: string[] = [];
  for (let r = 0; r < CLIENT_WARMUP_ROUNDS + CLIENT_ROUNDS; r++) {
    try {
      const result = await clientJoinRound(kafka, settings, `client-join-${r}`);
      if (r >= CLIENT_WARMUP_ROUNDS) results.push(result);
    } catch (e) {
      lines.push(`our client's rounds stopped: round ${r}: ${(e as Error).message}`);
      break;
    }
  }
  if (results.length > 0) {
    const join = summary(results.map((r) => r.joinMs));
    const rebalance = summary(results.map((r) => r.rebalanceMs));
    lines.unshift(
      `join to stable with our client (src/client Consumer.subscribe(), range, heartbeat.interval.ms=${HEARTBEAT_MS}, other settings default, ${MEMBERS} fresh consumers polling in this process, including their bootstrap, metadata and FindCoordinator), ` +
        `${results.length} rounds (after ${CLIENT_WARMUP_ROUNDS} warm-up): median ${ms(join.median)} ms, p99 ${ms(join.p99)} ms = ${fmt(join.median / heartbeatRtt, 0)} Heartbeat round trips, ` +
        `${fmt(join.median / rawJoinMedian, 1)}x the raw members' median; an 11th consumer joins: median ${ms(rebalance.median)} ms, p99 ${ms(rebalance.p99)} ms`,
    );
  }
  if (logger.count > 0) lines.push(`our client logged ${logger.count} warnings/errors: ${logger.lines.slice(0, 3).join(' | ')}`);
  return lines;
}

// ---------------------------------------------------------------------------------------------
// OffsetCommit throughput

interface CommitCase {
  partitionsPerRequest: number;
  groups: number;
  inFlight: number;
}

/** `count` group ids whose __consumer_offsets partitions all differ (so their appends go to different files). */
function groupsOnDistinctPartitions(prefix: string, count: number): string[] {
  const ids: string[] = [];
  const used = new Set<number>();
  for (let i = 0; ids.length < count; i++) {
    const id = `${prefix}-${i}`;
    const p = partitionForGroup(id, OFFSETS_PARTITIONS);
    if (used.has(p)) continue;
    used.add(p);
    ids.push(id);
  }
  return ids;
}

interface CommitResult {
  commitsPerS: number;
  latency: ReturnType<typeof summary>;
  brokerCores: number;
}

/** Members commit (as members of their one-member groups) for COMMIT_SECONDS, `inFlight` requests each. */
async function commitCase(broker: BrokerProcess, admin: BenchConnection, c: CommitCase, groupIds: string[]): Promise<CommitResult> {
  await findCoordinators(admin, groupIds, broker.port);
  const conns = await Promise.all(groupIds.map((id) => BenchConnection.open('127.0.0.1', broker.port, id)));
  const members = groupIds.map((id, i) => new GroupMember(conns[i]!, settings(id)));
  try {
    await Promise.all(members.map((m) => m.joinAndSync()));
    const everyPartition = Array.from({ length: PARTITIONS }, (_, p) => p);
    let seq = 0;
    const commit = async (m: GroupMember): Promise<void> => {
      const n = seq++;
      const partitions = c.partitionsPerRequest === PARTITIONS ? everyPartition : [n % PARTITIONS];
      const request: Input<OffsetCommitRequest> = {
        groupId: m.settings.groupId,
        generationIdOrMemberEpoch: m.generation,
        memberId: m.memberId,
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [{ name: TOPIC, partitions: partitions.map((p) => ({ partitionIndex: p, committedOffset: BigInt(n), committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: '' })) }],
      };
      const r = await m.conn.send<OffsetCommitResponse>(API.offsetCommit.key, API.offsetCommit.version, request);
      for (const t of r.topics) for (const p of t.partitions) {
        if (p.errorCode !== ErrorCode.NONE) throw new Error(`OffsetCommit ${m.settings.groupId} ${t.name}-${p.partitionIndex}: ${errorName(p.errorCode)}`);
      }
    };
    // Warm-up, not timed.
    for (let i = 0; i < 20; i++) await Promise.all(members.map((m) => commit(m)));

    const latencies: number[] = [];
    const cpuBefore = broker.cpuSeconds();
    const start = nowMs();
    const deadline = start + COMMIT_SECONDS * 1000;
    const worker = async (m: GroupMember): Promise<void> => {
      while (nowMs() < deadline) {
        const sent = nowMs();
        await commit(m);
        latencies.push(nowMs() - sent);
      }
    };
    await Promise.all(members.flatMap((m) => Array.from({ length: c.inFlight }, () => worker(m))));
    const seconds = (nowMs() - start) / 1000;
    return { commitsPerS: latencies.length / seconds, latency: summary(latencies), brokerCores: (broker.cpuSeconds() - cpuBefore) / seconds };
  } finally {
    await Promise.allSettled(members.map((m) => m.leave()));
    await Promise.all(conns.map((conn) => conn.close()));
  }
}

// ---------------------------------------------------------------------------------------------
// The benchmark

export async function benchGroups(): Promise<string[]> {
  if (!existsSync(BROKER_MAIN)) return [`skipped: ${BROKER_MAIN} missing (npm run build)`];
  const lines: string[] = [];
  const root = await mkdtemp(join(tmpdir(), 'tributary-bench-groups-'));
  let broker: BrokerProcess | null = null;
  const conns: BenchConnection[] = [];
  try {
    broker = await BrokerProcess.start(join(root, 'log'), { overrides: BROKER_CONFIG });
    const port = broker.port;
    const admin = await BenchConnection.open('127.0.0.1', port, 'admin');
    conns.push(admin);
    await createTopic(admin, TOPIC, PARTITIONS);
    // The first FindCoordinator creates __consumer_offsets; not part of any figure.
    await findCoordinators(admin, ['warm-up'], port);
    lines.push(
      `broker: child process on 127.0.0.1:${port}, log.dirs under ${root}, ${Object.entries(BROKER_CONFIG).map(([k, v]) => `${k}=${v}`).join(', ')}; ` +
        `load: this process, raw requests as a Kafka 4.0 client (JoinGroup v9, SyncGroup v5, Heartbeat v4, OffsetCommit v9), one connection per member; ` +
        `topic ${TOPIC} with ${PARTITIONS} partitions; range assignment computed by the leader`,
    );

    const rtt1 = await measureRoundTrips(port, 'before');
    const smallAppend = commitBatchBytes('join-0', 1);
    const disk1 = await syncedAppendsPerSecond(root, smallAppend, 1);

    // Join to stable and rebalance.
    for (let i = 0; i <= MEMBERS; i++) conns.push(await BenchConnection.open('127.0.0.1', port, `member-${i}`));
    const memberConns = conns.slice(1);
    const results: RoundResult[] = [];
    let roundFailure: string | null = null;
    for (let r = 0; r < WARMUP_ROUNDS + ROUNDS; r++) {
      try {
        const result = await joinRound(port, admin, memberConns, `join-${r}`);
        if (r >= WARMUP_ROUNDS) results.push(result);
      } catch (e) {
        roundFailure = `round ${r}: ${(e as Error).message}`;
        break;
      }
    }
    const rtt2 = await measureRoundTrips(port, 'after');
    const disk2 = await syncedAppendsPerSecond(root, smallAppend, 1);
    const heartbeatRtt = (rtt1.heartbeat.median + rtt2.heartbeat.median) / 2;
    const fsyncMs = 1000 / ((disk1 + disk2) / 2);
    lines.push(
      `round trip, ${ROUND_TRIPS} sequential, before and after the join rounds: ApiVersions median ${ms(rtt1.apiVersions.median)} / ${ms(rtt2.apiVersions.median)} ms (p99 ${ms(rtt1.apiVersions.p99)} / ${ms(rtt2.apiVersions.p99)}); ` +
        `Heartbeat median ${ms(rtt1.heartbeat.median)} / ${ms(rtt2.heartbeat.median)} ms (p99 ${ms(rtt1.heartbeat.p99)} / ${ms(rtt2.heartbeat.p99)})`,
    );
    lines.push(`disk: ${smallAppend}-byte write + fdatasync loop (one 1-partition commit's batch), before and after: ${fmt(disk1, 0)} / ${fmt(disk2, 0)} appends/s, ${ms(fsyncMs)} ms each on average`);
    if (results.length > 0) {
      const join = summary(results.map((r) => r.joinMs));
      const phase = summary(results.map((r) => r.joinPhaseMs));
      const gens = summary(results.map((r) => r.joinGenerations));
      const reqMax = summary(results.map((r) => r.joinRequestsMax));
      const reqTotal = summary(results.map((r) => r.joinRequestsTotal));
      const resets = summary(results.map((r) => r.joinResets));
      const rresets = summary(results.map((r) => r.rebalanceResets));
      const rebalance = summary(results.map((r) => r.rebalanceMs));
      const afterHeard = summary(results.map((r) => r.rebalanceAfterHeardMs));
      const rgens = summary(results.map((r) => r.rebalanceGenerations));
      const rreq = summary(results.map((r) => r.rebalanceRequestsMax));
      const inRtt = (v: number): string => fmt(v / heartbeatRtt, 0);
      const inSyncs = (v: number): string => fmt(v / fsyncMs, 1);
      lines.push(
        `join to stable, ${MEMBERS} members at once into a fresh group, ${results.length} rounds (after ${WARMUP_ROUNDS} warm-up): median ${ms(join.median)} ms, p99 ${ms(join.p99)} ms ` +
          `= ${inRtt(join.median)} / ${inRtt(join.p99)} Heartbeat round trips = ${inSyncs(join.median)} / ${inSyncs(join.p99)} fdatasync'd appends; ` +
          `the stable generation's join phase ended at median ${ms(phase.median)} ms; generations to get there median ${gens.median} (max ${gens.max}); ` +
          `requests per member (join, sync, heartbeat) median of the busiest ${reqMax.median} (max ${reqMax.max}), all members median ${reqTotal.median}; ` +
          `UNKNOWN_MEMBER_ID answers (member joins again without an id) median ${resets.median} (max ${resets.max}) per round`,
      );
      lines.push(
        `rebalance, an 11th member joins the stable group of ${MEMBERS} (members heartbeat every ${HEARTBEAT_MS} ms, so up to that long to hear of it): median ${ms(rebalance.median)} ms, p99 ${ms(rebalance.p99)} ms ` +
          `= ${inRtt(rebalance.median)} / ${inRtt(rebalance.p99)} Heartbeat round trips = ${inSyncs(rebalance.median)} / ${inSyncs(rebalance.p99)} fdatasync'd appends; ` +
          `from when the last of the ${MEMBERS} heard of it (its heartbeat answered REBALANCE_IN_PROGRESS) until stable: median ${ms(afterHeard.median)} ms, p99 ${ms(afterHeard.p99)} ms ` +
          `= ${inRtt(afterHeard.median)} / ${inRtt(afterHeard.p99)} round trips = ${inSyncs(afterHeard.median)} / ${inSyncs(afterHeard.p99)} fdatasyncs; generations median ${rgens.median} (max ${rgens.max}); requests of the busiest member median ${rreq.median} (max ${rreq.max}); UNKNOWN_MEMBER_ID answers median ${rresets.median} (max ${rresets.max})`,
      );
    }
    if (roundFailure !== null) lines.push(`join rounds stopped: ${roundFailure}; broker: ${broker.lastLines}`);
    lines.push(...(await clientRounds(port, results.length > 0 ? summary(results.map((r) => r.joinMs)).median : Number.NaN, heartbeatRtt)));

    // OffsetCommit throughput.
    const cases: CommitCase[] = [];
    for (const partitionsPerRequest of [1, PARTITIONS]) {
      cases.push({ partitionsPerRequest, groups: 1, inFlight: 1 }, { partitionsPerRequest, groups: 1, inFlight: COMMIT_IN_FLIGHT }, { partitionsPerRequest, groups: COMMIT_GROUPS, inFlight: 1 });
    }
    lines.push(
      `OffsetCommit: ${COMMIT_SECONDS} s per case, each group one member (all ${PARTITIONS} partitions) on its own connection, groups on different __consumer_offsets partitions; ` +
        `baseline: write + fdatasync loops of the case's batch size, one per group (file), measured before and after each case`,
    );
    for (const [i, c] of cases.entries()) {
      const groupIds = groupsOnDistinctPartitions(`commit-${i}`, c.groups);
      const batchBytes = commitBatchBytes(groupIds[0]!, c.partitionsPerRequest);
      const diskBefore = await syncedAppendsPerSecond(root, batchBytes, c.groups);
      const label = `${String(c.partitionsPerRequest).padStart(3)} partition(s)/request, ${c.groups} group(s) x ${c.inFlight} in flight`;
      try {
        const r = await commitCase(broker, admin, c, groupIds);
        const diskAfter = await syncedAppendsPerSecond(root, batchBytes, c.groups);
        const disk = (diskBefore + diskAfter) / 2;
        lines.push(
          `commit ${label}: ${fmt(r.commitsPerS, 0)} commits/s, ${fmt(r.commitsPerS * c.partitionsPerRequest, 0)} partitions/s = ${fmt(r.commitsPerS / disk, 2)}x ` +
            `${batchBytes}-byte write+fdatasync over ${c.groups} file(s) (${fmt(diskBefore, 0)} / ${fmt(diskAfter, 0)} appends/s); latency median ${ms(r.latency.median)} p99 ${ms(r.latency.p99)} ms; broker CPU ${fmt(r.brokerCores * 100, 0)}%`,
        );
      } catch (e) {
        lines.push(`commit ${label}: failed: ${(e as Error).message}; broker: ${broker.lastLines}`);
      }
    }
  } catch (e) {
    lines.push(`failed: ${(e as Error).message}${broker ? `; broker: ${broker.lastLines}` : ''}`);
  } finally {
    await Promise.allSettled(conns.map((c) => c.close()));
    if (broker) {
      await broker.stop();
      if (broker.complaints.length > 0) lines.push(`broker WARN/ERROR lines (${broker.complaints.length}): ${broker.complaints.slice(0, 5).join(' | ')}`);
    }
    await rm(root, { recursive: true, force: true });
  }
  return lines;
}

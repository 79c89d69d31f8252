/**
 * kafka-metadata-quorum.sh describe --status | --replication: the KRaft metadata quorum as the
 * broker reports it with DescribeQuorum (one node for now: the node is the leader and the only
 * voter). --status prints Kafka's aligned `Key:   value` lines; --replication the replica table.
 */
import { table } from './format.js';
import { UsageError } from './errors.js';
import { openAdmin, type QuorumInfo, type QuorumReplica } from './lazy.js';
import { isMain, main, type Tool } from './run.js';
import type { ToolSpec } from './args.js';

export const spec: ToolSpec = {
  name: 'kafka-metadata-quorum.sh',
  description: 'This tool describes kraft metadata quorum status.',
  positionals: 'describe (--status | --replication [--human-readable])',
  options: [
    { name: 'bootstrap-server', kind: 'string', description: 'A comma-separated list of host:port pairs to use for establishing the connection to the Kafka cluster.' },
    { name: 'bootstrap-controller', kind: 'string', description: 'A comma-separated list of host:port pairs to use for establishing the connection to the Kafka controllers.' },
    { name: 'command-config', kind: 'string', description: 'Property file containing configs to be passed to Admin Client.' },
    { name: 'status', kind: 'flag', description: 'A short summary of the quorum status and the other provides detailed information about the status of replication.' },
    { name: 'replication', kind: 'flag', description: 'Detailed information about the status of replication' },
    { name: 'human-readable', kind: 'flag', description: 'Human-readable output' },
  ],
};

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

function nodeText(q: QuorumInfo, r: QuorumReplica): string {
  const parts = [`"id": ${r.replicaId}`];
  if (r.replicaDirectoryId !== ZERO_UUID) parts.push(`"directoryId": "${r.replicaDirectoryId}"`);
  const endpoints = q.nodes.get(r.replicaId) ?? [];
  if (endpoints.length > 0) parts.push(`"endpoints": [${endpoints.map((e) => `"${e.name}://${e.host}:${e.port}"`).join(', ')}]`);
  return `{${parts.join(', ')}}`;
}

export function statusText(clusterId: string, q: QuorumInfo): string {
  const leader = q.voters.find((v) => v.replicaId === q.leaderId);
  const leaderLeo = leader?.logEndOffset ?? q.highWatermark;
  const laggiest = q.voters.reduce<QuorumReplica | undefined>((min, v) => (min === undefined || v.logEndOffset < min.logEndOffset ? v : min), undefined);
  const maxLag = laggiest === undefined ? 0 : leaderLeo - laggiest.logEndOffset;
  let maxLagMs: number;
  if (laggiest === undefined || laggiest === leader) maxLagMs = 0;
  else if (leader !== undefined && leader.lastCaughtUpTimestamp >= 0 && laggiest.lastCaughtUpTimestamp >= 0) maxLagMs = leader.lastCaughtUpTimestamp - laggiest.lastCaughtUpTimestamp;
  else maxLagMs = -1;
  return [
    `ClusterId:              ${clusterId}`,
    `LeaderId:               ${q.leaderId}`,
    `LeaderEpoch:            ${q.leaderEpoch}`,
    `HighWatermark:          ${q.highWatermark}`,
    `MaxFollowerLag:         ${maxLag}`,
    `MaxFollowerLagTimeMs:   ${maxLagMs}`,
    `CurrentVoters:          [${q.voters.map((v) => nodeText(q, v)).join(', ')}]`,
    `CurrentObservers:       [${q.observers.map((v) => nodeText(q, v)).join(', ')}]`,
  ].join('\n');
}

export function replicationText(q: QuorumInfo, humanReadable: boolean, nowMs: number): string {
  const leader = q.voters.find((v) => v.replicaId === q.leaderId);
  const leaderLeo = leader?.logEndOffset ?? q.highWatermark;
  const ts = (t: number): string => (t < 0 ? '-1' : humanReadable ? `${Math.max(0, nowMs - t)} ms ago` : String(t));
  const row = (r: QuorumReplica, status: string): string[] => [
    String(r.replicaId),
    r.replicaDirectoryId,
    String(r.logEndOffset),
    String(leaderLeo - r.logEndOffset),
    ts(r.lastFetchTimestamp),
    ts(r.lastCaughtUpTimestamp),
    status,
  ];
  const rows = [
    ...(leader === undefined ? [] : [row(leader, 'Leader')]),
    ...q.voters.filter((v) => v !== leader).map((v) => row(v, 'Follower')),
    ...q.observers.map((v) => row(v, 'Observer')),
  ];
  return table(['NodeId', 'DirectoryId', 'LogEndOffset', 'Lag', 'LastFetchTimestamp', 'LastCaughtUpTimestamp', 'Status'], rows);
}

export const tool: Tool = {
  spec,
  async run(args, io) {
    const conn = ['bootstrap-server', 'bootstrap-controller'].filter((o) => args.has(o));
    if (conn.length !== 1) throw new UsageError('Exactly one of --bootstrap-server or --bootstrap-controller must be specified');
    const [command, ...rest] = args.positionals;
    if (command === undefined) throw new UsageError('A command is required: describe');
    if (command !== 'describe') throw new UsageError(`Unknown command '${command}': only describe is supported (add-controller and remove-controller need a multi-node quorum)`);
    if (rest.length > 0) throw new UsageError(`Unexpected argument '${rest[0]}'`);
    if (args.has('status') && args.has('replication')) throw new UsageError('Only one of --status or --replication should be specified with describe sub-command', false);
    if (!args.has('status') && !args.has('replication')) throw new UsageError('One of --status or --replication must be specified with describe sub-command', false);
    if (args.has('status') && args.has('human-readable')) throw new UsageError('The option --human-readable is only supported along with --replication', false);
    const admin = await openAdmin(args, io, conn[0]!);
    try {
      const quorum = await admin.describeQuorum();
      if (args.has('status')) {
        const cluster = await admin.describeCluster();
        io.stdout.write(`${statusText(cluster.clusterId ?? '', quorum)}\n`);
      } else {
        io.stdout.write(`${replicationText(quorum, args.has('human-readable'), Date.now())}\n`);
      }
    } catch (e) {
      throw admin.wrapError(e);
    } finally {
      await admin.close();
    }
  },
};

if (isMain(import.meta.url)) await main(tool);

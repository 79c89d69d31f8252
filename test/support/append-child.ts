/**
 * The child process of test/storage/kill9.test.ts: opens a LogManager on the real file system in
 * the log dir given as argv[2] (default durability: acknowledged = fdatasync'd) and appends until
 * it is killed, `partitions` partitions at once with a few appends in flight on each. After each
 * batch's `durable` resolves it prints one line:
 *
 *   ack <partition> <firstOffset> <lastOffset> <checksum of the record values>
 *
 * and "ready" once the logs are open. Stdout to a pipe is synchronous on Linux, so a line the
 * parent reads whole was written before the next append's acknowledgement.
 */
import { createHash } from 'node:crypto';
import { LogManager } from '../../src/storage/log-manager.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { NodeFileSystem } from '../../src/storage/real-fs.js';
import { DEFAULT_LOG_SETTINGS } from '../../src/storage/log-settings.js';
import { buildRecordBatch } from '../../src/protocol/records/builder.js';
import { RecordBatch } from '../../src/protocol/records/record-batch.js';
import { Prng } from './prng.js';

export const CHILD_TOPIC = 'kill9';

/** The checksum the child prints and the test recomputes from what it reads back. */
export function valuesChecksum(values: readonly string[]): string {
  return createHash('sha256').update(values.join('\n')).digest('hex').slice(0, 16);
}

/** Record i of the n-th batch of a partition. */
export function childValue(partition: number, n: number, i: number, pad: number): string {
  return `p${partition}-n${n}-r${i}-${'x'.repeat(pad)}`;
}

async function main(): Promise<void> {
  const dir = process.argv[2];
  const partitions = Number(process.argv[3] ?? 3);
  const inFlight = Number(process.argv[4] ?? 3);
  const seed = Number(process.argv[5] ?? 1);
  if (dir === undefined) throw new Error('usage: append-child <log dir> [partitions] [in flight] [seed]');
  const rnd = new Prng(seed);
  const mgr = await LogManager.start({
    fs: new NodeFileSystem(),
    logDirs: [dir],
    nodeId: 1,
    clusterId: 'kill9-cluster',
    // Small segments so that rolls happen under the kill too; durability stays the default.
    defaultSettings: { ...DEFAULT_LOG_SETTINGS, segmentBytes: 64 * 1024, indexIntervalBytes: 1024 },
    nowMs: () => Date.now(),
  });
  const logs: PartitionLog[] = [];
  for (let p = 0; p < partitions; p++) logs.push(await mgr.getOrCreateLog(CHILD_TOPIC, p));
  process.stdout.write('ready\n');
  const next = logs.map(() => 0);
  const appender = async (p: number): Promise<void> => {
    const log = logs[p]!;
    for (;;) {
      const n = next[p]!++;
      const count = 1 + rnd.below(20);
      const pad = rnd.below(200);
      const values = Array.from({ length: count }, (_, i) => childValue(p, n, i, pad));
      const now = Date.now();
      const batch = new RecordBatch(buildRecordBatch(values.map((v, i) => ({ key: Buffer.from(`k${i}`), value: Buffer.from(v), timestamp: now }))));
      const r = await log.append([batch], { leaderEpoch: 0, nowMs: now });
      await r.durable;
      process.stdout.write(`ack ${p} ${r.firstOffset} ${r.lastOffset} ${valuesChecksum(values)}\n`);
    }
  };
  const all: Promise<void>[] = [];
  for (let p = 0; p < partitions; p++) for (let k = 0; k < inFlight; k++) all.push(appender(p));
  await Promise.all(all);
}

// Only as the child (the test imports the helpers above).
if (process.env['APPEND_CHILD'] === '1') {
  main().catch((e: unknown) => {
    process.stderr.write(`append-child: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}

/**
 * Our client against librdkafka, through the tools: kafka-producer-perf-test.sh and
 * kafka-consumer-perf-test.sh (bin/, on src/client) against kperf (../shared/bench, C +
 * librdkafka) on the same broker in the same run, 100 B and 1 KiB records, 1 partition. Both
 * producers run with the same settings (acks=1, linger.ms=5, batch.size=1000000: librdkafka's
 * batch size, so that per-batch costs weigh the same), each into its own topic; both consumers
 * read the topic kperf wrote (same batches). Reported: records/s of each and ours as a ratio of
 * librdkafka's (aim: >= 0.5). The broker is a child process; each client runs in its own.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROKER_MAIN, BrokerProcess } from './broker-process.js';
import { fmt } from './timing.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SHARED_BENCH = process.env['TRIBUTARY_SHARED_BENCH'] ?? join(REPO, '..', 'shared', 'bench');
const BIN = join(REPO, 'bin');

/** Records per case: enough for a few seconds each. */
const RECORDS: Record<number, number> = { 100: 1_000_000, 1024: 300_000 };
const PRODUCER_SETTINGS = { acks: '1', 'linger.ms': '5', 'batch.size': '1000000' };

interface Done {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

function run(cmd: string, args: string[], timeoutMs: number): Promise<Done> {
  return new Promise((done, fail) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout = (stdout + d).slice(-64 * 1024)));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-16 * 1024)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr, seconds: Number(process.hrtime.bigint() - start) / 1e9 });
    });
  });
}

function tail(s: string, lines = 3): string {
  return s.trim().split('\n').slice(-lines).join(' | ');
}

async function buildKperf(outDir: string): Promise<string | { skip: string }> {
  const script = join(SHARED_BENCH, 'build.sh');
  if (!existsSync(script)) return { skip: `skipped: ${script} not found (kperf lives in ../shared/bench)` };
  if (!existsSync('/usr/include/librdkafka/rdkafka.h')) return { skip: 'skipped: librdkafka-dev is not installed (apt-get install librdkafka-dev), so kperf cannot be built' };
  const r = await run('sh', [script, outDir], 120_000);
  if (r.code !== 0) return { skip: `skipped: building kperf failed (${r.code}): ${tail(r.stderr)}` };
  return join(outDir, 'kperf');
}

/** The last stdout line of kperf is its JSON summary. */
function kperfJson(d: Done, what: string): { msgs_per_s: number; mb_per_s: number } {
  const last = d.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as { msgs_per_s: number; mb_per_s: number };
  } catch {
    throw new Error(`${what}: no JSON summary (exit ${d.code}): ${tail(d.stdout)} ${tail(d.stderr)}`);
  }
}

/** `N records sent, X records/sec (...)` → X. */
function producerPerfRate(d: Done): number {
  const m = /^(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\).*99\.9th\.$/m.exec(d.stdout);
  if (d.code !== 0 || m === null) throw new Error(`kafka-producer-perf-test.sh failed (exit ${d.code}): ${tail(d.stdout)} ${tail(d.stderr)}`);
  return Number(m[2]);
}

/** The summary line's fetch.nMsg.sec (records/s from the first fetch on, like kperf's figure). */
function consumerPerfRate(d: Done, expected: number): number {
  const line = d.stdout.trim().split('\n').pop() ?? '';
  const f = line.split(', ');
  if (d.code !== 0 || f.length !== 10 || Number(f[4]) !== expected) throw new Error(`kafka-consumer-perf-test.sh failed (exit ${d.code}): ${tail(d.stdout)} ${tail(d.stderr)}`);
  return Number(f[9]);
}

export async function benchCliPerf(): Promise<string[]> {
  if (!existsSync(BROKER_MAIN)) return [`skipped: ${BROKER_MAIN} missing (npm run build)`];
  const root = await mkdtemp(join(tmpdir(), 'tributary-cliperf-'));
  const out: string[] = [];
  let broker: BrokerProcess | null = null;
  try {
    const built = await buildKperf(join(root, 'kperf'));
    if (typeof built !== 'string') return [built.skip];
    const kperf = built;
    broker = await BrokerProcess.start(join(root, 'data'));
    const address = broker.bootstrap;
    const kperfX = Object.entries(PRODUCER_SETTINGS).flatMap(([k, v]) => ['-X', `${k}=${v}`]);
    const ourProps = Object.entries(PRODUCER_SETTINGS).map(([k, v]) => `${k}=${v}`);
    out.push(`settings: 1 partition, ${ourProps.join(' ')}; each client in its own process; rates in records/s (ratio = ours / librdkafka)`);
    // Warm the broker (JIT, page cache) so the first case is not penalised.
    await run(kperf, ['produce', '-b', address, '-t', 'cliperf-warmup', '-C', '1:1', '-n', '200000', '-s', '1024', '-q', ...kperfX], 120_000);
    const ratios: number[] = [];
    for (const size of [100, 1024]) {
      const n = RECORDS[size]!;
      const kTopic = `cliperf-kperf-${size}`;
      const oTopic = `cliperf-ours-${size}`;
      const kp = await run(kperf, ['produce', '-b', address, '-t', kTopic, '-C', '1:1', '-n', String(n), '-s', String(size), '-q', ...kperfX], 300_000);
      const kProduce = kperfJson(kp, 'kperf produce').msgs_per_s;
      const create = await run(join(BIN, 'kafka-topics.sh'), ['--bootstrap-server', address, '--create', '--topic', oTopic, '--partitions', '1'], 60_000);
      if (create.code !== 0) throw new Error(`kafka-topics.sh --create failed: ${tail(create.stderr)}`);
      const op = await run(join(BIN, 'kafka-producer-perf-test.sh'), ['--topic', oTopic, '--num-records', String(n), '--record-size', String(size), '--throughput', '-1', '--producer-props', `bootstrap.servers=${address}`, ...ourProps], 300_000);
      const oProduce = producerPerfRate(op);
      const kc = await run(kperf, ['consume', '-b', address, '-t', kTopic, '-n', String(n), '-q'], 300_000);
      const kConsume = kperfJson(kc, 'kperf consume').msgs_per_s;
      const oc = await run(join(BIN, 'kafka-consumer-perf-test.sh'), ['--bootstrap-server', address, '--topic', kTopic, '--messages', String(n), '--timeout', '30000'], 300_000);
      const oConsume = consumerPerfRate(oc, n);
      const label = size === 1024 ? '1 KiB' : `${size} B`;
      for (const [what, ours, theirs] of [
        ['produce', oProduce, kProduce],
        ['consume', oConsume, kConsume],
      ] as const) {
        const ratio = ours / theirs;
        ratios.push(ratio);
        out.push(
          `${what} ${label} x ${fmt(n, 0)}: ours ${fmt(ours, 0)} rec/s (${fmt((ours * size) / 1e6, 1)} MB/s), librdkafka ${fmt(theirs, 0)} rec/s (${fmt((theirs * size) / 1e6, 1)} MB/s); ratio ${fmt(ratio, 2)}${ratio >= 0.5 ? '' : ' (below the 0.5 aim)'}`,
        );
      }
    }
    out.push(`lowest ratio ${fmt(Math.min(...ratios), 2)} (aim >= 0.5)`);
    return out;
  } catch (e) {
    out.push(`failed: ${(e as Error).message}`);
    return out;
  } finally {
    await broker?.stop();
    await rm(root, { recursive: true, force: true });
  }
}

// Run alone: node dist/bench/cli-perf.js
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const line of await benchCliPerf()) console.log(`  ${line}`);
}

/**
 * The broker end to end: a broker child process (`node dist/src/server/main.js`) on a free
 * loopback port, driven by kperf (../shared/bench, C + librdkafka, so the client is not the
 * bottleneck) in another process, as in reality.
 *
 * Produce 100 B and 1 KiB records, acks=1 and acks=all, 1 and 16 partitions (librdkafka's
 * default linger/batch); consume those topics from the beginning; end-to-end and delivery
 * latency at half the measured maximum rate. Every throughput is also given as a ratio to two
 * ceilings measured in this run: the disk's fdatasync'd write bandwidth (1 MiB writes +
 * fdatasync into a fresh file, measured right before and after each produce case, so the
 * disk's drift cancels) and loopback TCP bandwidth (a Node net pair, two processes). Then the
 * broker runs under `node --cpu-prof` for one durable 1 KiB produce and one consume, and the
 * top self-time and inclusive-time functions of each profile are listed.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROKER_MAIN, BrokerProcess, cpuSeconds } from './broker-process.js';
import { plainWriteLoop } from './storage.js';
import { fmt } from './timing.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** kperf's sources: ../shared/bench next to the repo, or $TRIBUTARY_SHARED_BENCH. */
const SHARED_BENCH = process.env.TRIBUTARY_SHARED_BENCH ?? join(REPO, '..', 'shared', 'bench');

/** Seconds of each unthrottled produce case (kperf -d). */
const PRODUCE_SECONDS = 6;
/** Seconds of each fixed-rate latency case. */
const LATENCY_SECONDS = 8;
/** Bytes written by each disk-baseline measurement (1 MiB writes, fdatasync after each). */
const DISK_BASELINE_BYTES = 256 * 1024 * 1024;
const LOOPBACK_SECONDS = 2;

// ---------------------------------------------------------------------------------------------
// Processes

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallSeconds: number;
  /** CPU seconds of the process (from our children's rusage, counted once it was reaped). */
  cpuSeconds: number;
}

/** Runs a command to completion, killing it after `timeoutMs`. Only stdout's and stderr's tails are kept. */
function run(cmd: string, args: string[], timeoutMs: number): Promise<Finished> {
  return new Promise((resolveRun, reject) => {
    const cpuBefore = cpuSeconds('self', true);
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout = (stdout + d).slice(-64 * 1024);
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr = (stderr + d).slice(-16 * 1024);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
      resolveRun({ code, signal, stdout, stderr, wallSeconds, cpuSeconds: cpuSeconds('self', true) - cpuBefore });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// kperf

type Json = Record<string, unknown>;

interface Latency {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

interface KperfRun {
  json: Json;
  /** Broker CPU over the run, in cores (1 = one core busy). */
  brokerCores: number;
  /** kperf's CPU over the run, in cores. */
  clientCores: number;
}

/** Builds kperf into `outDir`; returns its path, or a reason to skip. */
async function buildKperf(outDir: string): Promise<{ kperf: string } | { skip: string }> {
  const script = join(SHARED_BENCH, 'build.sh');
  if (!existsSync(script)) return { skip: `skipped: ${script} not found (the kperf load generator lives in ../shared/bench)` };
  if (!existsSync('/usr/include/librdkafka/rdkafka.h')) return { skip: 'skipped: librdkafka-dev not installed (apt-get install librdkafka-dev)' };
  const r = await run('sh', [script, outDir], 120_000);
  if (r.code !== 0) return { skip: `skipped: building kperf failed (${r.code ?? r.signal}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  return { kperf: join(outDir, 'kperf') };
}

async function kperf(bin: string, broker: BrokerProcess, args: string[], timeoutMs: number): Promise<KperfRun> {
  const brokerBefore = broker.cpuSeconds();
  const r = await run(bin, [...args, '-b', broker.bootstrap, '-q'], timeoutMs);
  const brokerCpu = broker.cpuSeconds() - brokerBefore;
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let json: Json;
  try {
    json = JSON.parse(last) as Json;
  } catch {
    throw new Error(`kperf ${args.join(' ')} failed (${r.code ?? r.signal}): ${r.stdout.trim().split('\n').slice(-2).join(' | ')} ${r.stderr.trim().split('\n').slice(-3).join(' | ')}; broker: ${broker.lastLines}`);
  }
  if (r.code !== 0) json.exitNote = `kperf exit ${r.code ?? r.signal}`;
  return { json, brokerCores: brokerCpu / r.wallSeconds, clientCores: r.cpuSeconds / r.wallSeconds };
}

const num = (j: Json, k: string): number => Number(j[k] ?? Number.NaN);
const lat = (j: Json, k: string): Latency | null => (j[k] && typeof j[k] === 'object' ? (j[k] as Latency) : null);
const pct = (cores: number): string => (Number.isNaN(cores) ? 'n/a' : `${fmt(cores * 100, 0)}%`);
const ms = (v: number): string => fmt(v, v < 10 ? 2 : 1);

// ---------------------------------------------------------------------------------------------
// Ceilings measured in this run

/** 1 MiB writes + fdatasync after each, into a fresh file under `root` (removed afterwards). */
async function diskMBps(root: string): Promise<number> {
  const dir = await mkdtemp(join(root, 'disk-'));
  try {
    return await plainWriteLoop(dir, 1024 * 1024, true, 1, DISK_BASELINE_BYTES);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The reader of the loopback measurement, a child process: reads into one reused 1 MiB buffer
 * (`onread`, no allocation per read, close to what a C client does) and prints MB/s from its
 * first byte to the end of the stream.
 */
const LOOPBACK_READER = `
const net = require('node:net');
let bytes = 0, first = 0n;
const sock = net.connect({ port: Number(process.argv[1]), host: '127.0.0.1', onread: { buffer: Buffer.allocUnsafe(1 << 20), callback: (n) => {
  if (first === 0n) first = process.hrtime.bigint();
  bytes += n;
} } });
sock.on('end', () => process.stdout.write(String(bytes / (Number(process.hrtime.bigint() - first) / 1e9) / 1e6)));
`;

/**
 * Loopback TCP bandwidth between two Node processes: this process writes one 1 MiB buffer over
 * and over for LOOPBACK_SECONDS (honouring back-pressure), as the broker writes Fetch responses;
 * a child reads. The better of two runs.
 */
async function loopbackMBps(): Promise<number> {
  let best = 0;
  for (let rep = 0; rep < 2; rep++) {
    const server = createServer((sock: Socket) => {
      const buf = Buffer.alloc(1 << 20, 0x61);
      const end = Date.now() + LOOPBACK_SECONDS * 1000;
      let ended = false;
      const pump = (): void => {
        while (Date.now() < end) if (!sock.write(buf)) return;
        if (!ended) {
          ended = true;
          sock.end();
        }
      };
      sock.on('drain', pump);
      sock.on('error', () => undefined);
      pump();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as AddressInfo).port;
    try {
      const r = await run(process.execPath, ['-e', LOOPBACK_READER, String(port)], (LOOPBACK_SECONDS + 30) * 1000);
      const mbps = Number(r.stdout.trim());
      if (!(mbps > 0)) throw new Error(`loopback reader failed (${r.code ?? r.signal}): ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
      best = Math.max(best, mbps);
    } finally {
      server.close();
    }
  }
  return best;
}

/** Bytes of the .log segment files of `topic`'s partitions under `logDir`. */
async function logBytes(logDir: string, topic: string): Promise<number> {
  let total = 0;
  for (const d of await readdir(logDir)) {
    if (!d.startsWith(`${topic}-`) || !/^\d+$/.test(d.slice(topic.length + 1))) continue;
    for (const f of await readdir(join(logDir, d))) if (f.endsWith('.log')) total += (await stat(join(logDir, d, f))).size;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Profiles

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function shortUrl(url: string): string {
  if (url === '') return '';
  if (url.startsWith('file://')) {
    const path = fileURLToPath(url);
    const rel = relative(REPO, path);
    return rel.startsWith('..') ? path : rel.replace(/^dist\//, '');
  }
  return url;
}

/** "fn file:line" for a call frame; internal frames keep their "(garbage collector)"-style names. */
function frameKey(cf: CpuProfileNode['callFrame']): string {
  const where = shortUrl(cf.url);
  const name = cf.functionName === '' ? '(anonymous)' : cf.functionName;
  return where === '' ? name : `${name} ${where}:${cf.lineNumber + 1}`;
}

/**
 * Self time per function and per file, and inclusive time of our own (src/) functions, as
 * shares of the busy (non-idle) samples of a .cpuprofile.
 */
function summarizeProfile(p: CpuProfile, top: number): string[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));

  let total = 0;
  let idle = 0;
  const fnSelf = new Map<string, number>();
  const fileSelf = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (m: Map<string, number>, k: string, us: number): void => {
    m.set(k, (m.get(k) ?? 0) + us);
  };
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    total += us;
    const cf = node.callFrame;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    add(fnSelf, frameKey(cf), us);
    const where = shortUrl(cf.url);
    add(fileSelf, where === '' ? (cf.functionName.startsWith('(') ? cf.functionName : '(native/builtin)') : where, us);
    // Inclusive: every distinct src/ function on the stack gets this sample's time once.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = byId.get(at)!.callFrame;
      if (!shortUrl(f.url).startsWith('src/')) continue;
      const k = frameKey(f);
      if (!seen.has(k)) {
        seen.add(k);
        add(inclusive, k, us);
      }
    }
  }
  const busy = total - idle;
  const share = (us: number): string => `${fmt((100 * us) / busy, 1)}%`;
  const ranked = (m: Map<string, number>, n: number): [string, number][] => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  const lines = [`profiled ${fmt(total / 1e6, 1)} s, busy ${fmt(busy / 1e6, 1)} s (${fmt((100 * busy) / total, 0)}%); shares below are of busy time`];
  lines.push('top self time:');
  for (const [k, us] of ranked(fnSelf, top)) lines.push(`  ${share(us).padStart(6)}  ${k}`);
  lines.push(`self time by file: ${ranked(fileSelf, 10).map(([k, us]) => `${k} ${share(us)}`).join(', ')}`);
  lines.push('inclusive time, our functions:');
  for (const [k, us] of ranked(inclusive, top)) lines.push(`  ${share(us).padStart(6)}  ${k}`);
  return lines;
}

async function readProfile(dir: string): Promise<CpuProfile | null> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.cpuprofile'));
  if (files.length === 0) return null;
  return JSON.parse(await readFile(join(dir, files[0]!), 'utf8')) as CpuProfile;
}

// ---------------------------------------------------------------------------------------------
// The benchmark

interface ProduceCase {
  size: number;
  acks: '1' | 'all';
  partitions: number;
  topic: string;
}

const sizeName = (size: number): string => (size === 1024 ? '1 KiB' : `${size} B`);

export async function benchBroker(): Promise<string[]> {
  const lines: string[] = [];
  if (!existsSync(BROKER_MAIN)) return [`skipped: ${BROKER_MAIN} missing (npm run build)`];
  const root = await mkdtemp(join(tmpdir(), 'tributary-bench-broker-'));
  let broker: BrokerProcess | null = null;
  try {
    const built = await buildKperf(join(root, 'kperf'));
    if ('skip' in built) return [built.skip];
    const bin = built.kperf;
    const logDir = join(root, 'log');
    broker = await BrokerProcess.start(logDir);
    const b = broker;
    const produceTimeout = (PRODUCE_SECONDS + 120) * 1000;

    lines.push(
      `broker: child process (pid ${b.pid}) on ${b.bootstrap}, log.dirs ${logDir}, default config (acks are sent after fdatasync, group commit); ` +
        `client: kperf (librdkafka) in its own process; MB = 10^6 bytes of record values (keys, framing and protocol not counted); ` +
        `CPU 100% = one core busy (the broker's includes its libuv threadpool and GC threads); ${PRODUCE_SECONDS} s per produce case`,
    );
    const loop1 = await loopbackMBps();
    // Warm-up: JIT and first segment creation, not reported.
    await kperf(bin, b, ['produce', '-t', 'warmup', '-C', '1:1', '-d', '2', '-n', '100000000', '-s', '1024', '-a', '1'], produceTimeout);

    const cases: ProduceCase[] = [];
    for (const size of [100, 1024]) for (const partitions of [1, 16]) for (const acks of ['1', 'all'] as const) cases.push({ size, acks, partitions, topic: `p${size}-acks${acks}-${partitions}p` });

    let diskBefore = await diskMBps(root);
    const diskAll: number[] = [diskBefore];
    const produced = new Map<string, { msgsPerS: number; mbps: number }>();
    const produceLines: string[] = [];
    const aims: string[] = [];
    const loopback = loop1;
    for (const c of cases) {
      const r = await kperf(bin, b, ['produce', '-t', c.topic, '-C', `${c.partitions}:1`, '-d', String(PRODUCE_SECONDS), '-n', '1000000000', '-s', String(c.size), '-a', c.acks], produceTimeout);
      const diskAfter = await diskMBps(root);
      diskAll.push(diskAfter);
      const disk = (diskBefore + diskAfter) / 2;
      diskBefore = diskAfter;
      const mbps = num(r.json, 'mb_per_s');
      const msgsPerS = num(r.json, 'msgs_per_s');
      const elapsed = num(r.json, 'elapsed_s');
      const onDisk = (await logBytes(logDir, c.topic)) / elapsed / 1e6;
      produced.set(c.topic, { msgsPerS, mbps });
      const dr = lat(r.json, 'dr_latency_ms');
      const errors = num(r.json, 'errors');
      produceLines.push(
        `produce ${sizeName(c.size)} acks=${c.acks} ${String(c.partitions).padStart(2)}p: ${fmt(mbps, 1)} MB/s, ${fmt(msgsPerS, 0)} rec/s = ` +
          `${fmt(mbps / disk, 2)}x disk (${fmt(disk, 0)}), ${fmt(mbps / loopback, 3)}x loopback; log written ${fmt(onDisk, 1)} MB/s; ` +
          `CPU broker ${pct(r.brokerCores)} kperf ${pct(r.clientCores)}` +
          (dr ? `; delivery p50 ${ms(dr.p50)} p99 ${ms(dr.p99)} ms (queue full)` : '') +
          (errors > 0 ? `; ${errors} errors` : '') +
          (r.json.exitNote ? `; ${String(r.json.exitNote)}` : ''),
      );
      if (c.size === 1024 && c.acks === 'all') aims.push(`${c.partitions}p ${fmt(mbps / disk, 2)}x`);
    }
    lines.push(
      `disk: 1 MiB writes + fdatasync into a fresh file, ${DISK_BASELINE_BYTES / 1024 / 1024} MiB each, measured before and after each produce case ` +
        `(each ratio uses the two around it): ${diskAll.map((d) => fmt(d, 0)).join(', ')} MB/s`,
    );
    lines.push(...produceLines);

    // Consume from the beginning: the acks=1 topics (data in the page cache, as for a consumer that keeps up).
    const consumed: { size: number; partitions: number; r: KperfRun }[] = [];
    for (const size of [1024, 100]) {
      for (const partitions of [1, 16]) {
        consumed.push({ size, partitions, r: await kperf(bin, b, ['consume', '-t', `p${size}-acks1-${partitions}p`, '-e'], 600_000) });
      }
    }
    const loop2 = await loopbackMBps();
    const loopMean = (loop1 + loop2) / 2;
    lines.push(
      `loopback TCP: Node net pair (this process writes 1 MiB buffers, a child reads into a reused buffer), best of 2 x ${LOOPBACK_SECONDS} s, before the produce cases and after the consume cases: ` +
        `${fmt(loop1, 0)}, ${fmt(loop2, 0)} MB/s; produce ratios use the first, consume ratios the mean ${fmt(loopMean, 0)} (iperf3 is not used; it measured 2753 MB/s on this machine, baseline/RESULTS.md)`,
    );
    const consumeAims: string[] = [];
    for (const { size, partitions, r } of consumed) {
      const mbps = num(r.json, 'mb_per_s');
      lines.push(
        `consume ${sizeName(size)} ${String(partitions).padStart(2)}p (${fmt(num(r.json, 'msgs'), 0)} records): ${fmt(mbps, 1)} MB/s, ${fmt(num(r.json, 'msgs_per_s'), 0)} rec/s = ` +
          `${fmt(mbps / loopMean, 3)}x loopback; CPU broker ${pct(r.brokerCores)} kperf ${pct(r.clientCores)}` +
          (r.json.exitNote ? `; ${String(r.json.exitNote)}` : ''),
      );
      if (size === 1024) consumeAims.push(`${partitions}p ${fmt(mbps / loopMean, 3)}x`);
    }

    // Latency at half the maximum measured above (acks=all, 1 partition). kperf's e2e producer
    // and consumer share one process and, with the broker, the machine's cores: when it cannot
    // keep the rate the figures are its own queueing, so the case is repeated at half that rate.
    for (const size of [100, 1024]) {
      const max = produced.get(`p${size}-acksall-1p`)!.msgsPerS;
      let rate = Math.max(1000, Math.round(max / 2 / 1000) * 1000);
      for (let attempt = 0; attempt < 2; attempt++) {
        const r = await kperf(bin, b, ['e2e', '-t', `lat${size}-${attempt}`, '-C', '1:1', '-r', String(rate), '-d', String(LATENCY_SECONDS), '-s', String(size), '-a', 'all', '-X', 'fetch.wait.max.ms=10'], (LATENCY_SECONDS + 120) * 1000);
        const e2e = lat(r.json, 'e2e_latency_ms');
        const dr = lat(r.json, 'dr_latency_ms');
        const sent = num(r.json, 'sent');
        const received = num(r.json, 'received');
        const achieved = num(r.json, 'rate_achieved');
        const kept = achieved >= 0.97 * rate;
        lines.push(
          `latency ${sizeName(size)} acks=all 1p at ${fmt(rate, 0)} rec/s (${attempt === 0 ? 'half' : 'a quarter'} of ${fmt(max, 0)}; achieved ${fmt(achieved, 0)}; default linger.ms=5, fetch.wait.max.ms=10): ` +
            (e2e ? `end-to-end p50 ${ms(e2e.p50)} p99 ${ms(e2e.p99)} p99.9 ${ms(e2e.p999)} ms` : 'no end-to-end figures') +
            (dr ? `; delivery p50 ${ms(dr.p50)} p99 ${ms(dr.p99)} ms` : '') +
            `; ${fmt(sent - received, 0)} of ${fmt(sent, 0)} missing; CPU broker ${pct(r.brokerCores)} kperf ${pct(r.clientCores)}` +
            (kept ? '' : ' -- kperf could not keep the rate: these figures are its queueing'),
        );
        if (kept) break;
        rate = Math.max(1000, Math.round(rate / 2 / 1000) * 1000);
      }
    }
    lines.push(`aim: durable (acks=all) 1 KiB produce >= 0.75x disk: ${aims.join(', ')}; consume 1 KiB >= 0.5x loopback: ${consumeAims.join(', ')}`);
    await b.stop();
    broker = null;
    await rm(logDir, { recursive: true, force: true });

    // Profiles: a fresh broker under --cpu-prof for a durable 1 KiB produce, then restarted on
    // the same log for a consume of what it wrote (one profile each).
    const profLog = join(root, 'prof-log');
    const profProduce = join(root, 'prof-produce');
    const profConsume = join(root, 'prof-consume');
    const profDisk = await diskMBps(root);
    broker = await BrokerProcess.start(profLog, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profProduce}`] });
    const pr = await kperf(bin, broker, ['produce', '-t', 'prof', '-C', '1:1', '-d', String(PRODUCE_SECONDS), '-n', '1000000000', '-s', '1024', '-a', 'all'], produceTimeout);
    await broker.stop();
    broker = await BrokerProcess.start(profLog, { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profConsume}`] });
    const cr = await kperf(bin, broker, ['consume', '-t', 'prof', '-e'], 600_000);
    await broker.stop();
    broker = null;
    for (const [label, dir, r] of [
      ['produce 1 KiB acks=all 1p', profProduce, pr],
      ['consume 1 KiB 1p', profConsume, cr],
    ] as const) {
      const mbps = num(r.json, 'mb_per_s');
      const ratio = r === pr ? `${fmt(mbps / profDisk, 2)}x disk (${fmt(profDisk, 0)} MB/s just before)` : `${fmt(mbps / loopMean, 3)}x loopback`;
      lines.push(`profile (node --cpu-prof, broker) of ${label}: ${fmt(mbps, 1)} MB/s = ${ratio}, broker CPU ${pct(r.brokerCores)} during the run`);
      const p = await readProfile(dir);
      if (p === null) lines.push('  no .cpuprofile written');
      else lines.push(...summarizeProfile(p, 12).map((l) => `  ${l}`));
    }
  } catch (e) {
    lines.push(`failed: ${(e as Error).message}`);
  } finally {
    if (broker) await broker.stop();
    await rm(root, { recursive: true, force: true });
  }
  return lines;
}

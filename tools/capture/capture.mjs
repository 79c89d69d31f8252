#!/usr/bin/env node
// Golden-bytes capture: runs real Kafka clients against librdkafka's mock cluster through the
// recording proxy (proxy.mjs) and writes what they sent to test/fixtures/golden/<client>-<version>/.
//
//   node tools/capture/capture.mjs [client ...]      clients: kcat kafkajs platformatic kafka-python
//                                                     confluent-kafka-python (default: all)
// Env: MOCKBROKER=path (default: /tmp/golden-capture/mockbroker, built from ../shared/bench if absent),
//      GOLDEN_OUT=dir (default: test/fixtures/golden), GOLDEN_PYTHON (default: /usr/bin/python3).
// Logs of every scenario go to /tmp/golden-capture/<client>/<scenario>.log.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CaptureProxy } from './proxy.mjs';
import { CLIENTS, DATA } from './clients.mjs';
import { apiName } from './wire.mjs';
import { inspectProduce, summarizeProduce } from './inspect.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const work = '/tmp/golden-capture';
const outRoot = resolve(process.env.GOLDEN_OUT ?? join(root, 'test/fixtures/golden'));
const SCENARIO_TIMEOUT_MS = 40_000;
const SETTLE_MS = 300;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function mockbrokerPath() {
  if (process.env.MOCKBROKER) return process.env.MOCKBROKER;
  const bin = join(work, 'mockbroker');
  if (!existsSync(bin)) {
    const build = resolve(root, '../shared/bench/build.sh');
    if (!existsSync(build)) throw new Error(`no mockbroker: set MOCKBROKER or provide ${build}`);
    mkdirSync(work, { recursive: true });
    execFileSync(build, [work], { stdio: 'inherit' });
  }
  return bin;
}

// Starts a one-broker mock cluster with the golden topic (1 partition); resolves with its bootstrap.
function startMock(bin, logFile) {
  const child = spawn(bin, ['-n', '1', '-t', `${DATA.topic}:1:1`], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(logFile);
  child.stderr.pipe(log);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('mockbroker did not start')), 10_000);
    child.once('exit', (code) => reject(new Error(`mockbroker exited with ${code}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve({ child, bootstrap: out.slice(0, nl).trim() });
      }
    });
  });
}

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

// Runs one scenario process (own process group, so leftovers can be killed) with a hard timeout.
function runScenario(sc, bootstrap, logFile) {
  const timeoutMs = sc.timeoutMs ?? SCENARIO_TIMEOUT_MS;
  const child = spawn(sc.cmd, sc.args(bootstrap), {
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, NODE_NO_WARNINGS: '1', PYTHONUNBUFFERED: '1' },
    cwd: root,
  });
  const log = createWriteStream(logFile);
  log.write(`$ ${sc.cmd} ${sc.args(bootstrap).map((a) => JSON.stringify(a)).join(' ')}\n`);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  child.stdin.on('error', () => {});
  child.stdin.end(sc.stdin ?? '');
  const started = Date.now();
  const timers = [];
  let timedOut = false;
  if (sc.stopAfterMs) timers.push(setTimeout(() => killGroup(child, 'SIGINT'), sc.stopAfterMs));
  timers.push(
    setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGTERM');
      timers.push(setTimeout(() => killGroup(child, 'SIGKILL'), 3000));
    }, timeoutMs),
  );
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      for (const t of timers) clearTimeout(t);
      killGroup(child, 'SIGKILL'); // anything the scenario left behind
      const result = { exitCode: code, signal, timedOut, elapsedMs: Date.now() - started };
      log.end(`\n# ${JSON.stringify(result)}\n`);
      resolve(result);
    });
  });
}

function describeEvent(ev) {
  return `${apiName(ev.apiKey)} v${ev.apiVersion}`;
}

// The request bytes with the correlation id zeroed, to spot identical requests.
function identity(ev) {
  const b = Buffer.from(ev.request);
  b.writeInt32BE(0, 4);
  return b.toString('base64');
}

// Keeps the first request of each (scenario, api, version), and every Produce; also drops a request
// byte-identical (correlation id aside) to one already kept in an earlier scenario (the ApiVersions
// and Metadata every scenario starts with).
function selectEvents(events) {
  const seen = new Set();
  const identical = new Set();
  const kept = [];
  let dropped = 0;
  for (const ev of events) {
    const key = `${ev.scenario}|${ev.apiKey}|${ev.apiVersion}`;
    const id = identity(ev);
    if (ev.apiKey !== 0 && (seen.has(key) || identical.has(id))) {
      dropped++;
      continue;
    }
    seen.add(key);
    identical.add(id);
    kept.push(ev);
  }
  return { kept, dropped };
}

// Warns when what the Produce requests of a scenario carried differs from what it was asked to send
// (codec, keys, values, headers), or when the records were split over several requests.
function checkProduced(entries, scenarios) {
  for (const sc of scenarios.filter((s) => s.facts?.records && !s.incomplete)) {
    const produced = entries.filter((e) => e.scenario === sc.name && e.apiKey === 0);
    const warn = (m) => console.error(`  WARNING ${sc.name}: ${m}`);
    if (produced.length === 0) {
      warn('no Produce request captured');
      continue;
    }
    const want = JSON.stringify(sc.facts.records.map((r) => ({
      key: r.key,
      value: r.value,
      headers: sc.facts.headers.map(([key, value]) => ({ key, value })),
    })));
    for (const e of produced) {
      const codecs = e.observed?.compression ?? [];
      if (codecs.length !== 1 || codecs[0] !== sc.facts.compression) warn(`${e.file}: codecs ${codecs} instead of ${sc.facts.compression}`);
      if (JSON.stringify(e.observed?.records ?? []) !== want) {
        warn(`${e.file}: records differ from the scenario's (${e.observed?.records?.length ?? 0} records)`);
      }
    }
  }
}

// Pretty JSON, but one line per request entry and per scenario, so the manifest stays readable.
function formatManifest(m) {
  const { requests, scenarios, ...rest } = m;
  const head = JSON.stringify(rest, null, 2).replace(/\n}$/, '');
  const sc = Object.entries(scenarios).map(([k, v]) => `    ${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(',\n');
  const rq = requests.map((r) => `    ${JSON.stringify(r)}`).join(',\n');
  return `${head},\n  "scenarios": {\n${sc}\n  },\n  "requests": [\n${rq}\n  ]\n}\n`;
}

function writeFixtures(dir, meta, events, scenarios) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'responses'), { recursive: true });
  const { kept, dropped } = selectEvents(events);
  const entries = [];
  kept.forEach((ev, i) => {
    const file = `${String(i + 1).padStart(3, '0')}-${apiName(ev.apiKey)}-v${ev.apiVersion}.bin`;
    writeFileSync(join(dir, file), ev.request);
    if (ev.response) writeFileSync(join(dir, 'responses', file), ev.response);
    const sc = scenarios.find((s) => s.name === ev.scenario);
    const entry = {
      file,
      apiKey: ev.apiKey,
      apiName: apiName(ev.apiKey),
      apiVersion: ev.apiVersion,
      requestHeaderVersion: ev.flexible ? 2 : 1,
      correlationId: ev.correlationId,
      clientId: ev.clientId,
      bytes: ev.request.length,
      scenario: ev.scenario,
      facts: sc ? sc.facts : {},
      response: ev.response ? `responses/${file}` : null,
      responseFrom: ev.responseFrom,
    };
    if (ev.rewrittenForMock) entry.rewrittenForMock = ev.rewrittenForMock;
    if (ev.apiKey === 0) {
      try {
        const p = inspectProduce(ev.request);
        const s = summarizeProduce(p);
        entry.observed = {
          transactionalId: p.transactionalId,
          acks: p.acks,
          topics: p.topics.map((t) => t.name),
          magic: s.magic,
          compression: s.codecs,
          records: s.records,
          batches: p.topics.flatMap((t) => t.partitions.flatMap((pp) => pp.batches.map((b) => ({
            topic: t.name,
            partition: pp.index,
            magic: b.magic,
            compression: b.compression,
            recordCount: b.recordCount,
            producerId: b.producerId,
            producerEpoch: b.producerEpoch,
            baseSequence: b.baseSequence,
            transactional: b.transactional,
            error: b.error,
          })))),
        };
      } catch (e) {
        entry.observed = { error: String(e.message ?? e) };
      }
    }
    entries.push(entry);
  });
  checkProduced(entries, scenarios);
  const manifest = { ...meta, droppedDuplicates: dropped, requests: entries };
  writeFileSync(join(dir, 'manifest.json'), formatManifest(manifest));
  return { kept: kept.length, dropped };
}

async function captureClient(name, mockBin) {
  const def = CLIENTS[name];
  if (!def) throw new Error(`unknown client ${name}; known: ${Object.keys(CLIENTS).join(', ')}`);
  const versions = def.versions();
  const dirName = def.dir(versions);
  const logDir = join(work, name);
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const mock = await startMock(mockBin, join(logDir, 'mockbroker.log'));
  const proxy = new CaptureProxy({
    upstreamHost: mock.bootstrap.split(':')[0],
    upstreamPort: Number(mock.bootstrap.split(':')[1]),
    extraApis: def.extraApis ?? {},
    log: (m) => console.error(`  [proxy] ${m}`),
  });
  const scenarios = def.scenarios();
  const results = {};
  try {
    const bootstrap = await proxy.start();
    console.log(`${name} (${JSON.stringify(versions)}): mock ${mock.bootstrap}, proxy ${bootstrap}`);
    for (const sc of scenarios) {
      const before = proxy.events.length;
      proxy.scenario = sc.name;
      const r = await runScenario(sc, bootstrap, join(logDir, `${sc.name}.log`));
      await sleep(SETTLE_MS);
      const seen = proxy.events.slice(before).map(describeEvent);
      const uniq = [...new Set(seen)];
      results[sc.name] = r;
      const status = r.timedOut ? 'TIMEOUT' : r.exitCode === 0 ? 'ok' : `exit ${r.exitCode ?? r.signal}`;
      console.log(`  ${sc.name.padEnd(26)} ${status.padEnd(8)} ${String(r.elapsedMs).padStart(6)} ms  ${seen.length} req: ${uniq.join(', ')}`);
    }
    proxy.scenario = 'shutdown';
  } finally {
    await proxy.stop().catch(() => {});
    mock.child.kill('SIGTERM');
  }
  const meta = {
    client: name,
    versions,
    capturedAt: new Date().toISOString(),
    capturedWith:
      'tools/capture/capture.mjs: client -> recording proxy (answers ApiVersions, Metadata, FindCoordinator; ' +
      'closes the connection on APIs the mock lacks) -> librdkafka 2.0.2 mock cluster, one broker',
    advertisedApiVersions: Object.fromEntries(
      Object.entries(proxy.advertised ?? {}).map(([k, v]) => [`${k} ${apiName(Number(k))}`, `${v[0]}-${v[1]}`]),
    ),
    fileFormat: 'NNN-<ApiName>-v<version>.bin = request frame without the 4-byte size prefix (header + body); ' +
      'responses/<same name> = the response frame the client received (without size prefix), when there was one',
    dedupe: 'first request of each (scenario, apiKey, apiVersion) kept; every Produce kept; a request byte-identical ' +
      '(correlation id aside) to one kept in an earlier scenario dropped',
    notes: def.notes ?? [],
    scenarios: Object.fromEntries(scenarios.map((s) => [
      s.name,
      { facts: s.facts, ...(s.incomplete ? { incomplete: s.incomplete } : {}), result: results[s.name] ?? null },
    ])),
  };
  const dir = join(outRoot, dirName);
  if (proxy.events.length === 0) throw new Error(`${name}: nothing captured; fixtures left as they were`);
  const n = writeFixtures(dir, meta, proxy.events.filter((e) => e.scenario !== 'shutdown'), scenarios);
  console.log(`  -> ${dir}: ${n.kept} requests (${n.dropped} duplicates dropped)`);
}

async function main() {
  const names = process.argv.slice(2);
  const list = names.length ? names : Object.keys(CLIENTS);
  const mockBin = mockbrokerPath();
  mkdirSync(work, { recursive: true });
  for (const name of list) await captureClient(name, mockBin);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

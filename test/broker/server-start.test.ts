/**
 * bin/kafka-server-start.sh as a user runs it: Kafka's config file with --override, a clean
 * shutdown on SIGTERM (exit 0, clean-shutdown marker, data kept), and startup errors that name
 * the key or path and exit 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { PROJECT_ROOT } from '../support/fixtures.js';

const SCRIPT = join(PROJECT_ROOT, 'bin/kafka-server-start.sh');
const CONFIG = join(PROJECT_ROOT, 'config/server.properties');

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function startServer(port: number, dir: string) {
  const child = spawn(SCRIPT, [CONFIG, '--override', `listeners=PLAINTEXT://127.0.0.1:${port}`, '--override', `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`, '--override', `log.dirs=${dir}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line within 20 s:\n${output}`)), 20_000);
    const check = (): void => {
      if (output.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before listening:\n${output}`)));
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, ready, exited, output: () => output };
}

test('kafka-server-start.sh with overrides serves clients, stops cleanly on SIGTERM and keeps its data', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-start-'));
  const port = await freePort();
  try {
    let server = startServer(port, dir);
    await server.ready;
    const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], clientId: 'start-test', logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'kept', acks: -1, messages: [{ key: 'k', value: 'survives a restart' }] });
    await producer.disconnect();
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
    assert.ok(existsSync(join(dir, '.kafka_cleanshutdown')), 'clean shutdown marker');

    server = startServer(port, dir);
    await server.ready;
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets('kept');
    assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]), [[0, '0', '1']]);
    await admin.disconnect();
    server.child.kill('SIGINT');
    assert.equal(await server.exited, 0, server.output());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('startup errors name the key or the path and exit 1', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-start-'));
  try {
    const run = (...args: string[]) => spawnSync(SCRIPT, [CONFIG, ...args, '--override', 'listeners=PLAINTEXT://127.0.0.1:0'], { encoding: 'utf8', timeout: 20_000 });
    const unknown = run('--override', `log.dirs=${dir}`, '--override', 'no.such.key=1');
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no\.such\.key/);
    const bad = run('--override', `log.dirs=${dir}`, '--override', 'num.partitions=zero');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /num\.partitions/);
    const unusable = run('--override', 'log.dirs=/proc/tributary-cannot-be-here');
    assert.equal(unusable.status, 1);
    assert.match(unusable.stderr, /\/proc\/tributary-cannot-be-here/);
    const usage = spawnSync(SCRIPT, ['--bogus'], { encoding: 'utf8' });
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--bogus/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

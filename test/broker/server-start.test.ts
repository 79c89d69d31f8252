/**
 * bin/kafka-server-start.sh as a user runs it: Kafka's config file with --override, a clean
 * shutdown on SIGTERM (exit 0, clean-shutdown marker, data kept), and startup errors that name
 * the key or path and exit 1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { freePort, startBrokerProcess, type BrokerProcess } from '../support/broker-process.js';
import { PROJECT_ROOT } from '../support/fixtures.js';

const SCRIPT = join(PROJECT_ROOT, 'bin/kafka-server-start.sh');
const CONFIG = join(PROJECT_ROOT, 'config/server.properties');

/** kafka-server-start.sh with our config file, listening on `port` with its log in `dir`. */
const startServer = (port: number, dir: string) => startBrokerProcess({ port, logDir: dir, command: [SCRIPT, CONFIG] });

test('kafka-server-start.sh with overrides serves clients, stops cleanly on SIGTERM and keeps its data', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-start-'));
  const port = await freePort();
  let server: BrokerProcess | null = null;
  try {
    server = await startServer(port, dir);
    const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], clientId: 'start-test', logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'kept', acks: -1, messages: [{ key: 'k', value: 'survives a restart' }] });
    await producer.disconnect();
    server.child.kill('SIGTERM');
    assert.equal((await server.exited).code, 0, server.output());
    assert.ok(existsSync(join(dir, '.kafka_cleanshutdown')), 'clean shutdown marker');

    server = await startServer(port, dir);
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets('kept');
    assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]), [[0, '0', '1']]);
    await admin.disconnect();
    server.child.kill('SIGINT');
    assert.equal((await server.exited).code, 0, server.output());
  } finally {
    if (server && server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
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

/**
 * kill -9 on the real file system: a child process (test/support/append-child.ts) appends to
 * several partitions at once with the default durability and prints every acknowledged batch;
 * the test kills it with SIGKILL at a random moment, then opens the log dir itself and checks
 * that every acknowledged batch is there, intact (CRC), at its offset, with its contents, and
 * that the logs read back as whole valid batches without gaps. (A process kill keeps what the
 * kernel has; this checks the engine's side: recovery, indexes, acknowledgement order. Power loss
 * is the simulated crash tests' job.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LogManager } from '../../src/storage/log-manager.js';
import { NodeFileSystem } from '../../src/storage/real-fs.js';
import { DEFAULT_LOG_SETTINGS } from '../../src/storage/log-settings.js';
import { CHILD_TOPIC, valuesChecksum } from '../support/append-child.js';
import { readWholeLog } from '../support/log-check.js';

const CHILD = fileURLToPath(new URL('../support/append-child.js', import.meta.url));
const PARTITIONS = 3;

interface Ack {
  partition: number;
  firstOffset: number;
  lastOffset: number;
  checksum: string;
}

test('kill -9 while appending: every acknowledged batch is there after the restart', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-kill9-'));
  const child = spawn(process.execPath, [CHILD, dir, String(PARTITIONS), '3', String(Date.now() % 1000)], {
    env: { ...process.env, APPEND_CHILD: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const acks: Ack[] = [];
    let stderr = '';
    let pending = '';
    let ready = false;
    let onProgress = (): void => undefined;
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop()!; // a line cut by the kill was never acknowledged
      for (const line of lines) {
        if (line === 'ready') ready = true;
        const m = /^ack (\d+) (\d+) (\d+) ([0-9a-f]+)$/.exec(line);
        if (m) acks.push({ partition: Number(m[1]), firstOffset: Number(m[2]), lastOffset: Number(m[3]), checksum: m[4]! });
      }
      onProgress();
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

    // Wait for the logs to open and some acknowledgements, then a random 50-300 ms more.
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      onProgress = () => {
        if (ready && acks.length >= 20) resolve();
      };
      void exited.then(({ code }) => reject(new Error(`the child exited (${code}) before acknowledging: ${stderr}`)));
      setTimeout(() => reject(new Error(`no acknowledgements after 10 s (${acks.length}): ${stderr}`)), 10_000).unref();
    });
    await new Promise((r) => setTimeout(r, 50 + Math.floor(Math.random() * 250)));
    child.kill('SIGKILL');
    const { signal } = await exited;
    assert.equal(signal, 'SIGKILL', `the child ended on its own: ${stderr}`);
    const acked = acks.slice();
    assert.ok(acked.length >= 20, `only ${acked.length} acknowledgements`);

    // Reopen as the next broker process would.
    const mgr = await LogManager.start({
      fs: new NodeFileSystem(),
      logDirs: [dir],
      nodeId: 1,
      clusterId: 'kill9-cluster',
      defaultSettings: { ...DEFAULT_LOG_SETTINGS, segmentBytes: 64 * 1024, indexIntervalBytes: 1024 },
      nowMs: () => Date.now(),
    });
    try {
      for (let p = 0; p < PARTITIONS; p++) {
        const log = mgr.getLog(CHILD_TOPIC, p);
        assert.ok(log !== undefined, `partition ${p} is missing`);
        const batches = await readWholeLog(log, log.logStartOffset, () => 256 * 1024, `partition ${p}`);
        const byOffset = new Map(batches.map((b) => [b.baseOffset, b]));
        const mine = acked.filter((a) => a.partition === p);
        for (const a of mine) {
          const b = byOffset.get(a.firstOffset);
          assert.ok(b !== undefined, `partition ${p}: acknowledged batch at ${a.firstOffset} is missing (log end ${log.logEndOffset}, ${acked.length} acks, ${Date.now() - started} ms)`);
          assert.equal(b.lastOffset, a.lastOffset, `partition ${p}: batch at ${a.firstOffset}`);
          assert.equal(valuesChecksum(b.values), a.checksum, `partition ${p}: batch at ${a.firstOffset} has other contents`);
        }
        t.diagnostic(`partition ${p}: ${mine.length} acknowledged, ${batches.length} batches read back, ${log.segmentCount} segments, recovery ${JSON.stringify(log.recovery)}`);
        // The next append continues at the log end.
        assert.equal(log.logEndOffset, batches.length === 0 ? log.logStartOffset : batches[batches.length - 1]!.lastOffset + 1);
      }
    } finally {
      await mgr.shutdown();
    }
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
});

import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { FileHandle, FileSystem } from '../../src/storage/fs.js';
import { StorageError, isNotFound } from '../../src/storage/errors.js';
import { NodeFileSystem, writevFully } from '../../src/storage/real-fs.js';
import { SimulatedCrash, SimulatedFileSystem, seededRandom } from '../../src/storage/sim-fs.js';
import { atomicTempPath, readFileIfExists, writeFileAtomically } from '../../src/storage/atomic-file.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

async function readAll(h: FileHandle): Promise<Buffer> {
  const size = await h.size();
  const buf = Buffer.alloc(size);
  assert.equal(await h.read(buf, 0, size, 0), size);
  return buf;
}

async function rejectsWith(p: Promise<unknown>, expect: { op?: string; path?: string; code: string }): Promise<StorageError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof StorageError, `expected StorageError, got ${String(err)}`);
    assert.equal(err.code, expect.code, err.message);
    if (expect.op !== undefined) assert.equal(err.op, expect.op);
    if (expect.path !== undefined) {
      assert.equal(err.path, expect.path);
      assert.ok(err.message.includes(expect.path), `message names the path: ${err.message}`);
    }
    return err;
  }
  assert.fail(`expected a StorageError ${expect.code}`);
}

// ---------------------------------------------------------------------------------------------
// The behavioural suite, run against both implementations.
// ---------------------------------------------------------------------------------------------

interface Env {
  fs: FileSystem;
  root: string;
  cleanup(): Promise<void>;
}

const implementations: { name: string; setup(): Promise<Env> }[] = [
  {
    name: 'NodeFileSystem',
    async setup() {
      const root = await mkdtemp(join(tmpdir(), 'tributary-fs-'));
      return { fs: new NodeFileSystem(), root, cleanup: () => rm(root, { recursive: true, force: true }) };
    },
  },
  {
    name: 'SimulatedFileSystem',
    async setup() {
      const fs = new SimulatedFileSystem();
      await fs.mkdir('/tmp/data');
      return { fs, root: '/tmp/data', cleanup: async () => undefined };
    },
  },
];

for (const impl of implementations) {
  describe(`FileSystem behaviour: ${impl.name}`, () => {
    let env: Env;
    let fs: FileSystem;
    let p: (...names: string[]) => string;
    beforeEach(async () => {
      env = await impl.setup();
      fs = env.fs;
      p = (...names) => join(env.root, ...names);
    });
    afterEach(() => env.cleanup());

    it('writev writes all buffers in order at a position; read is positional', async () => {
      const h = await fs.open(p('f'), 'w+');
      assert.equal(h.path, p('f'));
      await h.writev([b('hello'), b(' '), b('world')], 0);
      await h.writev([b('W')], 6);
      assert.equal(await h.size(), 11);
      const buf = Buffer.alloc(20, 0xee);
      assert.equal(await h.read(buf, 2, 5, 6), 5);
      assert.equal(buf.subarray(2, 7).toString(), 'World');
      assert.equal(buf[1], 0xee, 'read leaves bytes before offset alone');
      assert.equal(buf[7], 0xee, 'read leaves bytes after offset+length alone');
      assert.equal(await h.read(buf, 0, 20, 8), 3, 'a read near the end returns what is there');
      assert.equal(await h.read(buf, 0, 20, 11), 0, 'at the end: 0');
      assert.equal(await h.read(buf, 0, 20, 100), 0, 'past the end: 0');
      await h.writev([], 3); // nothing to write is fine
      await h.writev([b('!')], 14); // past the end: a zero-filled hole
      assert.deepEqual(await readAll(h), Buffer.concat([b('hello World'), Buffer.alloc(3), b('!')]));
      await h.close();
      assert.deepEqual(await fs.readFile(p('f')), Buffer.concat([b('hello World'), Buffer.alloc(3), b('!')]));
    });

    it('writev of many buffers (more than IOV_MAX) writes every byte', async () => {
      const parts = Array.from({ length: 3000 }, (_, i) => Buffer.from([i & 0xff, (i >> 8) & 0xff, 7]));
      const h = await fs.open(p('many'), 'w+');
      await h.writev(parts, 5);
      assert.equal(await h.size(), 5 + 9000);
      const all = await readAll(h);
      assert.deepEqual(all.subarray(5), Buffer.concat(parts));
      await h.close();
    });

    it('open: w+ creates without truncating, r+ and r need the file, r is read only', async () => {
      await rejectsWith(fs.open(p('f'), 'r'), { op: 'open', path: p('f'), code: 'ENOENT' });
      await rejectsWith(fs.open(p('f'), 'r+'), { op: 'open', path: p('f'), code: 'ENOENT' });
      const h = await fs.open(p('f'), 'w+');
      assert.equal(await h.size(), 0);
      await h.writev([b('abcdef')], 0);
      await h.datasync();
      await h.close();
      const again = await fs.open(p('f'), 'w+');
      assert.equal(await again.size(), 6, 'w+ keeps existing content');
      await again.writev([b('XY')], 2);
      await again.close();
      const rw = await fs.open(p('f'), 'r+');
      await rw.writev([b('Z')], 0);
      await rw.close();
      assert.equal((await fs.readFile(p('f'))).toString(), 'ZbXYef');
      const ro = await fs.open(p('f'), 'r');
      assert.equal((await readAll(ro)).toString(), 'ZbXYef');
      await assert.rejects(ro.writev([b('nope')], 0), StorageError);
      await ro.close();
      await rejectsWith(fs.open(p('missing-dir', 'f'), 'w+'), { op: 'open', path: p('missing-dir', 'f'), code: 'ENOENT' });
    });

    it('truncate shrinks, and extends with zeros', async () => {
      const h = await fs.open(p('t'), 'w+');
      await h.writev([b('0123456789')], 0);
      await h.truncate(4);
      assert.equal(await h.size(), 4);
      await h.truncate(8);
      assert.deepEqual(await readAll(h), Buffer.concat([b('0123'), Buffer.alloc(4)]));
      await h.truncate(0);
      assert.equal(await h.size(), 0);
      await h.datasync();
      await h.close();
      assert.equal((await fs.stat(p('t')))?.size, 0);
    });

    it('a closed handle refuses use; close twice is harmless', async () => {
      const h = await fs.open(p('c'), 'w+');
      await h.close();
      await h.close();
      await rejectsWith(h.size(), { op: 'size', path: p('c'), code: 'EBADF' });
      await rejectsWith(h.writev([b('x')], 0), { op: 'write', code: 'EBADF' });
      await rejectsWith(h.read(Buffer.alloc(1), 0, 1, 0), { op: 'read', code: 'EBADF' });
    });

    it('rename replaces the target; handles follow the inode', async () => {
      await writeFile(fs, p('a'), 'new');
      await writeFile(fs, p('b'), 'old content');
      const h = await fs.open(p('a'), 'r');
      await fs.rename(p('a'), p('b'));
      assert.equal(await fs.stat(p('a')), null);
      assert.equal((await fs.readFile(p('b'))).toString(), 'new');
      assert.equal((await readAll(h)).toString(), 'new', 'a handle keeps reading the renamed file');
      await h.close();
      assert.deepEqual((await fs.readdir(env.root)).sort(), ['b']);
      await rejectsWith(fs.rename(p('a'), p('c')), { op: 'rename', path: p('a'), code: 'ENOENT' });
      // Directories rename too, with their contents.
      await fs.mkdir(p('d1', 'sub'));
      await writeFile(fs, p('d1', 'sub', 'x'), 'x');
      await fs.rename(p('d1'), p('d2'));
      assert.equal((await fs.readFile(p('d2', 'sub', 'x'))).toString(), 'x');
      assert.equal(await fs.stat(p('d1')), null);
    });

    it('readdir returns names; unlink and rmdir remove entries', async () => {
      await fs.mkdir(p('dir', 'inner'));
      await writeFile(fs, p('dir', 'f1'), '1');
      await writeFile(fs, p('dir', 'f2'), '2');
      assert.deepEqual((await fs.readdir(p('dir'))).sort(), ['f1', 'f2', 'inner']);
      await rejectsWith(fs.rmdir(p('dir')), { op: 'rmdir', path: p('dir'), code: 'ENOTEMPTY' });
      await fs.unlink(p('dir', 'f1'));
      await rejectsWith(fs.unlink(p('dir', 'f1')), { op: 'unlink', path: p('dir', 'f1'), code: 'ENOENT' });
      await fs.rmdir(p('dir', 'inner'));
      assert.deepEqual(await fs.readdir(p('dir')), ['f2']);
      await rejectsWith(fs.readdir(p('nope')), { op: 'readdir', path: p('nope'), code: 'ENOENT' });
      await rejectsWith(fs.readdir(p('dir', 'f2')), { op: 'readdir', path: p('dir', 'f2'), code: 'ENOTDIR' });
      await rejectsWith(fs.rmdir(p('dir', 'f2')), { op: 'rmdir', code: 'ENOTDIR' });
    });

    it('stat: null when nothing is there, sizes and kinds otherwise', async () => {
      assert.equal(await fs.stat(p('missing')), null);
      await writeFile(fs, p('f'), 'abc');
      assert.equal(await fs.stat(p('f', 'below-a-file')), null);
      const s = await fs.stat(p('f'));
      assert.equal(s?.size, 3);
      assert.equal(s?.isDirectory, false);
      assert.equal(typeof s?.mtimeMs, 'number');
      assert.equal((await fs.stat(env.root))?.isDirectory, true);
    });

    it('mkdir creates missing parents and is idempotent', async () => {
      await fs.mkdir(p('a', 'b', 'c'));
      await fs.mkdir(p('a', 'b', 'c'));
      await fs.mkdir(p('a'));
      assert.equal((await fs.stat(p('a', 'b', 'c')))?.isDirectory, true);
      await writeFile(fs, p('file'), '');
      await assert.rejects(fs.mkdir(p('file')), (err) => err instanceof StorageError && err.path === p('file'));
      await rejectsWith(fs.mkdir(p('file', 'sub')), { op: 'mkdir', path: p('file', 'sub'), code: 'ENOTDIR' });
    });

    it('errors carry the operation, the path and the errno code', async () => {
      const err = await rejectsWith(fs.readFile(p('absent')), { op: 'readFile', path: p('absent'), code: 'ENOENT' });
      assert.ok(isNotFound(err));
      assert.equal(err.name, 'StorageError');
      await rejectsWith(fs.syncDir(p('absent')), { op: 'syncDir', path: p('absent'), code: 'ENOENT' });
      await fs.mkdir(p('d'));
      await rejectsWith(fs.readFile(p('d')), { op: 'readFile', path: p('d'), code: 'EISDIR' });
      await rejectsWith(fs.unlink(p('d')), { op: 'unlink', path: p('d') , code: process.platform === 'linux' ? 'EISDIR' : 'EPERM' });
    });

    it('datasync and syncDir succeed on live files and directories', async () => {
      await fs.mkdir(p('d'));
      const h = await fs.open(p('d', 'f'), 'w+');
      await h.writev([b('x')], 0);
      await h.datasync();
      await h.close();
      await fs.syncDir(p('d'));
      await fs.syncDir(env.root);
    });

    it('writeFileAtomically replaces the whole file; readFileIfExists', async () => {
      assert.equal(await readFileIfExists(fs, p('cp')), null);
      // A stale, longer temp file from an earlier crash must not leak its tail.
      await writeFile(fs, atomicTempPath(p('cp')), 'a much longer stale temporary file');
      await writeFileAtomically(fs, p('cp'), b('v1'));
      assert.equal((await readFileIfExists(fs, p('cp')))?.toString(), 'v1');
      await writeFileAtomically(fs, p('cp'), b('version 2'));
      assert.equal((await readFileIfExists(fs, p('cp')))?.toString(), 'version 2');
      assert.deepEqual(await fs.readdir(env.root), ['cp']);
      await fs.mkdir(p('dir'));
      await assert.rejects(readFileIfExists(fs, p('dir')), StorageError);
    });
  });
}

async function writeFile(fs: FileSystem, path: string, text: string): Promise<void> {
  const h = await fs.open(path, 'w+');
  await h.truncate(0);
  await h.writev([b(text)], 0);
  await h.datasync();
  await h.close();
}

// ---------------------------------------------------------------------------------------------
// NodeFileSystem's short-write loop.
// ---------------------------------------------------------------------------------------------

describe('writevFully', () => {
  it('finishes short writes, never passes more than maxBuffers, leaves the caller array alone', async () => {
    for (let seed = 1; seed <= 50; seed++) {
      const rng = seededRandom(seed);
      const parts = Array.from({ length: 1 + Math.floor(rng() * 12) }, (_, i) =>
        Buffer.alloc(Math.floor(rng() * 6), String.fromCharCode(97 + i)),
      );
      const before = parts.slice();
      const disk = Buffer.alloc(200, '.');
      let calls = 0;
      await writevFully(
        async (bufs, pos) => {
          calls++;
          assert.ok(bufs.length <= 3);
          const all = Buffer.concat(bufs);
          assert.ok(all.length > 0);
          const n = 1 + Math.floor(rng() * all.length); // a short write, at least one byte
          all.copy(disk, pos, 0, n);
          return n;
        },
        parts,
        7,
        3,
      );
      const expected = Buffer.concat(parts);
      assert.deepEqual(disk.subarray(7, 7 + expected.length), expected, `seed ${seed}`);
      assert.equal(disk.subarray(0, 7).toString(), '.......');
      assert.equal(disk.subarray(7 + expected.length).toString(), '.'.repeat(200 - 7 - expected.length));
      assert.deepEqual(parts, before);
      if (expected.length === 0) assert.equal(calls, 0);
    }
  });

  it('fails instead of spinning when nothing gets written', async () => {
    await assert.rejects(writevFully(async () => 0, [b('x')], 0), /wrote 0 of 1/);
  });
});

// ---------------------------------------------------------------------------------------------
// SimulatedFileSystem: crashes, tears, faults, counters.
// ---------------------------------------------------------------------------------------------

describe('SimulatedFileSystem crashes', () => {
  async function durableFile(sim: SimulatedFileSystem, path: string, text: string): Promise<void> {
    await writeFile(sim, path, text);
    await sim.syncDir(path.slice(0, path.lastIndexOf('/')) || '/');
  }

  async function freshSim(seed = 1): Promise<SimulatedFileSystem> {
    const sim = new SimulatedFileSystem({ seed });
    await sim.mkdir('/data');
    await sim.syncDir('/');
    return sim;
  }

  it('loses unsynced writes and keeps synced ones', async () => {
    const sim = await freshSim();
    const h = await sim.open('/data/log', 'w+');
    await sim.syncDir('/data');
    await h.writev([b('synced|')], 0);
    await h.datasync();
    await h.writev([b('lost')], 7);
    await h.truncate(3);
    assert.equal(sim.fileContent('/data/log')?.toString(), 'syn');
    assert.equal(sim.fileContent('/data/log', { durable: true })?.toString(), 'synced|');
    sim.crash();
    assert.equal((await sim.readFile('/data/log')).toString(), 'synced|');
    // A truncate is durable after the next datasync.
    const h2 = await sim.open('/data/log', 'r+');
    await h2.truncate(2);
    await h2.datasync();
    sim.crash();
    assert.equal((await sim.readFile('/data/log')).toString(), 'sy');
  });

  it('a datasync through any handle makes the file durable', async () => {
    const sim = await freshSim();
    await durableFile(sim, '/data/f', '');
    const w = await sim.open('/data/f', 'r+');
    const r = await sim.open('/data/f', 'r');
    await w.writev([b('abc')], 0);
    await r.datasync();
    sim.crash();
    assert.equal(sim.fileContent('/data/f')?.toString(), 'abc');
  });

  it('handles opened before a crash are unusable after it', async () => {
    const sim = await freshSim();
    await durableFile(sim, '/data/f', 'x');
    const h = await sim.open('/data/f', 'r+');
    assert.deepEqual(sim.openHandles(), ['/data/f']);
    sim.crash();
    assert.deepEqual(sim.openHandles(), []);
    await rejectsWith(h.read(Buffer.alloc(1), 0, 1, 0), { op: 'read', path: '/data/f', code: 'EBADF' });
    await rejectsWith(h.writev([b('y')], 0), { op: 'write', code: 'EBADF' });
    await rejectsWith(h.datasync(), { op: 'datasync', code: 'EBADF' });
    await rejectsWith(h.close(), { op: 'close', code: 'EBADF' });
    const h2 = await sim.open('/data/f', 'r');
    assert.equal((await readAll(h2)).toString(), 'x');
    await h2.close();
  });

  it('an unsynced creation is undone; syncDir makes it stick', async () => {
    const sim = await freshSim();
    const h = await sim.open('/data/new', 'w+');
    await h.writev([b('content')], 0);
    await h.datasync(); // the contents are durable, the directory entry is not
    sim.crash();
    assert.equal(await sim.stat('/data/new'), null);
    assert.deepEqual(await sim.readdir('/data'), []);

    const h2 = await sim.open('/data/new', 'w+');
    await h2.writev([b('content')], 0);
    await sim.syncDir('/data');
    sim.crash();
    assert.equal(sim.fileContent('/data/new')?.toString(), '', 'entry durable, unsynced contents lost');
    const h3 = await sim.open('/data/new', 'r+');
    await h3.writev([b('content')], 0);
    await h3.datasync();
    sim.crash();
    assert.equal(sim.fileContent('/data/new')?.toString(), 'content');
  });

  it('an unsynced rename is undone, a synced one sticks', async () => {
    const sim = await freshSim();
    await durableFile(sim, '/data/a', 'A');
    await durableFile(sim, '/data/b', 'B');
    await sim.rename('/data/a', '/data/b');
    assert.deepEqual(sim.dump(), { '/data': 'dir', '/data/b': b('A') });
    assert.deepEqual(sim.dump({ durable: true }), { '/data': 'dir', '/data/a': b('A'), '/data/b': b('B') });
    sim.crash();
    assert.deepEqual(sim.dump(), { '/data': 'dir', '/data/a': b('A'), '/data/b': b('B') });
    await sim.rename('/data/a', '/data/b');
    await sim.syncDir('/data');
    sim.crash();
    assert.deepEqual(sim.dump(), { '/data': 'dir', '/data/b': b('A') });
  });

  it('an unsynced unlink is undone, a synced one sticks; unlinked files stay readable through open handles', async () => {
    const sim = await freshSim();
    await durableFile(sim, '/data/f', 'keep');
    const h = await sim.open('/data/f', 'r');
    await sim.unlink('/data/f');
    assert.equal(await sim.stat('/data/f'), null);
    assert.equal((await readAll(h)).toString(), 'keep');
    sim.crash();
    assert.equal(sim.fileContent('/data/f')?.toString(), 'keep');
    await sim.unlink('/data/f');
    await sim.syncDir('/data');
    sim.crash();
    assert.equal(sim.fileContent('/data/f'), null);
  });

  it('directories: an unsynced mkdir takes everything under it; rmdir is undone until synced', async () => {
    const sim = await freshSim();
    await sim.mkdir('/data/topic-0/sub');
    await durableFile(sim, '/data/topic-0/sub/f', 'deep');
    await sim.syncDir('/data/topic-0');
    sim.crash(); // /data was never synced: topic-0 was never durably created
    assert.equal(await sim.stat('/data/topic-0'), null);

    await sim.mkdir('/data/topic-0');
    await sim.syncDir('/data');
    sim.crash();
    assert.equal((await sim.stat('/data/topic-0'))?.isDirectory, true);
    await sim.rmdir('/data/topic-0');
    sim.crash();
    assert.equal((await sim.stat('/data/topic-0'))?.isDirectory, true);
    await sim.rmdir('/data/topic-0');
    await sim.syncDir('/data');
    sim.crash();
    assert.equal(await sim.stat('/data/topic-0'), null);
  });

  it('torn writes keep the durable content plus a prefix of the unsynced operations, nothing else', async () => {
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 300; seed++) {
      const rng = seededRandom(seed * 7919);
      const sim = new SimulatedFileSystem({ seed });
      await sim.mkdir('/d');
      const h = await sim.open('/d/seg', 'w+');
      await sim.syncDir('/d');
      await sim.syncDir('/');
      // Model: durable bytes plus the ordered unsynced operations since the last datasync.
      let durable: Buffer = Buffer.alloc(0);
      let ops: ({ pos: number; data: Buffer } | { truncate: number })[] = [];
      const nOps = 1 + Math.floor(rng() * 8);
      for (let i = 0; i < nOps; i++) {
        const size = await h.size();
        if (rng() < 0.15) {
          const len = Math.floor(rng() * (size + 4));
          await h.truncate(len);
          ops.push({ truncate: len });
        } else {
          const pos = rng() < 0.7 ? size : Math.floor(rng() * (size + 3)); // mostly appends
          const data = Buffer.from(Array.from({ length: 1 + Math.floor(rng() * 9) }, () => 1 + Math.floor(rng() * 255)));
          await h.writev([data.subarray(0, 3), data.subarray(3)], pos);
          ops.push({ pos, data });
        }
        if (rng() < 0.2) {
          await h.datasync();
          durable = applyOps(durable, ops);
          ops = [];
        }
      }
      const report = sim.crash({ tearProbability: 1 });
      const got = sim.fileContent('/d/seg')!;
      // Every state the disk may legally be in: k whole operations plus a prefix of the next one.
      const legal: Buffer[] = [];
      for (let k = 0; k <= ops.length; k++) {
        const base = applyOps(durable, ops.slice(0, k));
        legal.push(base);
        const next = ops[k];
        if (next !== undefined && 'pos' in next) {
          for (let n = 1; n < next.data.length; n++) legal.push(applyOps(base, [{ pos: next.pos, data: next.data.subarray(0, n) }]));
        }
      }
      assert.ok(legal.some((l) => l.equals(got)), `seed ${seed}: ${got.toString('hex')} is not a prefix state`);
      if (ops.length > 0) {
        assert.equal(report.torn.length, 1);
        const t = report.torn[0]!;
        assert.equal(t.path, '/d/seg');
        assert.equal(t.pendingOps, ops.length);
        outcomes.add(`${t.keptOps}/${t.pendingOps}/${t.prefixBytes > 0 ? 'partial' : 'whole'}`);
      } else {
        assert.deepEqual(report.torn, []);
      }
      // What survived is durable now: a second crash changes nothing.
      sim.crash({ tearProbability: 1 });
      assert.deepEqual(sim.fileContent('/d/seg'), got);
    }
    assert.ok(outcomes.size > 20, `tears land in many places (${outcomes.size})`);
    assert.ok([...outcomes].some((o) => o.endsWith('partial')), 'some tears cut a write in the middle');
    assert.ok([...outcomes].some((o) => o.startsWith('0/')), 'some tears keep none of the unsynced writes');
  });

  it('tearProbability 0 (the default) reverts exactly to the durable content', async () => {
    const sim = await freshSim();
    await durableFile(sim, '/data/f', 'base');
    const h = await sim.open('/data/f', 'r+');
    await h.writev([b('more')], 4);
    assert.deepEqual(sim.crash(), { torn: [] });
    assert.equal(sim.fileContent('/data/f')?.toString(), 'base');
  });

  it('crashes are reproducible from a seed', async () => {
    async function scenario(seed: number): Promise<string> {
      const sim = await freshSim(seed);
      for (let i = 0; i < 12; i++) {
        const h = await sim.open(`/data/f${i}`, 'w+');
        await h.writev([b('durable-part;')], 0);
        await h.datasync();
        await h.writev([b('unsynced-'.repeat(i + 1))], 13);
      }
      await sim.syncDir('/data');
      const report = sim.crash({ tearProbability: 0.5 });
      return JSON.stringify({ report, files: Object.entries(sim.dump()).map(([k, v]) => [k, v.toString()]) });
    }
    assert.equal(await scenario(42), await scenario(42));
    const others = new Set(await Promise.all([1, 2, 3, 4, 5].map(scenario)));
    assert.ok(others.size > 1, 'different seeds tear differently');
    // An explicit rng overrides the file system's own.
    const a = await freshSim(1);
    const c = await freshSim(2);
    for (const sim of [a, c]) {
      const h = await sim.open('/data/x', 'w+');
      await sim.syncDir('/data');
      await h.writev([b('0123456789'.repeat(10))], 0);
    }
    assert.deepEqual(
      a.crash({ rng: seededRandom(9), tearProbability: 1 }),
      c.crash({ rng: seededRandom(9), tearProbability: 1 }),
    );
    assert.deepEqual(a.dump(), c.dump());
  });

  it('injected faults fail the next N matching operations with no effect', async () => {
    const sim = await freshSim();
    await durableFile(sim, '/data/seg', '');
    sim.injectFault({ path: '/data/seg', ops: ['datasync'], count: 2 });
    const h = await sim.open('/data/seg', 'r+');
    await h.writev([b('abc')], 0);
    await rejectsWith(h.datasync(), { op: 'datasync', path: '/data/seg', code: 'EIO' });
    await rejectsWith(h.datasync(), { op: 'datasync', path: '/data/seg', code: 'EIO' });
    assert.equal(sim.fileContent('/data/seg', { durable: true })?.toString(), '', 'the failed datasync did nothing');
    await h.datasync();
    assert.equal(sim.fileContent('/data/seg', { durable: true })?.toString(), 'abc');

    sim.injectFault({ path: /\.index$/, code: 'ENOSPC' });
    await rejectsWith(sim.open('/data/0.index', 'w+'), { op: 'open', path: '/data/0.index', code: 'ENOSPC' });
    assert.equal(await sim.stat('/data/0.index'), null, 'the failed open created nothing');
    await (await sim.open('/data/0.index', 'w+')).close();

    sim.injectFault({ path: (path, op) => path.startsWith('/data/') && op === 'write', count: Infinity });
    for (let i = 0; i < 5; i++) await rejectsWith(h.writev([b('x')], 0), { op: 'write', code: 'EIO' });
    assert.equal(sim.fileContent('/data/seg')?.toString(), 'abc');
    await h.truncate(1); // other operations still work
    sim.clearFaults();
    await h.writev([b('Z')], 1);
    assert.equal(sim.fileContent('/data/seg')?.toString(), 'aZ');

    sim.injectFault({ path: '/data/renamed', ops: ['rename'] }); // the destination of a rename counts
    await rejectsWith(sim.rename('/data/seg', '/data/renamed'), { op: 'rename', code: 'EIO' });
    await sim.rename('/data/seg', '/data/renamed');

    const faulty = new SimulatedFileSystem({ faults: [{ path: '/', ops: ['syncDir'] }] });
    await rejectsWith(faulty.syncDir('/'), { op: 'syncDir', path: '/', code: 'EIO' });
    await faulty.syncDir('/');
  });

  it('counts writes, datasyncs and directory syncs', async () => {
    const sim = await freshSim();
    sim.resetCounters();
    const f1 = await sim.open('/data/a', 'w+');
    const f2 = await sim.open('/data/b', 'w+');
    await f1.writev([b('1'), b('2')], 0);
    await f1.writev([b('3')], 2);
    await f2.writev([b('x')], 0);
    await f1.datasync();
    await f2.datasync();
    await f2.datasync();
    await sim.syncDir('/data');
    assert.equal(sim.writeCount, 3);
    assert.equal(sim.datasyncCount, 3);
    assert.equal(sim.syncDirCount, 1);
    assert.equal(sim.datasyncCountFor('/data/a'), 1);
    assert.equal(sim.datasyncCountFor('/data/b'), 2);
    assert.equal(sim.datasyncCountFor('/data/c'), 0);
    sim.crash();
    assert.equal(sim.crashCount, 1);
    sim.resetCounters();
    assert.equal(sim.writeCount + sim.datasyncCount + sim.syncDirCount + sim.datasyncCountFor('/data/a'), 0);
  });

  it('paths are POSIX, rooted at /', async () => {
    const sim = new SimulatedFileSystem();
    await sim.mkdir('a/b/../c');
    assert.deepEqual(sim.dump(), { '/a': 'dir', '/a/c': 'dir' });
    await writeFile(sim, '/a//c/./f', 'x');
    assert.equal(sim.fileContent('a/c/f')?.toString(), 'x');
    await rejectsWith(sim.rmdir('/'), { op: 'rmdir', code: 'EBUSY' });
    await rejectsWith(sim.rename('/a', '/a/c/inside'), { op: 'rename', code: 'EINVAL' });
    await rejectsWith(sim.rename('/a/c/f', '/a'), { op: 'rename', code: 'EISDIR' });
  });

  it('crashAfter lets exactly N operations through, then crashes the disk', async () => {
    const sim = await freshSim();
    await durableFile(sim, '/data/f', 'old');
    const view = sim.crashAfter(2);
    const h = await view.open('/data/f', 'r+'); // 1
    await h.writev([b('new')], 0); // 2
    assert.equal(sim.fileContent('/data/f')?.toString(), 'new');
    await assert.rejects(h.datasync(), SimulatedCrash); // 3: the crash
    assert.equal(view.crashed, true);
    assert.equal(view.operations, 2);
    assert.equal(sim.fileContent('/data/f')?.toString(), 'old');
    await assert.rejects(view.stat('/data/f'), SimulatedCrash, 'a crashed process does nothing more');
    assert.equal((await sim.readFile('/data/f')).toString(), 'old', 'the restarted process uses the disk');
  });
});

function applyOps(base: Buffer, ops: readonly ({ pos: number; data: Buffer } | { truncate: number })[]): Buffer {
  let out: Buffer = Buffer.from(base);
  for (const op of ops) {
    if ('truncate' in op) {
      out = op.truncate <= out.length ? out.subarray(0, op.truncate) : Buffer.concat([out, Buffer.alloc(op.truncate - out.length)]);
    } else {
      const end = op.pos + op.data.length;
      if (end > out.length) out = Buffer.concat([out, Buffer.alloc(end - out.length)]);
      else out = Buffer.from(out);
      op.data.copy(out, op.pos);
    }
  }
  return Buffer.from(out);
}

// ---------------------------------------------------------------------------------------------
// writeFileAtomically under a crash at every point.
// ---------------------------------------------------------------------------------------------

describe('writeFileAtomically survives a crash at any point', () => {
  const OLD = b('0\n2\ntopic 0 100\ntopic 1 200\n');
  const NEW = b('0\n3\ntopic 0 150\ntopic 1 250\ntopic 2 7\n');

  async function crashSweep(
    write: (fs: FileSystem, path: string, data: Buffer) => Promise<void>,
    opts: { old: boolean; staleTmp: boolean; tearProbability: number; seed: number },
  ): Promise<{ outcomes: Set<string>; mixed: string[] }> {
    const outcomes = new Set<string>();
    const mixed: string[] = [];
    for (let k = 0; k < 100; k++) {
      const sim = new SimulatedFileSystem({ seed: opts.seed * 1000 + k });
      await sim.mkdir('/logs');
      await sim.syncDir('/');
      if (opts.old) await writeFile(sim, '/logs/cp', OLD.toString('latin1'));
      if (opts.staleTmp) await writeFile(sim, '/logs/cp.tmp', 'stale temp file from an earlier crash, longer than both');
      await sim.syncDir('/logs');

      const view = sim.crashAfter(k, { tearProbability: opts.tearProbability });
      let completed = false;
      try {
        await write(view, '/logs/cp', NEW);
        completed = true;
      } catch (err) {
        assert.ok(err instanceof SimulatedCrash, String(err));
      }
      if (!view.crashed) sim.crash({ tearProbability: opts.tearProbability }); // crash right after returning
      const after = await readFileIfExists(sim, '/logs/cp');
      const what = after === null ? 'absent' : after.equals(NEW) ? 'new' : after.equals(OLD) ? 'old' : `mixed:${after.toString('hex')}`;
      if (what.startsWith('mixed') || (what === 'absent' && opts.old)) mixed.push(`k=${k}: ${what}`);
      if (completed) assert.equal(what, 'new', `k=${k}: returned, so the new content must be durable`);
      outcomes.add(what);
      if (!view.crashed) return { outcomes, mixed };
    }
    assert.fail('the write never completed');
  }

  for (const tearProbability of [0, 1]) {
    for (const old of [true, false]) {
      it(`old file ${old ? 'present' : 'absent'}, tearProbability ${tearProbability}`, async () => {
        for (let seed = 1; seed <= 5; seed++) {
          const { outcomes, mixed } = await crashSweep(writeFileAtomically, { old, staleTmp: seed % 2 === 0, tearProbability, seed });
          assert.deepEqual(mixed, []);
          assert.deepEqual([...outcomes].sort(), [old ? 'old' : 'absent', 'new'].sort());
        }
      });
    }
  }

  it('the sweep catches a writer that overwrites in place (the oracle has teeth)', async () => {
    const inPlace = async (fs: FileSystem, path: string, data: Buffer): Promise<void> => {
      const h = await fs.open(path, 'w+');
      await h.truncate(0);
      await h.writev([data], 0);
      await h.datasync();
      await h.close();
    };
    let caught = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const { mixed } = await crashSweep(inPlace, { old: true, staleTmp: false, tearProbability: 1, seed });
      caught += mixed.length;
    }
    assert.ok(caught > 0);
  });
});

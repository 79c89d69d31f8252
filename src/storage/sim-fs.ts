/**
 * SimulatedFileSystem: an in-memory POSIX tree rooted at '/' that keeps, next to what a process
 * sees, what a disk would still hold after a power loss. It is the oracle of the crash tests, so it
 * is kept small and literal.
 *
 * The model (see the durability contract in fs.ts):
 * - A file (an inode) has `durable` bytes and `current` bytes, and the list of writes and
 *   truncates made since its last datasync (`pending`, in order): current = durable + pending.
 *   `datasync()` on any handle of the file applies `pending` to `durable` and empties it.
 * - A directory has `durable` and `current` entry maps (name → inode). create, rename, unlink,
 *   mkdir and rmdir change `current`; `syncDir(dir)` copies that directory's `current` into its
 *   `durable`. Nothing else changes a durable entry set.
 * - `crash()` is a power loss: starting at '/', every directory's entries revert to its durable
 *   set, and every file still reachable reverts to its durable bytes. With a torn write (chosen per
 *   file with `tearProbability`) the file instead keeps the first k pending operations whole and a
 *   random prefix of operation k+1 (a disk that reorders nothing within a file but stops
 *   mid-stream). What survives becomes the new durable state. Files reachable only through
 *   entries that were never made durable disappear, with everything under them. Every handle
 *   opened before the crash becomes unusable (EBADF).
 * - Open handles keep working after their file is unlinked or renamed (they hold the inode).
 * - `injectFault` makes the next N operations on matching paths throw StorageError (EIO by
 *   default) without any effect.
 *
 * Known simplification: a rename between two directories of which only the destination is synced
 * leaves, after a crash, the inode under both names (like a hard link). Kafka renames within one
 * directory, where this cannot happen.
 *
 * Everything is deterministic: the only randomness is the seeded generator used by `crash`.
 */
import { posix } from 'node:path';

import type { FileHandle, FileStat, FileSystem, OpenMode } from './fs.js';
import { StorageError, type StorageOp } from './errors.js';

type PendingOp = { kind: 'write'; position: number; data: Buffer } | { kind: 'truncate'; length: number };

/** A growable byte array (capacity doubles), so appends are amortised O(bytes). */
class Bytes {
  private buf: Buffer;
  length: number;

  constructor(from?: Buffer) {
    this.buf = Buffer.alloc(Math.max(64, from?.length ?? 0));
    this.length = 0;
    if (from !== undefined) this.write(0, from);
  }

  view(): Buffer {
    return this.buf.subarray(0, this.length);
  }

  clone(): Bytes {
    return new Bytes(this.view());
  }

  /** Grows to `n` bytes, zero-filled (stale bytes past `length` may linger in `buf`). */
  private extendTo(n: number): void {
    if (n <= this.length) return;
    if (n > this.buf.length) {
      const grown = Buffer.alloc(Math.max(n, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.length);
      this.buf = grown;
    } else {
      this.buf.fill(0, this.length, n);
    }
    this.length = n;
  }

  write(position: number, data: Buffer): void {
    this.extendTo(position + data.length);
    data.copy(this.buf, position);
  }

  truncate(length: number): void {
    if (length < this.length) this.length = length;
    else this.extendTo(length);
  }

  apply(op: PendingOp): void {
    if (op.kind === 'write') this.write(op.position, op.data);
    else this.truncate(op.length);
  }
}

class SimFile {
  readonly kind = 'file';
  durable = new Bytes();
  current = new Bytes();
  pending: PendingOp[] = [];
  constructor(
    public mtimeMs: number,
    public durableMtimeMs = mtimeMs,
  ) {}
}

class SimDir {
  readonly kind = 'dir';
  durable = new Map<string, SimNode>();
  current = new Map<string, SimNode>();
  constructor(public mtimeMs: number) {}
}

type SimNode = SimFile | SimDir;

/** Which operations on which paths fail, how often, with which errno code. */
export interface FaultSpec {
  /** An exact path (normalized), a pattern, or a predicate over (normalized path, operation). */
  path: string | RegExp | ((path: string, op: StorageOp) => boolean);
  /** Only these operations fail; all when absent. */
  ops?: readonly StorageOp[];
  /** How many matching operations fail (default 1; Infinity: until clearFaults()). */
  count?: number;
  /** errno code of the thrown StorageError (default 'EIO'). */
  code?: string;
}

export interface CrashOptions {
  /** Random source in [0, 1) for tears; defaults to the file system's seeded generator. */
  rng?: () => number;
  /** Probability that a file with unsynced operations is torn instead of reverted (default 0). */
  tearProbability?: number;
}

export interface CrashReport {
  /** Files that kept part of their unsynced operations (by one of their durable paths). */
  torn: { path: string; keptOps: number; pendingOps: number; prefixBytes: number }[];
}

export interface SimulatedFileSystemOptions {
  /** Seed of the generator `crash` uses when given no rng (default 1). */
  seed?: number;
  /** mtime source (default: always 0). */
  nowMs?: () => number;
  faults?: readonly FaultSpec[];
}

/** A small deterministic PRNG (Weyl sequence through a murmur3-style finalizer), values in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    z ^= z >>> 16;
    return (z >>> 0) / 0x1_0000_0000;
  };
}

function errnoError(code: string, message: string): Error {
  return Object.assign(new Error(`${code}: ${message}`), { code });
}

interface Fault {
  match: (path: string, op: StorageOp) => boolean;
  remaining: number;
  code: string;
}

export class SimulatedFileSystem implements FileSystem {
  private root: SimDir;
  private epoch = 0;
  private rng: () => number;
  private readonly nowMs: () => number;
  private faults: Fault[] = [];
  private readonly handles = new Set<SimHandle>();
  private datasyncsByPath = new Map<string, number>();

  /** Successful writev calls. */
  writeCount = 0;
  /** Successful datasync calls. */
  datasyncCount = 0;
  /** Successful syncDir calls. */
  syncDirCount = 0;
  /** Crashes so far. */
  crashCount = 0;

  constructor(options: SimulatedFileSystemOptions = {}) {
    this.rng = seededRandom(options.seed ?? 1);
    this.nowMs = options.nowMs ?? (() => 0);
    this.root = new SimDir(this.nowMs());
    for (const f of options.faults ?? []) this.injectFault(f);
  }

  // ---- FileSystem ----

  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    const p = this.begin('open', path);
    let node = this.lookup('open', p);
    if (node === undefined) {
      if (mode !== 'w+') this.fail('open', p, 'ENOENT', 'no such file or directory');
      const { dir, name } = this.parentOf('open', p);
      node = new SimFile(this.nowMs());
      dir.current.set(name, node);
      dir.mtimeMs = this.nowMs();
    }
    if (node.kind === 'dir') this.fail('open', p, 'EISDIR', 'is a directory');
    const handle = new SimHandle(this, p, node, mode !== 'r', this.epoch);
    this.handles.add(handle);
    return handle;
  }

  async readFile(path: string): Promise<Buffer> {
    const p = this.begin('readFile', path);
    const node = this.lookup('readFile', p);
    if (node === undefined) this.fail('readFile', p, 'ENOENT', 'no such file or directory');
    if (node.kind === 'dir') this.fail('readFile', p, 'EISDIR', 'is a directory');
    return Buffer.from(node.current.view());
  }

  async stat(path: string): Promise<FileStat | null> {
    const p = this.begin('stat', path);
    const node = this.find(p, 'current');
    if (node === undefined || typeof node === 'string') return null;
    return node.kind === 'dir'
      ? { size: 0, isDirectory: true, mtimeMs: node.mtimeMs }
      : { size: node.current.length, isDirectory: false, mtimeMs: node.mtimeMs };
  }

  async readdir(path: string): Promise<string[]> {
    const p = this.begin('readdir', path);
    const node = this.lookup('readdir', p);
    if (node === undefined) this.fail('readdir', p, 'ENOENT', 'no such file or directory');
    if (node.kind !== 'dir') this.fail('readdir', p, 'ENOTDIR', 'not a directory');
    return [...node.current.keys()];
  }

  async mkdir(path: string): Promise<void> {
    const p = this.begin('mkdir', path);
    let dir = this.root;
    const names = components(p);
    names.forEach((name, i) => {
      const next = dir.current.get(name);
      if (next === undefined) {
        const created = new SimDir(this.nowMs());
        dir.current.set(name, created);
        dir.mtimeMs = this.nowMs();
        dir = created;
      } else if (next.kind === 'dir') {
        dir = next;
      } else {
        this.fail('mkdir', p, i === names.length - 1 ? 'EEXIST' : 'ENOTDIR', 'file in the way');
      }
    });
  }

  async rename(from: string, to: string): Promise<void> {
    const src = this.begin('rename', from);
    const dst = normalize(to);
    this.checkFault('rename', dst);
    const what = `rename '${src}' -> '${dst}'`;
    if (src === '/' || dst === '/') this.fail('rename', src, 'EBUSY', what);
    const node = this.lookup('rename', src);
    if (node === undefined) this.fail('rename', src, 'ENOENT', what);
    const from_ = this.parentOf('rename', src);
    const to_ = this.parentOf('rename', dst);
    if (src === dst) return;
    if (node.kind === 'dir' && dst.startsWith(src + '/')) this.fail('rename', src, 'EINVAL', what);
    const existing = to_.dir.current.get(to_.name);
    if (existing !== undefined) {
      if (node.kind === 'file' && existing.kind === 'dir') this.fail('rename', src, 'EISDIR', what);
      if (node.kind === 'dir' && existing.kind === 'file') this.fail('rename', src, 'ENOTDIR', what);
      if (existing.kind === 'dir' && existing.current.size > 0) this.fail('rename', src, 'ENOTEMPTY', what);
    }
    from_.dir.current.delete(from_.name);
    to_.dir.current.set(to_.name, node);
    from_.dir.mtimeMs = to_.dir.mtimeMs = this.nowMs();
  }

  async unlink(path: string): Promise<void> {
    const p = this.begin('unlink', path);
    const node = this.lookup('unlink', p);
    if (node === undefined) this.fail('unlink', p, 'ENOENT', 'no such file or directory');
    if (node.kind === 'dir') this.fail('unlink', p, 'EISDIR', 'is a directory');
    const { dir, name } = this.parentOf('unlink', p);
    dir.current.delete(name);
    dir.mtimeMs = this.nowMs();
  }

  async rmdir(path: string): Promise<void> {
    const p = this.begin('rmdir', path);
    if (p === '/') this.fail('rmdir', p, 'EBUSY', 'root');
    const node = this.lookup('rmdir', p);
    if (node === undefined) this.fail('rmdir', p, 'ENOENT', 'no such file or directory');
    if (node.kind !== 'dir') this.fail('rmdir', p, 'ENOTDIR', 'not a directory');
    if (node.current.size > 0) this.fail('rmdir', p, 'ENOTEMPTY', 'directory not empty');
    const { dir, name } = this.parentOf('rmdir', p);
    dir.current.delete(name);
    dir.mtimeMs = this.nowMs();
  }

  async syncDir(path: string): Promise<void> {
    const p = this.begin('syncDir', path);
    const node = this.lookup('syncDir', p);
    if (node === undefined) this.fail('syncDir', p, 'ENOENT', 'no such file or directory');
    if (node.kind !== 'dir') this.fail('syncDir', p, 'ENOTDIR', 'not a directory');
    node.durable = new Map(node.current);
    this.syncDirCount++;
  }

  // ---- simulation controls ----

  /** Power loss: see the header. Returns which files were torn. */
  crash(options: CrashOptions = {}): CrashReport {
    const rng = options.rng ?? this.rng;
    const tearProbability = options.tearProbability ?? 0;
    if (!(tearProbability >= 0 && tearProbability <= 1)) throw new RangeError(`tearProbability ${tearProbability}`);
    this.epoch++;
    this.crashCount++;
    this.handles.clear();
    const report: CrashReport = { torn: [] };
    const seen = new Set<SimNode>();
    const visit = (dir: SimDir, dirPath: string): void => {
      seen.add(dir);
      dir.current = new Map(dir.durable);
      for (const name of [...dir.durable.keys()].sort()) {
        const node = dir.durable.get(name)!;
        const path = posix.join(dirPath, name);
        if (seen.has(node)) continue;
        if (node.kind === 'dir') visit(node, path);
        else {
          seen.add(node);
          revertFile(node, path);
        }
      }
    };
    const revertFile = (file: SimFile, path: string): void => {
      const n = file.pending.length;
      if (n === 0) return; // current already equals durable
      file.current = file.durable;
      if (tearProbability > 0 && rng() < tearProbability) {
        const keptOps = Math.min(n, Math.floor(rng() * (n + 1)));
        for (let i = 0; i < keptOps; i++) file.current.apply(file.pending[i]!);
        let prefixBytes = 0;
        const next = file.pending[keptOps];
        if (next?.kind === 'write') {
          prefixBytes = Math.min(next.data.length, Math.floor(rng() * (next.data.length + 1)));
          if (prefixBytes > 0) file.current.write(next.position, next.data.subarray(0, prefixBytes));
        }
        report.torn.push({ path, keptOps, pendingOps: n, prefixBytes });
        file.mtimeMs = this.nowMs();
      } else {
        file.mtimeMs = file.durableMtimeMs;
      }
      file.durable = file.current.clone();
      file.durableMtimeMs = file.mtimeMs;
      file.pending = [];
    };
    visit(this.root, '/');
    return report;
  }

  /**
   * A view of this file system for one "process" that crashes the disk when it tries its
   * (operations+1)-th operation (every FileSystem and FileHandle call counts as one): `crash(options)`
   * runs, and that call and every later call through the view throw SimulatedCrash. So exactly
   * `operations` operations took effect. `view.crashed` says whether the crash happened.
   */
  crashAfter(operations: number, options: CrashOptions = {}): CrashingFileSystem {
    return new CrashingFileSystem(this, operations, options);
  }

  /** Makes the next `count` operations on matching paths fail; see FaultSpec. */
  injectFault(spec: FaultSpec): void {
    const { path: pathSpec, ops } = spec;
    let pathMatch: (path: string, op: StorageOp) => boolean;
    if (typeof pathSpec === 'string') {
      const exact = normalize(pathSpec);
      pathMatch = (p) => p === exact;
    } else if (pathSpec instanceof RegExp) {
      pathMatch = (p) => pathSpec.test(p);
    } else {
      pathMatch = pathSpec;
    }
    this.faults.push({
      match: (p, op) => (ops === undefined || ops.includes(op)) && pathMatch(p, op),
      remaining: spec.count ?? 1,
      code: spec.code ?? 'EIO',
    });
  }

  clearFaults(): void {
    this.faults = [];
  }

  resetCounters(): void {
    this.writeCount = this.datasyncCount = this.syncDirCount = 0;
    this.datasyncsByPath.clear();
  }

  /** Successful datasync calls on handles opened at `path`. */
  datasyncCountFor(path: string): number {
    return this.datasyncsByPath.get(normalize(path)) ?? 0;
  }

  /** Paths of handles opened since the last crash and not closed yet. */
  openHandles(): string[] {
    return [...this.handles].map((h) => h.path).sort();
  }

  /** The bytes at `path` as the process sees them (or, with durable, as a crash would leave them without tears); null if no file is there. */
  fileContent(path: string, options: { durable?: boolean } = {}): Buffer | null {
    const view = options.durable === true ? 'durable' : 'current';
    const node = this.find(normalize(path), view);
    if (node === undefined || typeof node === 'string' || node.kind !== 'file') return null;
    return Buffer.from(node[view].view());
  }

  /** The whole tree, path → bytes (files) or 'dir', sorted by path; root excluded. */
  dump(options: { durable?: boolean } = {}): Record<string, Buffer | 'dir'> {
    const view = options.durable === true ? 'durable' : 'current';
    const out: Record<string, Buffer | 'dir'> = {};
    const visit = (dir: SimDir, dirPath: string, seen: Set<SimDir>): void => {
      if (seen.has(dir)) return;
      seen.add(dir);
      for (const name of [...dir[view].keys()].sort()) {
        const node = dir[view].get(name)!;
        const path = posix.join(dirPath, name);
        if (node.kind === 'dir') {
          out[path] = 'dir';
          visit(node, path, seen);
        } else {
          out[path] = Buffer.from(node[view].view());
        }
      }
    };
    visit(this.root, '/', new Set());
    return out;
  }

  // ---- used by SimHandle ----

  /** @internal Checks that a handle may still be used, and injected faults. */
  checkHandle(handle: SimHandle, op: StorageOp, closed: boolean): void {
    if (handle.epoch !== this.epoch) this.fail(op, handle.path, 'EBADF', 'handle opened before a simulated crash');
    if (closed) this.fail(op, handle.path, 'EBADF', 'file handle is closed');
    this.checkFault(op, handle.path);
  }

  /** @internal True when the handle was opened before the last crash. */
  isStale(handle: SimHandle): boolean {
    return handle.epoch !== this.epoch;
  }

  /** @internal */
  touched(file: SimFile): void {
    file.mtimeMs = this.nowMs();
  }

  /** @internal */
  wrote(): void {
    this.writeCount++;
  }

  /** @internal */
  synced(handle: SimHandle): void {
    this.datasyncCount++;
    this.datasyncsByPath.set(handle.path, (this.datasyncsByPath.get(handle.path) ?? 0) + 1);
  }

  /** @internal */
  closed(handle: SimHandle): void {
    this.handles.delete(handle);
  }

  /** @internal */
  fail(op: StorageOp, path: string, code: string, message: string): never {
    throw new StorageError(op, path, errnoError(code, `${message}, ${op} '${path}'`));
  }

  // ---- internals ----

  private begin(op: StorageOp, path: string): string {
    const p = normalize(path);
    this.checkFault(op, p);
    return p;
  }

  private checkFault(op: StorageOp, path: string): void {
    for (const f of this.faults) {
      if (f.remaining > 0 && f.match(path, op)) {
        f.remaining--;
        this.fail(op, path, f.code, 'injected fault');
      }
    }
  }

  /** Walks `p` through the `view` entry maps: the node, undefined if absent, or 'ENOTDIR'. */
  private find(p: string, view: 'current' | 'durable'): SimNode | undefined | 'ENOTDIR' {
    let node: SimNode = this.root;
    for (const name of components(p)) {
      if (node.kind !== 'dir') return 'ENOTDIR';
      const next: SimNode | undefined = node[view].get(name);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  /** The node at `p` (undefined when absent); throws ENOTDIR when a parent is a file. */
  private lookup(op: StorageOp, p: string): SimNode | undefined {
    const node = this.find(p, 'current');
    if (node === 'ENOTDIR') this.fail(op, p, 'ENOTDIR', 'not a directory');
    return node;
  }

  /** The directory holding `p` and `p`'s name in it; throws ENOENT/ENOTDIR when it is not there. */
  private parentOf(op: StorageOp, p: string): { dir: SimDir; name: string } {
    const dir = this.lookup(op, posix.dirname(p));
    if (dir === undefined) this.fail(op, p, 'ENOENT', 'no such file or directory');
    if (dir.kind !== 'dir') this.fail(op, p, 'ENOTDIR', 'not a directory');
    return { dir, name: posix.basename(p) };
  }
}

function normalize(path: string): string {
  return posix.resolve('/', path);
}

function components(normalizedPath: string): string[] {
  return normalizedPath.split('/').filter((c) => c.length > 0);
}

class SimHandle implements FileHandle {
  private isClosed = false;

  constructor(
    private readonly fs: SimulatedFileSystem,
    readonly path: string,
    private readonly file: SimFile,
    private readonly writable: boolean,
    readonly epoch: number,
  ) {}

  private check(op: StorageOp, needsWrite = false): void {
    this.fs.checkHandle(this, op, this.isClosed);
    if (needsWrite && !this.writable) this.fs.fail(op, this.path, 'EBADF', 'file opened read-only');
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    this.check('read');
    if (!(offset >= 0 && length >= 0 && position >= 0 && offset + length <= buffer.length)) {
      this.fs.fail('read', this.path, 'EINVAL', `bad range offset=${offset} length=${length} position=${position}`);
    }
    const content = this.file.current.view();
    if (position >= content.length) return 0;
    return content.copy(buffer, offset, position, Math.min(content.length, position + length));
  }

  async writev(buffers: readonly Buffer[], position: number): Promise<void> {
    this.check('write', true);
    if (!(position >= 0)) this.fs.fail('write', this.path, 'EINVAL', `bad position ${position}`);
    const data = Buffer.concat(buffers); // a copy: the caller may reuse its buffers
    this.fs.wrote();
    if (data.length === 0) return;
    const op: PendingOp = { kind: 'write', position, data };
    this.file.current.apply(op);
    this.file.pending.push(op);
    this.fs.touched(this.file);
  }

  async size(): Promise<number> {
    this.check('size');
    return this.file.current.length;
  }

  async truncate(length: number): Promise<void> {
    this.check('truncate', true);
    if (!(length >= 0)) this.fs.fail('truncate', this.path, 'EINVAL', `bad length ${length}`);
    const op: PendingOp = { kind: 'truncate', length };
    this.file.current.apply(op);
    this.file.pending.push(op);
    this.fs.touched(this.file);
  }

  async datasync(): Promise<void> {
    this.check('datasync');
    for (const op of this.file.pending) this.file.durable.apply(op);
    this.file.pending = [];
    this.file.durableMtimeMs = this.file.mtimeMs;
    this.fs.synced(this);
  }

  async close(): Promise<void> {
    if (this.isClosed && !this.fs.isStale(this)) return; // idempotent, as in real-fs.ts
    this.check('close');
    this.isClosed = true;
    this.fs.closed(this);
  }
}

/** Thrown by a CrashingFileSystem at and after its crash point. */
export class SimulatedCrash extends Error {
  constructor() {
    super('simulated crash');
    this.name = 'SimulatedCrash';
  }
}

/** See SimulatedFileSystem.crashAfter. */
export class CrashingFileSystem implements FileSystem {
  private remaining: number;
  /** Operations that took effect through this view. */
  operations = 0;
  crashed = false;

  constructor(
    private readonly sim: SimulatedFileSystem,
    operations: number,
    private readonly crashOptions: CrashOptions,
  ) {
    this.remaining = operations;
  }

  /** @internal Runs one operation unless the crash point is reached. */
  async step<T>(run: () => Promise<T>): Promise<T> {
    if (this.crashed) throw new SimulatedCrash();
    if (this.remaining <= 0) {
      this.crashed = true;
      this.sim.crash(this.crashOptions);
      throw new SimulatedCrash();
    }
    this.remaining--;
    this.operations++;
    return run();
  }

  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    return new CrashingHandle(this, await this.step(() => this.sim.open(path, mode)));
  }
  readFile(path: string): Promise<Buffer> {
    return this.step(() => this.sim.readFile(path));
  }
  stat(path: string): Promise<FileStat | null> {
    return this.step(() => this.sim.stat(path));
  }
  readdir(path: string): Promise<string[]> {
    return this.step(() => this.sim.readdir(path));
  }
  mkdir(path: string): Promise<void> {
    return this.step(() => this.sim.mkdir(path));
  }
  rename(from: string, to: string): Promise<void> {
    return this.step(() => this.sim.rename(from, to));
  }
  unlink(path: string): Promise<void> {
    return this.step(() => this.sim.unlink(path));
  }
  rmdir(path: string): Promise<void> {
    return this.step(() => this.sim.rmdir(path));
  }
  syncDir(path: string): Promise<void> {
    return this.step(() => this.sim.syncDir(path));
  }
}

class CrashingHandle implements FileHandle {
  constructor(
    private readonly view: CrashingFileSystem,
    private readonly inner: FileHandle,
  ) {}
  get path(): string {
    return this.inner.path;
  }
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.view.step(() => this.inner.read(buffer, offset, length, position));
  }
  writev(buffers: readonly Buffer[], position: number): Promise<void> {
    return this.view.step(() => this.inner.writev(buffers, position));
  }
  size(): Promise<number> {
    return this.view.step(() => this.inner.size());
  }
  truncate(length: number): Promise<void> {
    return this.view.step(() => this.inner.truncate(length));
  }
  datasync(): Promise<void> {
    return this.view.step(() => this.inner.datasync());
  }
  close(): Promise<void> {
    return this.view.step(() => this.inner.close());
  }
}

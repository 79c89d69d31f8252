/**
 * The FileSystem of production: node:fs/promises, with the durability calls made explicit.
 *
 * - `open(path, 'w+')` is O_RDWR|O_CREAT: created if missing, never truncated, positional writes.
 * - `writev` loops until every byte is written (the kernel may write fewer bytes than asked, and
 *   at most IOV_MAX buffers go into one call).
 * - `read` loops until `length` bytes are read or the end of the file is reached.
 * - `datasync` is fdatasync; `syncDir` opens the directory read-only, fsyncs it, closes it.
 * - `stat` returns null when nothing is at the path (ENOENT, or ENOTDIR: a parent is a file).
 * - Every other failure is thrown as a StorageError carrying the operation, path and errno code.
 * - `close` is idempotent; any other use of a closed handle throws StorageError(EBADF).
 */
import { constants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { dirname } from 'node:path';

import type { FileHandle, FileStat, FileSystem, OpenMode } from './fs.js';
import { StorageError, errnoCode, type StorageOp } from './errors.js';

/** Linux's IOV_MAX: the most buffers one writev system call accepts. */
export const IOV_MAX_BUFFERS = 1024;

const OPEN_FLAGS: Record<OpenMode, number> = {
  r: constants.O_RDONLY,
  'r+': constants.O_RDWR,
  'w+': constants.O_RDWR | constants.O_CREAT,
};

function fail(op: StorageOp, path: string, cause: unknown): never {
  throw new StorageError(op, path, cause);
}

/**
 * Writes all of `buffers` at `position` through `writev`, which may write fewer bytes than asked
 * (a short write): the written prefix is dropped and the rest written again from where it stopped.
 * At most `maxBuffers` buffers go into one call. Exported for tests of the short-write path.
 */
export async function writevFully(
  writev: (buffers: Buffer[], position: number) => Promise<number>,
  buffers: readonly Buffer[],
  position: number,
  maxBuffers = IOV_MAX_BUFFERS,
): Promise<void> {
  let pending = buffers.filter((b) => b.length > 0);
  let pos = position;
  let first = 0; // index into `pending` of the first buffer not yet fully written
  while (first < pending.length) {
    const batch = pending.slice(first, first + maxBuffers);
    const asked = batch.reduce((n, b) => n + b.length, 0);
    const written = await writev(batch, pos);
    if (!(written > 0 && written <= asked)) {
      throw Object.assign(new Error(`writev wrote ${written} of ${asked} bytes`), { code: 'EIO' });
    }
    pos += written;
    let left = written;
    while (left > 0) {
      const b = pending[first]!;
      if (left >= b.length) {
        left -= b.length;
        first++;
      } else {
        pending = pending.slice(); // never mutate the caller's array
        pending[first] = b.subarray(left);
        left = 0;
      }
    }
  }
}

class NodeFileHandle implements FileHandle {
  private closed = false;

  constructor(
    readonly path: string,
    private readonly fh: fsp.FileHandle,
  ) {}

  private check(op: StorageOp): void {
    if (this.closed) fail(op, this.path, Object.assign(new Error('file handle is closed'), { code: 'EBADF' }));
  }

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    this.check('read');
    let total = 0;
    try {
      while (total < length) {
        const { bytesRead } = await this.fh.read(buffer, offset + total, length - total, position + total);
        if (bytesRead === 0) break;
        total += bytesRead;
      }
    } catch (err) {
      fail('read', this.path, err);
    }
    return total;
  }

  async writev(buffers: readonly Buffer[], position: number): Promise<void> {
    this.check('write');
    try {
      await writevFully(async (bufs, pos) => (await this.fh.writev(bufs, pos)).bytesWritten, buffers, position);
    } catch (err) {
      fail('write', this.path, err);
    }
  }

  async size(): Promise<number> {
    this.check('size');
    try {
      return (await this.fh.stat()).size;
    } catch (err) {
      fail('size', this.path, err);
    }
  }

  async truncate(length: number): Promise<void> {
    this.check('truncate');
    try {
      await this.fh.truncate(length);
    } catch (err) {
      fail('truncate', this.path, err);
    }
  }

  async datasync(): Promise<void> {
    this.check('datasync');
    try {
      await this.fh.datasync();
    } catch (err) {
      fail('datasync', this.path, err);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.fh.close();
    } catch (err) {
      fail('close', this.path, err);
    }
  }
}

export class NodeFileSystem implements FileSystem {
  async open(path: string, mode: OpenMode): Promise<FileHandle> {
    try {
      return new NodeFileHandle(path, await fsp.open(path, OPEN_FLAGS[mode], 0o666));
    } catch (err) {
      fail('open', path, err);
    }
  }

  async readFile(path: string): Promise<Buffer> {
    try {
      return await fsp.readFile(path);
    } catch (err) {
      fail('readFile', path, err);
    }
  }

  async stat(path: string): Promise<FileStat | null> {
    try {
      const s = await fsp.stat(path);
      return { size: s.size, isDirectory: s.isDirectory(), mtimeMs: s.mtimeMs };
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      fail('stat', path, err);
    }
  }

  async readdir(path: string): Promise<string[]> {
    try {
      return await fsp.readdir(path);
    } catch (err) {
      fail('readdir', path, err);
    }
  }

  async mkdir(path: string): Promise<void> {
    // One level at a time rather than fs.mkdir({ recursive: true }), which spins forever on
    // some paths (e.g. under /proc) instead of failing.
    const parent = dirname(path);
    if (parent !== path && (await this.stat(parent)) === null) await this.mkdir(parent);
    try {
      await fsp.mkdir(path);
    } catch (err) {
      if (errnoCode(err) === 'EEXIST' && (await this.stat(path))?.isDirectory) return;
      fail('mkdir', path, err);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    try {
      await fsp.rename(from, to);
    } catch (err) {
      fail('rename', from, err);
    }
  }

  async unlink(path: string): Promise<void> {
    try {
      await fsp.unlink(path);
    } catch (err) {
      fail('unlink', path, err);
    }
  }

  async rmdir(path: string): Promise<void> {
    try {
      await fsp.rmdir(path);
    } catch (err) {
      fail('rmdir', path, err);
    }
  }

  async syncDir(path: string): Promise<void> {
    let dir: fsp.FileHandle;
    try {
      dir = await fsp.open(path, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
    } catch (err) {
      fail('syncDir', path, err);
    }
    try {
      await dir.sync();
    } catch (err) {
      await dir.close().catch(() => undefined);
      fail('syncDir', path, err);
    }
    try {
      await dir.close();
    } catch (err) {
      fail('syncDir', path, err);
    }
  }
}

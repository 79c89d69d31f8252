/**
 * Kafka's checkpoint-file pattern: small files that are replaced whole, so that after a crash at
 * any point a reader finds either the old content or the new content, never a mix.
 *
 * writeFileAtomically: write `<path>.tmp` (truncated first: a crash may have left an older, longer
 * one), fdatasync it, close it, rename it over `<path>`, fsync the parent directory. The rename is
 * the commit point; the directory fsync makes it durable before the function returns.
 */
import { dirname } from 'node:path';

import type { FileSystem } from './fs.js';
import { isNotFound } from './errors.js';

/** The temporary file writeFileAtomically writes before renaming it over `path`. */
export function atomicTempPath(path: string): string {
  return `${path}.tmp`;
}

export async function writeFileAtomically(fs: FileSystem, path: string, data: Buffer): Promise<void> {
  const tmp = atomicTempPath(path);
  const handle = await fs.open(tmp, 'w+');
  try {
    await handle.truncate(0);
    await handle.writev([data], 0);
    await handle.datasync();
  } catch (err) {
    await handle.close().catch(() => undefined); // report the first failure, not the close
    throw err;
  }
  await handle.close();
  await fs.rename(tmp, path);
  await fs.syncDir(dirname(path));
}

/** The whole file, or null when it does not exist. */
export async function readFileIfExists(fs: FileSystem, path: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/**
 * Replaces a file's contents in place and syncs them (not atomic: for files that are rebuilt
 * when damaged, like indexes, or that are renamed into place afterwards, like cleaned segments).
 */
export async function writeWholeFile(fs: FileSystem, path: string, data: Buffer): Promise<void> {
  const h = await fs.open(path, 'w+');
  try {
    await h.truncate(0);
    if (data.length > 0) await h.writev([data], 0);
    await h.datasync();
  } finally {
    await h.close();
  }
}

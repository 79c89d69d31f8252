/**
 * All file access of the storage engine goes through this interface, so that tests can swap in
 * the simulated file system (sim-fs.ts), which loses unflushed writes on a simulated crash.
 *
 * Durability contract (the same as a POSIX file system with a careful caller):
 * - file contents written with `write`/`writev` are durable only after `datasync()` on that handle;
 * - creating, renaming or deleting a directory entry is durable only after `syncDir()` on the
 *   directory that holds it;
 * - `truncate` changes the size at once; it is durable after the next `datasync()`.
 * Paths are absolute or relative to the process; the engine always passes joined paths.
 */

export interface FileStat {
  size: number;
  isDirectory: boolean;
  /** Last modification time, ms since the epoch (retention uses it only as a fallback). */
  mtimeMs: number;
}

export interface FileHandle {
  readonly path: string;
  /** Reads up to `length` bytes at `position` into `buffer` at `offset`; returns bytes read (0 at end). */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** Writes all of `buffers`, in order, starting at `position`, in one system call where possible. */
  writev(buffers: readonly Buffer[], position: number): Promise<void>;
  /** Current size in bytes. */
  size(): Promise<number>;
  truncate(length: number): Promise<void>;
  /** Makes the file's contents (not its directory entry) durable: fdatasync. */
  datasync(): Promise<void>;
  close(): Promise<void>;
}

export type OpenMode =
  /** Read only; the file must exist. */
  | 'r'
  /** Read and write; the file must exist. */
  | 'r+'
  /** Read and write; created empty if missing (creation durable after syncDir of its parent). */
  | 'w+';

export interface FileSystem {
  open(path: string, mode: OpenMode): Promise<FileHandle>;
  /** Whole-file read, for small files (checkpoints, properties). */
  readFile(path: string): Promise<Buffer>;
  /** Null when nothing exists at `path`. */
  stat(path: string): Promise<FileStat | null>;
  /** Names (not paths) of the entries of a directory, in no particular order. */
  readdir(path: string): Promise<string[]>;
  /** Creates the directory and missing parents; no error if it exists. */
  mkdir(path: string): Promise<void>;
  /** Atomically replaces `to` with `from` (POSIX rename). */
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** Removes an empty directory. */
  rmdir(path: string): Promise<void>;
  /** Makes the directory's entries (creations, renames, deletions) durable: fsync on the directory. */
  syncDir(path: string): Promise<void>;
}

/**
 * Errors raised by FileSystem implementations (real-fs.ts, sim-fs.ts).
 *
 * Every failing file-system operation surfaces as a StorageError naming the operation, the path
 * and the errno code, so that the log layer can tell "nothing there" (ENOENT) from a failing disk
 * and take the log dir offline (Kafka's KAFKA_STORAGE_ERROR) instead of crashing the process.
 */

/** The FileSystem / FileHandle operation that failed. */
export type StorageOp =
  | 'open'
  | 'read'
  | 'write'
  | 'size'
  | 'truncate'
  | 'datasync'
  | 'close'
  | 'readFile'
  | 'stat'
  | 'readdir'
  | 'mkdir'
  | 'rename'
  | 'unlink'
  | 'rmdir'
  | 'syncDir';

export class StorageError extends Error {
  /** The operation that failed. */
  readonly op: StorageOp;
  /** The path it failed on (for rename: the source; the message names both). */
  readonly path: string;
  /** The errno code (`ENOENT`, `EIO`, `ENOSPC`, ...); `EIO` when the cause carries none. */
  readonly code: string;

  constructor(op: StorageOp, path: string, cause?: unknown) {
    const code = errnoCode(cause) ?? 'EIO';
    const detail = cause instanceof Error ? cause.message : cause === undefined ? code : String(cause);
    super(`${op} ${path} failed: ${detail}`, cause === undefined ? undefined : { cause });
    this.name = 'StorageError';
    this.op = op;
    this.path = path;
    this.code = code;
  }
}

export function isStorageError(err: unknown): err is StorageError {
  return err instanceof StorageError;
}

/** True when `err` says that nothing exists at the path (ENOENT). */
export function isNotFound(err: unknown): boolean {
  return err instanceof StorageError ? err.code === 'ENOENT' : errnoCode(err) === 'ENOENT';
}

/** The `code` string of a Node system error (or anything shaped like one). */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

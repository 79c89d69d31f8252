/** Errors of the log layer (file-system errors are StorageError, in errors.ts). */

/** An index file that cannot be trusted; recovery rebuilds it from the segment. */
export class IndexCorruptError extends Error {
  override readonly name = 'IndexCorruptError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`corrupt index ${path}: ${reason}`);
  }
}

/** A log file or directory the engine cannot use; the message names the file. */
export class LogCorruptError extends Error {
  override readonly name = 'LogCorruptError';
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** An append the log refuses (the caller answers the client with `errorCode`). */
export class AppendRejectedError extends Error {
  override readonly name = 'AppendRejectedError';
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
  }
}

/** A read or truncation at an offset outside [logStartOffset, logEndOffset]. */
export class OffsetOutOfRangeError extends Error {
  override readonly name = 'OffsetOutOfRangeError';
  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
  ) {
    super(`offset ${offset} is out of range [${logStartOffset}, ${logEndOffset}]`);
  }
}

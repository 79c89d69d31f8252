/**
 * The two kinds of failure a tool reports to its user, and how: a UsageError (bad command line)
 * prints the message and the usage text and exits 2; a ToolError (the command could not be done:
 * unreachable broker, unknown topic, a Kafka error code) prints the message and exits 1. Neither
 * prints a stack trace; anything else is a bug and does (see run.ts).
 */

export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** Print the usage text after the message (Kafka's printUsageAndExit). */
    readonly showUsage = true,
  ) {
    super(message);
  }
}

export class ToolError extends Error {
  override readonly name = 'ToolError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Thrown to end a tool early with a given exit status after it has printed what it had to. */
export class ExitRequest extends Error {
  override readonly name = 'ExitRequest';
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

/**
 * The one error type a decoder throws for malformed bytes. Callers at the network edge catch it,
 * log the reason and close the connection; anything else escaping a decoder is a bug.
 */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  /** Byte offset in the input at which decoding failed. */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(`${message} (at byte ${offset})`);
    this.offset = offset;
  }
}

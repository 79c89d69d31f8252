/**
 * Kafka's framing: each request is a 4-byte big-endian size followed by that many bytes. This
 * incremental decoder turns socket chunks into whole frames. A frame inside one chunk is a view
 * of it (no copy); a frame split across chunks is assembled into one buffer of exactly its size.
 * A size that is negative or above the limit (socket.request.max.bytes) is an error: the caller
 * logs it and closes the connection, as Kafka does.
 */

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

export class FrameDecoder {
  private readonly maxFrameBytes: number;
  /** Bytes of a size prefix split across chunks. */
  private readonly sizeBytes = Buffer.alloc(4);
  private sizeHave = 0;
  /** The frame being assembled, once its size is known and it spans chunks. */
  private partial: Buffer | null = null;
  private partialHave = 0;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** True when no partial frame is buffered. */
  get isIdle(): boolean {
    return this.sizeHave === 0 && this.partial === null;
  }

  /** Feeds a chunk; returns the frames it completes (payloads without the size prefix). */
  push(chunk: Buffer): Buffer[] {
    const frames: Buffer[] = [];
    let at = 0;
    while (at < chunk.length) {
      if (this.partial !== null) {
        const need = this.partial.length - this.partialHave;
        const take = Math.min(need, chunk.length - at);
        chunk.copy(this.partial, this.partialHave, at, at + take);
        this.partialHave += take;
        at += take;
        if (this.partialHave === this.partial.length) {
          frames.push(this.partial);
          this.partial = null;
          this.partialHave = 0;
        }
        continue;
      }
      let size: number;
      if (this.sizeHave === 0 && chunk.length - at >= 4) {
        size = chunk.readInt32BE(at);
        at += 4;
      } else {
        const take = Math.min(4 - this.sizeHave, chunk.length - at);
        chunk.copy(this.sizeBytes, this.sizeHave, at, at + take);
        this.sizeHave += take;
        at += take;
        if (this.sizeHave < 4) break;
        size = this.sizeBytes.readInt32BE(0);
        this.sizeHave = 0;
      }
      if (size < 0) throw new FrameError(`negative frame size ${size}`);
      if (size > this.maxFrameBytes) {
        throw new FrameError(`frame of ${size} bytes is larger than socket.request.max.bytes (${this.maxFrameBytes})`);
      }
      if (chunk.length - at >= size) {
        frames.push(chunk.subarray(at, at + size));
        at += size;
      } else {
        this.partial = Buffer.allocUnsafe(size);
        this.partialHave = 0;
      }
    }
    return frames;
  }
}

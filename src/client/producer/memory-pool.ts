/**
 * buffer.memory accounting: bytes of records held by the producer (queued or in flight). A
 * send() reserves its record's estimated size before it is queued and the bytes come back when
 * the record's batch completes. When the pool is used up, reservations wait in FIFO order (so
 * records keep their send order) until bytes come back or their deadline (max.block.ms) passes.
 */
import { timeoutError } from '../errors.js';

interface Waiter {
  bytes: number;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class MemoryPool {
  readonly totalBytes: number;
  private availableBytes: number;
  private readonly waiters: Waiter[] = [];

  /** `onWaiting` is called when a reservation starts waiting (the sender then sends what it has). */
  constructor(totalBytes: number, private readonly onWaiting: () => void = () => undefined) {
    this.totalBytes = totalBytes;
    this.availableBytes = totalBytes;
  }

  get available(): number {
    return this.availableBytes;
  }

  /** Sends are waiting for memory: the sender should send what it has (Kafka's "exhausted"). */
  get exhausted(): boolean {
    return this.waiters.length > 0;
  }

  /** Takes `bytes` now if possible without overtaking a waiter. */
  tryReserve(bytes: number): boolean {
    if (this.waiters.length > 0 || bytes > this.availableBytes) return false;
    this.availableBytes -= bytes;
    return true;
  }

  /** Waits for `bytes` until `deadlineMs`; rejects with REQUEST_TIMED_OUT naming max.block.ms. */
  reserve(bytes: number, deadlineMs: number, maxBlockMs: number): Promise<void> {
    if (this.tryReserve(bytes)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(timeoutError(`Failed to allocate ${bytes} bytes within the configured max blocking time ${maxBlockMs} ms (buffer.memory=${this.totalBytes} is used up).`));
          this.grant();
        }, Math.max(0, deadlineMs - Date.now())),
      };
      this.waiters.push(waiter);
      this.onWaiting();
    });
  }

  release(bytes: number): void {
    this.availableBytes += bytes;
    if (this.availableBytes > this.totalBytes) throw new Error(`memory pool: released more than reserved (${this.availableBytes} > ${this.totalBytes})`);
    this.grant();
  }

  /** Fails every waiter (producer closing). */
  failWaiters(error: Error): void {
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(error);
    }
  }

  private grant(): void {
    while (this.waiters.length > 0 && this.waiters[0]!.bytes <= this.availableBytes) {
      const w = this.waiters.shift()!;
      clearTimeout(w.timer);
      this.availableBytes -= w.bytes;
      w.resolve();
    }
  }
}

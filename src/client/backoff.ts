/**
 * Exponential backoff with jitter (KIP-580): attempt n (0-based) waits initialMs * 2^n, times a
 * random factor in [0.8, 1.2), never more than maxMs. Used for request retries
 * (retry.backoff.ms / retry.backoff.max.ms) and reconnects (reconnect.backoff.*).
 */
export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
}

const JITTER = 0.2;

export function backoffMs(settings: BackoffSettings, attempt: number, random: () => number = Math.random): number {
  if (settings.initialMs <= 0) return 0;
  const cap = Math.max(settings.initialMs, settings.maxMs);
  const exp = Math.min(Math.max(attempt, 0), 32);
  const term = Math.min(settings.initialMs * 2 ** exp, cap);
  const factor = 1 - JITTER + random() * 2 * JITTER;
  return Math.min(Math.floor(term * factor), cap);
}

/**
 * Resolves after `ms`. The timer keeps the process alive: somebody awaits the retry it delays,
 * and a script awaiting an admin call must not exit silently in the middle of a backoff.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

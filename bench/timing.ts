/** Timing helpers for benchmarks (never used by tests). */

/** Runs fn repeatedly for about `targetMs` and returns operations per second. */
export function opsPerSecond(fn: () => void, targetMs = 500): number {
  // Warm up so the JIT has compiled the hot path before we time it.
  for (let i = 0; i < 20; i++) fn();
  let iterations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(targetMs) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 10; i++) fn();
    iterations += 10;
    now = process.hrtime.bigint();
  }
  return iterations / (Number(now - start) / 1e9);
}

export function mbPerSecond(bytesPerOp: number, ops: number): number {
  return (bytesPerOp * ops) / 1e6;
}

export function fmt(n: number, digits = 1): string {
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * Model-based test of the partition log: random sequences of append / read / offsetForTimestamp /
 * roll / truncateTo / retention (the clock moves, then runRetention) / DeleteRecords / clean
 * restart, run against the real log (simulated disk) and against LogModel
 * (test/support/log-model.ts). After every step both must give the same answers: reads (the same
 * records, from the first batch holding the offset, whole batches within maxBytes with at least
 * one unless told otherwise, never reaching the bound, one segment at a time), offset lookups by
 * timestamp, errors, log start and end offsets, segment base offsets and sizes.
 *
 * Seeded (failures print the seed and the steps); TRIBUTARY_MODEL_SEED=<n> runs one seed.
 * Compaction hooks in: add a step to STEPS (see LogModel.compact).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimulatedFileSystem } from '../../src/storage/sim-fs.js';
import type { LogManager } from '../../src/storage/log-manager.js';
import type { PartitionLog } from '../../src/storage/partition-log.js';
import { AppendRejectedError, OffsetOutOfRangeError } from '../../src/storage/log-errors.js';
import { buildRecordBatch } from '../../src/protocol/records/builder.js';
import { RecordBatch } from '../../src/protocol/records/record-batch.js';
import { Prng } from '../support/prng.js';
import { settings as settingsWith, startManager, TestClock } from '../support/storage.js';
import { decodeBatches } from '../support/log-check.js';
import { LogModel, ModelError, type ModelRecord } from '../support/log-model.js';

const SEEDS = 80;
const STEPS_PER_SEED = 150;
const TOPIC = 't';

class ModelRun {
  readonly rnd: Prng;
  readonly fs = new SimulatedFileSystem();
  readonly clock = new TestClock(1_000_000);
  readonly settings;
  readonly model: LogModel;
  mgr!: LogManager;
  log!: PartitionLog;
  readonly trail: string[] = [];
  private tags = 0;
  /** Steps taken by kind, to check the run exercised them. */
  readonly counts = new Map<string, number>();

  constructor(readonly seed: number) {
    this.rnd = new Prng(seed);
    this.settings = settingsWith({
      segmentBytes: 400 + this.rnd.below(2600),
      indexIntervalBytes: 1 + this.rnd.below(500),
      segmentMs: this.rnd.pick([5_000, 7 * 24 * 3600 * 1000]),
      retentionMs: this.rnd.pick([-1, 8_000, 30_000]),
      retentionBytes: this.rnd.pick([-1, 1500, 6000]),
      fileDeleteDelayMs: 0,
    });
    this.model = new LogModel(this.settings, this.clock.now);
  }

  fail(message: string): never {
    const s = this.settings;
    throw new Error(
      `seed ${this.seed}: ${message}\n  settings segmentBytes=${s.segmentBytes} indexIntervalBytes=${s.indexIntervalBytes} segmentMs=${s.segmentMs} retentionMs=${s.retentionMs} retentionBytes=${s.retentionBytes}` +
        `\n  last steps: ${this.trail.slice(-15).join(' | ')}`,
    );
  }

  note(step: string): void {
    this.trail.push(step);
    if (this.trail.length > 40) this.trail.shift();
  }

  async start(): Promise<void> {
    this.mgr = await startManager(this.fs, this.clock, this.settings, { maxOpenFiles: 2, maxLoadedIndexes: 2, seed: this.seed });
    this.log = await this.mgr.getOrCreateLog(TOPIC, 0);
  }

  /** Runs the same call on both; they must both succeed or both fail the same way. */
  async both<T, U>(what: string, real: () => Promise<T>, model: () => U): Promise<{ real: T; model: U } | null> {
    let m: U | undefined;
    let mErr: ModelError | null = null;
    try {
      m = model();
    } catch (e) {
      if (!(e instanceof ModelError)) throw e;
      mErr = e;
    }
    let r: T;
    try {
      r = await real();
    } catch (e) {
      const kind = e instanceof OffsetOutOfRangeError ? 'offset-out-of-range' : e instanceof AppendRejectedError ? 'record-list-too-large' : null;
      if (mErr !== null && kind === mErr.kind) return null;
      this.fail(`${what}: the log threw ${(e as Error).stack}\n  the model ${mErr === null ? 'answered' : `threw ${mErr.kind}`}`);
    }
    if (mErr !== null) this.fail(`${what}: the log answered, the model threw ${mErr.kind}: ${mErr.message}`);
    return { real: r, model: m! };
  }

  /** Offsets, segments and sizes agree. */
  checkShape(after: string): void {
    const { log, model } = this;
    const real = { start: log.logStartOffset, end: log.logEndOffset, bases: log.segmentBaseOffsets, size: log.size };
    const want = { start: model.logStartOffset, end: model.logEndOffset, bases: model.segmentBaseOffsets, size: model.size };
    if (JSON.stringify(real) !== JSON.stringify(want)) this.fail(`after ${after}: log ${JSON.stringify(real)}\n  model ${JSON.stringify(want)}`);
    if (real.start > real.end) this.fail(`after ${after}: log start ${real.start} is past the log end ${real.end}`);
  }

  /** A batch of 1-8 records with out-of-order timestamps around now. */
  makeBatch(): { batch: RecordBatch; records: { value: string; timestamp: number }[] } {
    const tag = `b${this.tags++}`;
    const count = 1 + this.rnd.below(8);
    const base = this.clock.now - this.rnd.below(3000);
    const records = Array.from({ length: count }, (_, i) => ({ value: `${tag}-${i}${'~'.repeat(this.rnd.below(4) === 0 ? this.rnd.below(300) : this.rnd.below(20))}`, timestamp: base + this.rnd.below(2000) }));
    const bytes = buildRecordBatch(records.map((r) => ({ key: null, value: Buffer.from(r.value), timestamp: r.timestamp })));
    return { batch: new RecordBatch(bytes), records };
  }

  count(kind: string): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  /** An offset to ask about: mostly inside the log, sometimes at or past its ends. */
  someOffset(): number {
    const { logStartOffset: s, logEndOffset: e } = this.model;
    const r = this.rnd.below(20);
    if (r === 0) return Math.max(0, s - 1 - this.rnd.below(3));
    if (r === 1) return e + this.rnd.below(3);
    if (r === 2) return e;
    return s + this.rnd.below(Math.max(1, e - s));
  }
}

function recordsOf(bytes: Buffer, what: string): ModelRecord[] {
  return decodeBatches(bytes, what).flatMap((b) => b.values.map((value, i) => ({ offset: b.baseOffset + i, value, timestamp: b.timestamps[i]! })));
}

interface Step {
  name: string;
  weight: number;
  run(r: ModelRun): Promise<void>;
}

/** The steps, by weight. Compaction adds { name: 'clean', ... } here (see LogModel.compact). */
const STEPS: Step[] = [
  {
    name: 'append',
    weight: 40,
    async run(r) {
      const n = 1 + (r.rnd.below(4) === 0 ? r.rnd.below(3) : 0);
      const made = Array.from({ length: n }, () => r.makeBatch());
      r.note(`append(${made.map((m) => `${m.records.length}r/${m.batch.bytes.length}B`).join(',')})`);
      const got = await r.both(
        'append',
        async () => (await r.log.append(made.map((m) => m.batch), { leaderEpoch: 0, nowMs: r.clock.now })).firstOffset,
        () => r.model.append(made.map((m) => ({ size: m.batch.bytes.length, records: m.records })), r.clock.now),
      );
      if (got !== null && got.real !== got.model) r.fail(`append: first offset ${got.real}, the model says ${got.model}`);
    },
  },
  {
    name: 'read',
    weight: 25,
    async run(r) {
      const offset = r.someOffset();
      const maxBytes = r.rnd.pick([1, 60, 200, 700, 2000, 1 << 20]);
      const upperBound = r.rnd.below(3) === 0 ? r.someOffset() : undefined;
      const minOneBatch = r.rnd.below(4) === 0 ? false : undefined;
      const what = `read(${offset}, maxBytes ${maxBytes}, upperBound ${upperBound}, minOneBatch ${minOneBatch})`;
      r.note(what);
      const opts = { maxBytes, upperBound, minOneBatch };
      const got = await r.both(what, () => r.log.read(offset, opts), () => r.model.read(offset, opts));
      if (got === null) return;
      const real = recordsOf(got.real.records, what);
      if (JSON.stringify(real) !== JSON.stringify(got.model.records) || got.real.firstBatchOffset !== got.model.firstBatchOffset) {
        const show = (rs: ModelRecord[]): string => `${rs.length} records [${rs.slice(0, 3).map((x) => x.offset).join(',')}..${rs.slice(-2).map((x) => x.offset).join(',')}]`;
        r.fail(`${what}: the log returned ${show(real)} (first batch ${got.real.firstBatchOffset}), the model ${show(got.model.records)} (first batch ${got.model.firstBatchOffset})\n  segments ${JSON.stringify(r.model.segmentBaseOffsets)}`);
      }
    },
  },
  {
    name: 'offsetForTimestamp',
    weight: 8,
    async run(r) {
      const ts = r.clock.now - 4000 + r.rnd.below(6000);
      r.note(`offsetForTimestamp(${ts})`);
      const got = await r.both('offsetForTimestamp', () => r.log.offsetForTimestamp(ts), () => r.model.offsetForTimestamp(ts));
      const real = got?.real === null || got === null ? null : { offset: got.real.offset, timestamp: got.real.timestamp };
      if (got !== null && JSON.stringify(real) !== JSON.stringify(got.model)) {
        const segs = r.model.segments.map((sg) => `[${sg.baseOffset}: ${sg.batches.map((b) => `${b.baseOffset}-${b.lastOffset}/max ${b.maxTimestamp}`).join(', ')}]`);
        r.fail(`offsetForTimestamp(${ts}): the log says ${JSON.stringify(real)}, the model ${JSON.stringify(got.model)} (log start ${r.model.logStartOffset})\n  segments ${segs.join(' ')}`);
      }
    },
  },
  {
    name: 'roll',
    weight: 4,
    async run(r) {
      r.note('roll');
      await r.both('roll', () => r.log.roll(r.clock.now), () => r.model.roll(r.clock.now));
    },
  },
  {
    name: 'truncateTo',
    weight: 3,
    async run(r) {
      // Mostly a batch boundary (follower truncation), sometimes inside a batch.
      const boundaries = r.model.segments.flatMap((s) => s.batches.map((b) => b.baseOffset));
      const offset = r.rnd.below(3) === 0 || boundaries.length === 0 ? r.someOffset() : r.rnd.pick(boundaries);
      r.note(`truncateTo(${offset})`);
      await r.both(`truncateTo(${offset})`, () => r.log.truncateTo(offset), () => r.model.truncateTo(offset, r.clock.now));
    },
  },
  {
    name: 'retention',
    weight: 6,
    async run(r) {
      const ms = r.rnd.pick([0, 1000, 5000, 20_000]);
      r.clock.advance(ms);
      r.note(`+${ms}ms retention`);
      // One call applies all three rules, as Kafka's deleteOldSegments.
      const real = await r.mgr.runRetention();
      await r.mgr.runPendingDeletes();
      const model = r.model.applyRetention(r.clock.now);
      if (real !== model) r.fail(`retention deleted ${real} segments, the model ${model}`);
    },
  },
  {
    name: 'deleteRecords',
    weight: 3,
    async run(r) {
      const offset = r.someOffset();
      r.note(`deleteRecords(${offset})`);
      await r.both(`deleteRecords(${offset})`, () => r.mgr.advanceLogStartOffset(TOPIC, 0, offset), () => r.model.advanceLogStartOffset(offset));
    },
  },
  {
    name: 'restart',
    weight: 3,
    async run(r) {
      r.note('restart');
      await r.mgr.shutdown();
      await r.start();
    },
  },
  {
    name: 'tick',
    weight: 8,
    async run(r) {
      r.clock.advance(r.rnd.below(1500));
    },
  },
];

async function runModelSeed(seed: number): Promise<Map<string, number>> {
  const r: ModelRun = new ModelRun(seed);
  await r.start();
  const total = STEPS.reduce((n, s) => n + s.weight, 0);
  for (let i = 0; i < STEPS_PER_SEED; i++) {
    let pick = r.rnd.below(total);
    const step = STEPS.find((s) => (pick -= s.weight) < 0)!;
    r.count(step.name);
    await step.run(r);
    r.checkShape(r.trail[r.trail.length - 1] ?? step.name);
  }
  await r.mgr.shutdown();
  return r.counts;
}

test(`the log answers as the model does (${SEEDS} seeds x ${STEPS_PER_SEED} steps)`, async () => {
  const only = process.env['TRIBUTARY_MODEL_SEED'];
  const seeds = only !== undefined ? [Number(only)] : Array.from({ length: SEEDS }, (_, i) => i + 1);
  const counts = new Map<string, number>();
  for (const seed of seeds) for (const [k, v] of await runModelSeed(seed)) counts.set(k, (counts.get(k) ?? 0) + v);
  if (only === undefined) for (const s of STEPS) assert.ok((counts.get(s.name) ?? 0) > SEEDS, `${s.name}: ${counts.get(s.name)}`);
});

// ---------------------------------------------------------------- single cases, found by the model

async function freshLog(overrides: Parameters<typeof startManager>[2] = {}): Promise<{ fs: SimulatedFileSystem; clock: TestClock; mgr: LogManager; log: PartitionLog }> {
  const fs = new SimulatedFileSystem();
  const clock = new TestClock(1_000_000);
  const mgr = await startManager(fs, clock, overrides);
  return { fs, clock, mgr, log: await mgr.getOrCreateLog(TOPIC, 0) };
}

/** Appends one batch of `count` records and returns its first offset. */
async function appendRecords(log: PartitionLog, clock: TestClock, count: number, pad = 0): Promise<number> {
  const records = Array.from({ length: count }, (_, i) => ({ value: Buffer.from(`v${i}${'.'.repeat(pad)}`), timestamp: clock.now + i }));
  const r = await log.append([new RecordBatch(buildRecordBatch(records))], { leaderEpoch: 0, nowMs: clock.now });
  await r.durable;
  return r.firstOffset;
}

test('truncateTo into an earlier segment after a restart: the log end is that batch, not the segment base (was: 0, offsets reused)', async () => {
  let { fs, clock, mgr, log } = await freshLog({ segmentBytes: 300 });
  for (let i = 0; i < 6; i++) await appendRecords(log, clock, 2, 60);
  assert.ok(log.segmentCount >= 3);
  await mgr.shutdown();
  mgr = await startManager(fs, clock, { segmentBytes: 300 });
  log = mgr.getLog(TOPIC, 0)!;
  const bases = log.segmentBaseOffsets;
  await log.truncateTo(bases[bases.length - 1]!);
  assert.equal(log.logEndOffset, bases[bases.length - 1]);
  assert.equal(await appendRecords(log, clock, 1), bases[bases.length - 1]);
  await mgr.shutdown();
});

test('read with minOneBatch=false and a first batch over maxBytes returns nothing, never a later segment (was: skipped to it)', async () => {
  const { clock, mgr, log } = await freshLog({ segmentBytes: 400 });
  await appendRecords(log, clock, 3, 100); // offsets 0-2, over 300 bytes
  await appendRecords(log, clock, 1); // rolls: offset 3 in the next segment
  assert.equal(log.segmentCount, 2);
  const r = await log.read(0, { maxBytes: 200, minOneBatch: false });
  assert.equal(r.records.length, 0);
  assert.equal(r.firstBatchOffset, -1);
  await mgr.shutdown();
});

test('offsetForTimestamp with a mid-batch log start looks on in the same segment (was: null)', async () => {
  const { clock, mgr, log } = await freshLog();
  // Batch 0-2: timestamps 5000, 1000, 1000; batch 3-4: 3000, 3000.
  const batch = (ts: number[]): RecordBatch => new RecordBatch(buildRecordBatch(ts.map((t, i) => ({ value: Buffer.from(`r${i}`), timestamp: t }))));
  await (await log.append([batch([5000, 1000, 1000])], { leaderEpoch: 0, nowMs: clock.now })).durable;
  await (await log.append([batch([3000, 3000])], { leaderEpoch: 0, nowMs: clock.now })).durable;
  await mgr.advanceLogStartOffset(TOPIC, 0, 1);
  // Offset 0 (5000) is below the log start; the answer is offset 3.
  assert.deepEqual(await log.offsetForTimestamp(2000), { timestamp: 3000, offset: 3, leaderEpoch: 0 });
  await mgr.shutdown();
});

test(
  'truncateTo inside the batch that holds a mid-batch log start leaves log start <= log end',
  async () => {
    const { clock, mgr, log } = await freshLog();
    await appendRecords(log, clock, 7);
    await appendRecords(log, clock, 2);
    await mgr.advanceLogStartOffset(TOPIC, 0, 5);
    await log.truncateTo(5);
    assert.ok(log.logStartOffset <= log.logEndOffset, `log start ${log.logStartOffset}, log end ${log.logEndOffset}`);
    const next = await appendRecords(log, clock, 1);
    assert.ok(next >= log.logStartOffset, `the next append got offset ${next}, below the log start ${log.logStartOffset}`);
    await mgr.shutdown();
  },
);

test('one runRetention call applies the log start, retention.bytes and retention.ms together, as Kafka\'s deleteOldSegments (was: the first rule that deleted)', async () => {
  const { clock, mgr, log } = await freshLog({ segmentBytes: 300, retentionMs: 10_000, retentionBytes: 1000 });
  for (let i = 0; i < 10; i++) {
    await appendRecords(log, clock, 2, 80);
    clock.advance(1000);
  }
  const before = log.segmentCount;
  // About ten one-batch segments: the two oldest are past retention.ms, six are over retention.bytes.
  clock.advance(1_500);
  const deleted = await mgr.runRetention();
  assert.equal(await mgr.runRetention(), 0, `a second call still deleted (the first deleted ${deleted} of ${before})`);
  await mgr.shutdown();
});

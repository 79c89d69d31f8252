/**
 * kafka-producer-perf-test.sh: sends --num-records records of --record-size random upper-case
 * letters (or payloads from --payload-file, or increasing numbers with --payload-monotonic) as
 * fast as allowed by --throughput (records/s, -1: no limit), prints a progress line every 5 s and
 * Kafka's final report line with latency percentiles (latency: from send() to acknowledgement).
 */
import { readFileSync } from 'node:fs';
import { parseKeyValues, requireOptions, type ParsedArgs, type ToolSpec } from './args.js';
import { loadProperties } from './common.js';
import { ToolError, UsageError } from './errors.js';
import { openProducer } from './lazy.js';
import { ProducerStats, Throttler } from './perf-stats.js';
import type { RecordMetadata } from '../client/types.js';
import { isMain, main, type Tool } from './run.js';

export const spec: ToolSpec = {
  name: 'kafka-producer-perf-test.sh',
  description: 'This tool is used to verify the producer performance.',
  positionals: undefined,
  options: [
    { name: 'topic', kind: 'string', metavar: 'TOPIC', required: true, description: 'produce messages to this topic' },
    { name: 'num-records', kind: 'long', metavar: 'NUM-RECORDS', required: true, description: 'number of messages to produce' },
    { name: 'record-size', kind: 'int', metavar: 'RECORD-SIZE', description: 'message size in bytes. Note that you must provide exactly one of --record-size or --payload-file or --payload-monotonic.' },
    { name: 'payload-file', kind: 'string', metavar: 'PAYLOAD-FILE', description: 'file to read the message payloads from. This works only for UTF-8 encoded text files. Payloads will be read from this file and a payload will be randomly selected when sending messages. Note that you must provide exactly one of --record-size or --payload-file or --payload-monotonic.' },
    { name: 'payload-monotonic', kind: 'flag', description: 'payload is monotonically increasing integer. Note that you must provide exactly one of --record-size or --payload-file or --payload-monotonic.' },
    { name: 'payload-delimiter', kind: 'string', metavar: 'PAYLOAD-DELIMITER', defaultValue: '\\n', description: 'provides delimiter to be used when --payload-file is provided. Defaults to new line. Note that this parameter will be ignored if --payload-file is not provided.' },
    { name: 'throughput', kind: 'double', metavar: 'THROUGHPUT', required: true, description: 'throttle maximum message throughput to *approximately* THROUGHPUT messages/sec. Set this to -1 to disable throttling.' },
    { name: 'producer-props', kind: 'string', metavar: 'PROP-NAME=PROP-VALUE', multiValue: true, description: 'kafka producer related configuration properties like bootstrap.servers,client.id etc. These configs take precedence over those passed via --producer.config.' },
    { name: 'producer.config', kind: 'string', metavar: 'CONFIG-FILE', description: 'producer config properties file.' },
    { name: 'bootstrap-server', kind: 'string', metavar: 'BOOTSTRAP-SERVERS', description: 'The server(s) to connect to (sets bootstrap.servers).' },
    { name: 'command-property', kind: 'string', metavar: 'PROP-NAME=PROP-VALUE', multiValue: true, description: 'The newer name of --producer-props.' },
    { name: 'command-config', kind: 'string', metavar: 'CONFIG-FILE', description: 'The newer name of --producer.config.' },
    { name: 'print-metrics', kind: 'flag', description: 'print out metrics at the end of the test.' },
    { name: 'transactional-id', kind: 'string', metavar: 'TRANSACTIONAL-ID', description: 'The transactional id to use (transactions are not supported yet).' },
    { name: 'transaction-duration-ms', kind: 'long', metavar: 'TRANSACTION-DURATION', description: 'The max age of each transaction (transactions are not supported yet).' },
    { name: 'warmup-records', kind: 'long', metavar: 'WARMUP-RECORDS', defaultValue: '0', description: 'The number of records to treat as warmup; these initial records will not be included in steady-state statistics. An additional summary line will be printed describing the steady-state statistics.' },
  ],
};

export interface PerfConfig {
  topic: string;
  numRecords: number;
  warmupRecords: number;
  throughput: number;
  recordSize: number | null;
  payloads: Buffer[];
  monotonic: boolean;
  props: Record<string, string>;
  bootstrap: string;
}

export function parseConfig(args: ParsedArgs, readFile: (p: string) => string = (p) => readFileSync(p, 'utf8')): PerfConfig {
  requireOptions(args, 'topic', 'num-records', 'throughput');
  const payloadKinds = ['record-size', 'payload-file', 'payload-monotonic'].filter((o) => args.has(o));
  if (payloadKinds.length !== 1) throw new UsageError('Exactly one of --record-size, --payload-file or --payload-monotonic must be specified');
  const numRecords = args.int('num-records')!;
  if (numRecords <= 0) throw new UsageError('--num-records should be greater than zero');
  const warmupRecords = Math.max(0, args.int('warmup-records') ?? 0);
  if (warmupRecords >= numRecords) throw new UsageError('The value for --warmup-records must be strictly fewer than the number of records in the test, --num-records.');
  const recordSize = args.int('record-size') ?? null;
  if (recordSize !== null && recordSize <= 0) throw new UsageError('--record-size should be greater than zero');
  if (args.has('transactional-id') || args.has('transaction-duration-ms')) throw new ToolError('Transactions are not supported yet (--transactional-id, --transaction-duration-ms)');
  const propsList = [...args.strings('producer-props'), ...args.strings('command-property')];
  const files = [args.string('producer.config'), args.string('command-config')].filter((f): f is string => f !== undefined);
  if (propsList.length === 0 && files.length === 0 && !args.has('bootstrap-server')) throw new UsageError('Either --producer-props or --producer.config must be specified.');
  const props: Record<string, string> = {};
  for (const f of files) for (const [k, v] of loadProperties(f)) props[k] = v;
  for (const kv of propsList) if (kv.split('=').length !== 2) throw new UsageError(`Invalid property: ${kv}`, false);
  for (const [k, v] of parseKeyValues(propsList, 'producer-props')) props[k] = v;
  if (args.has('bootstrap-server')) props['bootstrap.servers'] = args.string('bootstrap-server')!;
  if (props['transactional.id'] !== undefined) throw new ToolError('Transactions are not supported yet (transactional.id)');
  props['client.id'] ??= 'perf-producer-client';
  delete props['key.serializer'];
  delete props['value.serializer'];
  const bootstrap = props['bootstrap.servers'];
  if (bootstrap === undefined) throw new UsageError('bootstrap.servers must be given in --producer-props, --producer.config or --bootstrap-server', false);
  delete props['bootstrap.servers'];

  let payloads: Buffer[] = [];
  const file = args.string('payload-file');
  if (file !== undefined) {
    let text: string;
    try {
      text = readFile(file);
    } catch (e) {
      throw new ToolError(`File does not exist or empty file provided. (${(e as Error).message})`);
    }
    if (text.length === 0) throw new ToolError('File does not exist or empty file provided.');
    const d = args.string('payload-delimiter') ?? '\\n';
    const delimiter = d === '\\n' ? '\n' : d;
    payloads = text
      .split(delimiter)
      .filter((s) => s !== '')
      .map((s) => Buffer.from(s, 'utf8'));
  }
  return {
    topic: args.string('topic')!,
    numRecords,
    warmupRecords,
    throughput: args.number('throughput')!,
    recordSize,
    payloads,
    monotonic: args.has('payload-monotonic'),
    props,
    bootstrap,
  };
}

/**
 * Records allowed to wait for their acknowledgement before the loop waits: at most 50,000, and
 * no more than fit in three quarters of buffer.memory, so send() stays on the client's fast path
 * (a send that has to wait for memory queues behind a promise chain).
 */
export function maxOutstanding(props: Record<string, string>, recordBytes: number): number {
  const memory = Number(props['buffer.memory'] ?? 33_554_432);
  const perRecord = recordBytes + 80; // record framing and the batch's share, roughly
  return Math.max(100, Math.min(50_000, Math.floor((Number.isFinite(memory) ? memory : 33_554_432) * 0.75 / perRecord)));
}

/** Random upper-case letters (Kafka's payload alphabet), reused at shifting offsets. */
function letterPool(bytes: number): Buffer {
  const pool = Buffer.allocUnsafe(bytes);
  let seed = 0x2545f491;
  for (let i = 0; i < bytes; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    pool[i] = 65 + ((seed >>> 0) % 26);
  }
  return pool;
}

export const tool: Tool = {
  spec,
  async run(args, io) {
    const c = parseConfig(args);
    const print = (line: string): void => {
      io.stdout.write(`${line}\n`);
    };
    const producer = await openProducer(c.bootstrap, c.props, io);
    // Payloads: views of a pool of random letters (built once; records never modify them), so the
    // loop allocates nothing per record but what the client needs.
    const fixedPayloads: Buffer[] = [];
    if (c.recordSize !== null) {
      const size = c.recordSize;
      const pool = letterPool(Math.max(1 << 20, size * 2));
      for (let off = 0; fixedPayloads.length < 4096 && off + size <= pool.length; off += 61) fixedPayloads.push(pool.subarray(off, off + size));
    }
    const payloadFor = (i: number): Buffer => {
      if (fixedPayloads.length > 0) return fixedPayloads[i % fixedPayloads.length]!;
      if (c.payloads.length > 0) return c.payloads[Math.floor(Math.random() * c.payloads.length)]!;
      return Buffer.from(String(i), 'utf8');
    };
    if (c.warmupRecords > 0) print(`Warmup first ${c.warmupRecords} records. Steady state results will print after the complete test summary.`);
    const stats = new ProducerStats(c.numRecords, Date.now, print);
    let steady: ProducerStats | null = null;
    let steadyFrom = Infinity;
    const throttler = new Throttler(c.throughput, Date.now());
    let failures = 0;
    let firstError: Error | null = null;
    // Acknowledgements: one shared handler, no closure per record. The record's timestamp is its
    // send time (what the client would stamp anyway), so the ack carries its own latency.
    const MAX_OUTSTANDING = maxOutstanding(c.props, c.recordSize ?? c.payloads.reduce((m, p) => Math.max(m, p.length), 16));
    let outstanding = 0;
    let wake: (() => void) | null = null;
    let acked = 0;
    const settled = (): void => {
      outstanding--;
      if (wake !== null && outstanding <= MAX_OUTSTANDING / 2) {
        const w = wake;
        wake = null;
        w();
      }
    };
    const onAckSized = (m: RecordMetadata, bytes: number): void => {
      const now = Date.now();
      const latency = now - m.timestamp;
      stats.record(latency, bytes, now);
      if (acked++ >= steadyFrom) steady?.record(latency, bytes, now);
      settled();
    };
    const fixedSize = c.recordSize;
    const onAck = fixedSize === null ? null : (m: RecordMetadata): void => onAckSized(m, fixedSize);
    const onError = (e: unknown): void => {
      failures++;
      firstError ??= e instanceof Error ? e : new Error(String(e));
      settled();
    };
    try {
      for (let i = 0; i < c.numRecords && !io.signal.aborted; i++) {
        const payload = payloadFor(i);
        const sendMs = Date.now();
        if (c.warmupRecords > 0 && i === c.warmupRecords) {
          steady = new ProducerStats(c.numRecords - c.warmupRecords, Date.now, print, 5_000, ' steady state');
          steadyFrom = i;
        }
        outstanding++;
        // Kafka's callback form: no promise per record (they took a third of the CPU).
        producer.sendWithCallback({ topic: c.topic, value: payload, timestamp: sendMs }, (err, m) => {
          if (err !== null || m === undefined) onError(err);
          else if (onAck !== null) onAck(m);
          else onAckSized(m, payload.length);
        });
        if (outstanding >= MAX_OUTSTANDING) await new Promise<void>((r) => (wake = r));
        const wait = throttler.delayMs(i + 1, sendMs);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (failures > 1000 && failures >= i) break; // nothing gets through
      }
      await producer.flush();
    } finally {
      await producer.close();
    }
    if (args.has('print-metrics')) io.stderr.write('(--print-metrics: the client has no metrics registry yet)\n');
    stats.printTotal();
    steady?.printTotal();
    if (failures > 0) throw new ToolError(`${failures} record(s) failed: ${(firstError as Error | null)?.message ?? 'unknown error'}`);
  },
};

if (isMain(import.meta.url)) await main(tool);

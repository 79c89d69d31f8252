/**
 * kcat (librdkafka, apt package kcat) against a broker: Kafka's quick-start example, produce with
 * every librdkafka codec and every acks setting (binary keys and values, headers), consume from
 * the beginning, an offset and a timestamp (-o s@ts, and -Q to look the offset up), metadata
 * listing. kcat cannot create, alter or delete topics: it relies on auto-creation and Metadata.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasKcat, killChildren, run, runOk, skipUnless, startTestBroker, type TestBroker } from '../support/interop.js';

const available = hasKcat();
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
const ACKS = ['0', '1', 'all'] as const;
const combos = CODECS.flatMap((codec) => ACKS.map((acks) => ({ codec, acks })));
const TOPIC = 'kcat-records';
const KEY_DELIM = 0x1f;
const MSG_DELIM = 0x1e;
const HEADERS: [string, string][] = [['trace', 'abc-123'], ['kind', 'binary=yes']];

interface Sent {
  key: Buffer;
  value: Buffer;
}

/** Deterministic bytes that avoid kcat's two delimiters. */
function bytesFor(seed: number, length: number): Buffer {
  const b = Buffer.alloc(length);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    let v = x >>> 24;
    if (v === KEY_DELIM || v === MSG_DELIM) v = 0;
    b[i] = v;
  }
  return b;
}

function messagesFor(i: number): Sent[] {
  const every = Buffer.from([...Array(256).keys()].filter((v) => v !== KEY_DELIM && v !== MSG_DELIM));
  return [
    { key: Buffer.from(`kcat-${i}-a`), value: Buffer.from(`plain text ${i}`) },
    { key: every, value: Buffer.concat([Buffer.from(every).reverse(), Buffer.from([0, 0, 10, 13])]) },
    { key: Buffer.alloc(0), value: bytesFor(i, 300) },
    { key: Buffer.from('\u00e9t\u00e9 \u{1F600}'), value: Buffer.alloc(0) },
    { key: Buffer.from(`kcat-${i}-big`), value: bytesFor(i + 100, 150_000) },
  ];
}

/** kcat -P input: key, key delimiter, value, message delimiter, ... */
function producerInput(messages: readonly Sent[]): Buffer {
  return Buffer.concat(messages.flatMap((m) => [m.key, Buffer.from([KEY_DELIM]), m.value, Buffer.from([MSG_DELIM])]));
}

interface Consumed {
  offset: number;
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: string;
}

/** The consumer's -f format: a text line with offset, timestamp, lengths and headers, then the raw key and value. */
const FORMAT = '%o %T %K %S %h\\n%k%s\\n';

function parseConsumed(out: Buffer): Consumed[] {
  const records: Consumed[] = [];
  let at = 0;
  while (at < out.length) {
    const nl = out.indexOf(0x0a, at);
    assert.ok(nl >= 0, `truncated kcat output at byte ${at}`);
    const [offset, timestamp, keyLength, valueLength, ...headers] = out.subarray(at, nl).toString('utf8').split(' ');
    at = nl + 1;
    const take = (n: number): Buffer | null => {
      if (n < 0) return null;
      const b = out.subarray(at, at + n);
      at += n;
      return b;
    };
    const key = take(Number(keyLength));
    const value = take(Number(valueLength));
    assert.equal(out[at], 0x0a, 'record ends with a newline');
    at += 1;
    records.push({ offset: Number(offset), timestamp: Number(timestamp), key, value, headers: headers.join(' ') });
  }
  return records;
}

describe('kcat', skipUnless(available, 'kcat not installed: apt-get install kcat'), () => {
  let tb: TestBroker;
  let window: { before: number; after: number };
  const headerArgs = HEADERS.flatMap(([k, v]) => ['-H', `${k}=${v}`]);
  // -e ends at the high watermark, which kcat learns from an empty fetch: that one long-polls
  // for fetch.wait.max.ms (500 ms by default), so keep it short.
  const consume = (args: string[]): Promise<Buffer> => runOk('kcat', ['-C', '-b', tb.address, '-q', '-e', '-X', 'fetch.wait.max.ms=50', '-f', FORMAT, ...args]);
  const consumed: Promise<Buffer>[] = [];

  before(async () => {
    tb = await startTestBroker('kcat', { 'num.partitions': String(combos.length) });
    window = { before: Date.now(), after: 0 };
    // Every codec/acks pair produces into its own partition of one auto-created topic, all at once.
    await runOk('kcat', ['-L', '-b', tb.address, '-t', TOPIC]);
    await Promise.all(
      combos.map(({ codec, acks }, i) =>
        runOk('kcat', ['-P', '-b', tb.address, '-t', TOPIC, '-p', String(i), '-K', '\\x1f', '-D', '\\x1e', ...headerArgs, '-X', `compression.codec=${codec}`, '-X', `acks=${acks}`], {
          input: producerInput(messagesFor(i)),
        }),
      ),
    );
    window.after = Date.now();
    // Read every partition back at once; the tests below check what came back.
    for (const [i] of combos.entries()) consumed.push(consume(['-t', TOPIC, '-p', String(i), '-o', 'beginning']));
    await Promise.allSettled(consumed);
  });

  after(async () => {
    killChildren();
    await tb?.stop();
  });

  test("Kafka's example: echo \"Hello Kafka\" | kcat -P, then kcat -C -o beginning -e prints Hello Kafka", async () => {
    await runOk('kcat', ['-P', '-b', tb.address, '-t', 'test-topic'], { input: 'Hello Kafka\n' });
    const out = await runOk('kcat', ['-C', '-b', tb.address, '-t', 'test-topic', '-o', 'beginning', '-e']);
    assert.equal(out.toString('utf8'), 'Hello Kafka\n');
  });

  for (const [i, { codec, acks }] of combos.entries()) {
    test(`produces with ${codec}, acks=${acks}; reads back from the beginning byte for byte`, async () => {
      const got = parseConsumed(await consumed[i]!);
      const sent = messagesFor(i);
      assert.equal(got.length, sent.length, `records in partition ${i}`);
      got.forEach((r, j) => {
        assert.equal(r.offset, j);
        assert.ok(r.key !== null && r.key.equals(sent[j]!.key), `key of record ${j}`);
        assert.ok(r.value !== null && r.value.equals(sent[j]!.value), `value of record ${j} (${r.value?.length} bytes, sent ${sent[j]!.value.length})`);
        assert.equal(r.headers, HEADERS.map(([k, v]) => `${k}=${v}`).join(','));
        assert.ok(r.timestamp >= window.before - 1000 && r.timestamp <= window.after + 1000, `producer timestamp ${r.timestamp}`);
      });
    });
  }

  test('consumes from an offset: the same records, timestamps included', async () => {
    const all = parseConsumed(await consumed[4]!);
    const [from2, last] = await Promise.all([consume(['-t', TOPIC, '-p', '4', '-o', '2']), consume(['-t', TOPIC, '-p', '4', '-o', '-1'])]);
    assert.deepEqual(parseConsumed(from2), all.slice(2));
    assert.deepEqual(parseConsumed(last), all.slice(-1));
  });

  test('consumes from a timestamp (-o s@ts) and looks the offset up (-Q)', async () => {
    const topic = 'kcat-times';
    await runOk('kcat', ['-P', '-b', tb.address, '-t', topic, '-p', '0'], { input: 'early-1\nearly-2\n' });
    await new Promise((r) => setTimeout(r, 20));
    await runOk('kcat', ['-P', '-b', tb.address, '-t', topic, '-p', '0'], { input: 'late-1\nlate-2\n' });
    const all = parseConsumed(await consume(['-t', topic, '-p', '0', '-o', 'beginning']));
    assert.deepEqual(all.map((r) => r.value?.toString()), ['early-1', 'early-2', 'late-1', 'late-2']);
    const lateTs = all[2]!.timestamp;
    assert.ok(all[1]!.timestamp < lateTs, 'the second producer ran later');
    const fromTs = parseConsumed(await consume(['-t', topic, '-p', '0', '-o', `s@${lateTs}`]));
    assert.deepEqual(fromTs, all.slice(2));
    const query = (await runOk('kcat', ['-Q', '-b', tb.address, '-t', `${topic}:0:${lateTs}`])).toString('utf8');
    assert.match(query, new RegExp(`${topic} \\[0\\] offset 2\\b`));
  });

  test('lists metadata: the broker, a real controller id, topics and partitions', async () => {
    const md = JSON.parse((await runOk('kcat', ['-L', '-J', '-b', tb.address])).toString('utf8'));
    assert.equal(md.controllerid, 1);
    assert.deepEqual(md.brokers, [{ id: 1, name: tb.address }]);
    const records = md.topics.find((t: any) => t.topic === TOPIC);
    assert.ok(records, `${TOPIC} listed: ${JSON.stringify(md.topics.map((t: any) => t.topic))}`);
    assert.equal(records.partitions.length, combos.length);
    for (const p of records.partitions) {
      assert.equal(p.leader, 1);
      assert.deepEqual(p.replicas, [{ id: 1 }]);
      assert.deepEqual(p.isrs, [{ id: 1 }]);
    }
    assert.ok(!md.topics.some((t: any) => t.topic === '__cluster_metadata'), 'the metadata log is not a topic clients see');
  });

  test('a topic name Kafka refuses is not auto-created', async () => {
    const r = await run('kcat', ['-P', '-b', tb.address, '-t', 'bad/name', '-X', 'message.timeout.ms=3000'], { input: 'x\n', timeoutMs: 15_000 });
    assert.notEqual(r.code, 0, 'kcat reports the failed delivery');
    assert.match(r.stderr, /Invalid topic/, 'the broker answered INVALID_TOPIC_EXCEPTION');
    const md = JSON.parse((await runOk('kcat', ['-L', '-J', '-b', tb.address])).toString('utf8'));
    assert.ok(!md.topics.some((t: any) => t.topic === 'bad/name'));
  });
});

/**
 * Bad input on raw sockets: garbage bytes, truncated requests, absurd frame sizes, unknown API
 * keys and versions, corrupt and old-format record batches. For each, the broker answers with
 * Kafka's error or closes THAT connection with a logged reason; meanwhile a real client
 * (@platformatic/kafka) keeps producing and consuming on its own connections, and the data stored
 * before the abuse reads back byte for byte afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { Consumer, Producer } from '@platformatic/kafka';
import { apiDefinition } from '../../src/protocol/apis.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { buildRecordBatch } from '../../src/protocol/records/builder.js';
import { CompressionType, CRC_OFFSET } from '../../src/protocol/records/record-batch.js';
import { crc32c } from '../../src/protocol/records/crc32c.js';
import { HANDLERS } from '../../src/handlers/index.js';
import { ApiKey, RawClient, eventually, startTestBroker, type LogLine, type TestBroker } from '../support/interop.js';

const PRECIOUS = 'precious';
const PRECIOUS_PARTITIONS = 3;
const BYSTANDER = 'bystander';
const TARGET = 'target';
/** Kafka's default socket.request.max.bytes. */
const MAX_REQUEST_BYTES = 104_857_600;

/** A small seeded PRNG (mulberry32), so the garbage is the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function frame(payload: Buffer): Buffer {
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

function produceBody(topic: string, partitions: { index: number; records: Buffer | null }[], acks = -1): object {
  return { transactionalId: null, acks, timeoutMs: 10_000, topicData: [{ name: topic, partitionData: partitions }] };
}

function batchOf(tag: string, count: number, options: { compression?: CompressionType } = {}): Buffer {
  return buildRecordBatch(
    Array.from({ length: count }, (_, i) => ({
      key: Buffer.from(`${tag}-key-${i}`),
      value: Buffer.from(`${tag}-value-${i}-${'x'.repeat(i * 37)}`),
      headers: [{ key: 'h', value: Buffer.from([i, 0, 255]) }],
      timestamp: 1_700_000_000_000 + i,
    })),
    options,
  );
}

/** A message-format v1 message set (one message), as pre-0.11 producers wrote it. */
function magicV1MessageSet(value: Buffer): Buffer {
  const body = Buffer.alloc(1 + 1 + 8 + 4 + 4 + value.length);
  let at = 0;
  body.writeInt8(1, at++); // magic
  body.writeInt8(0, at++); // attributes
  body.writeBigInt64BE(1_700_000_000_000n, at);
  at += 8;
  body.writeInt32BE(-1, at); // null key
  at += 4;
  body.writeInt32BE(value.length, at);
  at += 4;
  value.copy(body, at);
  const crc = (zlib as unknown as { crc32?: (b: Buffer) => number }).crc32?.(body) ?? 0;
  const out = Buffer.alloc(12 + 4 + body.length);
  out.writeBigInt64BE(0n, 0);
  out.writeInt32BE(4 + body.length, 8);
  out.writeUInt32BE(crc, 12);
  body.copy(out, 16);
  return out;
}

describe('bad input on raw sockets', () => {
  let tb: TestBroker;
  let baseline: Buffer[];
  let baselineEnds: bigint[];
  const sockets: RawClient[] = [];

  // The bystander: a real client producing and consuming throughout.
  let producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  let consumer: Consumer<Buffer, Buffer, Buffer, Buffer>;
  let bystanderRunning = true;
  let bystanderLoop: Promise<void>;
  const bystanderSent: string[] = [];
  let bystanderRoundTrips = 0;

  async function connect(): Promise<RawClient> {
    const c = await RawClient.connect(tb.host, tb.port);
    sockets.push(c);
    return c;
  }

  /** The records bytes of a partition, fetched whole. */
  async function fetchRecords(c: RawClient, topic: string, partition: number): Promise<{ records: Buffer; highWatermark: bigint }> {
    const r = await c.request(1, 12, {
      replicaId: -1,
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 16 << 20,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{ topic, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 16 << 20 }] }],
      forgottenTopicsData: [],
      rackId: '',
    });
    const p = r.responses[0].partitions[0];
    assert.equal(p.errorCode, 0, `fetch ${topic}-${partition}`);
    return { records: Buffer.from(p.records ?? Buffer.alloc(0)), highWatermark: p.highWatermark };
  }

  /** Expects the broker to close `c` and to have logged why (the line names the client's port). */
  async function expectClosedWithReason(c: RawClient, reason: RegExp, what: string): Promise<LogLine> {
    const port = c.localPort;
    assert.ok(await c.closesWithin(5_000), `${what}: the broker kept the connection open`);
    const line = await eventually(`${what}: a log line for the connection from port ${port}`, async () =>
      tb.logs.find((l) => l.message.includes(`:${port}:`) || l.message.includes(`:${port} `)),
    2_000);
    assert.match(line.message, reason, `${what}: logged reason`);
    return line;
  }

  before(async () => {
    tb = await startTestBroker('bad-input');
    const c = await connect();
    const created = await c.request(19, 7, {
      topics: [PRECIOUS, BYSTANDER, TARGET].map((name) => ({ name, numPartitions: name === PRECIOUS ? PRECIOUS_PARTITIONS : 2, replicationFactor: 1, assignments: [], configs: [] })),
      timeoutMs: 10_000,
      validateOnly: false,
    });
    assert.deepEqual(created.topics.map((t: any) => t.errorCode), [0, 0, 0]);
    // Precious data: several batches per partition, plain and compressed.
    for (let round = 0; round < 4; round++) {
      for (let p = 0; p < PRECIOUS_PARTITIONS; p++) {
        const compression = [CompressionType.NONE, CompressionType.GZIP, CompressionType.SNAPPY, CompressionType.LZ4, CompressionType.ZSTD][(round + p) % 5]!;
        const r = await c.request(0, 9, produceBody(PRECIOUS, [{ index: p, records: batchOf(`precious-${round}-${p}`, 1 + round * 3, { compression }) }]));
        assert.equal(r.responses[0].partitionResponses[0].errorCode, 0);
      }
    }
    baseline = [];
    baselineEnds = [];
    for (let p = 0; p < PRECIOUS_PARTITIONS; p++) {
      const { records, highWatermark } = await fetchRecords(c, PRECIOUS, p);
      baseline.push(records);
      baselineEnds.push(highWatermark);
    }

    producer = new Producer({ clientId: 'bystander', bootstrapBrokers: [tb.address], retries: 0 });
    consumer = new Consumer({ clientId: 'bystander', bootstrapBrokers: [tb.address], groupId: 'bystander-unused', retries: 0 });
    const topicId = (await consumer.metadata({ topics: [BYSTANDER] })).topics.get(BYSTANDER)!.id;
    bystanderLoop = (async () => {
      let offset = 0n;
      while (bystanderRunning) {
        const value = `bystander-${bystanderSent.length}`;
        bystanderSent.push(value);
        await producer.send({ acks: -1, messages: [{ topic: BYSTANDER, partition: 0, key: null as unknown as Buffer, value: Buffer.from(value) }] });
        const got = await consumer.fetch({
          node: 1,
          maxWaitTime: 100,
          topics: [{ topicId, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }],
        });
        const records = got.responses[0]!.partitions[0]!.records ?? [];
        const values = records.flatMap((b) => b.records.map((r) => r.value!.toString()));
        assert.deepEqual(values, [value], 'the bystander reads back what it just wrote');
        offset += 1n;
        bystanderRoundTrips++;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
  });

  after(async () => {
    bystanderRunning = false;
    await bystanderLoop?.catch(() => undefined);
    for (const s of sockets) s.destroy();
    await Promise.allSettled([producer?.close(), consumer?.close()]);
    await tb?.stop();
  });

  test('an HTTP request (its first bytes read as a frame size far above socket.request.max.bytes): closed, logged', async () => {
    const c = await connect();
    c.write(Buffer.from('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    await expectClosedWithReason(c, /frame of 1195725856 bytes is larger than socket\.request\.max\.bytes \(104857600\)/, 'HTTP');
  });

  test('random garbage frames: each connection is answered or closed with a logged reason', async () => {
    const random = prng(0x7ab);
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const c = await connect();
        const payload = Buffer.alloc(1 + Math.floor(random() * 300));
        for (let j = 0; j < payload.length; j++) payload[j] = Math.floor(random() * 256);
        // Half of them get a known API key, so the garbage reaches the decoders.
        if (i % 2 === 0 && payload.length >= 4) payload.writeInt16BE([0, 1, 3, 18, 19][i % 5]!, 0);
        c.write(frame(payload));
        const outcome = await Promise.race([
          c.nextFrame(60_000).then((f) => (f !== null ? 'answered' : 'closed')),
          c.whenClosed.then(() => 'closed'),
          new Promise<string>((r) => setTimeout(() => r('waiting'), 3_000).unref()),
        ]);
        if (outcome === 'closed') await expectClosedWithReason(c, /malformed|rejected|unsupported|shorter/, `garbage ${i}`);
        // Garbage that happens to decode as a Fetch or an acks=-1 Produce may legitimately wait (max.wait.ms, timeout).
        if (outcome === 'waiting') assert.ok(payload.length >= 2 && [0, 1].includes(payload.readInt16BE(0)), `garbage ${i}: neither answered nor closed`);
      }),
    );
  });

  test('a frame shorter than a request header: closed, logged', async () => {
    const c = await connect();
    c.write(frame(Buffer.from([0, 3, 0])));
    await expectClosedWithReason(c, /shorter than a header/, 'short header');
  });

  test('an empty frame: closed, logged', async () => {
    const c = await connect();
    c.write(frame(Buffer.alloc(0)));
    await expectClosedWithReason(c, /shorter than a header/, 'empty frame');
  });

  test('a truncated request (the body ends before its fields do): closed, logged', async () => {
    const c = await connect();
    const { bytes } = c.encode(0, 9, produceBody(TARGET, [{ index: 0, records: batchOf('truncated', 3) }]));
    const cut = bytes.subarray(4, bytes.length - 40);
    c.write(frame(cut));
    await expectClosedWithReason(c, /rejected/, 'truncated Produce');
  });

  test('a truncated frame (the client stops sending mid-frame and half-closes): the connection ends, logged', async () => {
    const c = await connect();
    const { bytes } = c.encode(3, 12, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    c.write(bytes.subarray(0, bytes.length - 5));
    c.end();
    await expectClosedWithReason(c, /ended its side in the middle of a request frame/, 'half-closed mid-frame');
  });

  test('absurd frame sizes: negative, the most negative, above socket.request.max.bytes, the largest int32: closed, logged', async () => {
    const cases: [number, RegExp][] = [
      [-1, /negative frame size -1/],
      [-2147483648, /negative frame size -2147483648/],
      [MAX_REQUEST_BYTES + 1, /frame of 104857601 bytes is larger than socket\.request\.max\.bytes/],
      [2147483647, /frame of 2147483647 bytes is larger than socket\.request\.max\.bytes/],
    ];
    await Promise.all(
      cases.map(async ([size, reason]) => {
        const c = await connect();
        const prefix = Buffer.alloc(4);
        prefix.writeInt32BE(size);
        c.write(Buffer.concat([prefix, Buffer.from('and then some bytes')]));
        await expectClosedWithReason(c, reason, `size ${size}`);
      }),
    );
  });

  test('a frame announcing socket.request.max.bytes whose sender goes away: no harm done', async () => {
    const c = await connect();
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(MAX_REQUEST_BYTES);
    c.write(Buffer.concat([prefix, Buffer.alloc(64 * 1024, 7)]));
    await new Promise((r) => setTimeout(r, 50));
    c.destroy();
    const other = await connect();
    const r = await other.request(18, 3, { clientSoftwareName: 'interop', clientSoftwareVersion: '1' });
    assert.equal(r.errorCode, 0);
  });

  test('unknown API keys: closed, logged', async () => {
    await Promise.all(
      [12345, -1, 32767].map(async (apiKey) => {
        const c = await connect();
        const payload = Buffer.alloc(14);
        payload.writeInt16BE(apiKey, 0);
        payload.writeInt16BE(0, 2);
        payload.writeInt32BE(7, 4);
        payload.writeInt16BE(-1, 8); // null client id
        c.write(frame(payload));
        await expectClosedWithReason(c, new RegExp(`unsupported request: api key ${apiKey} version 0`), `api key ${apiKey}`);
      }),
    );
  });

  test('unsupported versions of known APIs (Metadata v99, Produce v2 that Kafka 4.0 dropped): closed, logged', async () => {
    const cases: [number, number, RegExp][] = [
      [3, 99, /unsupported request: api key 3 version 99/],
      [0, 2, /unsupported request: Produce v2/],
    ];
    await Promise.all(
      cases.map(async ([apiKey, version, reason]) => {
        const c = await connect();
        const payload = Buffer.alloc(10);
        payload.writeInt16BE(apiKey, 0);
        payload.writeInt16BE(version, 2);
        payload.writeInt32BE(9, 4);
        payload.writeInt16BE(-1, 8);
        // Produce v2 has a codec, so give it a decodable body: null transactional id is v3+, so acks, timeout, no topics.
        const body = apiKey === 0 ? Buffer.from([0, 1, 0, 0, 0x27, 0x10, 0, 0, 0, 0]) : Buffer.alloc(0);
        c.write(frame(Buffer.concat([payload, body])));
        await expectClosedWithReason(c, reason, `api ${apiKey} v${version}`);
      }),
    );
  });

  test('an API the protocol has but this broker does not serve: closed, logged', async () => {
    const served = new Set(HANDLERS.map((h) => h.apiKey));
    const apiKey = [29, 34, 43, 45, 48, 50, 57].find((k) => !served.has(k) && apiDefinition(k) !== undefined);
    assert.ok(apiKey !== undefined);
    const api = apiDefinition(apiKey)!;
    const c = await connect();
    const { bytes } = c.encode(apiKey, api.maxVersion, {});
    c.write(bytes);
    await expectClosedWithReason(c, new RegExp(`unsupported request: ${api.name} v${api.maxVersion}`), api.name);
  });

  test('ApiVersions with an unsupported version: the KIP-511 answer (v0, UNSUPPORTED_VERSION, our ranges); the connection stays usable', async () => {
    const c = await connect();
    const payload = Buffer.alloc(16);
    payload.writeInt16BE(ApiKey.ApiVersions, 0);
    payload.writeInt16BE(99, 2);
    payload.writeInt32BE(42, 4);
    payload.writeInt16BE(6, 8);
    payload.write('future', 10);
    c.write(Buffer.concat([frame(Buffer.concat([payload, Buffer.from([0, 0, 0])]))]));
    const f = await c.nextFrame();
    assert.ok(f !== null, 'answered, not closed');
    assert.equal(f.readInt32BE(0), 42, 'correlation id');
    // A v0 response body: error code, then the [api key, min, max] array.
    assert.equal(f.readInt16BE(4), ErrorCode.UNSUPPORTED_VERSION);
    const count = f.readInt32BE(6);
    const ranges = Array.from({ length: count }, (_, i) => [f.readInt16BE(10 + i * 6), f.readInt16BE(12 + i * 6), f.readInt16BE(14 + i * 6)]);
    assert.equal(f.length, 10 + count * 6, 'nothing after the v0 body');
    assert.deepEqual(ranges, [...HANDLERS].sort((a, b) => a.apiKey - b.apiKey).map((h) => [h.apiKey, h.minVersion, h.maxVersion]));
    assert.deepEqual(ranges.find(([k]) => k === ApiKey.ApiVersions), [18, 0, 4]);
    const retry = await c.request(18, 3, { clientSoftwareName: 'interop', clientSoftwareVersion: '1.0' });
    assert.equal(retry.errorCode, 0);
    assert.ok(!c.closed);
  });

  test("ApiVersions v3 with a client software name Kafka refuses: INVALID_REQUEST, as Kafka", async () => {
    const c = await connect();
    const r = await c.request(18, 3, { clientSoftwareName: 'bad name!', clientSoftwareVersion: '1.0' });
    assert.equal(r.errorCode, ErrorCode.INVALID_REQUEST);
  });

  test('an absurd array length inside a request: closed, logged, nothing allocated for it', async () => {
    const c = await connect();
    // Metadata v1 (non-flexible): header, then the topics array count.
    const payload = Buffer.alloc(14);
    payload.writeInt16BE(3, 0);
    payload.writeInt16BE(1, 2);
    payload.writeInt32BE(5, 4);
    payload.writeInt16BE(-1, 8);
    payload.writeInt32BE(0x7fffffff, 10);
    c.write(frame(payload));
    await expectClosedWithReason(c, /rejected/, 'huge array');
  });

  test('Produce with a corrupt batch (bad CRC): CORRUPT_MESSAGE for that partition, the other partition is written, the connection stays', async () => {
    const c = await connect();
    const bad = batchOf('crc', 3);
    bad[bad.length - 1]! ^= 0xff;
    const good = batchOf('fine', 2);
    const r = await c.request(0, 9, produceBody(TARGET, [{ index: 0, records: bad }, { index: 1, records: good }]));
    const [p0, p1] = r.responses[0].partitionResponses;
    assert.equal(p0.errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.equal(p0.baseOffset, -1n);
    assert.equal(p1.errorCode, 0);
    // A bad CRC field (rather than bad content) is the same thing.
    const badCrc = batchOf('crc2', 1);
    badCrc.writeUInt32BE((badCrc.readUInt32BE(CRC_OFFSET) + 1) >>> 0, CRC_OFFSET);
    const r2 = await c.request(0, 11, produceBody(TARGET, [{ index: 0, records: badCrc }]));
    assert.equal(r2.responses[0].partitionResponses[0].errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.equal((await fetchRecords(c, TARGET, 0)).highWatermark, 0n, 'nothing was written to partition 0');
  });

  test('Produce with a message-format v1 message set: INVALID_RECORD (Kafka 4.0 takes magic 2 only)', async () => {
    const c = await connect();
    const r = await c.request(0, 9, produceBody(TARGET, [{ index: 0, records: magicV1MessageSet(Buffer.from('old')) }]));
    assert.equal(r.responses[0].partitionResponses[0].errorCode, ErrorCode.INVALID_RECORD);
    assert.equal((await fetchRecords(c, TARGET, 0)).highWatermark, 0n);
  });

  test('Produce with a batch whose length field lies, or no batch at all', async () => {
    const c = await connect();
    const longer = batchOf('len', 2);
    longer.writeInt32BE(longer.readInt32BE(8) - 10, 8);
    const tiny = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 2]);
    const r = await c.request(0, 9, produceBody(TARGET, [{ index: 0, records: longer }, { index: 1, records: tiny }]));
    const [p0, p1] = r.responses[0].partitionResponses;
    assert.equal(p0.errorCode, ErrorCode.CORRUPT_MESSAGE, 'a shortened batch fails its CRC');
    assert.equal(p1.errorCode, ErrorCode.CORRUPT_MESSAGE, 'a size field below the minimum record overhead');
    const none = await c.request(0, 9, produceBody(TARGET, [{ index: 0, records: Buffer.alloc(0) }]));
    assert.equal(none.responses[0].partitionResponses[0].errorCode, ErrorCode.INVALID_RECORD, 'no batch');
  });

  test(
    'Produce with a batch whose CRC is right but whose records are garbage: rejected, as Kafka does',
    async () => {
      const c = await connect();
      for (const [what, compression] of [['plain', CompressionType.NONE], ['gzip', CompressionType.GZIP]] as const) {
        const b = batchOf(`garbage-${what}`, 3, { compression });
        // Scramble everything after the 61-byte header and re-seal the CRC (which covers attributes onward).
        for (let i = 61; i < b.length; i++) b[i] = (b[i]! * 7 + 13) & 0xff;
        b.writeUInt32BE(crc32c(b.subarray(21)), CRC_OFFSET);
        const r = await c.request(0, 9, produceBody(TARGET, [{ index: 1, records: b }]));
        assert.notEqual(r.responses[0].partitionResponses[0].errorCode, 0, `${what}: garbage records accepted`);
      }
    },
  );

  test('acks=0 Produce with a corrupt batch: the connection is closed (how Kafka tells such a producer), logged', async () => {
    const c = await connect();
    const bad = batchOf('acks0', 2);
    bad[bad.length - 3]! ^= 0x55;
    const { bytes } = c.encode(0, 9, produceBody(TARGET, [{ index: 0, records: bad }], 0));
    c.write(bytes);
    await expectClosedWithReason(c, /acks=0 produce failed \(CORRUPT_MESSAGE\)/, 'acks=0 corrupt');
  });

  test('a good request pipelined ahead of garbage is answered, then the connection closes', async () => {
    const c = await connect();
    const { bytes, correlationId } = c.encode(18, 3, { clientSoftwareName: 'interop', clientSoftwareVersion: '1' });
    c.write(Buffer.concat([bytes, frame(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 1, 0xff, 0xff, 0xff]))]));
    const f = await c.nextFrame();
    assert.ok(f !== null && f.readInt32BE(0) === correlationId, 'the first request is answered');
    await expectClosedWithReason(c, /unsupported request: api key -8531/, 'pipelined garbage');
  });

  test('a hundred abusive connections at once', async () => {
    const random = prng(99);
    const before = bystanderRoundTrips;
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const c = await connect();
        const kind = i % 4;
        if (kind === 0) c.write(Buffer.from([0xff, 0xff, 0xff, 0xf0]));
        else if (kind === 1) c.write(frame(Buffer.from(Array.from({ length: 50 }, () => Math.floor(random() * 256)))));
        else if (kind === 2) c.write(Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
        else c.write(frame(Buffer.from([0, 0, 0, 99, 0, 0, 0, 1, 0, 0])));
        assert.ok(await c.closesWithin(5_000), `abusive connection ${i} closed`);
      }),
    );
    await eventually('the bystander made progress during the storm', async () => (bystanderRoundTrips > before ? true : undefined), 5_000);
  });

  test('afterwards: the broker still serves, the bystander never failed, the stored data is untouched', async () => {
    await eventually('the bystander made round trips', async () => (bystanderRoundTrips >= 20 ? true : undefined), 10_000);
    bystanderRunning = false;
    await bystanderLoop;
    const c = await connect();
    for (let p = 0; p < PRECIOUS_PARTITIONS; p++) {
      const { records, highWatermark } = await fetchRecords(c, PRECIOUS, p);
      assert.equal(highWatermark, baselineEnds[p], `precious-${p} end offset`);
      assert.ok(records.equals(baseline[p]!), `precious-${p}: ${records.length} bytes now, ${baseline[p]!.length} before`);
    }
    const { records } = await fetchRecords(c, BYSTANDER, 0);
    assert.ok(records.length > 0);
    const values: string[] = [];
    const consumerFetch = await consumer.fetch({
      node: 1,
      maxWaitTime: 0,
      topics: [{ topicId: (await consumer.metadata({ topics: [BYSTANDER] })).topics.get(BYSTANDER)!.id, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, lastFetchedEpoch: -1, partitionMaxBytes: 16 << 20 }] }],
    });
    for (const b of consumerFetch.responses[0]!.partitions[0]!.records ?? []) for (const r of b.records) values.push(r.value!.toString());
    assert.deepEqual(values, bystanderSent, 'every bystander record, once, in order');
    assert.deepEqual(tb.logs.filter((l) => l.level === 'error'), [], 'no errors logged');
  });
});

/**
 * The client against another Kafka-protocol server: librdkafka's mock cluster
 * (../shared/bench/mockbroker, built here with ../shared/bench/build.sh). The mock speaks older
 * versions (ApiVersions up to v2, answering v3 with an UNSUPPORTED_VERSION body that does not
 * decode; Metadata v2, Produce v7, Fetch v11) and has no CreateTopics, so the topic is made when
 * the mock starts. Produces keyed, null-key and explicit-partition records with headers in every
 * codec, and reads them back exactly; admin metadata calls and group offsets (FindCoordinator
 * v2, OffsetCommit, OffsetFetch; the mock has no ListGroups/DescribeGroups) work too. Skipped, loudly, without
 * librdkafka-dev and a C compiler.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, partitionForKey, type ConsumerRecord } from '../../src/index.js';
import { PROJECT_ROOT, skipUnless } from '../support/interop.js';

const BUILD = join(PROJECT_ROOT, '../shared/bench/build.sh');
const HAVE_LIBRDKAFKA = existsSync('/usr/include/librdkafka/rdkafka_mock.h') && existsSync(BUILD) && spawnSync('cc', ['--version'], { stdio: 'ignore' }).status === 0;
const skip = skipUnless(HAVE_LIBRDKAFKA, 'librdkafka mock cluster test: install librdkafka-dev and a C compiler (apt-get install librdkafka-dev gcc) and keep ../shared/bench');

const TOPIC = 'mock-topic';
const PARTITIONS = 4;
let dir = '';
let mock: ChildProcess | null = null;
let bootstrap = '';

before(async () => {
  if (!HAVE_LIBRDKAFKA) return;
  dir = mkdtempSync(join(tmpdir(), 'tributary-mockbroker-'));
  const built = spawnSync(BUILD, [dir], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`building mockbroker failed:\n${built.stdout}${built.stderr}`);
  mock = spawn(join(dir, 'mockbroker'), ['-n', '1', '-t', `${TOPIC}:${PARTITIONS}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  mock.stderr!.on('data', (d) => (stderr += d));
  bootstrap = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`mockbroker printed no bootstrap address:\n${stderr}`)), 10_000);
    mock!.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0]!;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(line.trim());
      }
    });
    mock!.once('exit', (code) => reject(new Error(`mockbroker exited with ${code}:\n${stderr}`)));
  });
});

after(async () => {
  if (mock !== null) {
    const exited = new Promise((r) => mock!.once('exit', r));
    mock.kill('SIGTERM');
    await exited;
  }
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

test('produce and consume through librdkafka\'s mock cluster: every codec, keys, headers, timestamps', skip, async () => {
  const kafka = new Kafka({ 'bootstrap.servers': bootstrap });
  const sent: { key: string | null; value: string; partition: number; timestamp: number; headers: { key: string; value: Buffer | null }[] }[] = [];
  let n = 0;
  for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
    const producer = kafka.producer({ 'compression.type': codec, 'linger.ms': 10 });
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => {
        const key = i % 4 === 0 ? null : `${codec}-key-${i}`;
        const record = { topic: TOPIC, key, value: `${codec}-value-${i}`, timestamp: 1_700_000_000_000 + n++, headers: [{ key: 'codec', value: Buffer.from(codec) }, { key: 'n', value: null }], ...(i % 6 === 5 ? { partition: 3 } : {}) };
        return producer.send(record).then((r) => ({ record, r }));
      }),
    );
    for (const { record, r } of results) {
      assert.equal(r.topic, TOPIC);
      if (record.partition !== undefined) assert.equal(r.partition, 3);
      else if (record.key !== null) assert.equal(r.partition, partitionForKey(Buffer.from(record.key), PARTITIONS), record.key);
      assert.ok(r.offset >= 0);
      sent.push({ key: record.key, value: record.value, partition: r.partition, timestamp: record.timestamp, headers: record.headers });
    }
    await producer.close();
  }

  const consumer = kafka.consumer({ 'auto.offset.reset': 'earliest', 'fetch.max.wait.ms': 100 });
  consumer.assign(Array.from({ length: PARTITIONS }, (_, partition) => ({ topic: TOPIC, partition })));
  const got: ConsumerRecord[] = [];
  const deadline = Date.now() + 20_000;
  while (got.length < sent.length && Date.now() < deadline) got.push(...(await consumer.poll(200)));
  await consumer.close();
  assert.equal(got.length, sent.length);
  const byValue = new Map(got.map((r) => [r.value?.toString(), r]));
  for (const s of sent) {
    const r = byValue.get(s.value);
    assert.ok(r !== undefined, `${s.value} read back`);
    assert.equal(r.partition, s.partition);
    assert.deepEqual(r.key, s.key === null ? null : Buffer.from(s.key));
    assert.equal(r.timestamp, s.timestamp);
    assert.deepEqual(r.headers, s.headers);
  }
  // Offsets within each partition are consecutive, in send order.
  for (let p = 0; p < PARTITIONS; p++) {
    const offsets = got.filter((r) => r.partition === p).map((r) => r.offset);
    assert.deepEqual(offsets, offsets.map((_, i) => offsets[0]! + i));
  }
});

test('admin metadata, offsets and API versions against the mock', skip, async () => {
  const admin = new Kafka({ 'bootstrap.servers': bootstrap }).admin();
  try {
    assert.ok((await admin.listTopics()).includes(TOPIC));
    const [d] = await admin.describeTopics([TOPIC]);
    assert.equal(d!.partitions.length, PARTITIONS);
    const cluster = await admin.describeCluster();
    assert.equal(cluster.brokers.length, 1);
    const [versions] = await admin.brokerApiVersions();
    assert.equal(versions!.apis.find((a) => a.name === 'ApiVersions')?.maxVersion, 2);
    const offsets = await admin.listOffsets([{ topic: TOPIC, partition: 0, spec: 'earliest' }, { topic: TOPIC, partition: 0, spec: 'latest' }]);
    assert.ok(offsets[1]!.offset >= offsets[0]!.offset);
  } finally {
    await admin.close();
  }
});

test('group offsets through the mock: FindCoordinator v2 (one key per request), OffsetCommit as a non-member, OffsetFetch of chosen partitions', skip, async () => {
  const admin = new Kafka({ 'bootstrap.servers': bootstrap }).admin({ 'default.api.timeout.ms': 10_000 });
  try {
    const group = `mock-group-${process.pid}`;
    await admin.alterConsumerGroupOffsets(group, [
      { topic: TOPIC, partition: 0, offset: 3 },
      { topic: TOPIC, partition: 2, offset: 0, metadata: 'from the admin' },
    ]);
    // The mock answers "every partition" (topics: null) with a null array: only chosen partitions work there.
    const [got] = await admin.listConsumerGroupOffsets([{ groupId: group, partitions: [0, 1, 2].map((partition) => ({ topic: TOPIC, partition })) }]);
    assert.deepEqual(
      got!.offsets.map((o) => [o.partition, o.offset, o.metadata]),
      [
        [0, 3, ''],
        [1, null, null],
        [2, 0, 'from the admin'],
      ],
    );
  } finally {
    await admin.close();
  }
});

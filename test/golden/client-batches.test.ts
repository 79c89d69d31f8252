/**
 * Record batches written by real clients (test/fixtures/golden): Produce requests from
 * librdkafka, kafka-python, confluent-kafka-python, KafkaJS and @platformatic/kafka, and Fetch
 * responses from librdkafka's mock broker, found by decoding the captured frames with the
 * generated codecs. Every codec and both snappy framings must be covered.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeRequest, decodeResponse } from '../../src/protocol/frames.js';
import type { FetchResponse } from '../../src/protocol/generated/messages/FetchResponse.js';
import type { ProduceRequest } from '../../src/protocol/generated/messages/ProduceRequest.js';
import {
  buildRecordBatch,
  checkProduceRecords,
  CompressionType,
  isXerialFramed,
  readRecords,
  RecordBatch,
  splitRecordBatches,
  validateClientBatch,
  validateRecordBatch,
  type KafkaRecord,
} from '../../src/protocol/records/index.js';
import { GOLDEN_DIR, goldenClients, goldenFixtures, type GoldenFixture } from '../support/fixtures.js';

const OPTS = { maxUncompressedBytes: 4 * 1024 * 1024 };
const CODEC_BY_NAME: Record<string, CompressionType> = {
  none: CompressionType.NONE,
  gzip: CompressionType.GZIP,
  snappy: CompressionType.SNAPPY,
  lz4: CompressionType.LZ4,
  zstd: CompressionType.ZSTD,
};

function validated(bytes: Buffer): RecordBatch {
  const v = validateRecordBatch(bytes);
  assert.ok(v.ok, v.ok ? '' : v.problem.message);
  return v.batch;
}

function text(b: Buffer | null): string | null {
  return b === null ? null : b.toString('utf8');
}

function simplify(r: KafkaRecord): unknown {
  return { key: text(r.key), value: text(r.value), timestamp: r.timestamp, headers: r.headers.map((h) => [h.key, text(h.value)]) };
}

function fixtures(apiName: string): GoldenFixture[] {
  return goldenClients().flatMap((c) => goldenFixtures(c)).filter((f) => f.entry.apiName === apiName);
}

/** The `records` field of every partition of a Produce request. */
function produceRecords(f: GoldenFixture): Buffer[] {
  const body = decodeRequest(f.bytes).body as ProduceRequest;
  return body.topicData.flatMap((t) => t.partitionData.map((p) => p.records ?? Buffer.alloc(0)));
}

test('batches produced by real clients validate and decode', () => {
  const seen = new Set<string>();
  const produced = fixtures('Produce').filter((f) => f.entry.apiVersion <= 8 || f.entry.facts?.records);
  assert.ok(produced.length > 0);
  for (const f of produced) {
    const where = `${f.client} ${f.file} (${f.entry.scenario})`;
    for (const records of produceRecords(f)) {
      const check = checkProduceRecords(f.entry.apiVersion, records);
      assert.ok(check.ok, where);
      const batch = validated(check.batchBytes);
      assert.equal(validateClientBatch(batch), null, where);
      const compression = CODEC_BY_NAME[f.entry.facts?.compression ?? 'none'];
      assert.equal(batch.compression, compression, where);
      if (compression === CompressionType.SNAPPY) seen.add(isXerialFramed(batch.recordsBytes) ? 'snappy-xerial' : 'snappy-raw');
      seen.add(String(compression));
      const scenario = String(f.entry.scenario);
      if (scenario === 'produce-idempotent' || scenario === 'produce-transactional') assert.ok(batch.hasProducerId, where);
      assert.equal(batch.isTransactional, scenario === 'produce-transactional', where);
      const decoded = readRecords(batch, OPTS);
      assert.equal(decoded.length, batch.recordCount, where);
      for (const r of decoded) {
        assert.equal(r.offset, r.offsetDelta);
        assert.ok(r.timestamp > 1_600_000_000_000, where);
      }
      // Our builder writes the same records into a batch that decodes the same.
      const rebuilt = buildRecordBatch(
        decoded.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })),
        { compression: batch.compression as CompressionType },
      );
      assert.deepEqual(readRecords(validated(rebuilt), OPTS).map(simplify), decoded.map(simplify), where);
    }
  }
  // Every codec, and both snappy framings (librdkafka: raw, kafka-python: xerial).
  for (const expect of ['0', '1', '2', '3', '4', 'snappy-raw', 'snappy-xerial']) assert.ok(seen.has(expect), `fixtures lack ${expect}`);
});

test("an uncompressed batch we build is byte-identical to librdkafka's", () => {
  const kcat = fixtures('Produce').find((f) => f.client.startsWith('kcat-') && f.entry.scenario === 'produce-none');
  assert.ok(kcat, 'kcat produce-none fixture');
  const theirs = validated(produceRecords(kcat)[0]!);
  const decoded = readRecords(theirs, OPTS);
  const ours = buildRecordBatch(
    decoded.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })),
    { partitionLeaderEpoch: theirs.partitionLeaderEpoch },
  );
  assert.ok(ours.equals(theirs.bytes));
});

test('Fetch responses from a Kafka-protocol server split and decode', () => {
  let partitions = 0;
  for (const f of fixtures('Fetch')) {
    if (typeof f.entry.response !== 'string') continue;
    const path = join(GOLDEN_DIR, f.client, f.entry.response);
    if (!existsSync(path)) continue;
    const where = `${f.client} ${f.entry.response}`;
    const { body } = decodeResponse<FetchResponse>(readFileSync(path), f.entry.apiKey, f.entry.apiVersion);
    for (const records of body.responses.flatMap((t) => t.partitions.map((p) => p.records))) {
      if (records === null || records.length === 0) continue;
      partitions++;
      const split = splitRecordBatches(records, { mode: 'partial-tail', maxBatches: 1000 });
      assert.ok(split.ok, where);
      for (const batch of split.batches) {
        const decoded = readRecords(batch, OPTS);
        assert.equal(decoded.length, batch.recordCount, where);
        if (batch.isControl) continue;
        assert.equal(decoded[0]!.offset, Number(batch.baseOffset), where);
        assert.match(text(decoded[0]!.key) ?? '', /^key-/, where);
      }
      // Cut inside the last batch: a partial tail, not an error.
      const cut = splitRecordBatches(records.subarray(0, records.length - 7), { mode: 'partial-tail', maxBatches: 1000 });
      assert.ok(cut.ok, where);
      assert.equal(cut.batches.length, split.batches.length - 1, where);
      assert.ok(!splitRecordBatches(records.subarray(0, records.length - 7), { mode: 'strict', maxBatches: 1000 }).ok);
    }
  }
  assert.ok(partitions > 0, 'no fetch responses with records');
});

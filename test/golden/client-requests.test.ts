/**
 * Golden bytes from real clients (captured by tools/capture; see its README): kcat/librdkafka
 * 2.0.2, KafkaJS 2.2.4, @platformatic/kafka 1.35.0, kafka-python 2.0.2 and
 * confluent-kafka-python 1.7.0. Every captured request decodes to the header the manifest
 * records and re-encodes to the very same bytes; every captured response (from librdkafka's
 * mock broker) does too; and every Produce request carries exactly the records, headers and
 * compression codec its scenario asked the client to send.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { DecodeError } from '../../src/protocol/primitives/decode-error.js';
import { ErrorCode } from '../../src/protocol/errors.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../src/protocol/frames.js';
import type { ProduceRequest } from '../../src/protocol/generated/messages/ProduceRequest.js';
import { compressionName, readRecords, splitRecordBatches } from '../../src/protocol/records/index.js';
import { GOLDEN_DIR, goldenClients, goldenFixtures, type GoldenFixture } from '../support/fixtures.js';

/**
 * Requests a client is known to send with a byte too many, which Kafka ignores: @platformatic/kafka
 * 1.35.0 writes Metadata's IncludeClusterAuthorizedOperations (v8-v10) in v11 too, and
 * DescribeConfigs' IncludeDocumentation (v3+) in v2 too.
 */
function expectedTrailingBytes(f: GoldenFixture): number {
  if (!f.client.startsWith('platformatic-kafka')) return 0;
  const { apiName, apiVersion } = f.entry;
  return (apiName === 'Metadata' && apiVersion === 11) || (apiName === 'DescribeConfigs' && apiVersion === 2) ? 1 : 0;
}

/**
 * Responses of librdkafka's mock broker that break Kafka's schema (the mock is a test double,
 * not a conformance oracle), and the ApiVersions fallback answer, which KIP-511 sends as v0.
 */
function responseQuirk(f: GoldenFixture): 'mock-violates-schema' | 'apiversions-v0-fallback' | null {
  const { apiName, apiVersion } = f.entry;
  // OffsetFetch v3 asked for all topics: the mock answers Topics = null, which the schema forbids.
  if (f.client.startsWith('kafka-python') && apiName === 'OffsetFetch' && apiVersion === 3) return 'mock-violates-schema';
  // ListOffsets v5: the mock writes 4 bytes after the last partition's LeaderEpoch.
  if (apiName === 'ListOffsets' && apiVersion === 5) return 'mock-violates-schema';
  if (apiName === 'ApiVersions' && f.entry.responseFrom === 'proxy' && apiVersion > 3) return 'apiversions-v0-fallback';
  return null;
}

interface DecodedRecord {
  key: string | null;
  value: string | null;
  headers: [string, string | null][];
}

const clients = goldenClients();

test('fixtures from all five clients are present', () => {
  for (const prefix of ['kcat-librdkafka-2.0.2', 'kafkajs-2.2.4', 'platformatic-kafka-1.35.0', 'kafka-python-2.0.2', 'confluent-kafka-python-1.7.0']) {
    assert.ok(clients.includes(prefix), `missing fixtures for ${prefix} in ${GOLDEN_DIR}`);
  }
});

for (const client of clients) {
  const fixtures = goldenFixtures(client);

  test(`${client}: every request decodes to its manifest header and re-encodes to the same bytes`, () => {
    assert.ok(fixtures.length > 0);
    for (const f of fixtures) {
      const where = `${client}/${f.file}`;
      const decoded = decodeRequest(f.bytes);
      assert.equal(decoded.header.requestApiKey, f.entry.apiKey, where);
      assert.equal(decoded.header.requestApiVersion, f.entry.apiVersion, where);
      assert.equal(decoded.header.correlationId, f.entry.correlationId, where);
      assert.equal(decoded.header.clientId, f.entry.clientId, where);
      assert.equal(decoded.api.name, f.entry.apiName, where);
      assert.equal(decoded.trailingBytes, expectedTrailingBytes(f), `${where}: trailing bytes`);
      const reencoded = encodeRequest(decoded.header, decoded.body).subarray(4);
      assert.deepEqual(reencoded, f.bytes.subarray(0, f.bytes.length - decoded.trailingBytes), `${where}: re-encoded bytes differ`);
    }
  });

  test(`${client}: every captured response decodes and re-encodes to the same bytes`, () => {
    for (const f of fixtures) {
      if (typeof f.entry.response !== 'string') continue;
      const path = join(GOLDEN_DIR, client, f.entry.response);
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path);
      const where = `${client}/${f.entry.response}`;
      const quirk = responseQuirk(f);
      if (quirk === 'mock-violates-schema') {
        assert.throws(() => decodeResponse(bytes, f.entry.apiKey, f.entry.apiVersion), DecodeError, where);
        continue;
      }
      const version = quirk === 'apiversions-v0-fallback' ? 0 : f.entry.apiVersion;
      const { correlationId, body } = decodeResponse(bytes, f.entry.apiKey, version);
      if (quirk === 'apiversions-v0-fallback') assert.equal((body as { errorCode: number }).errorCode, ErrorCode.UNSUPPORTED_VERSION);
      assert.equal(correlationId, f.entry.correlationId, where);
      const reencoded = encodeResponse(f.entry.apiKey, version, correlationId, body).subarray(4);
      assert.deepEqual(reencoded, bytes, `${where}: re-encoded bytes differ`);
    }
  });

  const produced = fixtures.filter((f) => f.entry.apiName === 'Produce' && Array.isArray(f.entry.facts?.records));
  if (produced.length === 0) continue;
  test(`${client}: produce requests carry the records their scenarios sent`, () => {
    const byScenario = new Map<string, GoldenFixture[]>();
    for (const f of produced) byScenario.set(f.entry.scenario, [...(byScenario.get(f.entry.scenario) ?? []), f]);
    const codecs = new Set<string>();
    for (const [scenario, requests] of byScenario) {
      const facts = requests[0]!.entry.facts;
      const perRequest: DecodedRecord[][] = [];
      for (const f of requests) {
        const got: DecodedRecord[] = [];
        perRequest.push(got);
        const body = decodeRequest(f.bytes).body as ProduceRequest;
        for (const topic of body.topicData) {
          assert.equal(topic.name, facts.topic, `${client} ${scenario}`);
          for (const partition of topic.partitionData) {
            const split = splitRecordBatches(partition.records!, { mode: 'strict', maxBatches: 100 });
            assert.ok(split.ok, `${client} ${scenario}: ${split.ok ? '' : split.problem.message}`);
            for (const batch of split.batches) {
              assert.equal(compressionName(batch.compression), facts.compression, `${client} ${scenario}: codec`);
              codecs.add(facts.compression);
              for (const r of readRecords(batch, { maxUncompressedBytes: 1 << 20 })) {
                got.push({
                  key: r.key === null ? null : r.key.toString(),
                  value: r.value === null ? null : r.value.toString(),
                  headers: r.headers.map((h) => [h.key, h.value === null ? null : h.value.toString()]),
                });
              }
            }
          }
        }
      }
      const headers = (facts.headers ?? []) as [string, string][];
      const expected = (facts.records as { key: string | null; value: string | null }[]).map((r) => ({ key: r.key, value: r.value, headers }));
      // A scenario sends its records once, split over its requests, or (the per-version sweep)
      // sends all of them in each request.
      const eachHasAll = perRequest.every((got) => isDeepStrictEqual(got, expected));
      if (!eachHasAll) assert.deepEqual(perRequest.flat(), expected, `${client} ${scenario}`);
    }
    assert.ok(codecs.size > 0);
  });
}

/** Request/response frames, header versions and the API registry. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, encodeResponseChunks } from '../../src/protocol/frames.js';
import { apiDefinition, requestHeaderVersion, responseHeaderVersion } from '../../src/protocol/apis.js';
import { API_DEFINITIONS, ApiKey, METADATA_RECORD_DEFINITIONS } from '../../src/protocol/generated/registry.js';

test('header versions follow each API version\'s flexibility, with Kafka\'s exceptions', () => {
  assert.equal(requestHeaderVersion(ApiKey.Produce, 8), 1);
  assert.equal(requestHeaderVersion(ApiKey.Produce, 9), 2);
  assert.equal(responseHeaderVersion(ApiKey.Produce, 8), 0);
  assert.equal(responseHeaderVersion(ApiKey.Produce, 9), 1);
  assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 0), 0);
  assert.equal(requestHeaderVersion(ApiKey.ControlledShutdown, 1), 1);
  // ApiVersions v3+ requests are flexible, but its responses always use header v0.
  assert.equal(requestHeaderVersion(ApiKey.ApiVersions, 3), 2);
  assert.equal(responseHeaderVersion(ApiKey.ApiVersions, 3), 0);
  assert.equal(responseHeaderVersion(ApiKey.Metadata, 9), 1);
});

test('registry: every Kafka 4.0 API by key with its versions', () => {
  const expected: Record<number, [string, number, number, number]> = {
    0: ['Produce', 0, 11, 9],
    1: ['Fetch', 0, 17, 12],
    3: ['Metadata', 0, 12, 9],
    18: ['ApiVersions', 0, 4, 3],
    19: ['CreateTopics', 0, 7, 5],
    75: ['DescribeTopicPartitions', 0, 0, 0],
  };
  for (const [key, [name, min, max, flexMin]] of Object.entries(expected)) {
    const api = apiDefinition(Number(key));
    assert.ok(api, `api ${key}`);
    assert.deepEqual([api.name, api.minVersion, api.maxVersion, api.flexibleMinVersion], [name, min, max, flexMin]);
  }
  const keys = API_DEFINITIONS.map((a) => a.apiKey);
  assert.equal(new Set(keys).size, keys.length);
  assert.ok(API_DEFINITIONS.length >= 80, `${API_DEFINITIONS.length} APIs`);
  assert.ok(METADATA_RECORD_DEFINITIONS.some((d) => d.name === 'TopicRecord' && d.type === 2));
  assert.ok(METADATA_RECORD_DEFINITIONS.some((d) => d.name === 'PartitionRecord' && d.type === 3));
});

test('an ApiVersions v3 request encodes to the bytes the protocol guide describes', () => {
  const frame = encodeRequest(
    { requestApiKey: ApiKey.ApiVersions, requestApiVersion: 3, correlationId: 1, clientId: 'ab' },
    { clientSoftwareName: 'c', clientSoftwareVersion: '1.0' },
  );
  const expected = Buffer.from([
    0, 0, 0, 20, // size
    0, 18, 0, 3, 0, 0, 0, 1, // api key, version, correlation id
    0, 2, 0x61, 0x62, // client id: int16-length string even in header v2
    0, // header tagged fields
    2, 0x63, // compact string "c"
    4, 0x31, 0x2e, 0x30, // compact string "1.0"
    0, // body tagged fields
  ]);
  assert.deepEqual(frame, expected);
  const decoded = decodeRequest(frame.subarray(4));
  assert.equal(decoded.api.name, 'ApiVersions');
  assert.equal(decoded.header.clientId, 'ab');
  assert.deepEqual(decoded.body, { clientSoftwareName: 'c', clientSoftwareVersion: '1.0' });
});

test('responses round-trip through their frames; ApiVersions v3 uses header v0', () => {
  const body = { errorCode: 0, apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 11 }], throttleTimeMs: 0 };
  const frame = encodeResponse(ApiKey.ApiVersions, 3, 99, body);
  // size, correlation id, then the body directly: no header tagged-field byte.
  assert.equal(frame.readInt32BE(4), 99);
  assert.equal(frame[8], 0); // error code high byte, not a tag count
  const { correlationId, body: decoded } = decodeResponse<any>(frame.subarray(4), ApiKey.ApiVersions, 3);
  assert.equal(correlationId, 99);
  assert.equal(decoded.apiKeys[0].maxVersion, 11);
  assert.equal(decoded.finalizedFeaturesEpoch, -1n);

  const meta = encodeResponse(ApiKey.Metadata, 12, 5, { brokers: [{ nodeId: 1, host: 'h', port: 9092, rack: null }] });
  assert.equal(meta[8], 0); // response header v1 tagged fields
  const m = decodeResponse<any>(meta.subarray(4), ApiKey.Metadata, 12);
  assert.deepEqual(m.body.brokers, [{ nodeId: 1, host: 'h', port: 9092, rack: null }]);
  assert.equal(m.body.clusterId, null);
});

test('a spliced Fetch response sends large record sets as their own buffers, uncopied, around the copied parts', () => {
  const big = (fill: number) => Buffer.alloc(100_000, fill);
  const small = Buffer.alloc(500, 9);
  const recordsA = big(1);
  const recordsB = big(2);
  const partition = (partitionIndex: number, records: Buffer) => ({ partitionIndex, errorCode: 0, highWatermark: 10n, records });
  const body = {
    responses: [{ topic: 't', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [partition(0, recordsA), partition(1, small), partition(2, recordsB)] }],
  };
  for (const version of [4, 12, 16]) {
    const whole = encodeResponse(ApiKey.Fetch, version, 77, body);
    const chunks = encodeResponseChunks(ApiKey.Fetch, version, 77, body, 64 * 1024);
    assert.ok(Array.isArray(chunks), `v${version}: chunks`);
    assert.ok(Buffer.concat(chunks).equals(whole), `v${version}: the chunks are the frame`);
    assert.equal(chunks[0]!.readInt32BE(0), whole.length - 4, 'the size prefix counts every chunk');
    // head, records A (the same Buffer), the part holding the small partition, records B, and
    // in flexible versions a tail of tag buffers (before v12 records B end the frame).
    assert.equal(chunks.length, version >= 12 ? 5 : 4);
    assert.equal(chunks[1], recordsA);
    assert.equal(chunks[3], recordsB);
    assert.equal(chunks[0]!.buffer, chunks[2]!.buffer, 'the copied parts share one allocation');
    assert.equal(chunks[0]!.length + chunks[2]!.length + (chunks[4]?.length ?? 0), whole.length - 200_000, 'only the non-spliced bytes are copied');
    const decoded = decodeResponse<any>(Buffer.concat(chunks).subarray(4), ApiKey.Fetch, version);
    assert.equal(decoded.correlationId, 77);
    assert.ok(decoded.body.responses[0].partitions[2].records.equals(recordsB));
    // Below the threshold nothing is spliced: one buffer, as encodeResponse.
    const unspliced = encodeResponseChunks(ApiKey.Fetch, version, 77, body, 200_000);
    assert.ok(Buffer.isBuffer(unspliced) && unspliced.equals(whole));
  }
});

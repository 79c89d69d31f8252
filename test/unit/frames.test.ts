/** Request/response frames, header versions and the API registry. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../src/protocol/frames.js';
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

/**
 * Malformed requests: every failure is a DecodeError (or UnsupportedRequestError for a
 * well-formed header naming an unknown API/version), never another exception, never a hang,
 * and never an allocation sized by a length field rather than by the bytes present.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRequest, UnsupportedRequestError } from '../../src/protocol/frames.js';
import { DecodeError } from '../../src/protocol/primitives/decode-error.js';
import { Reader } from '../../src/protocol/primitives/reader.js';
import { decodeMetadataRequest } from '../../src/protocol/generated/messages/MetadataRequest.js';
import { decodeProduceRequest } from '../../src/protocol/generated/messages/ProduceRequest.js';
import { encodeCreateTopicsRequest } from '../../src/protocol/generated/messages/CreateTopicsRequest.js';
import { EncodeError } from '../../src/protocol/primitives/types.js';
import { sampleRequests } from '../support/sample-requests.js';

function expectDecodeError(fn: () => unknown, what: string): DecodeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DecodeError) return e;
    throw new Error(`${what}: expected DecodeError, got ${String(e)}`, { cause: e });
  }
  throw new Error(`${what}: decoded without error`);
}

test('every truncation of every valid request is a DecodeError', () => {
  let cases = 0;
  for (const { name, version, payload } of sampleRequests(1)) {
    const step = Math.max(1, Math.floor(payload.length / 40));
    for (let len = 0; len < payload.length; len += step) {
      expectDecodeError(() => decodeRequest(payload.subarray(0, len)), `${name} v${version} cut at ${len}`);
      cases++;
    }
  }
  assert.ok(cases > 1000);
});

test('trailing bytes after a request are tolerated and reported, as Kafka does', () => {
  const [sample] = sampleRequests(2).filter((s) => s.name === 'Metadata' && s.version === 12);
  const padded = Buffer.concat([sample!.payload, Buffer.from([0])]);
  assert.equal(decodeRequest(sample!.payload).trailingBytes, 0);
  assert.equal(decodeRequest(padded).trailingBytes, 1);
  // Decoding one message on its own is strict.
  assert.match(expectDecodeError(() => decodeMetadataRequest(Buffer.from([1, 0, 0, 0, 0]), 12), 'padded').message, /1 bytes left/);
});

test('negative string, bytes and array lengths', () => {
  // Metadata v1: topics array (int32) then topic name (int16 string).
  const negativeArray = Buffer.from([0xff, 0xff, 0xff, 0xfe]);
  assert.match(expectDecodeError(() => decodeMetadataRequest(negativeArray, 1), 'array').message, /negative array length -2/);
  const negativeString = Buffer.from([0, 0, 0, 1, 0xff, 0xf0]);
  assert.match(expectDecodeError(() => decodeMetadataRequest(negativeString, 1), 'string').message, /negative string length/);
  // Produce v3: transactional id null, acks, timeout, 1 topic "t", 1 partition 0, records length -7.
  const negativeBytes = Buffer.from([0xff, 0xff, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xf9]);
  assert.match(expectDecodeError(() => decodeProduceRequest(negativeBytes, 3), 'bytes').message, /negative bytes length -7/);
});

test('null where the version does not allow it', () => {
  // Metadata v0: topics is not nullable before v1.
  const nullTopics = Buffer.from([0xff, 0xff, 0xff, 0xff]);
  assert.match(expectDecodeError(() => decodeMetadataRequest(nullTopics, 0), 'null').message, /non-nullable array/);
});

test('huge lengths are rejected before allocating', () => {
  const before = process.memoryUsage().arrayBuffers + process.memoryUsage().heapUsed;
  // An array of 2^31-1 topics in a 10-byte body.
  const hugeArray = Buffer.from([0x7f, 0xff, 0xff, 0xff, 0, 1, 0x61, 0, 0, 0]);
  assert.match(expectDecodeError(() => decodeMetadataRequest(hugeArray, 1), 'array').message, /does not fit/);
  // A compact array claiming 2^32-2 elements (Metadata v9 is flexible).
  const hugeCompact = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
  expectDecodeError(() => decodeMetadataRequest(hugeCompact, 9), 'compact array');
  // A string claiming 32767 bytes with 3 present.
  const hugeString = Buffer.from([0, 0, 0, 1, 0x7f, 0xff, 0x61, 0x62, 0x63]);
  assert.match(expectDecodeError(() => decodeMetadataRequest(hugeString, 1), 'string').message, /truncated string/);
  const after = process.memoryUsage().arrayBuffers + process.memoryUsage().heapUsed;
  assert.ok(after - before < 64 * 1024 * 1024, `decoding grew memory by ${after - before} bytes`);
});

test('overlong and truncated varints', () => {
  // A compact array length with six continuation bytes (more than 32 bits).
  const overlong = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00]);
  assert.match(expectDecodeError(() => decodeMetadataRequest(overlong, 9), 'overlong').message, /longer than 32 bits/);
  const truncated = Buffer.from([0x80, 0x80]);
  assert.match(expectDecodeError(() => decodeMetadataRequest(truncated, 9), 'truncated').message, /truncated unsigned varint/);
  const r = new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f]));
  expectDecodeError(() => r.unsignedVarint(), 'fifth byte too big');
});

test('tagged fields that overrun their declared size', () => {
  // Metadata v9 with no topics, flags, then one tagged field declaring 200 bytes with 1 present.
  const body = Buffer.from([0x01, 0x00, 0x00, 0x01, 0x01, 0x05, 0xc8, 0x01, 0x00]);
  assert.match(expectDecodeError(() => decodeMetadataRequest(body, 9), 'tagged').message, /exceeds/);
});

test('unknown API keys and versions are reported as unsupported, not malformed', () => {
  const header = Buffer.from([0x03, 0xe7, 0, 0, 0, 0, 0, 42, 0, 3, 0x61, 0x62, 0x63]);
  assert.throws(() => decodeRequest(header), (e: unknown) => {
    assert.ok(e instanceof UnsupportedRequestError);
    assert.equal(e.apiKey, 999);
    assert.equal(e.correlationId, 42);
    assert.equal(e.clientId, 'abc');
    return true;
  });
  const tooNew = Buffer.from([0, 18, 0x00, 0x63, 0, 0, 0, 1, 0xff, 0xff, 0x00]);
  assert.throws(() => decodeRequest(tooNew), UnsupportedRequestError);
  expectDecodeError(() => decodeRequest(Buffer.from([0, 18, 0])), 'short header');
});

test('garbage never escapes as another exception', () => {
  let seed = 12345;
  const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 3000; i++) {
    const len = next() % 64;
    const buf = Buffer.alloc(len);
    for (let j = 0; j < len; j++) buf[j] = next() & 0xff;
    // Point it at a real API so the body decoder runs.
    if (len >= 4) buf.writeInt16BE(next() % 75, 0), buf.writeInt16BE(next() % 13, 2);
    try {
      decodeRequest(buf);
    } catch (e) {
      assert.ok(e instanceof DecodeError || e instanceof UnsupportedRequestError, `input ${buf.toString('hex')}: ${String(e)}`);
    }
  }
});

test('encoding a field its version lacks throws unless the field is ignorable', () => {
  // CreateTopics ValidateOnly is 1+ and not ignorable: dropping it would change the request's meaning.
  assert.throws(() => encodeCreateTopicsRequest({ validateOnly: true }, 0), EncodeError);
  assert.doesNotThrow(() => encodeCreateTopicsRequest({ validateOnly: false }, 0));
  assert.doesNotThrow(() => encodeCreateTopicsRequest({ validateOnly: true }, 1));
});

/**
 * A seeded decode fuzzer: mutates real-client fixtures and generated requests (bit flips, byte
 * overwrites with boundary values, truncation, insertion, duplicated slices) and decodes them.
 * Every outcome must be a decoded request, a DecodeError or an UnsupportedRequestError.
 * Bounded: a fixed number of mutations, reproducible from the seed printed on failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRequest, UnsupportedRequestError } from '../../src/protocol/frames.js';
import { DecodeError } from '../../src/protocol/primitives/decode-error.js';
import { Prng } from '../support/prng.js';
import { goldenClients, goldenFixtures } from '../support/fixtures.js';
import { sampleRequests } from '../support/sample-requests.js';

const SEED = 0x7a1b;
const MUTATIONS = 40_000;
const BOUNDARY_BYTES = [0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff];

function mutate(input: Buffer, rng: Prng): Buffer {
  const buf = Buffer.from(input);
  const kind = rng.below(6);
  if (buf.length === 0) return buf;
  const at = rng.below(buf.length);
  switch (kind) {
    case 0: // flip one bit
      buf[at]! ^= 1 << rng.below(8);
      return buf;
    case 1: // overwrite a byte with a boundary value
      buf[at] = rng.pick(BOUNDARY_BYTES);
      return buf;
    case 2: // overwrite 2 or 4 bytes with a boundary length (-1, huge, zero)
      for (let i = 0; i < 2 + 2 * rng.below(2) && at + i < buf.length; i++) buf[at + i] = rng.pick(BOUNDARY_BYTES);
      return buf;
    case 3: // truncate
      return buf.subarray(0, at);
    case 4: // insert random bytes
      return Buffer.concat([buf.subarray(0, at), Buffer.from([rng.below(256), rng.below(256)]), buf.subarray(at)]);
    default: { // duplicate a slice
      const len = 1 + rng.below(Math.min(16, buf.length - at));
      return Buffer.concat([buf.subarray(0, at + len), buf.subarray(at, at + len), buf.subarray(at + len)]);
    }
  }
}

test('decode fuzzer over mutated fixtures and generated requests', () => {
  const corpus: Buffer[] = sampleRequests(99).map((s) => s.payload);
  for (const client of goldenClients()) for (const f of goldenFixtures(client)) corpus.push(f.bytes);
  const rng = new Prng(SEED);
  const outcomes = { decoded: 0, malformed: 0, unsupported: 0 };
  for (let i = 0; i < MUTATIONS; i++) {
    let input = rng.pick(corpus);
    const rounds = 1 + rng.below(3);
    for (let r = 0; r < rounds; r++) input = mutate(input, rng);
    try {
      decodeRequest(input);
      outcomes.decoded++;
    } catch (e) {
      if (e instanceof DecodeError) outcomes.malformed++;
      else if (e instanceof UnsupportedRequestError) outcomes.unsupported++;
      else assert.fail(`mutation ${i} (seed ${SEED}): ${String(e)}\ninput: ${input.toString('hex')}`);
    }
  }
  // The fuzzer must reach the body decoders, not just bounce off headers.
  assert.ok(outcomes.malformed > MUTATIONS / 10, JSON.stringify(outcomes));
  assert.ok(outcomes.decoded > MUTATIONS / 20, JSON.stringify(outcomes));
});

/**
 * For every generated message (requests, responses, headers, metadata and coordinator records)
 * and every version: random values encode → decode → equal, and re-encoding the decoded value
 * gives the same bytes; a splicing Writer (bytes/records values kept as their own chunks) gives
 * chunks that concatenate to those same bytes. Fixed seed, bounded runs, so a failure reproduces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as generated from '../../src/protocol/generated/index.js';
import type { MessageSchema } from '../../src/protocol/primitives/schema.js';
import { measureWithSplices, Writer } from '../../src/protocol/primitives/writer.js';
import type { MessageCodec } from '../../src/protocol/registry-types.js';
import { messageArb } from '../support/arbitraries.js';

/** Every generated codec, found by its schema export. */
function allCodecs(): MessageCodec<any>[] {
  const mod = generated as unknown as Record<string, unknown>;
  const out: MessageCodec<any>[] = [];
  for (const [key, value] of Object.entries(mod)) {
    if (!key.endsWith('Schema')) continue;
    const name = key.slice(0, -'Schema'.length);
    const encode = mod[`encode${name}`];
    const decode = mod[`decode${name}`];
    const size = mod[`size${name}`];
    const write = mod[`write${name}`];
    if (typeof encode !== 'function' || typeof decode !== 'function') continue;
    if (typeof size !== 'function' || typeof write !== 'function') throw new Error(`${name} has no size/write functions`);
    out.push({ name, schema: value as MessageSchema, encode, decode, size, write } as MessageCodec<any>);
  }
  return out;
}

const codecs = allCodecs();

/** Encodes with a splicing Writer; returns the chunks and how many values were spliced. */
function encodeSpliced(codec: MessageCodec<any>, msg: unknown, v: number, spliceAtLeast: number): Buffer[] {
  const { total, spliced } = measureWithSplices(spliceAtLeast, () => codec.size(msg, v));
  const w = new Writer(Buffer.allocUnsafe(total - spliced), 0, spliceAtLeast);
  codec.write(w, msg, v);
  const out = w.finishChunks();
  assert.equal(w.buf.length, total - spliced, 'the buffer holds only what is not spliced');
  if (!Buffer.isBuffer(out)) splicedEncodings++;
  return Buffer.isBuffer(out) ? [out] : out;
}
/** Encodings that came out in chunks: proves the splice path ran, not only the one-buffer path. */
let splicedEncodings = 0;
const RUNS_PER_VERSION = 40;

test('every spec file produced a codec', () => {
  assert.ok(codecs.length >= 240, `only ${codecs.length} codecs`);
});

for (const group of ['messages', 'metadata', 'group-coordinator', 'transaction-coordinator', 'share-coordinator', 'raft']) {
  test(`round-trip every version of every ${group} codec`, () => {
    let checked = 0;
    for (const codec of codecs.filter((c) => c.schema.group === group)) {
      const [min, max] = codec.schema.validVersions;
      for (let v = min; v <= max; v++) {
        fc.assert(
          fc.property(messageArb(codec.schema, v), (msg: Record<string, any>) => {
            const bytes = codec.encode(msg, v);
            const decoded = codec.decode(bytes, v);
            assert.deepStrictEqual(decoded, msg, `${codec.name} v${v}`);
            assert.ok(codec.encode(decoded, v).equals(bytes), `${codec.name} v${v}: re-encoding differs`);
            for (const spliceAtLeast of [1, 8]) {
              const chunks = encodeSpliced(codec, msg, v, spliceAtLeast);
              assert.ok(Buffer.concat(chunks).equals(bytes), `${codec.name} v${v}: spliced at ${spliceAtLeast} differs`);
            }
          }),
          { seed: 20261125 + v, numRuns: RUNS_PER_VERSION },
        );
        checked++;
      }
    }
    assert.ok(checked > 0);
    if (group === 'messages') assert.ok(splicedEncodings > 100, `only ${splicedEncodings} encodings spliced anything`);
  });
}

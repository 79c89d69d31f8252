/**
 * For every generated message (requests, responses, headers, metadata and coordinator records)
 * and every version: random values encode → decode → equal, and re-encoding the decoded value
 * gives the same bytes. Fixed seed, bounded runs, so a failure reproduces.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as generated from '../../src/protocol/generated/index.js';
import type { MessageSchema } from '../../src/protocol/primitives/schema.js';
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
    if (typeof encode !== 'function' || typeof decode !== 'function') continue;
    out.push({ name, schema: value as MessageSchema, encode, decode } as MessageCodec<any>);
  }
  return out;
}

const codecs = allCodecs();
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
          }),
          { seed: 20261125 + v, numRuns: RUNS_PER_VERSION },
        );
        checked++;
      }
    }
    assert.ok(checked > 0);
  });
}

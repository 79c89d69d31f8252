/** Framing: any chunking of a stream yields the same frames; bad sizes are errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FrameDecoder, FrameError } from '../../src/network/frame-decoder.js';

function frame(payload: Buffer): Buffer {
  const b = Buffer.alloc(4 + payload.length);
  b.writeInt32BE(payload.length, 0);
  payload.copy(b, 4);
  return b;
}

test('any split of a stream gives back its frames', () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
      (payloads, cuts) => {
        const stream = Buffer.concat(payloads.map((p) => frame(Buffer.from(p))));
        const d = new FrameDecoder(1000);
        const out: Buffer[] = [];
        let at = 0;
        let i = 0;
        while (at < stream.length) {
          const n = cuts[i++ % cuts.length]!;
          out.push(...d.push(stream.subarray(at, at + n)));
          at += n;
        }
        assert.deepEqual(out.map((b) => [...b]), payloads.map((p) => [...p]));
        assert.ok(d.isIdle);
      },
    ),
    { seed: 11, numRuns: 300 },
  );
});

test('negative and oversized frame sizes are errors', () => {
  assert.throws(() => new FrameDecoder(100).push(Buffer.from([0xff, 0xff, 0xff, 0xfe])), FrameError);
  assert.throws(() => new FrameDecoder(100).push(Buffer.from([0, 0, 0, 101])), /socket.request.max.bytes/);
  // A huge size is refused before anything is allocated for it.
  assert.throws(() => new FrameDecoder(100 * 1024 * 1024).push(Buffer.from([0x7f, 0xff, 0xff, 0xff])), FrameError);
  // Split size prefixes are checked too.
  const d = new FrameDecoder(100);
  d.push(Buffer.from([0, 0]));
  assert.throws(() => d.push(Buffer.from([1, 0])), FrameError);
});

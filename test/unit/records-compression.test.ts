import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { DecodeError } from '../../src/protocol/primitives/decode-error.js';
import {
  codecFor,
  gzipCodec,
  isXerialFramed,
  lz4Codec,
  lz4Decompress,
  snappyCodec,
  snappyCompressRaw,
  snappyCompressXerial,
  snappyRawCodec,
  xxhash32,
  zstdCodec,
  zstdCompressStreaming,
  zstdDecompress,
  type CompressionCodec,
} from '../../src/protocol/records/compression/index.js';

const MIB = 1024 * 1024;
/** lz4: the native decoder instead of the default bounded JS one. */
const NATIVE = { native: true };
const JS = { native: false };

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Compressible but not trivial bytes. */
function sample(bytes: number, seed = 1): Buffer {
  const rnd = prng(seed);
  const words = ['kafka', 'record', 'batch', 'tributary', 'offset', 'value', ' ', '\n', '{"id":', '}'];
  const out = Buffer.alloc(bytes);
  let pos = 0;
  while (pos < bytes) {
    const w = words[Math.floor(rnd() * words.length)]!;
    pos += out.write(w, pos);
    if (rnd() < 0.1 && pos < bytes) out[pos++] = Math.floor(rnd() * 256);
  }
  return out;
}

const codecs: CompressionCodec[] = [gzipCodec, snappyCodec, snappyRawCodec, lz4Codec, zstdCodec];

function label(c: CompressionCodec): string {
  return c === snappyRawCodec ? 'snappy(raw)' : c.name;
}

test('every codec round-trips empty, tiny and large inputs', () => {
  for (const codec of codecs) {
    for (const size of [0, 1, 100, 70_000, 600_000]) {
      const input = sample(size, size);
      const compressed = codec.compress(input);
      const out = codec.decompress(compressed, MIB);
      assert.ok(out.equals(input), `${label(codec)} ${size}`);
    }
  }
});

test('codec registry: ids 1-4, NONE and 5-7 have no codec', () => {
  assert.equal(codecFor(1), gzipCodec);
  assert.equal(codecFor(2), snappyCodec);
  assert.equal(codecFor(3), lz4Codec);
  assert.equal(codecFor(4), zstdCodec);
  for (const id of [0, 5, 6, 7, -1]) assert.throws(() => codecFor(id), DecodeError);
});

test('every codec enforces the decompressed-size limit', () => {
  const input = sample(200_000);
  for (const codec of codecs) {
    const compressed = codec.compress(input);
    assert.equal(codec.decompress(compressed, input.length).length, input.length, label(codec));
    assert.throws(() => codec.decompress(compressed, input.length - 1), /exceeds the limit/, label(codec));
    assert.throws(() => codec.decompress(compressed, 0), DecodeError, label(codec));
  }
  assert.throws(() => gzipCodec.decompress(gzipSync(input), -1), RangeError);
});

test('every codec turns garbage and truncation into DecodeError', () => {
  const input = sample(50_000);
  for (const codec of codecs) {
    assert.throws(() => codec.decompress(Buffer.alloc(0), MIB), DecodeError, `${label(codec)} empty`);
    assert.throws(() => codec.decompress(Buffer.from('definitely not compressed data'), MIB), DecodeError, `${label(codec)} garbage`);
    const compressed = codec.compress(input);
    for (const cut of [1, 4, 8, 17, Math.floor(compressed.length / 2), compressed.length - 1]) {
      assert.throws(() => codec.decompress(compressed.subarray(0, cut), MIB), DecodeError, `${label(codec)} cut at ${cut}`);
    }
  }
});

test('fuzz: mutated compressed input decodes or throws DecodeError, never more than the limit', () => {
  const input = sample(20_000, 7);
  const limit = 64 * 1024;
  for (const codec of codecs) {
    const compressed = codec.compress(input);
    const rnd = prng(99);
    for (let i = 0; i < 300; i++) {
      const copy = Buffer.from(compressed);
      const flips = 1 + Math.floor(rnd() * 4);
      for (let f = 0; f < flips; f++) copy[Math.floor(rnd() * copy.length)] = Math.floor(rnd() * 256);
      try {
        const out = codec.decompress(copy, limit);
        assert.ok(out.length <= limit);
      } catch (err) {
        assert.ok(err instanceof DecodeError, `${label(codec)}: ${String(err)}`);
      }
    }
  }
});

test('snappy: raw and xerial-framed input both decode', () => {
  const input = sample(100_000);
  const raw = snappyCompressRaw(input);
  const xerial = snappyCompressXerial(input);
  assert.equal(isXerialFramed(raw), false);
  assert.equal(isXerialFramed(xerial), true);
  assert.deepEqual([...xerial.subarray(0, 16)], [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.ok(snappyCodec.decompress(raw, MIB).equals(input));
  assert.ok(snappyCodec.decompress(xerial, MIB).equals(input));
  // One block, and snappy-java's tiny-block framing.
  assert.ok(snappyCodec.decompress(snappyCompressXerial(input, 1 << 20), MIB).equals(input));
  assert.ok(snappyCodec.decompress(snappyCompressXerial(input, 100), MIB).equals(input));
  // Header only: no blocks, no bytes.
  assert.equal(snappyCodec.decompress(snappyCompressXerial(Buffer.alloc(0)), MIB).length, 0);
});

test('snappy: preambles are checked before anything is allocated', () => {
  // Raw: preamble says 2^32 - 1 bytes.
  const huge = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
  assert.throws(() => snappyCodec.decompress(huge, MIB), /exceeds the limit/);
  // Overlong preamble varint.
  assert.throws(() => snappyCodec.decompress(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), MIB), DecodeError);
  // Xerial: the sum over blocks counts.
  const block = snappyCompressXerial(sample(40_000), 10_000);
  assert.throws(() => snappyCodec.decompress(block, 39_999), /exceeds the limit/);
  // Xerial: a block length past the end, zero or negative.
  const bad = Buffer.from(block);
  bad.writeInt32BE(bad.length, 16);
  assert.throws(() => snappyCodec.decompress(bad, MIB), /out of bounds/);
  bad.writeInt32BE(0, 16);
  assert.throws(() => snappyCodec.decompress(bad, MIB), /out of bounds/);
  bad.writeInt32BE(-5, 16);
  assert.throws(() => snappyCodec.decompress(bad, MIB), /out of bounds/);
  assert.throws(() => snappyCodec.decompress(block.subarray(0, 12), MIB), /truncated xerial header/);
  assert.throws(() => snappyCodec.decompress(block.subarray(0, 18), MIB), /truncated xerial block length/);
  // A block whose preamble lies about its size.
  const lying = snappyCompressRaw(Buffer.from('hello hello hello hello'));
  lying[0] = lying[0]! + 1;
  assert.throws(() => snappyCodec.decompress(lying, MIB), DecodeError);
});

test('xxhash32 matches the reference vectors', () => {
  assert.equal(xxhash32(Buffer.alloc(0)), 0x02cc5d05);
  assert.equal(xxhash32(Buffer.from('a')), 0x550d7456);
  assert.equal(xxhash32(Buffer.from('abc')), 0x32d153ff);
  assert.equal(xxhash32(Buffer.from('Nobody inspects the spammish repetition')), 0xe2293b2f);
  assert.equal(xxhash32(Buffer.alloc(0), 1), 0x0b2cb792);
});

// ---- LZ4 frames built by hand, to cover what lz4-napi does not write ----

interface Lz4Block {
  data: Buffer;
  uncompressed?: boolean;
}

function lz4Frame(blocks: Lz4Block[], opts: { flags?: number; bd?: number; contentSize?: number; contentChecksum?: Buffer; badHc?: boolean } = {}): Buffer {
  let flags = opts.flags ?? 0x60; // version 01, independent blocks
  if (opts.contentSize !== undefined) flags |= 0x08;
  if (opts.contentChecksum !== undefined) flags |= 0x04;
  const descriptor: number[] = [flags, opts.bd ?? 0x40];
  if (opts.contentSize !== undefined) {
    const cs = Buffer.alloc(8);
    cs.writeBigUInt64LE(BigInt(opts.contentSize));
    descriptor.push(...cs);
  }
  const hc = (xxhash32(Buffer.from(descriptor)) >>> 8) & 0xff;
  const parts: Buffer[] = [Buffer.from([0x04, 0x22, 0x4d, 0x18]), Buffer.from(descriptor), Buffer.from([opts.badHc ? hc ^ 1 : hc])];
  for (const block of blocks) {
    const size = Buffer.alloc(4);
    size.writeUInt32LE((block.data.length | (block.uncompressed ? 0x80000000 : 0)) >>> 0);
    parts.push(size, block.data);
    if (flags & 0x10) {
      const sum = Buffer.alloc(4);
      sum.writeUInt32LE(xxhash32(block.data));
      parts.push(sum);
    }
  }
  parts.push(Buffer.alloc(4)); // EndMark
  if (opts.contentChecksum !== undefined) {
    const sum = Buffer.alloc(4);
    sum.writeUInt32LE(xxhash32(opts.contentChecksum));
    parts.push(sum);
  }
  return Buffer.concat(parts);
}

/** One LZ4 block: `literal`, then a run repeating it (offset = its length) for `matchLength` bytes, then 5 literals. */
function lz4RunBlock(literal: Buffer, matchLength: number, tail = Buffer.from('12345')): Buffer {
  const bytes: number[] = [];
  const litNibble = Math.min(15, literal.length);
  const matchNibble = Math.min(15, matchLength - 4);
  bytes.push((litNibble << 4) | matchNibble);
  if (litNibble === 15) {
    let rest = literal.length - 15;
    while (rest >= 255) {
      bytes.push(255);
      rest -= 255;
    }
    bytes.push(rest);
  }
  bytes.push(...literal);
  bytes.push(literal.length & 0xff, literal.length >> 8);
  if (matchNibble === 15) {
    let rest = matchLength - 19;
    while (rest >= 255) {
      bytes.push(255);
      rest -= 255;
    }
    bytes.push(rest);
  }
  bytes.push(tail.length << 4, ...tail);
  return Buffer.from(bytes);
}

function expandRun(literal: Buffer, matchLength: number, tail = Buffer.from('12345')): Buffer {
  const out = Buffer.alloc(literal.length + matchLength + tail.length);
  literal.copy(out);
  for (let i = 0; i < matchLength; i++) out[literal.length + i] = out[i]!;
  tail.copy(out, literal.length + matchLength);
  return out;
}

test('lz4: native and bounded JS decoders agree on lz4-napi frames', () => {
  for (const size of [0, 1, 1000, 300_000]) {
    const input = sample(size, size + 3);
    const frame = lz4Codec.compress(input);
    assert.ok(lz4Decompress(frame, MIB, NATIVE).equals(input));
    assert.ok(lz4Decompress(frame, MIB).equals(input), `js ${size}`);
  }
});

test('lz4: hand-made frames with checksums, content size, uncompressed and linked blocks', () => {
  const lit = Buffer.from('abcdefgh');
  const expected1 = expandRun(lit, 1000);
  const stored = Buffer.from('stored block, not compressed');
  const all = Buffer.concat([expected1, stored]);
  const frame = lz4Frame([{ data: lz4RunBlock(lit, 1000) }, { data: stored, uncompressed: true }], {
    flags: 0x70, // + block checksums
    contentSize: all.length,
    contentChecksum: all,
  });
  for (const js of [false, true]) assert.ok(lz4Decompress(frame, MIB, js ? JS : NATIVE).equals(all), `js=${js}`);

  // Linked blocks (FLG bit 5 clear): block 2 copies 16 bytes from block 1.
  const first = Buffer.from('0123456789abcdef');
  const second = Buffer.from([0x0c, 0x10, 0x00, 0x50, ...Buffer.from('XXXXX')]); // match 16 @ offset 16, then 5 literals
  const linked = lz4Frame([{ data: first, uncompressed: true }, { data: second }], { flags: 0x40 });
  const linkedOut = Buffer.concat([first, first, Buffer.from('XXXXX')]);
  assert.ok(lz4Decompress(linked, MIB).equals(linkedOut));
  assert.ok(lz4Decompress(linked, MIB, NATIVE).equals(linkedOut));
  // The same block in an independent-block frame reaches outside its block: corrupt.
  const independent = lz4Frame([{ data: first, uncompressed: true }, { data: second }], { flags: 0x60 });
  assert.throws(() => lz4Decompress(independent, MIB), /match offset/);
  assert.throws(() => lz4Decompress(independent, MIB, NATIVE), DecodeError);

  // Checksums and header problems.
  const badContent = lz4Frame([{ data: stored, uncompressed: true }], { contentChecksum: Buffer.from('other') });
  assert.throws(() => lz4Decompress(badContent, MIB), /content checksum/);
  assert.throws(() => lz4Decompress(badContent, MIB, NATIVE), DecodeError);
  const badBlockSum = lz4Frame([{ data: stored, uncompressed: true }], { flags: 0x70 });
  badBlockSum[badBlockSum.length - 5]! ^= 1; // inside the block checksum
  assert.throws(() => lz4Decompress(badBlockSum, MIB), /block checksum/);
  assert.throws(() => lz4Decompress(lz4Frame([{ data: stored, uncompressed: true }], { badHc: true }), MIB, NATIVE), /header checksum/);
  assert.throws(() => lz4Decompress(lz4Frame([], { flags: 0x80 }), MIB, NATIVE), /version/);
  assert.throws(() => lz4Decompress(lz4Frame([], { flags: 0x61 }), MIB, NATIVE), /dictionaries/);
  assert.throws(() => lz4Decompress(lz4Frame([], { bd: 0x30 }), MIB, NATIVE), /block maximum/);
  assert.throws(() => lz4Decompress(lz4Frame([{ data: Buffer.alloc(70_000), uncompressed: true }]), MIB, NATIVE), /exceeds the frame's maximum/);
  // A wrong content size.
  const wrongSize = lz4Frame([{ data: stored, uncompressed: true }], { contentSize: stored.length - 1 });
  assert.throws(() => lz4Decompress(wrongSize, MIB, NATIVE), DecodeError);
  assert.throws(() => lz4Decompress(wrongSize, MIB), DecodeError);
  assert.throws(() => lz4Decompress(lz4Frame([], { contentSize: 2 * MIB }), MIB, NATIVE), /exceeds the limit/);

  // Skippable frames are skipped; concatenated frames are concatenated; other trailing bytes are not.
  const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9]);
  const two = Buffer.concat([skippable, lz4Codec.compress(Buffer.from('one ')), lz4Codec.compress(Buffer.from('two'))]);
  assert.equal(lz4Decompress(two, MIB, NATIVE).toString(), 'one two');
  assert.equal(lz4Decompress(two, MIB).toString(), 'one two');
  assert.throws(() => lz4Decompress(Buffer.concat([lz4Codec.compress(Buffer.from('x')), Buffer.from([1, 2])]), MIB, NATIVE), DecodeError);
});

test('lz4: a decompression bomb stops at the limit', () => {
  // Each block is ~270 bytes and inflates to 64 KiB; 100 blocks: 6.4 MB from 27 KB.
  const lit = Buffer.from('z');
  const block = lz4RunBlock(lit, 65536 - 6);
  const one = expandRun(lit, 65536 - 6);
  assert.equal(one.length, 65536);
  const bomb = lz4Frame(Array.from({ length: 100 }, () => ({ data: block })));
  assert.ok(bomb.length < 30_000);
  assert.throws(() => lz4Decompress(bomb, MIB, NATIVE), /exceeds the limit/);
  assert.throws(() => lz4Decompress(bomb, MIB), /exceeds the limit/);
  for (const options of [JS, NATIVE]) {
    const out = lz4Decompress(bomb, 8 * MIB, options);
    assert.equal(out.length, 100 * 65536);
    assert.ok(out.subarray(0, 65536).equals(one));
  }
  // A block that inflates past the frame's block maximum is corrupt.
  const tooBig = lz4Frame([{ data: lz4RunBlock(lit, 70_000) }]);
  assert.throws(() => lz4Decompress(tooBig, MIB), /past its maximum/);
  assert.throws(() => lz4Decompress(tooBig, MIB, NATIVE), DecodeError);
});

test('zstd: frames with and without a content size, concatenated frames', () => {
  const input = sample(300_000);
  const oneShot = zstdCodec.compress(input);
  const streamed = zstdCompressStreaming(input);
  // Frame header descriptor: single-segment / content-size flags differ.
  assert.notEqual(oneShot[4]! & 0xe0, 0);
  assert.equal(streamed[4]! & 0xe0, 0, 'no content size in the streamed frame');
  assert.ok(zstdDecompress(oneShot, MIB).equals(input));
  assert.ok(zstdDecompress(streamed, MIB).equals(input));
  const both = Buffer.concat([oneShot, streamed]);
  assert.ok(zstdDecompress(both, MIB).equals(Buffer.concat([input, input])));
  assert.throws(() => zstdDecompress(streamed, input.length - 1), /exceeds the limit/);
  assert.equal(zstdDecompress(streamed, input.length).length, input.length);
  assert.throws(() => zstdDecompress(Buffer.concat([oneShot, Buffer.from([1, 2, 3, 4, 5])]), MIB), DecodeError);
  assert.throws(() => zstdDecompress(streamed.subarray(0, streamed.length - 3), MIB), DecodeError);
  // The decoder still works after errors.
  assert.ok(zstdDecompress(streamed, MIB).equals(input));
});

test('zstd and gzip: bombs without a declared size stop at the limit', () => {
  const zeros = Buffer.alloc(20 * MIB);
  const zbomb = zstdCompressStreaming(zeros);
  assert.ok(zbomb.length < 10_000);
  assert.throws(() => zstdDecompress(zbomb, MIB), /exceeds the limit/);
  const gbomb = gzipSync(zeros);
  assert.throws(() => gzipCodec.decompress(gbomb, MIB), /exceeds the limit/);
  assert.ok(gzipCodec.decompress(Buffer.concat([gzipSync('ab'), gzipSync('cd')]), MIB).equals(Buffer.from('abcd')));
});

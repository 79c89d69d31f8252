// Decodes the record batches inside captured Produce requests and Fetch responses, so the capture
// can state what a fixture really carries (codec, keys, values, headers) instead of only what the
// scenario meant to send. Capture tool only; independent of src/protocol on purpose.
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import { Reader } from './wire.mjs';

const require = createRequire(import.meta.url);
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

function optional(name) {
  try {
    return require(name);
  } catch {
    return null;
  }
}
const snappy = optional('snappy');
const lz4 = optional('lz4-napi');
const zstd = optional('zstd-napi');

const XERIAL = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

function unsnappy(buf) {
  if (!snappy) throw new Error('snappy module not installed');
  if (buf.length >= 16 && buf.subarray(0, 8).equals(XERIAL)) {
    // xerial framing: magic, int32 version, int32 compatible version, then int32-sized blocks
    const parts = [];
    let p = 16;
    while (p < buf.length) {
      const n = buf.readInt32BE(p);
      p += 4;
      parts.push(snappy.uncompressSync(buf.subarray(p, p + n)));
      p += n;
    }
    return Buffer.concat(parts);
  }
  return snappy.uncompressSync(buf);
}

export function decompress(codec, buf) {
  switch (codec) {
    case 0: return buf;
    case 1: return gunzipSync(buf);
    case 2: return unsnappy(buf);
    case 3:
      if (!lz4) throw new Error('lz4-napi not installed');
      return lz4.decompressFrameSync(buf);
    case 4:
      if (!zstd) throw new Error('zstd-napi not installed');
      return zstd.decompress(buf);
    default: throw new Error(`unknown codec ${codec}`);
  }
}

function text(b) {
  if (b === null) return null;
  const s = b.toString('utf8');
  // keep the value readable when it is text, hex when it is not
  return Buffer.from(s, 'utf8').equals(b) && !/[\u0000-\u0008\u000e-\u001f]/.test(s) ? s : { hex: b.toString('hex') };
}

function varBytes(r) {
  const n = r.varint();
  return n < 0 ? null : r.raw(n);
}

function decodeV2Records(r, count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const len = r.varint();
    const end = r.pos + len;
    r.i8(); // attributes (unused)
    r.varlong(); // timestamp delta
    const offsetDelta = r.varint();
    const key = varBytes(r);
    const value = varBytes(r);
    const nh = r.varint();
    const headers = [];
    for (let h = 0; h < nh; h++) {
      const hk = varBytes(r);
      const hv = varBytes(r);
      headers.push({ key: hk === null ? null : hk.toString('utf8'), value: text(hv) });
    }
    r.pos = end;
    out.push({ offsetDelta, key: text(key), value: text(value), headers });
  }
  return out;
}

// magic 0/1 message set (possibly nested inside a compressed wrapper message)
function decodeLegacySet(buf, depth = 0) {
  const r = new Reader(buf);
  const messages = [];
  let codec = 0;
  let magic = -1;
  while (r.remaining >= 12) {
    r.i64(); // offset
    const size = r.i32();
    if (size > r.remaining) break; // partial trailing message
    const m = new Reader(r.raw(size));
    m.u32(); // crc
    magic = m.i8();
    const attributes = m.i8();
    if (magic >= 1) m.i64(); // timestamp
    const key = m.bytes();
    const value = m.bytes();
    const c = attributes & 7;
    if (c !== 0 && depth === 0) {
      codec = c;
      const inner = decodeLegacySet(decompress(c, value), depth + 1);
      messages.push(...inner.records);
    } else {
      messages.push({ key: text(key), value: text(value), headers: [] });
    }
  }
  return { magic, codec, records: messages };
}

// Decodes every batch in a records blob. Returns [{magic, compression, recordCount, producerId,
// producerEpoch, baseSequence, transactional, records:[{key,value,headers}]}]; decoding problems
// are reported in `error` instead of thrown.
export function decodeRecords(blob) {
  const batches = [];
  if (!blob || blob.length === 0) return batches;
  if (blob.length >= 17 && blob[16] < 2) {
    try {
      const s = decodeLegacySet(blob);
      batches.push({ magic: s.magic, compression: CODECS[s.codec] ?? s.codec, recordCount: s.records.length, records: s.records });
    } catch (e) {
      batches.push({ error: String(e.message ?? e) });
    }
    return batches;
  }
  const r = new Reader(blob);
  while (r.remaining >= 61) {
    const start = r.pos;
    const baseOffset = r.i64();
    const batchLength = r.i32();
    if (batchLength > r.remaining) break; // partial batch at the end of a fetch response
    const end = r.pos + batchLength;
    const b = { baseOffset: baseOffset.toString() };
    try {
      r.i32(); // partition leader epoch
      b.magic = r.i8();
      r.u32(); // crc
      const attributes = r.i16();
      const codec = attributes & 7;
      b.compression = CODECS[codec] ?? codec;
      b.transactional = (attributes & 0x10) !== 0;
      b.control = (attributes & 0x20) !== 0;
      r.i32(); // last offset delta
      r.i64(); // base timestamp
      r.i64(); // max timestamp
      b.producerId = r.i64().toString();
      b.producerEpoch = r.i16();
      b.baseSequence = r.i32();
      b.recordCount = r.i32();
      const payload = decompress(codec, blob.subarray(r.pos, end));
      b.records = decodeV2Records(new Reader(payload), b.recordCount);
    } catch (e) {
      b.error = String(e.message ?? e);
    }
    batches.push(b);
    r.pos = end;
    if (r.pos <= start) break;
  }
  return batches;
}

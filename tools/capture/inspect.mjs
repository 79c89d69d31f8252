// Reads the parts of captured requests that the manifest reports as "observed" facts.
import { Reader, parseRequestHeader } from './wire.mjs';
import { decodeRecords } from './records.mjs';

// Produce v0..v11: transactional id, acks, timeout, and per partition the decoded record batches.
export function inspectProduce(frame) {
  const hdr = parseRequestHeader(frame);
  const f = hdr.flexible;
  const v = hdr.apiVersion;
  const r = new Reader(frame, hdr.bodyOffset);
  const transactionalId = v >= 3 ? r.string(f) : null;
  const acks = r.i16();
  const timeoutMs = r.i32();
  const topics = r.arr(f, (r) => {
    const name = r.string(f);
    const partitions = r.arr(f, (r) => {
      const index = r.i32();
      const records = f ? r.cbytes() : r.bytes();
      if (f) r.tags();
      return { index, batches: decodeRecords(records) };
    });
    if (f) r.tags();
    return { name, partitions };
  });
  return { transactionalId, acks, timeoutMs, topics };
}

// Short summary of what a produce request carried: codecs used and the records, flattened.
export function summarizeProduce(p) {
  const codecs = new Set();
  const records = [];
  let magic = null;
  for (const t of p.topics ?? []) {
    for (const part of t.partitions ?? []) {
      for (const b of part.batches) {
        if (b.compression !== undefined) codecs.add(b.compression);
        if (b.magic !== undefined) magic = b.magic;
        for (const rec of b.records ?? []) records.push({ key: rec.key, value: rec.value, headers: rec.headers });
      }
    }
  }
  return { codecs: [...codecs], magic, records };
}

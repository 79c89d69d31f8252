/**
 * Fetch answers turned into consumer records (unit level, with hand-built batches): records below
 * the fetch offset skipped, control batches never returned, aborted transactions dropped with
 * read_committed (kept with read_uncommitted), a partial batch at the end ignored, and the next
 * fetch offset past every whole batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFetchedRecords } from '../../src/client/consumer/fetched-records.js';
import { buildRecordBatch } from '../../src/protocol/records/builder.js';
import { buildTransactionMarkerBatch, ControlRecordType } from '../../src/protocol/records/control.js';
import { CompressionType } from '../../src/protocol/records/record-batch.js';

const opts = { verifyCrc: true, readCommitted: false, aborted: null, maxUncompressedBytes: 1 << 20 };

function batch(baseOffset: number, values: string[], extra: Parameters<typeof buildRecordBatch>[1] = {}): Buffer {
  return buildRecordBatch(values.map((v, i) => ({ value: Buffer.from(v), timestamp: 1000 + i })), { baseOffset, ...extra });
}

test('records below the fetch offset are skipped, also inside compressed batches; a partial tail is ignored', () => {
  const data = Buffer.concat([batch(0, ['a', 'b', 'c'], { compression: CompressionType.ZSTD }), batch(3, ['d', 'e'])]);
  const r = parseFetchedRecords('t', 0, Buffer.concat([data, batch(5, ['f']).subarray(0, 30)]), 1, opts);
  assert.deepEqual(r.records.map((x) => [x.offset, x.value?.toString()]), [[1, 'b'], [2, 'c'], [3, 'd'], [4, 'e']]);
  assert.equal(r.nextOffset, 5);
  assert.deepEqual(parseFetchedRecords('t', 0, null, 7, opts), { records: [], nextOffset: 7 });
});

test('control batches are skipped and moved past; read_committed drops aborted transactions', () => {
  const pid = 42n;
  const data = Buffer.concat([
    batch(0, ['plain']),
    batch(1, ['txn-aborted-1', 'txn-aborted-2'], { producerId: pid, producerEpoch: 0, baseSequence: 0, transactional: true }),
    buildTransactionMarkerBatch({ type: ControlRecordType.ABORT, producerId: pid, producerEpoch: 0, coordinatorEpoch: 0, timestampMs: 5, baseOffset: 3 }),
    batch(4, ['txn-committed'], { producerId: pid, producerEpoch: 0, baseSequence: 2, transactional: true }),
    buildTransactionMarkerBatch({ type: ControlRecordType.COMMIT, producerId: pid, producerEpoch: 0, coordinatorEpoch: 0, timestampMs: 6, baseOffset: 5 }),
  ]);
  const uncommitted = parseFetchedRecords('t', 0, data, 0, opts);
  assert.deepEqual(uncommitted.records.map((x) => x.value?.toString()), ['plain', 'txn-aborted-1', 'txn-aborted-2', 'txn-committed']);
  assert.equal(uncommitted.nextOffset, 6);
  const committed = parseFetchedRecords('t', 0, data, 0, { ...opts, readCommitted: true, aborted: [{ producerId: pid, firstOffset: 1n }] });
  assert.deepEqual(committed.records.map((x) => [x.offset, x.value?.toString()]), [[0, 'plain'], [4, 'txn-committed']]);
  assert.equal(committed.nextOffset, 6);
  // Only a control batch: nothing returned, but the position moves past it.
  const onlyMarker = parseFetchedRecords('t', 0, buildTransactionMarkerBatch({ type: ControlRecordType.COMMIT, producerId: pid, producerEpoch: 0, coordinatorEpoch: 0, timestampMs: 6, baseOffset: 9 }), 9, opts);
  assert.deepEqual(onlyMarker, { records: [], nextOffset: 10 });
});

test('headers and timestamps come back as written; a corrupt first batch is CORRUPT_MESSAGE', () => {
  const b = buildRecordBatch([{ key: Buffer.from('k'), value: null, headers: [{ key: 'x', value: null }, { key: 'x', value: Buffer.from('2') }], timestamp: 77 }], { baseOffset: 10 });
  const [r] = parseFetchedRecords('t', 3, b, 10, opts).records;
  assert.deepEqual(r, { topic: 't', partition: 3, offset: 10, timestamp: 77, timestampType: 'CreateTime', leaderEpoch: -1, key: Buffer.from('k'), value: null, headers: [{ key: 'x', value: null }, { key: 'x', value: Buffer.from('2') }] });
  const bad = Buffer.from(b);
  bad[bad.length - 1] ^= 0xff;
  assert.throws(() => parseFetchedRecords('t', 3, bad, 10, opts), (e: Error & { errorName?: string }) => e.errorName === 'CORRUPT_MESSAGE');
});

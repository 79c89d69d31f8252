/**
 * The default partitioner: murmur2 matches the values Kafka's own tests expect from
 * Utils.murmur2 (UtilsTest), the key → partition mapping matches the Java-compatible partitioner
 * of another client (KafkaJS 2's DefaultPartitioner) for many keys and partition counts, and
 * null keys stick to one partition until batch.size bytes, then move (KIP-480 / KIP-794).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Partitioners } from 'kafkajs';
import { murmur2, partitionForKey, toPositive } from '../../src/client/murmur2.js';
import { Partitioner } from '../../src/client/producer/partitioner.js';

test('murmur2 gives the outputs of Kafka Utils.murmur2 (UtilsTest and other published vectors)', () => {
  const cases: [string, number][] = [
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
    ['1', -1993445489],
    ['12', 126087238],
    ['123', -267702483],
    ['1234', -1614185708],
    ['12345', -1188365604],
  ];
  for (const [key, expected] of cases) assert.equal(murmur2(Buffer.from(key)), expected, key);
  assert.equal(murmur2(Buffer.alloc(0)), murmur2(new Uint8Array(0)));
});

test('toPositive clears the sign bit like Java (not Math.abs)', () => {
  assert.equal(toPositive(-1), 0x7fffffff);
  assert.equal(toPositive(-2147483648), 0);
  assert.equal(toPositive(5), 5);
  // "21" hashes to -973932308: Java's partition for 4 partitions is (h & 0x7fffffff) % 4.
  assert.equal(partitionForKey(Buffer.from('21'), 4), (-973932308 & 0x7fffffff) % 4);
});

test('keyed partitions match a Java-compatible partitioner (KafkaJS DefaultPartitioner) for 5000 keys', () => {
  const java = Partitioners.DefaultPartitioner();
  let seed = 12345;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 5000; i++) {
    const len = Math.floor(rnd() * 40);
    const key = Buffer.alloc(len);
    for (let j = 0; j < len; j++) key[j] = Math.floor(rnd() * 256);
    const count = 1 + Math.floor(rnd() * 64);
    const partitionMetadata = Array.from({ length: count }, (_, p) => ({ partitionId: p, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
    const expected = java({ topic: 't', partitionMetadata, message: { key, value: null } });
    assert.equal(partitionForKey(key, count), expected, `key ${key.toString('hex')} over ${count}`);
  }
});

test('null keys stick to a partition until batch.size bytes, then switch to another available one', () => {
  let r = 0.3;
  const p = new Partitioner(1000, false, () => (r = (r + 0.37) % 1));
  const view = { count: 6, available: () => [0, 1, 2, 3, 4, 5] };
  const first = p.partition('t', null, view, 100);
  for (let i = 1; i < 10; i++) assert.equal(p.partition('t', null, view, 100), first, `record ${i} stays`);
  const next = p.partition('t', null, view, 100);
  assert.notEqual(next, first, 'switches after batch.size bytes');
  // Only partitions with a leader are chosen.
  const q = new Partitioner(100, false);
  const limited = { count: 6, available: () => [4] };
  for (let i = 0; i < 20; i++) assert.equal(q.partition('u', null, limited, 60), 4);
  // Keys win over stickiness; ignore.keys makes keys sticky too.
  assert.equal(p.partition('t', Buffer.from('21'), view, 100), partitionForKey(Buffer.from('21'), 6));
  const ignoring = new Partitioner(1000, true, () => 0);
  assert.equal(ignoring.partition('t', Buffer.from('21'), view, 10), ignoring.partition('t', Buffer.from('other'), view, 10));
});

/**
 * The shell lets commits to one __consumer_offsets partition share a flush: every outcome's
 * append reaches the store at once, in order, while replays and answers wait for durability in
 * that same order. (Chaining whole append+flush steps cost one fdatasync per commit.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GroupCoordinator, type OffsetsPartitionStore } from '../../src/coordinator/group/group-coordinator.js';
import type { OffsetsTopicRecord } from '../../src/coordinator/group/offsets-records.js';

interface HeldAppend {
  records: readonly OffsetsTopicRecord[];
  flush(): void;
}

function heldStore(): { store: OffsetsPartitionStore; appends: HeldAppend[] } {
  const appends: HeldAppend[] = [];
  const store: OffsetsPartitionStore = {
    append(records) {
      return new Promise<void>((resolve) => appends.push({ records, flush: resolve }));
    },
    async *records() {},
  };
  return { store, appends };
}

/** A coordinator with one shard over `store`, and simple commits of t-0 for group g. */
async function coordinatorOver(store: OffsetsPartitionStore) {
  const coordinator = new GroupCoordinator({
    config: () => ({ minSessionTimeoutMs: 1, maxSessionTimeoutMs: 1e6, initialRebalanceDelayMs: 0, maxSize: 100, offsetMetadataMaxBytes: 4096, offsetsRetentionMs: 1e9 }),
    nowMs: () => 1_000,
    newMemberId: (p) => `${p}-id`,
    retentionCheckIntervalMs: 1e9,
    onError: (m) => assert.fail(m),
  });
  await coordinator.syncShards(1, new Map([[0, store]]));
  const commit = (offset: number) =>
    coordinator.commitOffsets({ groupId: 'g', memberId: '', groupInstanceId: null, generationId: -1, topics: [{ name: 't', partitions: [{ partition: 0, offset, leaderEpoch: -1, metadata: null }] }] }, () => true);
  return { coordinator, commit };
}

test('commits in flight to one partition are all appended before the first is durable, and answered in order after it', async () => {
  const { store, appends } = heldStore();
  const { coordinator, commit } = await coordinatorOver(store);
  const answered: number[] = [];
  const pending = [1, 2, 3].map((o) => commit(o).then(() => answered.push(o)));
  await new Promise((r) => setImmediate(r));
  assert.equal(appends.length, 3, 'every commit is appended without waiting for the previous flush');
  assert.deepEqual(answered, []);
  assert.equal(coordinator.fetchOffsets('g', [{ name: 't', partitions: [0] }])[0]!.committed, null, 'nothing is visible before it is durable');

  // One flush covering the first two appends.
  appends[0]!.flush();
  appends[1]!.flush();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(answered, [1, 2]);
  assert.equal(coordinator.fetchOffsets('g', [{ name: 't', partitions: [0] }])[0]!.committed?.offset, 2);

  appends[2]!.flush();
  await Promise.all(pending);
  assert.deepEqual(answered, [1, 2, 3]);
  assert.equal(coordinator.fetchOffsets('g', [{ name: 't', partitions: [0] }])[0]!.committed?.offset, 3);
  coordinator.close();
});

test('a later append that is durable first still waits for the earlier one: replays keep the log order', async () => {
  const { store, appends } = heldStore();
  const { coordinator, commit } = await coordinatorOver(store);
  const first = commit(10);
  const second = commit(20);
  await new Promise((r) => setImmediate(r));
  appends[1]!.flush();
  await new Promise((r) => setImmediate(r));
  assert.equal(coordinator.fetchOffsets('g', [{ name: 't', partitions: [0] }])[0]!.committed, null);
  appends[0]!.flush();
  await Promise.all([first, second]);
  assert.equal(coordinator.fetchOffsets('g', [{ name: 't', partitions: [0] }])[0]!.committed?.offset, 20, 'the last commit in log order wins');
  coordinator.close();
});

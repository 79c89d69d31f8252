/**
 * Deleting a topic removes the groups' committed offsets of it (tombstones in __consumer_offsets,
 * as Kafka's coordinator does), keeps other topics' offsets, deletes a group left empty with
 * nothing, and stays so after a restart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBroker } from '../../src/server/broker.js';
import { Kafka } from '../../src/index.js';
import { quiet } from '../support/client.js';

test('deleting a topic drops its committed offsets in every group, and groups left with nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tributary-deleted-topics-'));
  let broker = await startBroker({ port: 0, logDir: dir, logger: quiet });
  try {
    const admin = new Kafka({ 'bootstrap.servers': broker.address }).admin();
    await admin.createTopics([{ topic: 'gone', numPartitions: 2 }, { topic: 'kept', numPartitions: 1 }]);
    await admin.alterConsumerGroupOffsets('both', [{ topic: 'gone', partition: 0, offset: 3 }, { topic: 'gone', partition: 1, offset: 1 }, { topic: 'kept', partition: 0, offset: 7 }]);
    await admin.alterConsumerGroupOffsets('only-gone', [{ topic: 'gone', partition: 1, offset: 5 }]);
    await admin.deleteTopics(['gone']);

    const offsetsOf = async (a: typeof admin, group: string) =>
      (await a.listConsumerGroupOffsets([{ groupId: group }]))[0]!.offsets.map((o) => `${o.topic}-${o.partition}@${o.offset}`);
    const settle = async (a: typeof admin): Promise<void> => {
      // The tombstones are written right after the deletion's metadata change; wait for them.
      for (let i = 0; i < 100 && (await offsetsOf(a, 'both')).length > 1; i++) await new Promise((r) => setTimeout(r, 50));
    };
    await settle(admin);
    assert.deepEqual(await offsetsOf(admin, 'both'), ['kept-0@7']);
    assert.deepEqual(await offsetsOf(admin, 'only-gone'), []);
    const groups = (await admin.listGroups()).map((g) => g.groupId).sort();
    assert.deepEqual(groups, ['both'], 'the group left with no offsets is deleted');
    await admin.close();

    await broker.close();
    broker = await startBroker({ port: 0, logDir: dir, logger: quiet });
    const again = new Kafka({ 'bootstrap.servers': broker.address }).admin();
    assert.deepEqual(await offsetsOf(again, 'both'), ['kept-0@7'], 'after a restart too');
    assert.deepEqual((await again.listGroups()).map((g) => g.groupId), ['both']);
    await again.close();
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

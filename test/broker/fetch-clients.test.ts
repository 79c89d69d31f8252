/**
 * Real clients fetching from a real broker, across several fetches with new data arriving.
 *
 * @platformatic/kafka 1.35.0: its consumer's fetch always sends sessionId 0 with sessionEpoch 0
 * (consumer.js passes the constants 0, 0), i.e. a full fetch that asks for a new session; it
 * never reads the answered session id back, so it never fetches incrementally. The broker creates
 * a session for each such fetch (as Kafka does) and answers its id; the client ignores it.
 * KafkaJS 2.2.4: sessionless (sessionId 0, epoch -1), Fetch up to v11, by topic name.
 *
 * Neither client's group consumer can run yet (no group coordinator on this broker), so both
 * drive their own consumer fetch path directly: platformatic's public Consumer.fetch, and
 * KafkaJS's broker fetch (what its consumer's fetch manager calls) through its cluster object.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer } from '@platformatic/kafka';
import { Kafka, logLevel } from 'kafkajs';
import { sleep, startFetchBroker } from '../support/fetch-broker.js';
import { bytes } from '../support/wire-client.js';

test('@platformatic/kafka consumer fetches (v17, topic ids, epoch 0) across rounds of new data', async () => {
  const b = await startFetchBroker();
  const wire = await b.client('producer');
  const consumer = new Consumer({ groupId: 'fetch-test', clientId: 'platformatic-fetch', bootstrapBrokers: [b.broker.address], retries: 0 });
  try {
    // Kafka's Uuid text is base64url; platformatic writes the same 16 bytes as 8-4-4-4-12 hex.
    const hex = Buffer.from((await wire.createTopics([{ name: 't', partitions: 2 }])).get('t')!, 'base64url').toString('hex');
    const topicId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const metadata = await consumer.metadata({ topics: ['t'] });
    assert.equal(metadata.topics.get('t')?.id, topicId);
    const node = metadata.topics.get('t')!.partitions[0]!.leader;

    const next = [0n, 0n];
    const seen: string[] = [];
    const sessionIds = new Set<number>();
    for (let round = 0; round < 4; round++) {
      const fetching = consumer.fetch({
        node,
        maxWaitTime: 3000,
        minBytes: 1,
        maxBytes: 1 << 20,
        topics: [{ topicId, partitions: [0, 1].map((partition) => ({ partition, currentLeaderEpoch: -1, fetchOffset: next[partition]!, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 })) }],
      });
      // The fetch is waiting (nothing new) when the data arrives.
      await sleep(50);
      await wire.produceBatch('t', round % 2, [{ key: bytes(`k${round}`), value: bytes(`round-${round}-a`) }, { value: bytes(`round-${round}-b`), headers: [{ key: 'h', value: bytes(String(round)) }] }]);
      const response = await fetching;
      assert.equal(response.errorCode, 0);
      assert.notEqual(response.sessionId, 0, 'epoch 0 opens a session');
      sessionIds.add(response.sessionId);
      for (const t of response.responses) {
        assert.equal(t.topicId, topicId);
        for (const p of t.partitions) {
          assert.equal(p.errorCode, 0);
          for (const batch of p.records ?? []) {
            for (const r of batch.records) {
              const offset = batch.firstOffset + BigInt(r.offsetDelta);
              assert.equal(offset, next[p.partitionIndex], 'offsets in order, none skipped');
              next[p.partitionIndex] = offset + 1n;
              seen.push(`${p.partitionIndex}@${offset}:${r.key?.toString() ?? '-'}=${r.value?.toString()}${r.headers.map(([k, v]) => `;${k}=${v}`).join('')}`);
            }
          }
        }
      }
    }
    assert.deepEqual(seen, [
      '0@0:k0=round-0-a', '0@1:-=round-0-b;h=0',
      '1@0:k1=round-1-a', '1@1:-=round-1-b;h=1',
      '0@2:k2=round-2-a', '0@3:-=round-2-b;h=2',
      '1@2:k3=round-3-a', '1@3:-=round-3-b;h=3',
    ]);
    assert.equal(sessionIds.size, 4, 'a new session for every full fetch');
    assert.deepEqual(b.problems, []);
  } finally {
    await consumer.close();
    await b.stop();
  }
});

test('KafkaJS producer and sessionless consumer fetches (v11, by name) across rounds of new data', async () => {
  const b = await startFetchBroker();
  const wire = await b.client('admin');
  const kafka = new Kafka({ clientId: 'kafkajs-fetch', brokers: [b.broker.address], logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  // KafkaJS's consumer fetches through its cluster's broker objects; make one the same way.
  const key = Object.getOwnPropertySymbols(kafka).find((s) => s.description === 'private:Kafka:createCluster')!;
  const cluster = (kafka as unknown as Record<symbol, (o: object) => any>)[key]!({ isolationLevel: 1 });
  try {
    await wire.createTopics([{ name: 't', partitions: 1 }]);
    await producer.connect();
    await cluster.connect();
    await cluster.addTargetTopic('t');
    const nodeId = Number(Object.keys(cluster.findLeaderForPartitions('t', [0]))[0]);
    const broker = await cluster.findBroker({ nodeId });

    let offset = 0;
    const values: string[] = [];
    for (let round = 0; round < 3; round++) {
      const fetching = broker.fetch({
        replicaId: -1,
        isolationLevel: 1,
        maxWaitTime: 3000,
        minBytes: 1,
        maxBytes: 1 << 20,
        topics: [{ topic: 't', partitions: [{ partition: 0, fetchOffset: String(offset), maxBytes: 1 << 20 }] }],
      });
      await sleep(50);
      await producer.send({ topic: 't', acks: -1, messages: [{ key: `k${round}`, value: `v${round}`, headers: { round: String(round) } }, { value: `w${round}` }] });
      const response = await fetching;
      const partition = response.responses[0].partitions[0];
      assert.equal(partition.errorCode, 0);
      assert.equal(partition.highWatermark, String(2 * (round + 1)));
      for (const m of partition.messages) {
        assert.equal(Number(m.offset), offset);
        offset++;
        values.push(`${m.key?.toString() ?? '-'}=${m.value.toString()}${m.headers.round ? `;round=${m.headers.round.toString()}` : ''}`);
      }
    }
    assert.deepEqual(values, ['k0=v0;round=0', '-=w0', 'k1=v1;round=1', '-=w1', 'k2=v2;round=2', '-=w2']);
    assert.deepEqual(b.problems, []);
  } finally {
    await producer.disconnect();
    await cluster.disconnect();
    await b.stop();
  }
});

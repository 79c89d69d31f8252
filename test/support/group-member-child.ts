/**
 * A consumer-group member of our client in its own process, for tests that kill it: joins
 * `group` on `topic` at `bootstrap` (argv 2-4) and prints one line per event to stdout:
 * `assigned <topic-partition,...>` after each rebalance (its whole assignment), and
 * `record <value>` for every record read. Polls until killed.
 */
import { Kafka } from '../../src/index.js';

const [bootstrap, group, topic] = process.argv.slice(2);
// `node --test dist/test/` also runs this file, without arguments: then it has nothing to do.
if (bootstrap === undefined || group === undefined || topic === undefined) process.exit(0);
const consumer = new Kafka({ 'bootstrap.servers': bootstrap }).consumer({
  'group.id': group,
  'session.timeout.ms': 6000,
  'heartbeat.interval.ms': 300,
  'auto.offset.reset': 'earliest',
  'auto.commit.interval.ms': 100,
  'fetch.max.wait.ms': 50,
});
const report = (): void => void process.stdout.write(`assigned ${consumer.assignment().map((p) => `${p.topic}-${p.partition}`).sort().join(',')}\n`);
consumer.subscribe([topic], { onPartitionsAssigned: report, onPartitionsRevoked: () => undefined });
for (;;) {
  const records = await consumer.poll(200);
  if (records.length > 0) process.stdout.write(records.map((r) => `record ${r.value!.toString()}\n`).join(''));
}

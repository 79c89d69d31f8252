/**
 * Kafka's quick start, verbatim (issue 5 §3): the console producer with --broker-list sends
 * "Hello Kafka", the console consumer with --from-beginning prints it (with --max-messages 1 so
 * it ends), on a port the test picks.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeRun, killAll, run, startCliBroker, type CliBroker } from '../support/cli.js';

let b: CliBroker;
before(async () => {
  b = await startCliBroker('example');
});
after(async () => {
  killAll();
  await b?.stop();
});

test("Kafka's example: kafka-console-producer.sh then kafka-console-consumer.sh --from-beginning prints Hello Kafka", async () => {
  const hostPort = b.address;
  const produced = await run('kafka-console-producer.sh', ['--broker-list', hostPort, '--topic', 'test-topic'], { stdin: 'Hello Kafka\n' });
  assert.equal(produced.code, 0, describeRun(produced));
  assert.equal(produced.stdout, '', 'no prompt when stdin is not a terminal');

  const consumed = await run('kafka-console-consumer.sh', ['--bootstrap-server', hostPort, '--topic', 'test-topic', '--from-beginning', '--max-messages', '1']);
  assert.equal(consumed.code, 0, describeRun(consumed));
  assert.equal(consumed.stdout, 'Hello Kafka\n');
  assert.match(consumed.stderr, /^Processed a total of 1 messages\n$/);
});

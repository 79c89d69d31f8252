/**
 * A KafkaJS group member in its own process, for tests that must kill a member without it
 * leaving (SIGKILL) — in process, KafkaJS would rejoin whatever broker comes back.
 *
 * Usage: KAFKAJS_GROUP_MEMBER=1 node kafkajs-group-member.js HOST:PORT GROUP TOPIC COMMIT_BELOW SESSION_TIMEOUT_MS
 *
 * It reads TOPIC from the group's committed offsets (the beginning when none) and commits
 * offset+1 after each record whose offset is below COMMIT_BELOW, nothing after. It reports on
 * stdout, one JSON object per line: {"read": [partition, offset]}, {"committed": [partition,
 * offset]}; when stdin closes it disconnects (leaving the group), prints {"closed": true} and
 * exits 0.
 */
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

async function main(): Promise<void> {
  const [bootstrap, groupId, topic, commitBelowArg, sessionTimeoutArg] = process.argv.slice(2);
  if (sessionTimeoutArg === undefined) throw new Error('usage: kafkajs-group-member.js HOST:PORT GROUP TOPIC COMMIT_BELOW SESSION_TIMEOUT_MS');
  const commitBelow = Number(commitBelowArg);
  const say = (o: object): void => void process.stdout.write(`${JSON.stringify(o)}\n`);

  const kafka = new Kafka({ clientId: 'kafkajs-group-member', brokers: [bootstrap!], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: groupId!, sessionTimeout: Number(sessionTimeoutArg), heartbeatInterval: 100, rebalanceTimeout: 5000, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic!], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const offset = Number(message.offset);
      say({ read: [partition, offset] });
      if (offset < commitBelow) {
        await consumer.commitOffsets([{ topic: topic!, partition, offset: String(offset + 1) }]);
        say({ committed: [partition, offset + 1] });
      }
    },
  });
  process.stdin.resume();
  process.stdin.on('end', () => {
    void consumer.disconnect().then(() => {
      say({ closed: true });
      process.exit(0);
    });
  });
}

// Only as the child: node --test also loads every file under test/.
if (process.env['KAFKAJS_GROUP_MEMBER'] === '1') {
  main().catch((e: unknown) => {
    process.stderr.write(`kafkajs-group-member: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  });
}

/**
 * `tributary <tool> [options]`: every Kafka tool under one command. The tool may be named the
 * short way (`topics`), or as Kafka names it (`kafka-topics`, `kafka-topics.sh`).
 * `tributary --help` lists the tools; `tributary <tool> --help` prints the tool's usage.
 */
import type { Tool } from './run.js';
import { isMain, main as runMain, KAFKA_VERSION } from './run.js';

interface Entry {
  readonly name: string;
  readonly kafkaName: string;
  readonly summary: string;
  load(): Promise<Tool>;
}

export const TOOLS: readonly Entry[] = [
  { name: 'server-start', kafkaName: 'kafka-server-start.sh', summary: 'run a node (broker and controller)', load: async () => serverStartTool },
  { name: 'topics', kafkaName: 'kafka-topics.sh', summary: 'create, delete, describe, list or change topics', load: async () => (await import('./topics.js')).tool },
  { name: 'console-producer', kafkaName: 'kafka-console-producer.sh', summary: 'send standard input to a topic, one record per line', load: async () => (await import('./console-producer.js')).tool },
  { name: 'console-consumer', kafkaName: 'kafka-console-consumer.sh', summary: 'print the records of a topic', load: async () => (await import('./console-consumer.js')).tool },
  { name: 'consumer-groups', kafkaName: 'kafka-consumer-groups.sh', summary: 'list, describe and delete consumer groups; reset or delete their offsets', load: async () => (await import('./consumer-groups.js')).tool },
  { name: 'configs', kafkaName: 'kafka-configs.sh', summary: 'describe and change topic and broker configs', load: async () => (await import('./configs.js')).tool },
  { name: 'get-offsets', kafkaName: 'kafka-get-offsets.sh', summary: 'print the offsets of partitions (earliest, latest, by time)', load: async () => (await import('./get-offsets.js')).tool },
  { name: 'delete-records', kafkaName: 'kafka-delete-records.sh', summary: 'delete the records of partitions below given offsets', load: async () => (await import('./delete-records.js')).tool },
  { name: 'broker-api-versions', kafkaName: 'kafka-broker-api-versions.sh', summary: 'print the API versions every broker supports', load: async () => (await import('./broker-api-versions.js')).tool },
  { name: 'producer-perf-test', kafkaName: 'kafka-producer-perf-test.sh', summary: 'measure producer throughput and latency', load: async () => (await import('./producer-perf-test.js')).tool },
  { name: 'consumer-perf-test', kafkaName: 'kafka-consumer-perf-test.sh', summary: 'measure consumer throughput', load: async () => (await import('./consumer-perf-test.js')).tool },
  { name: 'metadata-quorum', kafkaName: 'kafka-metadata-quorum.sh', summary: 'describe the KRaft metadata quorum', load: async () => (await import('./metadata-quorum.js')).tool },
];

/** kafka-server-start.sh is its own program (src/server/main.ts); run it in this process. */
const serverStartTool: Tool = {
  spec: { name: 'kafka-server-start.sh', description: 'Runs a Tributary node.', options: [] },
  run: async () => 0,
};

export function findTool(name: string): Entry | undefined {
  const n = name.replace(/\.sh$/, '').replace(/^kafka-/, '');
  return TOOLS.find((t) => t.name === n);
}

export function usage(): string {
  const width = Math.max(...TOOLS.map((t) => t.name.length));
  return [
    'Usage: tributary <tool> [options]     (tributary <tool> --help for its options)',
    '',
    "Kafka's command-line tools, same flags and output; each is also bin/<kafka name>.",
    '',
    ...TOOLS.map((t) => `  ${t.name.padEnd(width)}  ${t.summary} (${t.kafkaName})`),
  ].join('\n');
}

async function dispatch(argv: readonly string[]): Promise<void> {
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    const out = first === undefined ? process.stderr : process.stdout;
    out.write(`${usage()}\n`);
    process.exitCode = first === undefined ? 2 : 0;
    return;
  }
  if (first === '--version') {
    process.stdout.write(`${KAFKA_VERSION}\n`);
    return;
  }
  const entry = findTool(first);
  if (entry === undefined) {
    process.stderr.write(`tributary: unknown tool '${first}'\n${usage()}\n`);
    process.exitCode = 2;
    return;
  }
  if (entry.name === 'server-start') {
    // The server's main reads process.argv itself.
    process.argv = [process.argv[0]!, process.argv[1]!, ...argv.slice(1)];
    await import('../server/main.js');
    return;
  }
  await runMain(await entry.load(), argv.slice(1));
}

if (isMain(import.meta.url)) await dispatch(process.argv.slice(2));

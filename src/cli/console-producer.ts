/**
 * kafka-console-producer.sh: one record per line of standard input (key and headers parsed when
 * asked with --property), sent with Kafka's console-producer defaults (acks=-1, linger.ms=1000
 * from --timeout, request.timeout.ms=1500, retries=3, client.id=console-producer). The prompt
 * `>` is printed only when both stdin and stdout are terminals. At end of input (or Ctrl-C) the
 * producer flushes what it holds and closes. A record that cannot be delivered is reported on
 * stderr as Kafka reports it, and makes the exit status 1.
 */
import { createInterface } from 'node:readline';
import { parseKeyValues, requireOptions, type ParsedArgs, type ToolSpec } from './args.js';
import { loadProperties } from './common.js';
import { ToolError, UsageError } from './errors.js';
import { parseBootstrap } from './format.js';
import { openProducer } from './lazy.js';
import { LineParser } from './record-text.js';
import { isMain, main, type Tool } from './run.js';

export const spec: ToolSpec = {
  name: 'kafka-console-producer.sh',
  description: 'This tool helps to read data from standard input and publish it to Kafka.',
  options: [
    { name: 'topic', kind: 'string', metavar: 'topic', required: true, description: 'REQUIRED: The topic id to produce messages to.' },
    { name: 'broker-list', kind: 'string', metavar: 'broker-list', description: 'DEPRECATED, use --bootstrap-server instead; ignored if --bootstrap-server is specified.  The broker list string in the form HOST1:PORT1,HOST2:PORT2.' },
    { name: 'bootstrap-server', kind: 'string', metavar: 'server to connect to', description: 'REQUIRED unless --broker-list(deprecated) is specified. The server(s) to connect to. The broker list string in the form HOST1:PORT1,HOST2:PORT2.' },
    { name: 'sync', kind: 'flag', description: 'If set message send requests to the brokers are synchronously, one at a time as they arrive.' },
    { name: 'compression-codec', kind: 'string', optionalValue: true, metavar: 'compression-codec', description: "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'.If specified without value, then it defaults to 'gzip'" },
    { name: 'batch-size', kind: 'int', metavar: 'size', defaultValue: '16384', description: 'Number of messages to send in a single batch if they are not being sent synchronously. please note that this option will be replaced if max-partition-memory-bytes is also set' },
    { name: 'message-send-max-retries', kind: 'int', defaultValue: '3', description: 'Brokers can fail receiving the message for multiple reasons, and being unavailable transiently is just one of them. This property specifies the number of retries before the producer give up and drop this message. This is the option to control `retries` in producer configs.' },
    { name: 'retry-backoff-ms', kind: 'long', defaultValue: '100', description: 'Before each retry, the producer refreshes the metadata of relevant topics. Since leader election takes a bit of time, this property specifies the amount of time that the producer waits before refreshing the metadata. This is the option to control `retry.backoff.ms` in producer configs.' },
    { name: 'timeout', kind: 'long', metavar: 'timeout_ms', defaultValue: '1000', description: 'If set and the producer is running in asynchronous mode, this gives the maximum amount of time a message will queue awaiting sufficient batch size. The value is given in ms. This is the option to control `linger.ms` in producer configs.' },
    { name: 'request-required-acks', kind: 'string', metavar: 'request required acks', defaultValue: '-1', description: 'The required `acks` of the producer requests' },
    { name: 'request-timeout-ms', kind: 'int', metavar: 'request timeout ms', defaultValue: '1500', description: 'The ack timeout of the producer requests. Value must be non-negative and non-zero.' },
    { name: 'metadata-expiry-ms', kind: 'long', metavar: 'metadata expiration interval', defaultValue: '300000', description: "The period of time in milliseconds after which we force a refresh of metadata even if we haven't seen any leadership changes. This is the option to control `metadata.max.age.ms` in producer configs." },
    { name: 'max-block-ms', kind: 'long', metavar: 'max block on send', defaultValue: '60000', description: 'The max time that the producer will block for during a send request.' },
    { name: 'max-memory-bytes', kind: 'long', metavar: 'total memory in bytes', defaultValue: '33554432', description: 'The total memory used by the producer to buffer records waiting to be sent to the server. This is the option to control `buffer.memory` in producer configs.' },
    { name: 'max-partition-memory-bytes', kind: 'int', metavar: 'memory in bytes per partition', defaultValue: '16384', description: 'The buffer size allocated for a partition. When records are received which are smaller than this size the producer will attempt to optimistically group them together until this size is reached. This is the option to control `batch.size` in producer configs.' },
    { name: 'line-reader', kind: 'string', metavar: 'reader_class', defaultValue: 'org.apache.kafka.tools.LineMessageReader', description: 'The class name of the class to use for reading lines from standard in. By default each line is read as a separate message.' },
    { name: 'socket-buffer-size', kind: 'int', metavar: 'size', defaultValue: '102400', description: 'The size of the tcp RECV size. This is the option to control `send.buffer.bytes` in producer configs.' },
    {
      name: 'property',
      kind: 'string',
      metavar: 'prop',
      repeatable: true,
      description:
        'A mechanism to pass user-defined properties in the form key=value to the message reader. Default properties include:\n parse.key=false\n parse.headers=false\n ignore.error=false\n key.separator=\\t\n headers.delimiter=\\t\n headers.separator=,\n headers.key.separator=:\n null.marker=   When set, any fields (key, value and headers) equal to this will be replaced by null\nDefault parsing pattern when:\n parse.headers=true and parse.key=true:\n  "h1:v1,h2:v2...\\tkey\\tvalue"\n parse.key=true:\n  "key\\tvalue"\n parse.headers=true:\n  "h1:v1,h2:v2...\\tvalue"',
    },
    { name: 'reader-config', kind: 'string', metavar: 'config file', description: 'Config properties file for the message reader. Note that --property takes precedence over this config.' },
    { name: 'producer-property', kind: 'string', metavar: 'producer_prop', repeatable: true, description: 'A mechanism to pass user-defined properties in the form key=value to the producer. ' },
    { name: 'producer.config', kind: 'string', metavar: 'config file', description: 'Producer config properties file. Note that --producer-property takes precedence over this config.' },
    { name: 'command-property', kind: 'string', metavar: 'producer_prop', repeatable: true, description: 'Producer config properties in the form key=value (the newer name of --producer-property).' },
    { name: 'command-config', kind: 'string', metavar: 'config file', description: 'Producer config properties file (the newer name of --producer.config).' },
  ],
};

const DEFAULT_READERS = new Set(['org.apache.kafka.tools.LineMessageReader', 'kafka.tools.LineMessageReader', 'kafka.tools.ConsoleProducer$LineMessageReader']);
const CODECS = new Set(['none', 'gzip', 'snappy', 'lz4', 'zstd']);

/** Producer config the Kafka way: file, then --producer-property, then the explicit options. */
export function producerProps(args: ParsedArgs): Record<string, string> {
  const props: Record<string, string> = {};
  for (const file of [args.string('producer.config'), args.string('command-config')]) {
    if (file !== undefined) for (const [k, v] of loadProperties(file)) props[k] = v;
  }
  for (const [k, v] of parseKeyValues([...args.strings('producer-property'), ...args.strings('command-property')], 'producer-property')) props[k] = v;
  // Kafka's maybeMergeOptions: an explicit option wins; its default applies when the key is unset.
  const merge = (key: string, option: string, def: string): void => {
    const v = args.string(option);
    if (v !== undefined) props[key] = v;
    else if (props[key] === undefined) props[key] = def;
  };
  merge('linger.ms', 'timeout', '1000');
  merge('acks', 'request-required-acks', '-1');
  merge('request.timeout.ms', 'request-timeout-ms', '1500');
  merge('retries', 'message-send-max-retries', '3');
  merge('retry.backoff.ms', 'retry-backoff-ms', '100');
  merge('buffer.memory', 'max-memory-bytes', '33554432');
  merge('batch.size', 'batch-size', '16384');
  if (args.has('max-partition-memory-bytes')) props['batch.size'] = args.string('max-partition-memory-bytes')!;
  merge('metadata.max.age.ms', 'metadata-expiry-ms', '300000');
  // max.block.ms: only when given (the client's default is Kafka's 60 s); it also bounds how long
  // the tool tries to reach the cluster, which is otherwise DEFAULT_CONNECT_TIMEOUT_MS.
  if (args.has('max-block-ms')) props['max.block.ms'] = args.string('max-block-ms')!;
  if (args.has('compression-codec')) {
    const codec = args.string('compression-codec') || 'gzip';
    if (!CODECS.has(codec)) throw new UsageError(`Invalid --compression-codec '${codec}': expected none, gzip, snappy, lz4 or zstd`);
    props['compression.type'] = codec;
  }
  props['client.id'] ??= 'console-producer';
  // send.buffer.bytes (--socket-buffer-size) is a socket tuning Node leaves to the kernel.
  delete props['send.buffer.bytes'];
  delete props['key.serializer'];
  delete props['value.serializer'];
  return props;
}

export function readerProps(args: ParsedArgs): Map<string, string> {
  const props = new Map<string, string>();
  const file = args.string('reader-config');
  if (file !== undefined) for (const [k, v] of loadProperties(file)) props.set(k, v);
  for (const [k, v] of parseKeyValues(args.strings('property'), 'property')) props.set(k, v);
  return props;
}

/** Outstanding sends allowed before the reader waits for acknowledgements. */
const MAX_PENDING_SENDS = 10_000;

export const tool: Tool = {
  spec,
  async run(args, io) {
    requireOptions(args, 'topic');
    const bootstrap = args.string('bootstrap-server') ?? args.string('broker-list');
    if (bootstrap === undefined) throw new UsageError('Missing required argument "[bootstrap-server]"');
    parseBootstrap(bootstrap, args.has('bootstrap-server') ? 'bootstrap-server' : 'broker-list');
    const reader = args.string('line-reader');
    if (reader !== undefined && !DEFAULT_READERS.has(reader)) throw new UsageError(`Unsupported --line-reader ${reader}: only ${[...DEFAULT_READERS][0]} is available`);
    const topic = args.string('topic')!;
    const parser = new LineParser(readerProps(args));
    const props = producerProps(args);
    const sync = args.has('sync');
    const producer = await openProducer(bootstrap, props, io);

    const prompt = io.stdin.isTTY === true && (io.stdout as { isTTY?: boolean }).isTTY === true;
    let failed = 0;
    let pending = 0;
    let drained: (() => void) | null = null;
    const report = (key: Buffer | null, value: Buffer | null, e: unknown): void => {
      failed++;
      const size = (b: Buffer | null): string => (b === null ? 'null' : `${b.length} bytes`);
      io.stderr.write(`ERROR Error when sending message to topic ${topic} with key: ${size(key)}, value: ${size(value)} with error: ${(e as Error).message}\n`);
    };
    const lines = createInterface({ input: io.stdin, crlfDelay: Infinity, terminal: false });
    const onAbort = (): void => lines.close();
    io.signal.addEventListener('abort', onAbort);
    try {
      if (prompt) io.stdout.write('>');
      for await (const line of lines) {
        const rec = parser.parse(line);
        const sent = producer.send({ topic, key: rec.key, value: rec.value, headers: rec.headers });
        if (sync) {
          // Kafka waits for each record with linger.ms still applying (a second per line with the
          // console producer's default); flushing sends it at once, with the same result.
          void producer.flush();
          try {
            await sent;
          } catch (e) {
            report(rec.key, rec.value, e);
          }
        } else {
          pending++;
          sent.then(
            () => undefined,
            (e: unknown) => report(rec.key, rec.value, e),
          ).finally(() => {
            pending--;
            if (drained !== null && pending < MAX_PENDING_SENDS / 2) {
              drained();
              drained = null;
            }
          });
          if (pending >= MAX_PENDING_SENDS) await new Promise<void>((r) => (drained = r));
        }
        if (prompt) io.stdout.write('>');
        if (io.signal.aborted) break;
      }
      await producer.flush();
    } finally {
      io.signal.removeEventListener('abort', onAbort);
      await producer.close();
    }
    if (failed > 0) throw new ToolError(`${failed} record(s) could not be delivered to topic ${topic}`);
  },
};

if (isMain(import.meta.url)) await main(tool);

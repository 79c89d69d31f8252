/**
 * kafka-console-consumer.sh: prints the records of a topic (or of one partition) with Kafka's
 * default formatter, and `Processed a total of N messages` on stderr when it ends: after
 * --max-messages, after --timeout-ms without a record, or on Ctrl-C.
 *
 * Without --group the consumer reads every partition of the topic directly (Kafka uses a
 * throwaway group for that; the result is the same): from the beginning with --from-beginning,
 * else from the end. With --group (or --consumer-property group.id=...) it joins that consumer
 * group, subscribed to the topic (or, with --include, to the pattern, so topics created later
 * join in), reads from the group's committed offsets and commits as it goes (Kafka's defaults:
 * enable.auto.commit, and on exit); where the group has no committed offset it starts at the end,
 * or at the beginning with --from-beginning (auto.offset.reset latest / earliest, as Kafka).
 */
import { parseKeyValues, requireOptions, type ParsedArgs, type ToolSpec } from './args.js';
import { loadProperties, topicFilter, INTERNAL_TOPICS } from './common.js';
import { ToolError, UsageError } from './errors.js';
import { parseBootstrap } from './format.js';
import { openConsumer, type CliConsumer, type StartAt } from './lazy.js';
import { RecordFormatter } from './record-text.js';
import { isMain, main, type Tool } from './run.js';

const FORMATTER_PROPS =
  'The properties to initialize the message formatter. Default properties include: \n print.timestamp=true|false\n print.key=true|false\n print.offset=true|false\n print.partition=true|false\n print.headers=true|false\n print.value=true|false\n key.separator=<key.separator>\n line.separator=<line.separator>\n headers.separator=<headers.separator>\n null.literal=<null.literal>';

export const spec: ToolSpec = {
  name: 'kafka-console-consumer.sh',
  description: 'This tool helps to read data from Kafka topics and outputs it to standard output.',
  options: [
    { name: 'topic', kind: 'string', metavar: 'topic', description: 'The topic to consume from.' },
    { name: 'include', kind: 'string', metavar: 'Java regex (String)', description: 'Regular expression specifying list of topics to include for consumption.' },
    { name: 'partition', kind: 'int', metavar: 'partition', description: "The partition to consume from. Consumption starts from the end of the partition unless '--offset' is specified." },
    { name: 'offset', kind: 'string', metavar: 'consume offset', defaultValue: 'latest', description: "The offset to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end" },
    { name: 'consumer-property', kind: 'string', metavar: 'consumer_prop', repeatable: true, description: 'Consumer config properties in the form key=value.' },
    { name: 'command-property', kind: 'string', metavar: 'consumer_prop', repeatable: true, description: 'Consumer config properties in the form key=value (the newer name of --consumer-property).' },
    { name: 'consumer.config', kind: 'string', metavar: 'config file', description: 'Consumer config properties file. Note that --consumer-property takes precedence over this config.' },
    { name: 'command-config', kind: 'string', metavar: 'config file', description: 'Consumer config properties file (the newer name of --consumer.config).' },
    { name: 'formatter', kind: 'string', metavar: 'class', defaultValue: 'org.apache.kafka.tools.consumer.DefaultMessageFormatter', description: 'The name of a class to use for formatting kafka messages for display.' },
    { name: 'property', kind: 'string', metavar: 'prop', repeatable: true, description: FORMATTER_PROPS },
    { name: 'formatter-property', kind: 'string', metavar: 'prop', repeatable: true, description: `${FORMATTER_PROPS}\n(the newer name of --property)` },
    { name: 'formatter-config', kind: 'string', metavar: 'config file', description: 'Config properties file to initialize the message formatter. Note that --property takes precedence over this config.' },
    { name: 'from-beginning', kind: 'flag', description: 'If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message.' },
    { name: 'max-messages', kind: 'int', metavar: 'num_messages', description: 'The maximum number of messages to consume before exiting. If not set, consumption is continual.' },
    { name: 'timeout-ms', kind: 'long', metavar: 'timeout_ms', description: 'If specified, exit if no message is available for consumption for the specified interval.' },
    { name: 'skip-message-on-error', kind: 'flag', description: 'If there is an error when processing a message, skip it instead of halt.' },
    { name: 'bootstrap-server', kind: 'string', metavar: 'server to connect to', required: true, description: 'REQUIRED: The server(s) to connect to.' },
    { name: 'key-deserializer', kind: 'string', metavar: 'deserializer for keys', description: 'The name of the class to use for deserializing keys (only byte-array and string deserializers: records are printed as they are).' },
    { name: 'value-deserializer', kind: 'string', metavar: 'deserializer for values', description: 'The name of the class to use for deserializing values (only byte-array and string deserializers: records are printed as they are).' },
    { name: 'isolation-level', kind: 'string', defaultValue: 'read_uncommitted', description: 'Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted to read all messages.' },
    { name: 'group', kind: 'string', metavar: 'consumer group id', description: 'The consumer group id of the consumer.' },
  ],
};

const DEFAULT_FORMATTERS = new Set(['org.apache.kafka.tools.consumer.DefaultMessageFormatter', 'kafka.tools.DefaultMessageFormatter']);
const PLAIN_DESERIALIZERS = /(ByteArray|String|Bytes|ByteBuffer)Deserializer$/;

export interface ConsumerOptions {
  bootstrap: string;
  topics: string[] | null;
  include: ((t: string) => boolean) | null;
  /** --include as a whole-name pattern, for a group subscription. */
  includePattern: RegExp | null;
  partition: number | undefined;
  startAt: StartAt;
  maxMessages: number;
  timeoutMs: number;
  group: string | null;
  props: Record<string, string>;
  formatterProps: Map<string, string>;
}

/** Kafka's ConsoleConsumerOptions checks, and the consumer and formatter configs. */
export function parseOptions(args: ParsedArgs): ConsumerOptions {
  const given = ['topic', 'include'].filter((o) => args.has(o));
  if (given.length !== 1) throw new UsageError('Exactly one of these options must be given: --topic, --include');
  const partition = args.int('partition');
  if (partition !== undefined) {
    if (!args.has('topic')) throw new UsageError('The topic is required when partition is specified.');
    if (args.has('from-beginning') && args.has('offset')) throw new UsageError('Options from-beginning and offset cannot be specified together.');
  } else if (args.has('offset')) {
    throw new UsageError('The partition is required when offset is specified.');
  }
  requireOptions(args, 'bootstrap-server');
  const bootstrap = args.string('bootstrap-server')!;
  parseBootstrap(bootstrap, 'bootstrap-server');

  const props: Record<string, string> = {};
  for (const file of [args.string('consumer.config'), args.string('command-config')]) {
    if (file !== undefined) for (const [k, v] of loadProperties(file)) props[k] = v;
  }
  for (const [k, v] of parseKeyValues([...args.strings('consumer-property'), ...args.strings('command-property')], 'consumer-property')) props[k] = v;
  const groups = new Set<string>();
  if (args.has('group')) groups.add(args.string('group')!);
  if (props['group.id'] !== undefined) groups.add(props['group.id']);
  if (groups.size > 1) {
    throw new UsageError(
      `The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: ${[...groups].map((g) => `'${g}'`).join(', ')}`,
    );
  }
  const group = groups.size === 1 ? [...groups][0]! : null;
  if (group !== null && partition !== undefined) throw new UsageError('Options group and partition cannot be specified together.');
  if (group !== null) props['group.id'] = group;

  const reset = props['auto.offset.reset'];
  if (reset !== undefined && args.has('from-beginning') && reset !== 'earliest') {
    throw new ToolError(`Can't simultaneously specify --from-beginning and 'auto.offset.reset=${reset}', please remove one option`);
  }
  props['auto.offset.reset'] = reset ?? (args.has('from-beginning') ? 'earliest' : 'latest');
  if (args.has('isolation-level')) props['isolation.level'] = args.string('isolation-level')!;
  props['client.id'] ??= 'console-consumer';
  for (const k of ['key.deserializer', 'value.deserializer']) delete props[k];

  let startAt: StartAt = props['auto.offset.reset'] === 'earliest' ? 'earliest' : 'latest';
  if (args.has('offset')) {
    const o = args.string('offset')!.toLowerCase();
    if (o === 'earliest' || o === 'latest') startAt = o;
    else if (/^\d+$/.test(o) && Number.isSafeInteger(Number(o))) startAt = Number(o);
    else throw new UsageError(`The provided offset value '${args.string('offset')}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.`);
  }

  const formatter = args.string('formatter');
  if (formatter !== undefined && !DEFAULT_FORMATTERS.has(formatter)) throw new UsageError(`Unsupported --formatter ${formatter}: only the default formatter is available`);
  if (args.has('property') && args.has('formatter-property')) throw new UsageError('Options --property and --formatter-property cannot be specified together.');
  const formatterProps = new Map<string, string>();
  const fconf = args.string('formatter-config');
  if (fconf !== undefined) for (const [k, v] of loadProperties(fconf)) formatterProps.set(k, v);
  for (const [k, v] of parseKeyValues([...args.strings('property'), ...args.strings('formatter-property')], 'property')) formatterProps.set(k, v);
  for (const opt of ['key-deserializer', 'value-deserializer']) {
    const d = args.string(opt);
    if (d !== undefined && !PLAIN_DESERIALIZERS.test(d)) throw new UsageError(`Unsupported --${opt} ${d}: records are printed as UTF-8 text`);
  }
  for (const k of ['key.deserializer', 'value.deserializer', 'headers.deserializer']) {
    const d = formatterProps.get(k);
    if (d !== undefined && !PLAIN_DESERIALIZERS.test(d)) throw new UsageError(`Unsupported ${k} ${d}: records are printed as UTF-8 text`);
  }

  const max = args.int('max-messages');
  const timeout = args.int('timeout-ms');
  return {
    bootstrap,
    topics: args.has('topic') ? [args.string('topic')!] : null,
    include: args.has('include') ? topicFilter(args.string('include')!) : null,
    includePattern: args.has('include') ? includePattern(args.string('include')!) : null,
    partition,
    startAt,
    maxMessages: max === undefined || max < 0 ? Infinity : max,
    timeoutMs: timeout === undefined || timeout < 0 ? Infinity : timeout,
    group,
    props,
    formatterProps,
  };
}

/** --include as a RegExp, read as topicFilter() reads it (commas separate alternatives, quotes dropped). */
function includePattern(text: string): RegExp {
  return new RegExp(`^(?:${text.trim().replace(/,/g, '|').replace(/^["']+/, '').replace(/["']+$/, '')})$`);
}

/** Stdout writes are gathered per poll and wait for the pipe to drain. */
async function write(out: NodeJS.WritableStream, chunks: Buffer[]): Promise<void> {
  if (chunks.length === 0) return;
  const ok = out.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  if (!ok) await new Promise<void>((r) => out.once('drain', () => r()));
}

export const tool: Tool = {
  spec,
  async run(args, io) {
    const o = parseOptions(args);
    const formatter = new RecordFormatter(o.formatterProps);
    let count = 0;
    let consumer: CliConsumer | null = null;
    let status = 0;
    try {
      consumer = await openConsumer(o.bootstrap, o.props, io);
      if (o.group !== null) {
        await consumer.subscribe(o.topics ?? o.includePattern!);
      } else if (o.partition !== undefined) {
        await consumer.assign([{ topic: o.topics![0]!, partition: o.partition }], o.startAt);
      } else {
        const topics = o.topics ?? (await consumer.listTopics()).filter((t) => !INTERNAL_TOPICS.has(t) && o.include!(t));
        const partitions = await consumer.partitionsOf(topics, {
          signal: io.signal,
          deadlineMs: o.timeoutMs === Infinity ? undefined : Date.now() + o.timeoutMs,
          onWait: (missing) => io.stderr.write(`WARN Topic ${missing.join(', ')} does not exist yet (UNKNOWN_TOPIC_OR_PARTITION); waiting for it\n`),
        });
        await consumer.assign(partitions, o.startAt);
      }
      let lastRecordMs = Date.now();
      while (count < o.maxMessages && !io.signal.aborted) {
        const waitMs = o.timeoutMs === Infinity ? 1_000 : Math.max(0, Math.min(1_000, lastRecordMs + o.timeoutMs - Date.now()));
        const records = await consumer.poll(waitMs, io.signal);
        if (records.length === 0) {
          if (Date.now() - lastRecordMs >= o.timeoutMs) {
            io.stderr.write('ERROR Error processing message, terminating consumer process: org.apache.kafka.common.errors.TimeoutException\n');
            break;
          }
          continue;
        }
        lastRecordMs = Date.now();
        const chunks: Buffer[] = [];
        let printed = 0;
        for (const r of records) {
          if (count >= o.maxMessages) break;
          chunks.push(formatter.format({ ...r, timestampType: r.timestampType === 'LogAppendTime' ? 1 : r.timestamp < 0 ? -1 : 0 }));
          count++;
          printed++;
        }
        await write(io.stdout, chunks);
        // With a group, what close() commits is the position: put it back to the first record of
        // each partition not printed, so the group's next reader starts there.
        if (o.group !== null && printed < records.length) consumer.rewind(records.slice(printed));
      }
    } catch (e) {
      if (!io.signal.aborted) {
        io.stderr.write(`Processed a total of ${count} messages\n`);
        throw e;
      }
    } finally {
      if (consumer !== null) await consumer.close().catch(() => undefined);
    }
    io.stderr.write(`Processed a total of ${count} messages\n`);
    return status;
  },
};

if (isMain(import.meta.url)) await main(tool);

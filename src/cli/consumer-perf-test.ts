/**
 * kafka-consumer-perf-test.sh: consumes --messages records from a topic (from the beginning, or
 * the end with --from-latest) and prints Kafka's header and summary line (MB = 2^20 bytes of keys
 * and values). With --show-detailed-stats a line per --reporting-interval goes to stdout as in
 * Kafka; without it a progress line goes to stderr, so stdout stays Kafka's two lines. Gives up
 * after --timeout ms without records, with Kafka's warning.
 *
 * Kafka's tool joins a throwaway consumer group; until consumer groups exist the partitions are
 * assigned directly (same records, rebalance time 0). An explicit --group needs groups.
 */
import { parseKeyValues, requireOptions, type ToolSpec } from './args.js';
import { INTERNAL_TOPICS, loadProperties, topicFilter } from './common.js';
import { UsageError } from './errors.js';
import { fixed, parseBootstrap } from './format.js';
import { openConsumer } from './lazy.js';
import { consumerPerfHeader, consumerPerfProgress, consumerPerfSummary } from './perf-stats.js';
import { isMain, main, type Tool } from './run.js';

export const spec: ToolSpec = {
  name: 'kafka-consumer-perf-test.sh',
  description: 'This tool is used to verify the consumer performance.',
  options: [
    { name: 'bootstrap-server', kind: 'string', metavar: 'server to connect to', required: true, description: 'REQUIRED: The server(s) to connect to.' },
    { name: 'topic', kind: 'string', metavar: 'topic', description: 'The topic to consume from.' },
    { name: 'include', kind: 'string', metavar: 'Java regex (String)', description: 'Regular expression specifying list of topics to include for consumption.' },
    { name: 'group', kind: 'string', metavar: 'gid', defaultValue: 'perf-consumer-<random>', description: 'The group id to consume on.' },
    { name: 'fetch-size', kind: 'int', metavar: 'size', defaultValue: '1048576', description: 'The amount of data to fetch in a single request.' },
    { name: 'from-latest', kind: 'flag', description: 'If the consumer does not already have an established offset to consume from, start with the latest message present in the log rather than the earliest message.' },
    { name: 'socket-buffer-size', kind: 'int', metavar: 'size', defaultValue: '2097152', description: 'The size of the tcp RECV size.' },
    { name: 'consumer.config', kind: 'string', metavar: 'config file', description: 'Consumer config properties file.' },
    { name: 'command-config', kind: 'string', metavar: 'config file', description: 'The newer name of --consumer.config.' },
    { name: 'command-property', kind: 'string', metavar: 'prop', repeatable: true, description: 'Consumer config properties in the form key=value.' },
    { name: 'print-metrics', kind: 'flag', description: 'Print out the metrics.' },
    { name: 'show-detailed-stats', kind: 'flag', description: 'If set, stats are reported for each reporting interval as configured by reporting-interval' },
    { name: 'timeout', kind: 'long', metavar: 'milliseconds', optionalValue: true, defaultValue: '10000', description: 'The maximum allowed time in milliseconds between returned records.' },
    { name: 'messages', kind: 'long', metavar: 'count', required: true, description: 'REQUIRED: The number of messages to consume.' },
    { name: 'reporting-interval', kind: 'long', metavar: 'interval_ms', defaultValue: '5000', description: 'Interval in milliseconds at which to print progress info.' },
    { name: 'date-format', kind: 'string', metavar: 'date format', defaultValue: 'yyyy-MM-dd HH:mm:ss:SSS', description: 'The date format to use for formatting the time field. See java.text.SimpleDateFormat for options.' },
    { name: 'hide-header', kind: 'flag', description: 'If set, skips printing the header for the stats' },
  ],
};

export const tool: Tool = {
  spec,
  async run(args, io) {
    requireOptions(args, 'messages');
    const given = ['topic', 'include'].filter((o) => args.has(o));
    if (given.length !== 1) throw new UsageError('Exactly one of these options must be given: --topic, --include');
    requireOptions(args, 'bootstrap-server');
    const bootstrap = args.string('bootstrap-server')!;
    parseBootstrap(bootstrap, 'bootstrap-server');
    const numMessages = args.int('messages')!;
    const reportingMs = args.int('reporting-interval') ?? 5_000;
    if (reportingMs <= 0) throw new UsageError('Reporting interval must be greater than 0.', false);
    const timeoutText = args.string('timeout');
    const timeoutMs = timeoutText === undefined || timeoutText === '' ? 10_000 : Number(timeoutText);
    const dateFormat = args.string('date-format') ?? 'yyyy-MM-dd HH:mm:ss:SSS';
    const detailed = args.has('show-detailed-stats');

    const props: Record<string, string> = {};
    for (const f of [args.string('consumer.config'), args.string('command-config')]) {
      if (f !== undefined) for (const [k, v] of loadProperties(f)) props[k] = v;
    }
    for (const [k, v] of parseKeyValues(args.strings('command-property'), 'command-property')) props[k] = v;
    props['max.partition.fetch.bytes'] = String(args.int('fetch-size') ?? 1_048_576);
    props['auto.offset.reset'] = args.has('from-latest') ? 'latest' : 'earliest';
    props['check.crcs'] = 'false';
    props['client.id'] ??= 'perf-consumer-client';
    for (const k of ['key.deserializer', 'value.deserializer', 'receive.buffer.bytes']) delete props[k];
    const group = args.string('group') ?? props['group.id'] ?? null;
    // The consumer joins the group only with --group (else it reads the partitions directly).
    if (group !== null && args.has('group')) props['group.id'] = group;
    else delete props['group.id'];

    if (!args.has('hide-header')) io.stdout.write(`${consumerPerfHeader(detailed)}\n`);
    const consumer = await openConsumer(bootstrap, props, io);
    let messages = 0;
    let bytes = 0;
    let joinTimeMs = 0;
    const startMs = Date.now();
    let endMs = startMs;
    try {
      const topics = args.has('topic')
        ? [args.string('topic')!]
        : (await consumer.listTopics()).filter((t) => !INTERNAL_TOPICS.has(t) && topicFilter(args.string('include')!)(t));
      const joinStart = Date.now();
      if (group !== null && args.has('group')) await consumer.subscribe(topics);
      else await consumer.assign(await consumer.partitionsOf(topics, { signal: io.signal, deadlineMs: Date.now() + timeoutMs }), args.has('from-latest') ? 'latest' : 'earliest');
      joinTimeMs = Date.now() - joinStart;
      let now = Date.now();
      let lastReportMs = now;
      let lastConsumedMs = now;
      let lastBytes = 0;
      let lastMessages = 0;
      while (messages < numMessages && now - lastConsumedMs <= timeoutMs && !io.signal.aborted) {
        const records = await consumer.poll(100, io.signal);
        now = Date.now();
        if (records.length > 0) lastConsumedMs = now;
        for (const r of records) {
          messages++;
          if (r.key !== null) bytes += r.key.length;
          if (r.value !== null) bytes += r.value.length;
          if (messages >= numMessages) break;
        }
        if (now - lastReportMs >= reportingMs) {
          if (detailed) {
            io.stdout.write(
              `${consumerPerfProgress({ bytes, lastBytes, messages, lastMessages, startMs: lastReportMs, endMs: now, joinTimeMs: lastReportMs === startMs ? joinTimeMs : 0, dateFormat })}\n`,
            );
          } else {
            const secs = (now - lastReportMs) / 1000;
            io.stderr.write(
              `${messages} records consumed, ${fixed((messages - lastMessages) / secs, 1)} records/sec (${fixed((bytes - lastBytes) / secs / (1024 * 1024), 2)} MB/sec)\n`,
            );
          }
          lastReportMs = now;
          lastMessages = messages;
          lastBytes = bytes;
        }
      }
      endMs = Date.now();
      if (messages < numMessages && !io.signal.aborted) {
        io.stdout.write(`WARNING: Exiting before consuming the expected number of messages: timeout (${timeoutMs} ms) exceeded. You can use the --timeout option to increase the timeout.\n`);
      }
    } finally {
      await consumer.close();
    }
    if (!detailed) io.stdout.write(`${consumerPerfSummary({ startMs, endMs, bytes, messages, joinTimeMs, dateFormat })}\n`);
    if (args.has('print-metrics')) io.stderr.write('(--print-metrics: the client has no metrics registry yet)\n');
  },
};

if (isMain(import.meta.url)) await main(tool);

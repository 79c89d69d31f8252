/**
 * kafka-get-offsets.sh: the offset of every matching partition for a time spec (latest by
 * default; earliest, max-timestamp, a timestamp...), one `topic:partition:offset` line each,
 * ordered as Kafka orders them (by the text "topic-partition").
 */
import type { OffsetSpec } from '../client/types.js';
import { requireOptions, type ToolSpec } from './args.js';
import { commandConfigOption, INTERNAL_TOPICS, topicFilter } from './common.js';
import { ToolError, UsageError } from './errors.js';
import { openAdmin } from './lazy.js';
import { isMain, main, type Tool } from './run.js';

export const spec: ToolSpec = {
  name: 'kafka-get-offsets.sh',
  description: 'An interactive shell for getting topic-partition offsets.',
  options: [
    { name: 'bootstrap-server', kind: 'string', metavar: 'HOST1:PORT1,...,HOST3:PORT3', required: true, description: 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.' },
    { name: 'topic-partitions', kind: 'string', metavar: 'topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3', description: "Comma separated list of topic-partition patterns to get the offsets for, with the format of '([^:,]*)(?::(?:([0-9]*)|(?:([0-9]*)-([0-9]*))))?'. The first group is an optional regex for the topic name, if omitted, it matches any topic name. The section after ':' describes a 'partition' pattern, which can be: a number, a range in the format of 'NUMBER-NUMBER' (lower inclusive, upper exclusive), an inclusive lower bound in the format of 'NUMBER-', an exclusive upper bound in the format of '-NUMBER' or may be omitted to accept all partitions." },
    { name: 'topic', kind: 'string', metavar: 'topic', description: 'The topic to get the offsets for. It also accepts a regular expression. If not present, all authorized topics are queried. Cannot be used if --topic-partitions is present.' },
    { name: 'partitions', kind: 'string', metavar: 'partition ids', description: 'Comma separated list of partition ids to get the offsets for. If not present, all partitions of the authorized topics are queried. Cannot be used if --topic-partitions is present.' },
    { name: 'time', kind: 'string', metavar: '<timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered', defaultValue: 'latest', description: 'timestamp of the offsets before that. [Note: No offset is returned, if the timestamp greater than recently committed record timestamp is given.]' },
    commandConfigOption(),
    { name: 'exclude-internal-topics', kind: 'flag', description: 'By default, internal topics are included. If specified, internal topics are excluded.' },
  ],
};

export function parseOffsetSpec(text: string): OffsetSpec {
  switch (text) {
    case 'earliest':
    case '-2':
      return 'earliest';
    case 'latest':
    case '-1':
      return 'latest';
    case 'max-timestamp':
    case '-3':
      return 'max-timestamp';
    case 'earliest-local':
    case '-4':
      return 'earliest-local';
    case 'latest-tiered':
    case '-5':
      return 'latest-tiered';
  }
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new ToolError(
      `Malformed time argument ${text}. Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered, or a specified long format timestamp`,
    );
  }
  return { timestamp: Number(text) };
}

interface Rule {
  topic: (t: string) => boolean;
  partition: (p: number) => boolean;
}

const RULE = /^([^:,]*)(?::(?:([0-9]*)|(?:([0-9]*)-([0-9]*))))?$/;

export function parseRules(text: string): Rule[] {
  return text.split(',').map((spec) => {
    const m = RULE.exec(spec);
    if (m === null) throw new ToolError(`Invalid rule specification: ${spec}`);
    const topic = m[1] ? topicFilter(m[1]) : () => true;
    if (m[2]) {
      const p = Number(m[2]);
      return { topic, partition: (x) => x === p };
    }
    const lo = m[3] ? Number(m[3]) : 0;
    const hi = m[4] ? Number(m[4]) : Infinity;
    return { topic, partition: (x) => x >= lo && x < hi };
  });
}

export const tool: Tool = {
  spec,
  async run(args, io) {
    requireOptions(args, 'bootstrap-server');
    if (args.has('topic-partitions') && (args.has('topic') || args.has('partitions'))) throw new UsageError('--topic-partitions cannot be used with --topic or --partitions', false);
    const offsetSpec = parseOffsetSpec(args.string('time') ?? 'latest');
    let rules: Rule[];
    if (args.has('topic-partitions')) rules = parseRules(args.string('topic-partitions')!);
    else {
      const ps = args.string('partitions');
      let set: Set<number> | null = null;
      if (ps !== undefined && ps !== '') {
        const ids = ps.split(',').map((s) => s.trim());
        if (!ids.every((s) => /^\d+$/.test(s))) throw new ToolError(`--partitions expects a comma separated list of numeric partition ids, but received: ${ps}`);
        set = new Set(ids.map(Number));
      }
      rules = [{ topic: topicFilter(args.string('topic') ?? '.*'), partition: (p) => set === null || set.has(p) }];
    }
    const admin = await openAdmin(args, io);
    try {
      const exclude = args.has('exclude-internal-topics');
      const topics = (await admin.listTopics(!exclude)).filter((t) => !(exclude && INTERNAL_TOPICS.has(t)) && rules.some((r) => r.topic(t)));
      const descriptions = topics.length === 0 ? [] : await admin.describeTopics(topics);
      const wanted = descriptions.flatMap((d) =>
        d.partitions.filter((p) => rules.some((r) => r.topic(d.topic) && r.partition(p.partition))).map((p) => ({ topic: d.topic, partition: p.partition })),
      );
      if (wanted.length === 0) throw new ToolError('Could not match any topic-partitions with the specified filters');
      const results = await admin.listOffsets(wanted.map((tp) => ({ ...tp, spec: offsetSpec })));
      const lines: { key: string; line: string }[] = [];
      for (const r of results) {
        const key = `${r.topic}-${r.partition}`;
        if ('error' in r) {
          io.stderr.write(`Skip getting offsets for topic-partition ${key} due to error: ${r.error.message}\n`);
          continue;
        }
        if (r.offset === -1) continue;
        lines.push({ key, line: `${r.topic}:${r.partition}:${r.offset}` });
      }
      lines.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
      if (lines.length > 0) io.stdout.write(`${lines.map((l) => l.line).join('\n')}\n`);
    } catch (e) {
      throw admin.wrapError(e, 'Error occurred');
    } finally {
      await admin.close();
    }
  },
};

if (isMain(import.meta.url)) await main(tool);

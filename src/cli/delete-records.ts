/**
 * kafka-delete-records.sh: deletes the records below the offsets given in a JSON file
 * (`{"partitions": [{"topic": "foo", "partition": 1, "offset": 1}], "version": 1}`; offset -1
 * means the high watermark) and prints each partition's new low watermark, or its error.
 */
import { readFileSync } from 'node:fs';
import { requireOptions, type ToolSpec } from './args.js';
import { commandConfigOption } from './common.js';
import { ToolError } from './errors.js';
import { openAdmin } from './lazy.js';
import { isMain, main, type Tool } from './run.js';

export const spec: ToolSpec = {
  name: 'kafka-delete-records.sh',
  description: 'This tool helps to delete records of the given partitions down to the specified offset.',
  options: [
    { name: 'bootstrap-server', kind: 'string', metavar: 'server(s) to use for bootstrapping', required: true, description: 'REQUIRED: The server to connect to.' },
    { name: 'offset-json-file', kind: 'string', metavar: 'Offset json file path', required: true, description: 'REQUIRED: The JSON file with offset per partition. The format to use is:\n{"partitions":\n  [{"topic": "foo", "partition": 1, "offset": 1}],\n "version":1\n}' },
    commandConfigOption('Admin Client'),
  ],
};

export interface OffsetRequest {
  topic: string;
  partition: number;
  offset: number;
}

/** The offset JSON file, checked the way Kafka checks it (version 1 only, no duplicates). */
export function parseOffsetJson(text: string): OffsetRequest[] {
  let js: unknown;
  try {
    js = JSON.parse(text);
  } catch {
    throw new ToolError('The input string is not a valid JSON');
  }
  if (typeof js !== 'object' || js === null || Array.isArray(js)) throw new ToolError('The input string is not a valid JSON object');
  const o = js as Record<string, unknown>;
  const version = o['version'] ?? 1;
  if (version !== 1) throw new ToolError(`Not supported version field value ${JSON.stringify(version)}`);
  const parts = o['partitions'];
  if (parts === undefined) throw new ToolError('Missing partitions field');
  if (!Array.isArray(parts)) throw new ToolError('The partitions field must be an array');
  const out: OffsetRequest[] = [];
  for (const p of parts) {
    const e = p as Record<string, unknown>;
    const topic = e?.['topic'];
    const partition = e?.['partition'];
    const offset = e?.['offset'];
    if (typeof topic !== 'string') throw new ToolError(`Missing or invalid "topic" in ${JSON.stringify(p)}`);
    if (typeof partition !== 'number' || !Number.isInteger(partition)) throw new ToolError(`Missing or invalid "partition" in ${JSON.stringify(p)}`);
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset)) throw new ToolError(`Missing or invalid "offset" in ${JSON.stringify(p)}`);
    out.push({ topic, partition, offset });
  }
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const r of out) {
    const k = `${r.topic}-${r.partition}`;
    if (seen.has(k)) dups.add(k);
    seen.add(k);
  }
  if (dups.size > 0) throw new ToolError(`Offset json file contains duplicate topic partitions: ${[...dups].join(',')}`);
  return out;
}

export const tool: Tool = {
  spec,
  async run(args, io) {
    requireOptions(args, 'bootstrap-server', 'offset-json-file');
    const file = args.string('offset-json-file')!;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ToolError(`Cannot read ${file}: ${(e as Error).message}`);
    }
    const requests = parseOffsetJson(text);
    const admin = await openAdmin(args, io);
    try {
      io.stdout.write('Executing records delete operation\n');
      const results = await admin.deleteRecords(requests);
      io.stdout.write('Records delete operation completed:\n');
      for (const r of results) {
        io.stdout.write('error' in r ? `partition: ${r.topic}-${r.partition}\terror: ${r.error.message}\n` : `partition: ${r.topic}-${r.partition}\tlow_watermark: ${r.lowWatermark}\n`);
      }
    } catch (e) {
      throw admin.wrapError(e);
    } finally {
      await admin.close();
    }
  },
};

if (isMain(import.meta.url)) await main(tool);

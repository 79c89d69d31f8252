/**
 * Kafka's offset checkpoint files (recovery-point-offset-checkpoint, log-start-offset-checkpoint,
 * cleaner-offset-checkpoint, replication-offset-checkpoint): a version line (0), a count line,
 * then `<topic> <partition> <offset>` per line. Parsing is strict: a damaged checkpoint names
 * its file rather than being half-read.
 */
import { LogCorruptError } from './log-errors.js';
import type { FileSystem } from './fs.js';
import { readFileIfExists, writeFileAtomically } from './atomic-file.js';

export type PartitionOffsets = Map<string, number>;

/** Key of a partition in checkpoint maps: `<topic>-<partition>`, like its directory. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export function formatOffsetCheckpoint(entries: Iterable<[topic: string, partition: number, offset: number]>): string {
  const lines: string[] = [];
  for (const [topic, partition, offset] of entries) lines.push(`${topic} ${partition} ${offset}`);
  return `0\n${lines.length}\n${lines.map((l) => l + '\n').join('')}`;
}

export function parseOffsetCheckpoint(text: string, path: string): { topic: string; partition: number; offset: number }[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines[0] !== '0') throw new LogCorruptError(path, `unknown checkpoint version ${JSON.stringify(lines[0])}`);
  const count = Number(lines[1]);
  if (!Number.isInteger(count) || count < 0 || lines.length !== count + 2) {
    throw new LogCorruptError(path, `expected ${lines[1]} entries, found ${lines.length - 2}`);
  }
  return lines.slice(2).map((line, i) => {
    const m = /^(\S+) (\d+) (-?\d+)$/.exec(line);
    if (!m) throw new LogCorruptError(path, `malformed line ${i + 3}: ${JSON.stringify(line)}`);
    return { topic: m[1]!, partition: Number(m[2]), offset: Number(m[3]) };
  });
}

export async function readOffsetCheckpoint(fs: FileSystem, path: string): Promise<PartitionOffsets> {
  const data = await readFileIfExists(fs, path);
  const map: PartitionOffsets = new Map();
  if (data === null) return map;
  for (const e of parseOffsetCheckpoint(data.toString('utf8'), path)) map.set(partitionKey(e.topic, e.partition), e.offset);
  return map;
}

export async function writeOffsetCheckpoint(
  fs: FileSystem,
  path: string,
  entries: Iterable<[topic: string, partition: number, offset: number]>,
): Promise<void> {
  await writeFileAtomically(fs, path, Buffer.from(formatOffsetCheckpoint(entries)));
}

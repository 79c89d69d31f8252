/**
 * `npm run bench`: every benchmark, one after the other, printing figures and the ratios that
 * matter (these machines are shared and noisy: compare within one run, not across runs).
 * Never part of `npm test`.
 */
import { benchBroker } from './broker.js';
import { benchCliPerf } from './cli-perf.js';
import { benchCodec } from './codec.js';
import { benchGroups } from './groups/index.js';
import { benchStorage } from './storage.js';

interface Bench {
  name: string;
  run: () => Promise<string[]>;
}

async function loadRecordsBench(): Promise<Bench | null> {
  try {
    // Loaded by name so this file builds before the records benchmark exists.
    const path = './records.js';
    const mod = (await import(path)) as { benchRecords?: () => Promise<string[]> };
    return mod.benchRecords ? { name: 'record batches', run: mod.benchRecords } : null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const benches: Bench[] = [
    { name: 'protocol codecs', run: benchCodec },
    { name: 'storage', run: benchStorage },
  ];
  const records = await loadRecordsBench();
  if (records) benches.push(records);
  // Consumer groups on a broker child process: join to stable, rebalance, OffsetCommit (about a minute).
  benches.push({ name: 'groups', run: benchGroups });
  // Last: the slowest (about 3 minutes), and it needs kperf from ../shared/bench.
  benches.push({ name: 'broker', run: benchBroker });
  // Our client (the perf tools) against librdkafka (kperf) on one broker: about 30 s.
  benches.push({ name: 'cli perf', run: benchCliPerf });
  const only = process.argv[2];
  for (const b of benches) {
    if (only !== undefined && !b.name.includes(only)) continue;
    console.log(`## ${b.name}`);
    for (const line of await b.run()) console.log(`  ${line}`);
  }
}

await main();

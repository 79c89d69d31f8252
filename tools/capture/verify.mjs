#!/usr/bin/env node
// Consistency check of the captured fixtures (not a codec test): every manifest entry has its file,
// the request header in the file matches the manifest (api key, version, correlation id, client id),
// responses carry the same correlation id, and no stray files exist.
//   node tools/capture/verify.mjs [fixtures-dir]      (default: test/fixtures/golden)
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRequestHeader } from './wire.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(process.argv[2] ?? join(here, '../../test/fixtures/golden'));
let problems = 0;
const problem = (m) => {
  problems++;
  console.error(`  ${m}`);
};

for (const client of readdirSync(root).sort()) {
  const dir = join(root, client);
  const manifestPath = join(dir, 'manifest.json');
  if (!existsSync(manifestPath)) continue;
  const m = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const listed = new Set();
  for (const e of m.requests) {
    listed.add(e.file);
    const frame = readFileSync(join(dir, e.file));
    const h = parseRequestHeader(frame);
    if (h.apiKey !== e.apiKey || h.apiVersion !== e.apiVersion) problem(`${client}/${e.file}: header says ${h.apiKey} v${h.apiVersion}`);
    if (h.correlationId !== e.correlationId) problem(`${client}/${e.file}: correlation id ${h.correlationId} != ${e.correlationId}`);
    if (h.clientId !== e.clientId) problem(`${client}/${e.file}: client id ${h.clientId} != ${e.clientId}`);
    if (!e.file.endsWith(`-${e.apiName}-v${e.apiVersion}.bin`)) problem(`${client}/${e.file}: name does not match ${e.apiName} v${e.apiVersion}`);
    if ((h.flexible ? 2 : 1) !== e.requestHeaderVersion) problem(`${client}/${e.file}: header version`);
    if (e.response) {
      const resp = readFileSync(join(dir, e.response));
      if (resp.readInt32BE(0) !== e.correlationId) problem(`${client}/${e.response}: response correlation id differs`);
    }
  }
  for (const f of readdirSync(dir)) {
    if (f.endsWith('.bin') && !listed.has(f)) problem(`${client}/${f}: not in the manifest`);
  }
  for (const f of readdirSync(join(dir, 'responses'))) {
    if (!listed.has(f)) problem(`${client}/responses/${f}: no request of that name`);
  }
  const pairs = [...new Set(m.requests.map((e) => `${e.apiName} v${e.apiVersion}`))];
  console.log(`${client}: ${m.requests.length} requests, ${m.requests.filter((e) => e.response).length} responses, ${pairs.length} api/version pairs`);
}
if (problems) {
  console.error(`${problems} problem(s)`);
  process.exit(1);
}

#!/usr/bin/env node
// Enforces DESIGN.md's layer order: a module under src/<layer>/ may import only from its own layer,
// from lower layers, or from layers it is explicitly allowed to use (client: common and protocol
// only). Also checks test/, bench/ and tools/ never get imported from src/.
// Usage: node tools/lint/layers.mjs [--root DIR]   (exits 1 and lists every violation)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// `--root DIR` checks another tree (the lint's own test uses it).
const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? resolve(process.argv[rootArg + 1]) : resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const src = join(root, 'src');

// Rank per layer: a layer may import layers of lower or equal rank.
const rank = {
  common: 0,
  protocol: 1,
  storage: 2,
  raft: 3,
  controller: 4, coordinator: 4, replica: 4,
  network: 5, handlers: 5,
  server: 6,
  cli: 7, console: 7,
};
// Layers with an explicit allow-list instead of a rank.
const allowOnly = {
  client: ['common', 'protocol', 'client'],
};

function layerOf(file) {
  const rel = relative(src, file);
  if (rel.startsWith('..')) return null;
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0] : '(root)';
}

function mayImport(from, to) {
  if (from === to || from === '(root)') return true;
  if (to === '(root)') return false;
  if (from in allowOnly) return allowOnly[from].includes(to);
  if (to === 'client') return from === 'cli' || from === 'console';
  if (!(from in rank) || !(to in rank)) return false;
  return rank[to] <= rank[from];
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

const importRe = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
const problems = [];
for (const file of walk(src)) {
  const from = layerOf(file);
  if (!(from in rank) && !(from in allowOnly) && from !== '(root)') {
    problems.push(`${relative(root, file)}: unknown layer "${from}" (add it to tools/lint/layers.mjs)`);
    continue;
  }
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2];
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec);
    const to = layerOf(target);
    if (to === null) {
      problems.push(`${relative(root, file)}: imports ${spec}, outside src/`);
    } else if (!mayImport(from, to)) {
      problems.push(`${relative(root, file)}: layer "${from}" must not import layer "${to}" (${spec})`);
    }
  }
}

if (problems.length > 0) {
  console.error(`layer check failed (${problems.length}):\n  ` + problems.join('\n  '));
  process.exit(1);
}
console.log('layer check: ok');

/** The layer lint (tools/lint/layers.mjs) rejects a lower layer importing a higher one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/fixtures.js';

function lint(files: Record<string, string>): { status: number | null; output: string } {
  const root = mkdtempSync(join(tmpdir(), 'layers-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const r = spawnSync(process.execPath, [join(PROJECT_ROOT, 'tools/lint/layers.mjs'), '--root', root], { encoding: 'utf8' });
    return { status: r.status, output: r.stdout + r.stderr };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('lower layers may be imported from higher ones', () => {
  const r = lint({
    'src/common/clock.ts': 'export const now = 1;\n',
    'src/storage/log.ts': "import { now } from '../common/clock.js';\nexport const t = now;\n",
    'src/client/producer.ts': "import { now } from '../common/clock.js';\nexport const p = now;\n",
  });
  assert.equal(r.status, 0, r.output);
});

test('a lower layer importing a higher one fails, naming both', () => {
  const r = lint({
    'src/storage/log.ts': 'export const t = 1;\n',
    'src/protocol/codec.ts': "import { t } from '../storage/log.js';\nexport const c = t;\n",
    'src/client/producer.ts': "export { t } from '../storage/log.js';\n",
  });
  assert.equal(r.status, 1);
  assert.match(r.output, /src\/protocol\/codec\.ts: layer "protocol" must not import layer "storage"/);
  assert.match(r.output, /src\/client\/producer\.ts: layer "client" must not import layer "storage"/);
});

/**
 * Golden-bytes fixtures captured from real clients (tools/capture): test/fixtures/golden/
 * <client>-<version>/ with one `<seq>-<Api>-v<version>.bin` per request (header + body, no size
 * prefix) and a manifest.json describing each.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root, from dist/test/support or test/support alike. */
export const PROJECT_ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../../' : '../../', import.meta.url));
export const GOLDEN_DIR = join(PROJECT_ROOT, 'test/fixtures/golden');

export interface GoldenFixture {
  client: string;
  file: string;
  bytes: Buffer;
  /** The manifest entry for this file (shape set by tools/capture). */
  entry: Record<string, any>;
}

export function goldenClients(): string[] {
  if (!existsSync(GOLDEN_DIR)) return [];
  return readdirSync(GOLDEN_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
}

export function goldenFixtures(client: string): GoldenFixture[] {
  const dir = join(GOLDEN_DIR, client);
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as any;
  const entries: Record<string, any>[] = Array.isArray(manifest) ? manifest : (manifest.requests ?? manifest.files ?? []);
  return entries.map((entry) => ({
    client,
    file: entry.file as string,
    bytes: readFileSync(join(dir, entry.file as string)),
    entry,
  }));
}

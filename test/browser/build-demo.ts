import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export const DEMO_CONFIG = fileURLToPath(new URL('../../examples/web/vite.config.ts', import.meta.url));

/** Builds examples/web with its own Vite config (as `npm run build:demo` does) into a new temporary folder. */
export async function buildDemo(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'heavyball-demo-'));
  await build({ configFile: DEMO_CONFIG, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return outDir;
}

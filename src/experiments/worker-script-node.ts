// Node-only: where the sweep worker's script is.
import { fileURLToPath, pathToFileURL } from 'node:url';

/** This module's own URL, in the ESM bundle, the CommonJS bundle (no import.meta there) and the sources. */
function here(): string {
  const url = (import.meta as { url?: string }).url;
  if (typeof url === 'string') return url;
  return pathToFileURL(__filename).href;
}

let fromSources: Promise<URL> | undefined;

/**
 * The script a sweep worker runs. Built, it is `sweep-worker.js` beside the bundle that holds this code
 * (tsup writes it to dist/ with the other entries). Run from the TypeScript sources (vitest, a TS runner),
 * Node cannot start a worker on a .ts file, so `sweep-worker-node.ts` is bundled here with esbuild (tsup's
 * own bundler, a dev dependency) into a data: URL, once per process.
 */
export function sweepWorkerUrl(): Promise<URL> {
  const self = here();
  if (!/\.[cm]?ts$/.test(new URL(self).pathname)) return Promise.resolve(new URL('./sweep-worker.js', self));
  fromSources ??= bundleFromSources(fileURLToPath(new URL('./sweep-worker-node.ts', self)));
  return fromSources;
}

async function bundleFromSources(entry: string): Promise<URL> {
  // A computed name, so that bundlers leave this development-only import alone.
  const bundler = 'esbuild';
  const esbuild = (await import(/* @vite-ignore */ bundler)) as typeof import('esbuild');
  const { outputFiles } = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    loader: { '.wasm': 'binary' },
    logLevel: 'error',
  });
  return new URL(`data:text/javascript;base64,${Buffer.from(outputFiles[0]!.contents).toString('base64')}`);
}

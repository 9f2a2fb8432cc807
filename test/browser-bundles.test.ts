// heavyball from a browser bundle with no configuration: a tiny app importing the packed package, built
// with Vite, esbuild and webpack (and with webpack once more, run in a worker the page starts with
// `new Worker(new URL('./worker.js', import.meta.url))`), contains no Node import and no separate .wasm
// file, and runs in Chromium with the same results as in Node; the bundle of a program that only trains holds
// no checkpoint code.
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build as esbuild } from 'esbuild';
import type { Browser } from 'playwright-core';
import { build as viteBuild, createLogger } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import webpack from 'webpack';
import { launchChromium, pageErrors } from './browser/chromium.js';
import { nodeImportsIn } from './browser/node-imports.js';
import { installPackedHeavyball } from './browser/pack-heavyball.js';
import { serveStatic, type StaticServer } from './browser/static-server.js';

const FIXTURES = new URL('./browser/fixtures/', import.meta.url);
const BUNDLES = ['vite', 'esbuild', 'webpack', 'webpack-worker'] as const;
type Bundle = (typeof BUNDLES)[number];

interface Result {
  backend: string;
  simd: string;
  stepped: number[];
  losses: number[];
  accuracy: number;
}

let scratch: string;
const servers = {} as Record<Bundle, StaticServer>;
let browser: Browser;
const warnings: Record<Bundle, string[]> = { vite: [], esbuild: [], webpack: [], 'webpack-worker': [] };

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** Builds `entry` into `outDir` (as main.js) with webpack's Node API and only what the README says it needs; returns its warnings. */
function webpackBuild(entry: string, outDir: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    webpack({ mode: 'production', target: 'web', entry, output: { path: outDir } }, (error, stats) => {
      if (error || !stats) return reject(error ?? new Error('webpack returned no stats'));
      if (stats.hasErrors()) return reject(new Error(stats.toString('errors-only')));
      resolve(stats.compilation.getWarnings().map((w) => w.message));
    });
  });
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'heavyball-bundles-'));
  const app = join(scratch, 'app');
  await installPackedHeavyball(app, scratch);
  await copyFile(new URL('bundle-entry.js', FIXTURES), join(app, 'main.js'));
  await copyFile(new URL('bundle-page.html', FIXTURES), join(app, 'index.html'));
  await copyFile(new URL('worker-entry.js', FIXTURES), join(app, 'start-worker.js'));
  await copyFile(new URL('worker.js', FIXTURES), join(app, 'worker.js'));

  const logger = createLogger('warn');
  logger.warn = (message) => void warnings.vite.push(message);
  logger.warnOnce = logger.warn;
  await viteBuild({
    root: app, configFile: false, logLevel: 'warn', customLogger: logger, build: { outDir: join(scratch, 'vite'), emptyOutDir: true },
  });

  await mkdir(join(scratch, 'esbuild'));
  const built = await esbuild({
    entryPoints: [join(app, 'main.js')], bundle: true, format: 'esm', platform: 'browser', outdir: join(scratch, 'esbuild'), logLevel: 'silent',
  });
  warnings.esbuild = built.warnings.map((w) => w.text);
  await copyFile(new URL('bundle-page.html', FIXTURES), join(scratch, 'esbuild', 'index.html'));

  warnings.webpack = await webpackBuild(join(app, 'main.js'), join(scratch, 'webpack'));
  warnings['webpack-worker'] = await webpackBuild(join(app, 'start-worker.js'), join(scratch, 'webpack-worker'));
  for (const bundle of ['webpack', 'webpack-worker']) await copyFile(new URL('bundle-page.html', FIXTURES), join(scratch, bundle, 'index.html'));

  for (const bundle of BUNDLES) servers[bundle] = await serveStatic(join(scratch, bundle));
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  for (const server of Object.values(servers)) await server.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

it('the scan for Node imports finds those of heavyball\'s Node entry, and none in its browser entry', async () => {
  const dist = new URL('../dist/', import.meta.url);
  const nodeEntry = await readFile(new URL('index.js', dist), 'utf8');
  expect(nodeImportsIn(nodeEntry)).toEqual(expect.arrayContaining(['from "path"']));
  expect(nodeImportsIn('import("node:worker_threads"); require(\'fs\'); export * from "node:url"')).toHaveLength(3);
  expect(nodeImportsIn('process.getBuiltinModule?.("node:v8"); const s = "from the path"')).toEqual([]);
  for (const file of await readdir(dist)) {
    if (!/^(browser|chunk-.*)\.js$/.test(file)) continue;
    expect(nodeImportsIn(await readFile(new URL(file, dist), 'utf8')), file).toEqual([]);
  }
});

/** The esbuild bundle, built as the app's is, of a program of `code` that imports heavyball. */
async function esbuildBundle(code: string): Promise<string> {
  const built = await esbuild({
    stdin: { contents: code, resolveDir: join(scratch, 'app') }, bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent',
  });
  return built.outputFiles.map((file) => file.text).join('\n');
}

it('the bundle of a program that only trains carries no checkpoint (safetensors) code; one that saves a checkpoint does', async () => {
  const trains = await esbuildBundle(`import { createEngine, fit, linear, relu, SGD, sequential } from 'heavyball';
    const model = sequential(await createEngine(), [linear(2, 4), relu(), linear(4, 2)], { maxBatch: 2 });
    const data = { images: new Uint8Array(4), labels: new Uint8Array(2), count: 2, rows: 1, cols: 2 };
    globalThis.result = await fit(model, new SGD(model.parameters(), { lr: 0.1 }), data, { batchSize: 2 });`);
  const saves = await esbuildBundle(`import { createEngine, linear, saveCheckpoint, sequential } from 'heavyball';
    globalThis.result = saveCheckpoint({ model: sequential(await createEngine(), [linear(2, 2)]) });`);
  expect(trains).toContain('checkpoint.every must be an integer'); // fit is in it, with its checkpoint option
  for (const safetensors of ['__metadata__', 'data_offsets']) {
    expect(trains).not.toContain(safetensors);
    expect(saves).toContain(safetensors);
  }
});

describe.each(BUNDLES)('the %s bundle of an app importing heavyball', (bundle) => {
  it('builds without warnings into JavaScript alone, with no Node import', async () => {
    expect(warnings[bundle]).toEqual([]);
    const files = await filesUnder(join(scratch, bundle));
    expect(files.filter((f) => !/\.(js|html)$/.test(f))).toEqual([]);
    const scripts = files.filter((f) => f.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(0);
    for (const file of scripts) expect(nodeImportsIn(await readFile(file, 'utf8'))).toEqual([]);
  });

  it('runs in Chromium on the wasm backend, fetching nothing but its page and scripts, with Node\'s results', async () => {
    const page = await browser.newPage();
    const errors = pageErrors(page);
    const requested: string[] = [];
    page.on('request', (request) => requested.push(new URL(request.url()).pathname));
    try {
      await page.goto(servers[bundle].url);
      await page.waitForFunction(() => 'result' in globalThis, undefined, { timeout: 60_000 });
      const inBrowser: Result = await page.evaluate(() => (globalThis as unknown as { result: Result }).result);
      expect(errors).toEqual([]);
      expect(requested.every((path) => path === '/' || path.endsWith('.js'))).toBe(true);
      expect(requested.some((path) => path.endsWith('.wasm'))).toBe(false);

      expect(inBrowser.backend).toBe('wasm');
      expect(inBrowser.simd).toBe('standard');
      // Nesterov's first step from a zero buffer: p − lr·(g + β·g), in float32.
      expect(inBrowser.stepped).toEqual([1, -2, 3].map((x) => Math.fround(x - Math.fround(0.1 * Math.fround(0.5 + Math.fround(0.9 * 0.5))))));
      expect(inBrowser.losses.at(-1)).toBeLessThan(inBrowser.losses[0]! / 4);
      expect(inBrowser.accuracy).toBeGreaterThan(0.9);

      delete (globalThis as { result?: unknown }).result;
      await import(/* @vite-ignore */ `${new URL('bundle-entry.js', FIXTURES).href}?${bundle}`);
      const inNode = (globalThis as unknown as { result: Result }).result;
      expect(inBrowser).toEqual(inNode);
    } finally {
      await page.close();
    }
  }, 120_000);
});

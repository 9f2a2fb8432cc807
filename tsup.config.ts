import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plugin } from 'esbuild';
import { defineConfig, type Options } from 'tsup';

// heavyball has no runtime dependencies: the CLI's (commander, cli-progress) are bundled into dist/cli.js, and
// the report's (vega, vega-lite) into dist/vendor/, which the code in every other bundle imports only when it
// writes a report, so the core loads none of them and that code ships once.
const VENDORED = ['vega', 'vega-lite'];

const vendorExternal: Plugin = {
  name: 'vendor-external',
  setup(build) {
    build.onResolve({ filter: new RegExp(`^(${VENDORED.join('|')})$`) }, ({ path, kind }) => {
      if (kind !== 'dynamic-import') throw new Error(`import ${path} dynamically (only where a report is written)`);
      return { path: `./vendor/${path}.js`, external: true };
    });
  },
};

/** Writes dist/vendor/LICENSES.txt: the license of every package bundled into dist/vendor/. */
const vendorLicenses: Plugin = {
  name: 'vendor-licenses',
  setup(build) {
    build.onEnd(({ metafile }) => {
      if (!metafile) return;
      const packages = new Set(Object.keys(metafile.inputs).flatMap((input) => {
        const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
        return match ? [match[1]!] : [];
      }));
      const texts = [...packages].sort().map((dir) => {
        const { name, version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
        if (!file) throw new Error(`${name} has no license file to ship with dist/vendor/`);
        return `${name}@${version}\n\n${readFileSync(join(dir, file), 'utf8').trim()}\n`;
      });
      const dir = join(build.initialOptions.outdir ?? 'dist', 'vendor');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'LICENSES.txt'), `Bundled into dist/vendor/:\n\n${texts.join(`\n${'-'.repeat(72)}\n\n`)}`);
    });
  },
};

// No source maps: the bundles are readable as they are, and maps would ship every source a second time.
const shared: Options = {
  target: 'es2022',
  // The wasm modules are inlined (esbuild's binary loader), so the bundles need no file access or fetch.
  loader: { '.wasm': 'binary' },
  noExternal: ['@assemblyscript/loader'],
  esbuildPlugins: [vendorExternal],
};

export default defineConfig([
  {
    // The library; the sweep's worker thread too, which the sweep code finds as ./sweep-worker.js beside the
    // bundle that holds it, so that in ESM it shares the engine's chunk.
    ...shared,
    entry: { index: 'src/index.ts', browser: 'src/browser.ts', 'sweep-worker': 'src/experiments/sweep-worker-node.ts' },
    format: ['esm'],
    dts: { entry: { index: 'src/index.ts', browser: 'src/browser.ts' } },
    shims: true,
    platform: 'neutral',
  },
  {
    ...shared,
    entry: { index: 'src/index.ts', browser: 'src/browser.ts' },
    format: ['cjs'],
    dts: true,
    shims: true,
    platform: 'neutral',
  },
  {
    // Node-only: the `heavyball` command (src/cli.ts starts with its #!/usr/bin/env node line, which esbuild
    // keeps and tsup makes executable), with its dependencies bundled.
    ...shared,
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    platform: 'node',
    splitting: false,
    // cli-progress is CommonJS and requires Node's built-ins, which an ES module does through createRequire.
    banner: { js: "import { createRequire as requireFor } from 'node:module'; const require = requireFor(import.meta.url);" },
  },
  {
    // Third-party code, minified, without source maps; its licenses beside it.
    entry: { 'vendor/vega': 'src/vendor/vega.ts', 'vendor/vega-lite': 'src/vendor/vega-lite.ts' },
    format: ['esm'],
    platform: 'node',
    target: 'es2022',
    minify: true,
    esbuildPlugins: [vendorLicenses],
    esbuildOptions: (options) => Object.assign(options, { chunkNames: 'vendor/chunk-[hash]', metafile: true }),
  },
]);

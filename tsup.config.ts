import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  sourcemap: true,
  target: 'es2022',
  // The wasm modules are inlined (esbuild's binary loader), so the bundles need no file access or fetch.
  loader: { '.wasm': 'binary' },
  noExternal: ['@assemblyscript/loader'],
};

export default defineConfig([
  {
    ...shared,
    entry: { index: 'src/index.ts', browser: 'src/browser.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    shims: true,
    platform: 'neutral',
  },
  {
    // Node-only: the `heavyball` command (src/cli.ts starts with its #!/usr/bin/env node line, which esbuild
    // keeps and tsup makes executable) and the sweep's worker thread, which the sweep code in every bundle
    // finds as ./sweep-worker.js beside itself.
    ...shared,
    entry: { cli: 'src/cli.ts', 'sweep-worker': 'src/experiments/sweep-worker-node.ts' },
    format: ['esm'],
    platform: 'node',
    splitting: false,
  },
]);

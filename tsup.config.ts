import { defineConfig } from 'tsup';

// The wasm modules are inlined (esbuild's binary loader), so the bundles need no file access or fetch.
export default defineConfig({
  entry: { index: 'src/index.ts', browser: 'src/browser.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  platform: 'neutral',
  loader: { '.wasm': 'binary' },
  noExternal: ['@assemblyscript/loader'],
});

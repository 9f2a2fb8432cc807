import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { mnistFiles } from './mnist-files-plugin.ts';

// `heavyball` resolves to the repository's own package (a package may import itself by name), through
// its `exports` and their `browser` condition: the page uses dist/browser.js exactly as an app would.
// Run `npm run build` first.
// Cross-origin isolation, which a page needs to share memory between threads: heavyball then trains
// each run on several cores.
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [mnistFiles()],
  worker: { format: 'es' },
  server: { headers: isolation },
  preview: { headers: isolation },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // vega and vega-lite draw the charts; together they are one large chunk.
    chunkSizeWarningLimit: 2048,
  },
});

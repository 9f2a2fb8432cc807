import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// Tests import src/ directly; `.wasm` imports become the module's bytes, as tsup's binary loader does.
export default defineConfig({
  plugins: [{
    name: 'wasm-binary',
    enforce: 'pre',
    load(id) {
      if (!id.endsWith('.wasm')) return null;
      const base64 = readFileSync(id).toString('base64');
      return `export default Uint8Array.from(atob(${JSON.stringify(base64)}), (c) => c.charCodeAt(0));`;
    },
  }],
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/setup/no-python.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

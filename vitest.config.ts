import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';
import { systemTests } from './test/system-tests.js';

const system = systemTests(fileURLToPath(new URL('.', import.meta.url)));
/** `HEAVYBALL_TESTS=system` (npm run test:system): only the tests that drive Chromium or Redis. */
const onlySystem = process.env.HEAVYBALL_TESTS === 'system';

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
    include: onlySystem ? system : ['test/**/*.test.ts'],
    exclude: onlySystem ? configDefaults.exclude : [...configDefaults.exclude, ...system],
    setupFiles: ['test/setup/no-python.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

// `npm test` needs only Node and npm: every test that starts Chromium or redis-server is in the system set
// that `npm run test:system` runs, and no other test reaches for either program.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { systemTests } from './system-tests.js';

const root = join(import.meta.dirname, '..');

it('the system set holds the browser and Redis tests', () => {
  const system = systemTests(root);
  expect(system).toEqual(expect.arrayContaining(['test/browser-demo.test.ts', 'test/browser-bundles.test.ts', 'test/queue-study.test.ts']));
});

it('no other test file names Chromium, redis-server or their helpers', () => {
  const system = new Set(systemTests(root));
  const others = readdirSync(join(root, 'test')).filter((name) => name.endsWith('.test.ts') && !system.has(`test/${name}`));
  expect(others.length).toBeGreaterThan(30);
  for (const name of others) {
    const text = readFileSync(join(root, 'test', name), 'utf8');
    if (name === 'system-tests.test.ts') continue;
    expect(text, name).not.toMatch(/chromium|redis-server|playwright/i);
  }
});

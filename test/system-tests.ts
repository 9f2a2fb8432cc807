// The test files that drive programs from outside npm: Debian's Chromium (test/browser/chromium.ts) or
// Debian's redis-server (test/helpers/redis-server.ts). `npm test` leaves them out, so that it needs
// nothing but Node and npm; `npm run test:system` runs them alone (.ci/run installs both programs).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const USES_A_SYSTEM_PROGRAM = /\blaunchChromium\b|\bstartRedis\b/;

export function systemTests(root: string): string[] {
  const dir = join(root, 'test');
  return readdirSync(dir)
    .filter((name) => name.endsWith('.test.ts') && USES_A_SYSTEM_PROGRAM.test(readFileSync(join(dir, name), 'utf8')))
    .map((name) => `test/${name}`);
}

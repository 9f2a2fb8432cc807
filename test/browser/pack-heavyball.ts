import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Installs heavyball into `<appDir>/node_modules/heavyball` as `npm install` would from the registry:
 * `npm pack` (the files the package publishes), unpacked. Run `npm run build` first.
 */
export async function installPackedHeavyball(appDir: string, scratchDir: string): Promise<string> {
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', scratchDir], { cwd: REPO_ROOT });
  const [{ filename }] = JSON.parse(stdout) as [{ filename: string }];
  const target = join(appDir, 'node_modules', 'heavyball');
  await mkdir(target, { recursive: true });
  await run('tar', ['-xzf', join(scratchDir, filename), '-C', target, '--strip-components=1']);
  return target;
}

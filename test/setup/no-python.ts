// Set up before every test file (vitest.config.ts): `npm test` needs only Node and npm, so a test that starts
// Python fails here, on any machine, rather than only on one without PyTorch. The PyTorch references are
// committed fixtures (test/fixtures/pytorch/); `npm run fixtures` writes them and `.ci/run` checks them.
import childProcess from 'node:child_process';
import { syncBuiltinESMExports } from 'node:module';
import { promisify } from 'node:util';

const GUARDED = Symbol.for('heavyball.noPython');
const starters = ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync'] as const;

/** A command line (or a shell command) that runs python, python3, python3.11, …, by name or path. */
const runsPython = (command: unknown, args: unknown): boolean =>
  /(^|[\s/'"])python[\d.]*($|[\s'";|&])/.test([command, ...(Array.isArray(args) ? args : [])].join(' '));

type Starter = ((...args: unknown[]) => unknown) & { [promisify.custom]?: Starter };

function guarded(original: Starter): Starter {
  const starter: Starter = function (this: unknown, ...args: unknown[]) {
    if (runsPython(args[0], args[1])) {
      throw new Error(`a test must not run Python (${String(args[0])}): read the PyTorch references from test/fixtures/pytorch/, `
        + 'which `npm run fixtures` writes with test/pytorch/*.py');
    }
    return original.apply(this, args);
  };
  // exec and execFile promisify to { stdout, stderr } through their own promisified version.
  const custom = original[promisify.custom];
  if (custom) starter[promisify.custom] = guarded(custom);
  return starter;
}

const modules = childProcess as unknown as Record<string | symbol, unknown>;
if (!modules[GUARDED]) {
  modules[GUARDED] = true;
  for (const name of starters) modules[name] = guarded(childProcess[name] as Starter);
  syncBuiltinESMExports();
}

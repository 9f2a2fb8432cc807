// BullMQ and ioredis load only where a queue is used: never by `import 'heavyball'`, nor by the command
// until --queue or `worker` asks for them. A module hook makes loading either of them fail, loudly.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));
const REFUSE = `export async function resolve(specifier, context, next) {
  if (/^(bullmq|ioredis)(\\/|$)/.test(specifier)) throw new Error('loaded ' + specifier);
  return next(specifier, context);
}`;
let scratch: string;
let hook: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'heavyball-queue-lean-'));
  await writeFile(join(scratch, 'refuse.mjs'), REFUSE);
  hook = join(scratch, 'register.mjs');
  await writeFile(hook, `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(scratch, 'refuse.mjs')).href)});\n`);
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

function node(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', pathToFileURL(hook).href, ...args], (error, stdout, stderr) => {
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

describe('the queue libraries', () => {
  it('are not loaded by import "heavyball", which trains without them', async () => {
    const script = `const h = await import(${JSON.stringify(pathToFileURL(join(DIST, 'index.js')).href)});
const engine = await h.createEngine();
const p = engine.parameter(Float32Array.from([1, -2]));
const o = new h.SGD([p], { lr: 0.5, momentum: 0.9 });
p.grad.set([1, 1]); o.step(); o.step();
console.log(JSON.stringify([...p.data]));`;
    const run = await node(['--input-type=module', '-e', script]);
    expect(run.stderr).toBe('');
    // SGD with momentum 0.9 from PyTorch's formulas: v1 = g, v2 = 0.9·v1 + g = 1.9; x = x0 − 0.5·(1 + 1.9).
    expect(JSON.parse(run.stdout)).toEqual([1 - 0.5 * 2.9, -2 - 0.5 * 2.9].map(Math.fround));
    for (const file of ['index.js', 'index.cjs', 'browser.js']) expect(await readFile(join(DIST, file), 'utf8'), file).not.toMatch(/bullmq|ioredis/);
  });

  it('are not loaded by the command until a queue is used, and are then', async () => {
    const help = await node([join(DIST, 'cli.js'), 'sweep', '--help']);
    expect([help.code, help.stderr]).toEqual([0, '']);
    expect(help.stdout).toContain('--queue <url>');
    const worker = await node([join(DIST, 'cli.js'), 'worker', '--queue', 'redis://127.0.0.1:1']);
    expect(worker.code).toBe(1);
    expect(worker.stderr).toMatch(/loaded (ioredis|bullmq)/);
  });
});

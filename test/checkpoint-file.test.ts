// Checkpoint files are written atomically: a failure or a kill at any point of a save leaves the previous
// checkpoint whole and loadable.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckpointFormatError } from '../src/checkpoint/checkpoint-format-error.js';
import { loadCheckpointFile, saveCheckpointFile } from '../src/checkpoint/checkpoint-file.js';
import { saveCheckpoint } from '../src/checkpoint/save-checkpoint.js';
import { createEngine } from '../src/engine/index.js';
import { linear, relu } from '../src/nn/layers.js';
import { type Sequential, sequential } from '../src/nn/sequential.js';
import { SGD } from '../src/optim/sgd.js';
import { type AtomicWriteFs, writeFileAtomic } from '../src/write-file-atomic.js';

const engine = await createEngine({ backend: 'js' });
const makeModel = (seed: number) => sequential(engine, [linear(50, 40), relu(), linear(40, 10)], { seed, maxBatch: 2 });
const weights = (model: Sequential) => model.parameters().map((p) => Array.from(p.data));
const nodeFs: AtomicWriteFs = { open, rename, unlink };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'heavyball-checkpoint-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A folder holding `run.safetensors`, the checkpoint of `old`; and the model `next` whose save will be interrupted. */
async function setup(name: string) {
  const folder = join(dir, name);
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder);
  const path = join(folder, 'run.safetensors');
  const old = makeModel(1);
  await saveCheckpointFile(path, { model: old });
  return { folder, path, old, next: saveCheckpoint({ model: makeModel(2) }) };
}

async function expectOldIntact(path: string, old: Sequential) {
  const model = makeModel(3);
  await loadCheckpointFile(path, { model });
  expect(weights(model)).toEqual(weights(old));
}

describe('saveCheckpointFile and loadCheckpointFile', () => {
  it('round-trip, replace the previous file, and leave no temporary file', async () => {
    const { folder, path } = await setup('round-trip');
    const model = makeModel(4);
    const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    optimizer.step();
    await saveCheckpointFile(path, { model, optimizer, step: 1 });
    const copy = makeModel(5);
    const copyOptimizer = new SGD(copy.parameters(), { lr: 0.1, momentum: 0.9 });
    expect((await loadCheckpointFile(path, { model: copy, optimizer: copyOptimizer })).step).toBe(1);
    expect(weights(copy)).toEqual(weights(model));
    expect(copyOptimizer.state()).toEqual(optimizer.state());
    expect(new Uint8Array(await readFile(path))).toEqual(saveCheckpoint({ model, optimizer, step: 1 }));
    expect(await readdir(folder)).toEqual(['run.safetensors']);
  });

  it('a malformed file is a CheckpointFormatError naming the file', async () => {
    const path = join(dir, 'bad.safetensors');
    await writeFile(path, Uint8Array.from([1, 2, 3]));
    const error = await loadCheckpointFile(path, { model: makeModel(1) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointFormatError);
    expect((error as CheckpointFormatError).file).toBe(path);
    expect((error as Error).message).toBe(`${path}: the file is 3 bytes, shorter than the 8-byte header length that starts a safetensors file`);
  });

  it('writes a temporary file in the same folder, fsyncs it, renames it over the old one, then fsyncs the folder', async () => {
    const { folder, path, next } = await setup('order');
    const calls: string[] = [];
    const short = (p: string) => (p === folder ? '<folder>' : p === path ? '<path>' : p.startsWith(join(folder, '.run.safetensors.')) && p.endsWith('.tmp') ? '<tmp>' : p);
    const spy: AtomicWriteFs = {
      async open(p, flags) {
        calls.push(`open ${short(p)} ${flags}`);
        const handle = await nodeFs.open(p, flags);
        return {
          write: async (...args) => (calls.push('write'), handle.write(...args)),
          sync: async () => (calls.push(`sync ${short(p)}`), handle.sync()),
          close: async () => (calls.push(`close ${short(p)}`), handle.close()),
        };
      },
      rename: async (a, b) => (calls.push(`rename ${short(a)} ${short(b)}`), nodeFs.rename(a, b)),
      unlink: async (p) => (calls.push(`unlink ${short(p)}`), nodeFs.unlink(p)),
    };
    await writeFileAtomic(path, next, spy);
    expect(calls.filter((c, i) => c !== 'write' || calls[i - 1] !== 'write')).toEqual([
      'open <tmp> wx', 'write', 'sync <tmp>', 'close <tmp>', 'rename <tmp> <path>', 'open <folder> r', 'sync <folder>', 'close <folder>',
    ]);
    expect(new Uint8Array(await readFile(path))).toEqual(next);
  });
});

describe('a failed save leaves the previous checkpoint loadable and removes its temporary file', () => {
  const failing = (where: 'write' | 'sync' | 'rename' | 'open'): AtomicWriteFs => ({
    async open(p, flags) {
      if (where === 'open') throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
      const handle = await nodeFs.open(p, flags);
      return {
        async write(buffer, offset, length, position) {
          if (where !== 'write' || offset === 0) return handle.write(buffer, offset, where === 'write' ? length >> 1 : length, position);
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        },
        sync: async () => {
          if (where === 'sync') throw Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
          return handle.sync();
        },
        close: () => handle.close(),
      };
    },
    rename: async (a, b) => {
      if (where === 'rename') throw Object.assign(new Error('EXDEV: cross-device link not permitted'), { code: 'EXDEV' });
      return nodeFs.rename(a, b);
    },
    unlink: nodeFs.unlink,
  });

  it.each([
    ['no space left half-way through the write', 'write', /ENOSPC/],
    ['fsync fails', 'sync', /EIO/],
    ['rename fails', 'rename', /EXDEV/],
    ['the temporary file cannot be created', 'open', /EROFS/],
  ] as const)('%s', async (_, where, message) => {
    const { folder, path, old, next } = await setup(`fail-${where}`);
    await expect(writeFileAtomic(path, next, failing(where))).rejects.toThrow(message);
    await expectOldIntact(path, old);
    expect(await readdir(folder)).toEqual(['run.safetensors']);
  });
});

describe('a process killed mid-save leaves the previous checkpoint loadable', () => {
  let child: string;
  beforeAll(async () => {
    // A Node script that saves with writeFileAtomic and SIGKILLs itself at the point given.
    child = join(dir, 'save-and-die.mjs');
    await build({
      stdin: {
        contents: `
          import { open, readFile, rename, unlink } from 'node:fs/promises';
          import { writeFileAtomic } from './src/write-file-atomic.ts';
          const [path, source, when] = process.argv.slice(2);
          const die = () => { process.kill(process.pid, 'SIGKILL'); return new Promise(() => {}); };
          const fs = {
            async open(p, flags) {
              const handle = await open(p, flags);
              return {
                async write(buffer, offset, length, position) {
                  const result = await handle.write(buffer, offset, Math.min(length, 1000), position);
                  return when === 'mid-write' ? die() : result;
                },
                sync: () => handle.sync(),
                close: () => handle.close(),
              };
            },
            rename: (a, b) => (when === 'before-rename' ? die() : rename(a, b)),
            unlink,
          };
          await writeFileAtomic(path, new Uint8Array(await readFile(source)), fs);`,
        resolveDir: resolve('.'),
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: child,
      logLevel: 'silent',
    });
  });

  it.each(['mid-write', 'before-rename'] as const)('killed %s', async (when) => {
    const { folder, path, old, next } = await setup(`kill-${when}`);
    const source = join(dir, `next-${when}.bin`);
    await writeFile(source, next);
    const result = spawnSync(process.execPath, [child, path, source, when], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.signal).toBe('SIGKILL');
    await expectOldIntact(path, old);
    const left = (await readdir(folder)).filter((name) => name !== 'run.safetensors');
    expect(left).toHaveLength(1);
    expect(left[0]).toMatch(/^\.run\.safetensors\.\d+-[a-z0-9]+\.tmp$/);
    // The next save goes through.
    const model = makeModel(6);
    await saveCheckpointFile(path, { model });
    const copy = makeModel(7);
    await loadCheckpointFile(path, { model: copy });
    expect(weights(copy)).toEqual(weights(model));
  });
});

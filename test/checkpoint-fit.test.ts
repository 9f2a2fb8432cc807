// fit's checkpoint and resume options: a run saved mid-epoch (or when aborted) and resumed in a fresh
// engine gives the same history — every step's loss, lr and momentum, every epoch record but its wall
// time — and the same weights, bit for bit, as the run never interrupted.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointFile, loadCheckpointFile, saveCheckpointFile } from '../src/checkpoint/checkpoint-file.js';
import { loadCheckpoint } from '../src/checkpoint/load-checkpoint.js';
import type { CheckpointInput } from '../src/checkpoint/save-checkpoint.js';
import { saveCheckpoint } from '../src/checkpoint/save-checkpoint.js';
import type { Dataset } from '../src/data/dataset.js';
import { loadMnist } from '../src/data/mnist-node.js';
import { createEngine } from '../src/engine/index.js';
import { linear, relu } from '../src/nn/layers.js';
import { type Sequential, sequential } from '../src/nn/sequential.js';
import { Adam } from '../src/optim/adam.js';
import type { Optimizer } from '../src/optim/optimizer.js';
import { schedules } from '../src/optim/schedules.js';
import { SGD } from '../src/optim/sgd.js';
import { fit, type FitOptions } from '../src/train/fit.js';
import type { History } from '../src/train/history.js';

let train: Dataset;
let test: Dataset;
let dir: string;
beforeAll(async () => {
  ({ train } = await loadMnist({ limit: 200 }));
  ({ test } = await loadMnist({ limit: 100 }));
  dir = await mkdtemp(join(tmpdir(), 'heavyball-fit-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const BATCH = 32; // 200 images: 6 full batches and one of 8, 7 steps an epoch
const EPOCHS = 3;
const layers = [linear(784, 20), relu(), linear(20, 10)];

const setups: [string, (model: Sequential) => Optimizer, FitOptions['schedule']?][] = [
  ['SGD with momentum', (m) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9 })],
  ['SGD Nesterov with a one-cycle schedule', (m) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true }),
    schedules.oneCycle({ maxLr: 0.1, totalSteps: 7 * EPOCHS })],
  ['Adam', (m) => new Adam(m.parameters(), { lr: 3e-3 })],
];

async function fresh(backend: 'js' | 'wasm', make: (m: Sequential) => Optimizer, seed = 1) {
  const model = sequential(await createEngine({ backend }), layers, { seed, maxBatch: BATCH });
  return { model, optimizer: make(model) };
}

const withoutTimes = (h: History) => ({ ...h, epochs: h.epochs.map(({ seconds: _, ...e }) => e) });
const bits = (m: Sequential) => m.parameters().map((p) => Buffer.from(p.data.slice().buffer).toString('base64')).join();

describe.each(['js', 'wasm'] as const)('fit checkpoint and resume (%s)', (backend) => {
  it.each(setups)('%s: resumed from a mid-epoch checkpoint = never interrupted', async (_, make, schedule) => {
    const options: FitOptions = { epochs: EPOCHS, batchSize: BATCH, seed: 3, validation: test, schedule };
    const straight = await fresh(backend, make);
    const saved: Uint8Array[] = [];
    const whole = await fit(straight.model, straight.optimizer, train, {
      ...options, checkpoint: { every: 5, save: (c: CheckpointInput) => void saved.push(saveCheckpoint(c)) },
    });
    expect(whole.steps).toHaveLength(7 * EPOCHS);
    expect(saved).toHaveLength(4); // steps 5, 10, 15, 20

    for (const [k, bytes] of saved.entries()) {
      const resumed = await fresh(backend, make, 99);
      const from = loadCheckpoint(bytes, resumed);
      expect(from.step).toBe(5 * (k + 1));
      expect(from.progress).toMatchObject({ epoch: Math.floor(from.step / 7) + 1, batch: from.step % 7 });
      const history = await fit(resumed.model, resumed.optimizer, train, { ...options, resume: from });
      expect(withoutTimes(history)).toEqual(withoutTimes(whole));
      expect(bits(resumed.model)).toBe(bits(straight.model));
    }
  });
});

describe('fit checkpoint and resume', () => {
  it('at an epoch boundary the resumed run still evaluates and records that epoch', async () => {
    const make = (m: Sequential) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9 });
    const options: FitOptions = { epochs: 2, batchSize: BATCH, seed: 3, validation: test };
    const straight = await fresh('wasm', make);
    let atBoundary: Uint8Array | undefined;
    const whole = await fit(straight.model, straight.optimizer, train, { ...options, checkpoint: { every: 7, save: (c) => void (atBoundary ??= saveCheckpoint(c)) } });
    const resumed = await fresh('wasm', make, 5);
    const from = loadCheckpoint(atBoundary!, resumed);
    expect(from.history!.epochs).toHaveLength(0);
    expect(from.progress).toMatchObject({ epoch: 1, batch: 7 });
    const history = await fit(resumed.model, resumed.optimizer, train, { ...options, resume: from });
    expect(withoutTimes(history)).toEqual(withoutTimes(whole));
  });

  it('an aborted run saves where it stopped (to a file, atomically), and resuming it completes the run exactly', async () => {
    const make = (m: Sequential) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true });
    const options: FitOptions = { epochs: EPOCHS, batchSize: BATCH, seed: 4 };
    const straight = await fresh('wasm', make);
    const whole = await fit(straight.model, straight.optimizer, train, options);

    const path = join(dir, 'aborted.safetensors');
    const first = await fresh('wasm', make);
    const stop = new AbortController();
    await fit(first.model, first.optimizer, train, {
      ...options,
      onStep: ({ step }) => void (step === 9 && stop.abort()),
      signal: stop.signal,
      checkpoint: { every: 1000, save: (c) => saveCheckpointFile(path, c) },
    });
    const resumed = await fresh('wasm', make, 7);
    const from = await loadCheckpointFile(path, resumed);
    expect(from.step).toBe(10);
    const history = await fit(resumed.model, resumed.optimizer, train, { ...options, resume: from });
    expect(withoutTimes(history)).toEqual(withoutTimes(whole));
    expect(bits(resumed.model)).toBe(bits(straight.model));
  });

  it('checkpoint: { every, save: checkpointFile(path) } saves to a file (atomically) that a fresh run resumes from exactly', async () => {
    const make = (m: Sequential) => new Adam(m.parameters(), { lr: 3e-3 });
    const options: FitOptions = { epochs: EPOCHS, batchSize: BATCH, seed: 5, validation: test };
    const straight = await fresh('js', make);
    const whole = await fit(straight.model, straight.optimizer, train, options);

    const path = join(dir, 'every-path.safetensors');
    const first = await fresh('js', make);
    const stop = new AbortController();
    await fit(first.model, first.optimizer, train, {
      ...options, checkpoint: { every: 4, save: checkpointFile(path) }, signal: stop.signal, onStep: ({ step }) => void (step === 9 && stop.abort()),
    });
    expect(await readdir(dir)).not.toContainEqual(expect.stringMatching(/^\.every-path.*\.tmp$/));
    const resumed = await fresh('js', make, 8);
    const from = await loadCheckpointFile(path, resumed);
    expect(from.step).toBe(10); // saved at steps 4 and 8, then where it stopped
    const history = await fit(resumed.model, resumed.optimizer, train, { ...options, checkpoint: { every: 4, save: checkpointFile(path) }, resume: from });
    expect(withoutTimes(history)).toEqual(withoutTimes(whole));
    expect(bits(resumed.model)).toBe(bits(straight.model));
    const last = await fresh('js', make, 9);
    expect((await loadCheckpointFile(path, last)).step).toBe(20); // the last multiple of 4 of the 21 steps
  });

  it('checkpoint needs a save function; checkpointFile needs a path and Node', async () => {
    const run = await fresh('js', (m) => new SGD(m.parameters(), { lr: 0.05 }));
    const go = (checkpoint: unknown) => fit(run.model, run.optimizer, train, { checkpoint: checkpoint as FitOptions['checkpoint'] });
    const path = join(dir, 'never.safetensors');
    await expect(go({ every: 2 })).rejects.toThrow(new TypeError('checkpoint.save must be a function, got undefined'));
    expect(() => checkpointFile('')).toThrow(new TypeError('checkpoint path must be a non-empty string, got ""'));
    await expect(go({ every: 2, save: 'run.safetensors' })).rejects.toThrow(new TypeError('checkpoint.save must be a function, got string'));
    await expect(go({ every: 0, save: checkpointFile(path) })).rejects.toThrow(RangeError);

    // Where there is no process.getBuiltinModule (a browser), checkpointFile is refused before training.
    const getBuiltinModule = process.getBuiltinModule;
    const steps: number[] = [];
    let fitted: Promise<unknown>;
    let saved: Promise<void>;
    try {
      (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
      fitted = (async () => fit(run.model, run.optimizer, train, { checkpoint: { every: 2, save: checkpointFile(path) }, onStep: ({ step }) => void steps.push(step) }))();
      saved = saveCheckpointFile(path, { model: run.model });
    } finally {
      process.getBuiltinModule = getBuiltinModule;
    }
    await expect(fitted).rejects.toThrow(/^checkpointFile needs Node \(≥ 20\.16, for process\.getBuiltinModule\)/);
    await expect(saved).rejects.toThrow(/^saveCheckpointFile needs Node/);
    expect(steps).toEqual([]);
    await expect(readdir(dir)).resolves.not.toContain('never.safetensors');
  });

  it('refuses to resume with another batch order (batch size, seed, data), and a checkpoint.every that is not a positive integer', async () => {
    const make = (m: Sequential) => new SGD(m.parameters(), { lr: 0.05 });
    const run = await fresh('js', make);
    let bytes: Uint8Array | undefined;
    await fit(run.model, run.optimizer, train, { batchSize: BATCH, checkpoint: { every: 3, save: (c) => void (bytes ??= saveCheckpoint(c)) } });
    const other = await fresh('js', make);
    const from = loadCheckpoint(bytes!, other);
    await expect(fit(other.model, other.optimizer, train, { batchSize: 16, resume: from }))
      .rejects.toThrow('the run was saved with another batch order (batchSize 32 then, 16 now): resume it with the options it was trained with');
    await expect(fit(other.model, other.optimizer, test, { batchSize: BATCH, seed: 2, resume: from }))
      .rejects.toThrow('(train.count 200 then, 100 now; seed 0 then, 2 now)');
    await expect(fit(other.model, other.optimizer, train, { checkpoint: { every: 0, save: () => {} } })).rejects.toThrow(/checkpoint.every must be an integer ≥ 1/);
  });
});

// fit and evaluate on the js backend with a small model and the first images of real MNIST.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Dataset } from '../src/data/dataset.js';
import { loadMnist } from '../src/data/mnist-node.js';
import { createEngine, type Engine } from '../src/engine/index.js';
import { dropout, linear, relu } from '../src/nn/layers.js';
import { sequential } from '../src/nn/sequential.js';
import { schedules } from '../src/optim/schedules.js';
import { SGD } from '../src/optim/sgd.js';
import { evaluate } from '../src/train/evaluate.js';
import { fit } from '../src/train/fit.js';

let engine: Engine;
let train: Dataset;
let test: Dataset;
beforeAll(async () => {
  engine = await createEngine({ backend: 'js' });
  ({ train, test } = await loadMnist({ limit: 1000 }));
});

function setup(options: { maxBatch?: number; lr?: number; momentum?: number; seed?: number } = {}) {
  const model = sequential(engine, [linear(784, 32), relu(), dropout(0.1), linear(32, 10)],
    { seed: options.seed ?? 1, maxBatch: options.maxBatch ?? 64 });
  const optimizer = new SGD(model.parameters(), { lr: options.lr ?? 0.05, momentum: options.momentum ?? 0.9 });
  return { model, optimizer, dispose: () => (optimizer.dispose(), model.dispose()) };
}

describe('fit', () => {
  it('returns the history: 0-based steps with lr and momentum, epochs with train and test figures', async () => {
    const { model, optimizer, dispose } = setup();
    const onStep = vi.fn();
    const onEpoch = vi.fn();
    const history = await fit(model, optimizer, train, { epochs: 2, batchSize: 64, seed: 1, validation: test, onStep, onEpoch });
    // 1000 images in batches of 64: 15 full ones and a last of 40.
    expect(history.steps).toHaveLength(32);
    expect(history.steps.map((s) => s.step)).toEqual([...Array(32).keys()]);
    expect(history.steps.every((s) => s.lr === 0.05 && s.momentum === 0.9 && Number.isFinite(s.loss))).toBe(true);
    expect(history.diverged).toBe(false);
    expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    expect(onStep).toHaveBeenCalledTimes(32);
    expect(onEpoch.mock.calls.map(([e]) => e)).toEqual(history.epochs);
    const [first, second] = history.epochs;
    expect(second!.trainLoss).toBeLessThan(first!.trainLoss);
    expect(second!.trainAccuracy).toBeGreaterThan(0.7);
    const final = evaluate(model, test);
    expect(second!.testLoss).toBe(final.loss);
    expect(second!.testAccuracy).toBe(final.accuracy);
    expect(second!.seconds).toBeGreaterThan(0);
    // The running train loss is the batch-size-weighted mean of the epoch's step losses.
    const epochSteps = history.steps.slice(16);
    const weighted = epochSteps.reduce((s, { loss }, i) => s + loss * (i === 15 ? 40 : 64), 0) / 1000;
    expect(second!.trainLoss).toBeCloseTo(weighted, 10);
    expect(model.training).toBe(true);
    dispose();
  });

  it('dropLast skips the smaller last batch; no validation gives null test figures; the mode is restored', async () => {
    const { model, optimizer, dispose } = setup();
    model.eval();
    const history = await fit(model, optimizer, train, { epochs: 1, batchSize: 64, dropLast: true });
    expect(history.steps).toHaveLength(15);
    expect(history.epochs[0]).toMatchObject({ testLoss: null, testAccuracy: null });
    expect(model.training).toBe(false);
    dispose();
  });

  it('applies a schedule before every step from the global step', async () => {
    const { model, optimizer, dispose } = setup();
    const schedule = schedules.compose(schedules.step({ lr: 0.1, stepSize: 10, gamma: 0.5 }), schedules.momentumWarmup({ maxMomentum: 0.9, every: 4 }));
    const history = await fit(model, optimizer, train, { epochs: 2, batchSize: 50, schedule });
    history.steps.forEach(({ step, lr, momentum }) => {
      expect(lr).toBe(0.1 * 0.5 ** Math.floor(step / 10));
      expect(momentum).toBe(schedule.momentumAt!(step));
    });
    expect(optimizer.lr).toBe(0.1 * 0.5 ** 3);
    dispose();
  });

  it('the same seeds give bit-identical loss histories; another shuffle seed another', async () => {
    const run = async (seed: number) => {
      const { model, optimizer, dispose } = setup();
      const history = await fit(model, optimizer, train, { epochs: 2, batchSize: 50, seed });
      dispose();
      return history.steps.map((s) => s.loss);
    };
    const a = await run(3);
    expect(await run(3)).toEqual(a);
    expect(await run(4)).not.toEqual(a);
  });

  it('detects divergence (momentum 0.99, a large lr) without throwing, and leaves the model usable', async () => {
    const { model, optimizer, dispose } = setup({ lr: 20, momentum: 0.99 });
    const history = await fit(model, optimizer, train, { epochs: 5, batchSize: 64 });
    expect(history.diverged).not.toBe(false);
    const { step, loss } = history.diverged as { step: number; loss: number };
    expect(!Number.isFinite(loss) || loss > 1e3 * history.steps[0]!.loss).toBe(true);
    expect(history.steps).toHaveLength(step + 1);
    expect(history.steps[step]!.loss).toBe(loss);
    expect(history.steps.slice(0, step).every((s) => s.loss <= 1e3 * history.steps[0]!.loss)).toBe(true);
    expect(model.predict(test.images, 10)).toHaveLength(10);
    dispose();
  });

  it('stops between steps once the signal is aborted, keeping the history so far', async () => {
    const { model, optimizer, dispose } = setup();
    const controller = new AbortController();
    const history = await fit(model, optimizer, train, {
      epochs: 3, batchSize: 64, signal: controller.signal, onStep: ({ step }) => step === 20 && controller.abort(),
    });
    expect(history.steps).toHaveLength(21);
    expect(history.epochs).toHaveLength(1);
    expect(history.diverged).toBe(false);

    // Aborted from a timer callback, which runs only because fit yields to the event loop while it
    // trains; fit stops before the next step.
    const timed = new AbortController();
    let steps = 0;
    let stepsWhenAborted = -1;
    setTimeout(() => {
      stepsWhenAborted = steps;
      timed.abort();
    }, 0);
    const long = await fit(model, optimizer, train, { epochs: 1000, batchSize: 64, signal: timed.signal, onStep: () => steps++ });
    expect(stepsWhenAborted).toBeGreaterThan(0);
    expect(long.steps).toHaveLength(stepsWhenAborted);
    expect(long.steps.length).toBeLessThan(1000 * 16);

    const before = await fit(model, optimizer, train, { epochs: 1, signal: AbortSignal.abort() });
    expect(before).toEqual({ steps: [], epochs: [], diverged: false });
    dispose();
  });

  it('allocates nothing after the first step', async () => {
    const { model, optimizer, dispose } = setup();
    const before = engine.bytesInUse;
    let bytes = 0;
    const inUse = new Set<number>();
    const alloc = vi.spyOn(engine, 'alloc');
    await fit(model, optimizer, train, {
      epochs: 2, batchSize: 64, validation: test,
      onStep: ({ step }) => {
        if (step === 0) {
          alloc.mockClear();
          bytes = engine.bytesInUse;
        }
        inUse.add(engine.bytesInUse);
      },
    });
    expect(alloc).not.toHaveBeenCalled();
    expect([...inUse]).toEqual([bytes]);
    // On threads, fit copies the training images into the engine for the call and frees them when it returns.
    expect(bytes - before >= train.images.length).toBe(engine.threads > 1);
    expect(engine.bytesInUse).toBe(before);
    alloc.mockRestore();
    dispose();
  });

  it('rejects data the model cannot take and batch sizes it has no room for', async () => {
    const { model, optimizer, dispose } = setup({ maxBatch: 32 });
    const small = { ...train, rows: 14, cols: 14, count: 4, images: train.images.subarray(0, 4 * 196), labels: train.labels.subarray(0, 4) };
    await expect(fit(model, optimizer, small)).rejects.toThrow(/train has 14 × 14 = 196 values per image, the model takes 784/);
    await expect(fit(model, optimizer, train, { batchSize: 64 })).rejects.toThrow(/batchSize must be an integer in \[1, maxBatch = 32\], got 64/);
    await expect(fit(model, optimizer, { ...train, images: [] as never })).rejects.toThrow(TypeError);
    await expect(fit(model, optimizer, train, { validation: { ...test, count: 5 } })).rejects.toThrow(/validation.images/);
    const badLabels = { ...test, labels: test.labels.map((l, i) => (i === 7 ? 12 : l)) };
    expect(() => evaluate(model, badLabels)).toThrow(/data.labels\[7\] is 12/);
    await expect(fit(model, optimizer, train, { epochs: -1 })).rejects.toThrow(/epochs/);
    dispose();
  });
});

describe('evaluate', () => {
  it('is the mean cross-entropy and accuracy in eval mode, whatever the batch size', async () => {
    const { model, optimizer, dispose } = setup();
    await fit(model, optimizer, train, { epochs: 1, batchSize: 64 });
    const { loss, accuracy } = evaluate(model, test);
    model.eval();
    const logits = model.forward(Float32Array.from(test.images, (v) => v / 255), test.count);
    model.train();
    let sum = 0;
    let correct = 0;
    for (let i = 0; i < test.count; i++) {
      const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
      const max = Math.max(...row);
      sum += max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) - row[test.labels[i]!]!;
      if (row.indexOf(max) === test.labels[i]) correct++;
    }
    // float32 softmax per row (relative error ~1e-6) against float64 from the same float32 logits.
    expect(loss).toBeCloseTo(sum / test.count, 5);
    expect(accuracy).toBe(correct / test.count);
    expect(Array.from(model.predict(test.images)).filter((c, i) => c === test.labels[i]).length).toBe(correct);
    const other = evaluate(model, test, { batchSize: 7 });
    expect(other.accuracy).toBe(accuracy);
    expect(other.loss).toBeCloseTo(loss, 6);
    expect(model.training).toBe(true);
    dispose();
  });
});

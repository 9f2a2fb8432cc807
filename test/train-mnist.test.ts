// Training on the real MNIST files with the wasm kernels: accuracy, determinism, js/wasm agreement,
// divergence detection and a step that allocates nothing.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Dataset } from '../src/data/dataset.js';
import { loadMnist } from '../src/data/mnist-node.js';
import { createEngine, type Engine } from '../src/engine/index.js';
import { dropout, type LayerSpec, linear, relu } from '../src/nn/layers.js';
import { sequential } from '../src/nn/sequential.js';
import { SGD } from '../src/optim/sgd.js';
import { fit } from '../src/train/fit.js';

let train: Dataset;
let test: Dataset;
let wasm: Engine;
beforeAll(async () => {
  ({ train, test } = await loadMnist());
  wasm = await createEngine({ backend: 'wasm' });
});

const mlp = (): LayerSpec[] => [linear(784, 256), relu(), linear(256, 128), relu(), linear(128, 10)];

/** `steps` steps of SGD (momentum 0.9, lr 0.05) from seed 1; the step losses and the final parameters. */
async function run(engine: Engine, layers: LayerSpec[], batchSize: number, steps: number) {
  const model = sequential(engine, layers, { seed: 1, maxBatch: batchSize });
  const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const controller = new AbortController();
  const history = await fit(model, optimizer, train, {
    epochs: 1, batchSize, seed: 1, signal: controller.signal, onStep: ({ step }) => step === steps - 1 && controller.abort(),
  });
  const params = model.parameters().map((p) => Float32Array.from(p.data));
  optimizer.dispose();
  model.dispose();
  return { losses: history.steps.map((s) => s.loss), params };
}

describe('MNIST on wasm', () => {
  it('784-256-128-10, SGD momentum 0.9, lr 0.05, batch 128: ≥ 97% test accuracy within 3 epochs, no allocation per step', async () => {
    const model = sequential(wasm, mlp(), { seed: 1, maxBatch: 128 });
    const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const alloc = vi.spyOn(wasm, 'alloc');
    const before = wasm.bytesInUse;
    let bytes = 0;
    const inUse = new Set<number>();
    const history = await fit(model, optimizer, train, {
      epochs: 3, batchSize: 128, seed: 1, validation: test,
      onStep: ({ step }) => {
        if (step === 0) {
          alloc.mockClear();
          bytes = wasm.bytesInUse;
        }
        inUse.add(wasm.bytesInUse);
      },
      onEpoch: (e) => console.log(`epoch ${e.epoch}: test accuracy ${e.testAccuracy}, ${e.seconds.toFixed(1)} s`),
    });
    expect(alloc).not.toHaveBeenCalled();
    expect([...inUse]).toEqual([bytes]);
    // On threads, fit copies the training images into the engine for the call and frees them when it returns.
    expect(bytes - before >= train.images.length).toBe(wasm.threads > 1);
    expect(wasm.bytesInUse).toBe(before);
    alloc.mockRestore();
    expect(history.diverged).toBe(false);
    expect(history.steps).toHaveLength(3 * Math.ceil(60000 / 128));
    expect(Math.max(...history.epochs.map((e) => e.testAccuracy!))).toBeGreaterThanOrEqual(0.97);
    optimizer.dispose();
    model.dispose();
  });

  it('the same seeds give bit-identical losses and weights, dropout included', async () => {
    const layers = [linear(784, 256), relu(), dropout(0.2), linear(256, 128), relu(), linear(128, 10)];
    const a = await run(wasm, layers, 128, 100);
    const b = await run(wasm, layers, 128, 100);
    expect(a.losses).toHaveLength(100);
    expect(b.losses).toEqual(a.losses);
    b.params.forEach((p, i) => expect(p).toEqual(a.params[i]));
  });

  it('the js and wasm backends agree to a relative 1e-4 after 100 steps', async () => {
    // A smaller net and batch than above, so the plain-JS GEMM takes seconds, not a minute.
    const layers = [linear(784, 128), relu(), dropout(0.1), linear(128, 64), relu(), linear(64, 10)];
    const js = await run(await createEngine({ backend: 'js' }), layers, 64, 100);
    const w = await run(wasm, layers, 64, 100);
    w.losses.forEach((loss, i) => expect(Math.abs(loss - js.losses[i]!), `step ${i}`).toBeLessThanOrEqual(1e-4 * js.losses[i]!));
    w.params.forEach((p, i) => {
      const q = js.params[i]!;
      const diff = Math.hypot(...p.map((v, j) => v - q[j]!));
      expect(diff).toBeLessThanOrEqual(1e-4 * Math.hypot(...q));
    });
  });

  it('momentum 0.99 with lr 1 diverges: detected and reported, not thrown', async () => {
    const model = sequential(wasm, mlp(), { seed: 1, maxBatch: 128 });
    const optimizer = new SGD(model.parameters(), { lr: 1, momentum: 0.99 });
    const history = await fit(model, optimizer, train, { epochs: 1, batchSize: 128, seed: 1 });
    expect(history.diverged).not.toBe(false);
    const { step, loss } = history.diverged as { step: number; loss: number };
    expect(!Number.isFinite(loss) || loss > 1e3 * history.steps[0]!.loss).toBe(true);
    expect(history.steps).toHaveLength(step + 1);
    expect(history.epochs).toHaveLength(0);
    expect(model.predict(test.images, 5)).toHaveLength(5);
    optimizer.dispose();
    model.dispose();
  });
});

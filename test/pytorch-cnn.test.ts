// CNNs against PyTorch through the committed fixtures of test/pytorch/cnn_reference.py (run it with
// `--check` to compare them with a live PyTorch): with PyTorch's initial weights loaded by their state-dict
// names, heavyball's logits, loss, gradients and two SGD-momentum steps equal PyTorch's up to float32
// summation order; and a heavyball CNN checkpoint, loaded into nn.Sequential with strict=True, gives
// PyTorch the logits heavyball gives.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine, flatten, type LayerSpec, linear, loadCheckpoint, maxPool2d, relu, conv2d, SGD, saveCheckpoint, sequential } from '../src/index.js';
import { fromBits } from './helpers/torch.js';

interface Case {
  name: string;
  layers: LayerSpec[];
  inputShape: number[];
  lr: number;
  momentum: number;
  x: number[];
  labels: number[];
  magnitude: number[];
  params: Record<string, number[]>;
  logits: number[];
  loss: number;
  grads: Record<string, number[]>;
  paramsAfter1: Record<string, number[]>;
  paramsAfter2: Record<string, number[]>;
}

const fixtures = new URL('./fixtures/pytorch/', import.meta.url);
const reference = JSON.parse(readFileSync(new URL('cnn_reference.json', fixtures), 'utf8')) as {
  cases: Case[]; checkpoint: { x: number[]; logits: number[]; magnitude: number[] };
};
const U = 2 ** -24;

/**
 * Logit tolerance relative to M (the network on |x|, |W|, |b| in float64, which bounds every partial sum):
 * a float32 sum of n terms in any order is within n·u·Σ|terms| of the exact one, so each side is within
 * Σ_layers (fan-in + 1)·u·M, tanh and sigmoid adding a few ulps; the two sides within twice that. Factor 2 spare.
 */
function logitTolerance(layers: LayerSpec[]): number {
  const terms = layers.reduce((sum, l) => sum + (l.type === 'conv2d' ? l.inChannels * l.kernelSize ** 2 + 1
    : l.type === 'linear' ? l.inFeatures + 1 : l.type === 'tanh' || l.type === 'sigmoid' ? 4 : 0), 0);
  return 2 * 2 * terms * U;
}

/** The largest |a − b| / scale over a tensor, scale = max |expected| (gradients and parameters have no per-element bound at hand). */
function relativeToMax(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  return Math.max(...actual.map((v, i) => Math.abs(v - expected[i]!))) / scale;
}

/** Gradients sum over batch × positions (≤ 4·28·28 = 3136 terms per weight here) after the logits' own error: γ_3136 ≈ 1.9e-4. */
const GRADIENT_TOLERANCE = 4e-4;

const engines: [string, () => Promise<Engine>][] = [
  ['js', () => createEngine({ backend: 'js' })],
  ['wasm', () => createEngine({ backend: 'wasm', simd: 'standard' })],
];

describe.each(engines)('CNN vs PyTorch (%s)', (_, makeEngine) => {
  it.each(reference.cases.map((c) => [c.name, c] as const))('%s: logits, loss, gradients and two SGD-momentum steps', async (_name, c) => {
    const engine = await makeEngine();
    const batch = c.labels.length;
    const model = sequential(engine, c.layers, { seed: 9, maxBatch: batch, inputShape: c.inputShape });
    // The state dict's names and order are PyTorch's.
    expect(model.parameters().map((p) => p.name)).toEqual(Object.keys(c.params));
    for (const p of model.parameters()) p.data.set(fromBits(c.params[p.name]!));
    const x = fromBits(c.x);
    const labels = Uint8Array.from(c.labels);

    const logits = model.forward(x);
    const worst = Math.max(...c.magnitude.map((m, i) => Math.abs(logits[i]! - fromBits(c.logits)[i]!) / m));
    expect(worst).toBeLessThan(logitTolerance(c.layers));

    const optimizer = new SGD(model.parameters(), { lr: c.lr, momentum: c.momentum });
    model.loadBatch(x, labels, batch);
    for (const step of [1, 2]) {
      optimizer.zeroGrad();
      const loss = model.lossAndBackward(batch);
      if (step === 1) {
        expect(Math.abs(loss - c.loss)).toBeLessThan(logitTolerance(c.layers) * Math.max(...c.magnitude) + 1e-6);
        for (const p of model.parameters()) {
          expect(relativeToMax(p.grad, fromBits(c.grads[p.name]!)), `${p.name}.grad`).toBeLessThan(GRADIENT_TOLERANCE);
        }
      }
      optimizer.step();
      const after = step === 1 ? c.paramsAfter1 : c.paramsAfter2;
      for (const p of model.parameters()) {
        // p = p₀ − lr·(g₁ [+ 0.9·g₁ + g₂]): off by lr·(the gradients' error) at most.
        const expected = fromBits(after[p.name]!);
        const gradScale = Math.max(...fromBits(c.grads[p.name]!).map(Math.abs));
        const worstParam = Math.max(...p.data.map((v, i) => Math.abs(v - expected[i]!)));
        expect(worstParam, `${p.name} after step ${step}`).toBeLessThan(3 * c.lr * GRADIENT_TOLERANCE * gradScale + 4 * U * Math.max(...expected.map(Math.abs)));
      }
    }
    engine.dispose();
  });
});

describe('a CNN checkpoint in PyTorch', () => {
  // The default MNIST CNN's layers at a quarter of the widths, as test/pytorch/write_cnn_checkpoint.mjs makes it.
  const layers = [
    conv2d(1, 4, 5, { padding: 2 }), relu(), maxPool2d(2), conv2d(4, 8, 5, { padding: 2 }), relu(), maxPool2d(2),
    flatten(), linear(392, 32, { init: 'pytorch' }), relu(), linear(32, 10, { init: 'pytorch' }),
  ];
  const bytes = new Uint8Array(readFileSync(new URL('cnn_checkpoint.safetensors', fixtures)));

  it('is the checkpoint heavyball writes today, and loaded into nn.Sequential (strict) gives heavyball\'s logits', async () => {
    const engine = await createEngine();
    const model = sequential(engine, layers, { seed: 1, maxBatch: 8, inputShape: [1, 28, 28] });
    expect(Buffer.from(saveCheckpoint({ model })).equals(Buffer.from(bytes))).toBe(true);
    const loaded = sequential(engine, layers, { seed: 2, maxBatch: 8, inputShape: [1, 28, 28] });
    loadCheckpoint(bytes, { model: loaded });
    const logits = loaded.eval().forward(fromBits(reference.checkpoint.x));
    const torchLogits = fromBits(reference.checkpoint.logits);
    const worst = Math.max(...reference.checkpoint.magnitude.map((m, i) => Math.abs(logits[i]! - torchLogits[i]!) / m));
    expect(worst).toBeLessThan(logitTolerance(layers));
  });
});

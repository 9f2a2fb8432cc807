// Every layer and both losses against central differences of an independent float64 reference.
//
// Tolerance: the model computes in float32 (unit roundoff 6e-8) through at most a few sums of ≤ 8 terms,
// so its gradients carry relative errors near 1e-6 of the tensor's largest entry. The float64 central
// difference with h = 1e-6 has truncation error ~h²·f''' ≈ 1e-12 and roundoff ~1e-16/h = 1e-10. A bound of
// 1e-4 × the largest reference entry (plus 1e-7 for entries that are all near 0) is thus 100× the expected
// error, while any wrong formula is off by O(1).
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine/index.js';
import { dropout, type LayerSpec, linear, relu, sigmoid, tanh } from '../src/nn/layers.js';
import type { LossName } from '../src/nn/losses.js';
import { sequential } from '../src/nn/sequential.js';
import { Random } from '../src/random.js';

const H = 1e-6;
const RTOL = 1e-4;
const ATOL = 1e-7;

interface Case {
  layers: LayerSpec[];
  loss: LossName;
}

/** The float64 forward pass of `layers` on n rows of x, with dropout masks given; returns the loss. */
function referenceLoss(c: Case, params: Float64Array[], x: Float64Array, labels: Uint8Array, n: number,
  masks: Map<number, Float64Array>, preActivations?: number[]): number {
  let a = x;
  let width = x.length / n;
  let p = 0;
  c.layers.forEach((spec, index) => {
    if (spec.type === 'linear') {
      const [w, b] = [params[p++]!, params[p++]!];
      const y = new Float64Array(n * spec.outFeatures);
      for (let i = 0; i < n; i++) {
        for (let o = 0; o < spec.outFeatures; o++) {
          let s = b[o]!;
          for (let k = 0; k < width; k++) s += a[i * width + k]! * w[o * width + k]!;
          y[i * spec.outFeatures + o] = s;
        }
      }
      a = y;
      width = spec.outFeatures;
      return;
    }
    if (spec.type === 'relu') preActivations?.push(...a);
    const mask = masks.get(index);
    const f = {
      relu: (v: number) => Math.max(v, 0),
      tanh: Math.tanh,
      sigmoid: (v: number) => 1 / (1 + Math.exp(-v)),
    };
    a = a.map((v, i) => (spec.type === 'dropout' ? v * mask![i]! : f[spec.type as keyof typeof f](v)));
  });
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const row = a.subarray(i * width, (i + 1) * width);
    if (c.loss === 'cross-entropy') {
      const max = Math.max(...row);
      const logSum = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      loss += logSum - row[labels[i]!]!;
    } else {
      row.forEach((v, j) => (loss += (v - (j === labels[i] ? 1 : 0)) ** 2 / width));
    }
  }
  return loss / n;
}

let engine: Engine;
beforeAll(async () => {
  engine = await createEngine({ backend: 'js' });
});

function check(c: Case, n = 3, maxBatch = 4) {
  const model = sequential(engine, c.layers, { seed: 7, maxBatch, loss: c.loss });
  const rng = new Random(11);
  const x = Float32Array.from({ length: n * model.inputSize }, () => rng.normal());
  const labels = Uint8Array.from({ length: n }, () => rng.int(model.outputSize));
  model.loadBatch(x, labels, n);
  const loss = model.lossAndBackward(n);

  const masks = new Map<number, Float64Array>();
  c.layers.forEach((spec, i) => {
    if (spec.type === 'dropout') masks.set(i, Float64Array.from(model.dropoutMask(i).subarray(0, n * widthBefore(c.layers, i))));
  });
  for (const mask of masks.values()) {
    expect(mask.some((v) => v === 0) && mask.some((v) => v > 1), 'the mask drops some values and scales the rest').toBe(true);
  }
  const params = model.parameters().map((p) => Float64Array.from(p.data));
  const x64 = Float64Array.from(x);
  const preActivations: number[] = [];
  const f = () => referenceLoss(c, params, x64, labels, n, masks);
  expect(Math.abs(loss - referenceLoss(c, params, x64, labels, n, masks, preActivations))).toBeLessThan(1e-5 * Math.abs(loss) + 1e-7);
  // No ReLU input so close to its kink that a step of H could cross it.
  for (const z of preActivations) expect(Math.abs(z)).toBeGreaterThan(1e-4);

  model.parameters().forEach((p, t) => {
    const values = params[t]!;
    const numeric = new Float64Array(values.length);
    for (let j = 0; j < values.length; j++) {
      const v = values[j]!;
      values[j] = v + H;
      const up = f();
      values[j] = v - H;
      const down = f();
      values[j] = v;
      numeric[j] = (up - down) / (2 * H);
    }
    const scale = Math.max(...numeric.map(Math.abs));
    expect(scale, `${p.name} has a gradient`).toBeGreaterThan(0);
    const analytic = p.grad;
    for (let j = 0; j < values.length; j++) {
      expect(Math.abs(analytic[j]! - numeric[j]!), `${p.name}[${j}]`).toBeLessThanOrEqual(RTOL * scale + ATOL);
    }
  });
  model.dispose();
}

function widthBefore(layers: LayerSpec[], index: number): number {
  let width = 0;
  for (const spec of layers.slice(0, index)) if (spec.type === 'linear') width = spec.outFeatures;
  return width;
}

describe('gradients match float64 central differences', () => {
  const cases: [string, Case][] = [
    ['linear + cross-entropy', { layers: [linear(5, 4)], loss: 'cross-entropy' }],
    ['linear + mse', { layers: [linear(5, 4)], loss: 'mse' }],
    ['relu fused into the linear before it', { layers: [linear(5, 6), relu(), linear(6, 3)], loss: 'cross-entropy' }],
    ['tanh', { layers: [linear(5, 6), tanh(), linear(6, 3)], loss: 'cross-entropy' }],
    ['sigmoid', { layers: [linear(5, 6), sigmoid(), linear(6, 3)], loss: 'cross-entropy' }],
    ['relu after a non-linear layer (not fused)', { layers: [linear(5, 6), tanh(), relu(), linear(6, 3)], loss: 'cross-entropy' }],
    ['dropout with the mask of the forward pass', { layers: [linear(5, 6), dropout(0.5), linear(6, 3)], loss: 'cross-entropy' }],
    ['every layer, mse', {
      layers: [linear(7, 8, { init: 'pytorch' }), relu(), dropout(0.3), linear(8, 6), sigmoid(), linear(6, 5), tanh(), linear(5, 4)],
      loss: 'mse',
    }],
  ];
  for (const [name, c] of cases) it(name, () => check(c));

  it('a full batch (n = maxBatch) and a single row', () => {
    check({ layers: [linear(5, 6), relu(), linear(6, 3)], loss: 'cross-entropy' }, 4, 4);
    check({ layers: [linear(5, 6), relu(), linear(6, 3)], loss: 'mse' }, 1, 4);
  });
});

// CNN layers in a model: gradients against float64 central differences of an independent float64
// forward written here (conv, max-pool, flatten, dropout with the model's mask), on both backends; shape
// errors named by layer and thrown before anything is allocated; the input shape from a dataset; PyTorch's
// state-dict names and shapes.
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine/index.js';
import {
  conv2d, dropout, flatten, type LayerSpec, linear, maxPool2d, mnistCnn, relu, sequential, tanh,
} from '../src/nn/index.js';
import { Random } from '../src/random.js';

const H = 1e-6;
const RTOL = 1e-4;
const ATOL = 1e-7;

type Tensor = { data: Float64Array; shape: number[] }; // one example: [c, h, w] or [features]

/** The float64 loss of `layers` on n examples, the model's dropout masks given; records pre-ReLU values and pooling gaps. */
function referenceLoss(layers: LayerSpec[], params: Float64Array[], xs: Tensor[], labels: Uint8Array,
  masks: Map<number, Float64Array>, kinks?: number[]): number {
  let loss = 0;
  xs.forEach((x, row) => {
    let a = x;
    let p = 0;
    layers.forEach((spec, index) => {
      if (spec.type === 'conv2d') {
        const [w, b] = [params[p++]!, params[p++]!];
        const [c, h, wd] = a.shape as [number, number, number];
        const { outChannels: o, kernelSize: k, stride: s, padding: pad } = spec;
        const oh = Math.floor((h + 2 * pad - k) / s) + 1, ow = Math.floor((wd + 2 * pad - k) / s) + 1;
        const out = new Float64Array(o * oh * ow);
        for (let f = 0; f < o; f++) for (let y = 0; y < oh; y++) for (let z = 0; z < ow; z++) {
          let sum = b[f]!;
          for (let ch = 0; ch < c; ch++) for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) {
            const iy = y * s - pad + ky, ix = z * s - pad + kx;
            if (iy >= 0 && iy < h && ix >= 0 && ix < wd) sum += w[((f * c + ch) * k + ky) * k + kx]! * a.data[(ch * h + iy) * wd + ix]!;
          }
          out[(f * oh + y) * ow + z] = sum;
        }
        a = { data: out, shape: [o, oh, ow] };
      } else if (spec.type === 'maxPool2d') {
        const [c, h, wd] = a.shape as [number, number, number];
        const { kernelSize: k, stride: s } = spec;
        const oh = Math.floor((h - k) / s) + 1, ow = Math.floor((wd - k) / s) + 1;
        const out = new Float64Array(c * oh * ow);
        for (let ch = 0; ch < c; ch++) for (let y = 0; y < oh; y++) for (let z = 0; z < ow; z++) {
          const window: number[] = [];
          for (let ky = 0; ky < k; ky++) for (let kx = 0; kx < k; kx++) window.push(a.data[(ch * h + y * s + ky) * wd + z * s + kx]!);
          const sorted = [...window].sort((u, v) => v - u);
          // A tie at 0 is ReLU's clamp (its inputs stay below 0 under a step of H): no kink there.
          if (sorted.length > 1 && sorted[0] !== 0) kinks?.push(sorted[0]! - sorted[1]!);
          out[(ch * oh + y) * ow + z] = sorted[0]!;
        }
        a = { data: out, shape: [c, oh, ow] };
      } else if (spec.type === 'linear') {
        const [w, b] = [params[p++]!, params[p++]!];
        const out = new Float64Array(spec.outFeatures);
        for (let o = 0; o < spec.outFeatures; o++) {
          let sum = b[o]!;
          for (let i = 0; i < spec.inFeatures; i++) sum += w[o * spec.inFeatures + i]! * a.data[i]!;
          out[o] = sum;
        }
        a = { data: out, shape: [spec.outFeatures] };
      } else if (spec.type === 'flatten') {
        a = { data: a.data, shape: [a.data.length] };
      } else if (spec.type === 'dropout') {
        const mask = masks.get(index)!;
        a = { data: a.data.map((v, i) => v * mask[row * a.data.length + i]!), shape: a.shape };
      } else if (spec.type === 'relu') {
        kinks?.push(...a.data.map(Math.abs));
        a = { data: a.data.map((v) => Math.max(v, 0)), shape: a.shape };
      } else if (spec.type === 'tanh') {
        a = { data: a.data.map(Math.tanh), shape: a.shape };
      }
    });
    const max = Math.max(...a.data);
    loss += max + Math.log(a.data.reduce((sum, v) => sum + Math.exp(v - max), 0)) - a.data[labels[row]!]!;
  });
  return loss / xs.length;
}

function checkGradients(engine: Engine, layers: LayerSpec[], inputShape: number[], n: number) {
  const model = sequential(engine, layers, { seed: 5, maxBatch: n + 1, inputShape });
  const rng = new Random(17);
  const size = inputShape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: n * size }, () => rng.normal());
  const labels = Uint8Array.from({ length: n }, () => rng.int(model.outputSize));
  model.loadBatch(x, labels, n);
  const loss = model.lossAndBackward(n);
  const masks = new Map<number, Float64Array>();
  layers.forEach((spec, i) => {
    if (spec.type === 'dropout') masks.set(i, Float64Array.from(model.dropoutMask(i)));
  });
  const xs = Array.from({ length: n }, (_, r) => ({ data: Float64Array.from(x.subarray(r * size, (r + 1) * size)), shape: inputShape }));
  const params = model.parameters().map((p) => Float64Array.from(p.data));
  const kinks: number[] = [];
  expect(Math.abs(loss - referenceLoss(layers, params, xs, labels, masks, kinks))).toBeLessThan(1e-5 * Math.abs(loss) + 1e-6);
  // No ReLU input or pooling window's top two so close that a step of H could cross the kink.
  for (const gap of kinks) expect(gap).toBeGreaterThan(1e-4);
  model.parameters().forEach((p, t) => {
    const values = params[t]!;
    const numeric = values.map((v, j) => {
      values[j] = v + H;
      const up = referenceLoss(layers, params, xs, labels, masks);
      values[j] = v - H;
      const down = referenceLoss(layers, params, xs, labels, masks);
      values[j] = v;
      return (up - down) / (2 * H);
    });
    const scale = Math.max(...numeric.map(Math.abs));
    expect(scale, `${p.name} has a gradient`).toBeGreaterThan(0);
    p.grad.forEach((g, j) => expect(Math.abs(g - numeric[j]!), `${p.name}[${j}]`).toBeLessThanOrEqual(RTOL * scale + ATOL));
  });
  model.dispose();
}

describe.each(['js', 'wasm'] as const)('CNN gradients match float64 central differences (%s)', (backend) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ backend });
  });

  it('conv (stride 2, padding) with fused ReLU, max-pool, flatten, linear; batch 1', () => {
    checkGradients(engine, [conv2d(2, 3, 3, { stride: 2, padding: 1 }), relu(), maxPool2d(2), flatten(), linear(12, 4)], [2, 9, 8], 1);
  });

  it('two convs (the second passes its input gradient back), tanh, overlapping pooling, a 1×1 conv, dropout on feature maps', () => {
    checkGradients(engine, [
      conv2d(1, 3, 3, { padding: 1 }), tanh(), maxPool2d(3, 2), conv2d(3, 4, 1), relu(), dropout(0.4),
      conv2d(4, 2, 2), flatten(), linear(2 * 2 * 2, 3),
    ], [1, 7, 7], 3);
  });
});

describe('CNN models: shapes', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ backend: 'js' });
  });

  it.each<[string, LayerSpec[], number[], RegExp]>([
    ['a kernel larger than its input', [conv2d(1, 2, 5), flatten(), linear(2, 2)], [1, 3, 3],
      /^layer 0 \(conv2d\): its 5×5 kernel is larger than its 3×3 input padded by 0$/],
    ['channels that do not match', [conv2d(1, 4, 3), relu(), conv2d(3, 2, 3)], [1, 10, 10],
      /^layer 2 \(conv2d\) takes 3 input channels, but the layers before it give 4$/],
    ['a pooling window larger than its input', [conv2d(1, 2, 3), maxPool2d(4), flatten(), linear(2, 2)], [1, 5, 5],
      /^layer 1 \(maxPool2d\): its 4×4 window is larger than its 3×3 input$/],
    ['linear on feature maps', [conv2d(1, 2, 3), linear(18, 2)], [1, 5, 5],
      /^layer 1 \(linear\) takes 18 inputs, but the layers before it give \[2, 3, 3\] \(flatten\(\) them first\)$/],
    ['a conv on flat inputs', [conv2d(1, 2, 3), flatten(), linear(2, 2)], [25], /^layer 0 \(conv2d\) takes \[channels, height, width\] inputs/],
    ['a last layer that is not flat', [conv2d(1, 2, 3)], [1, 5, 5], /the last layer gives \[2, 3, 3\] per example/],
  ])('%s: a RangeError naming the layer, before anything is allocated', (_, layers, inputShape, message) => {
    const before = engine.bytesInUse;
    expect(() => sequential(engine, layers, { inputShape })).toThrow(RangeError);
    expect(() => sequential(engine, layers, { inputShape })).toThrow(message);
    expect(engine.bytesInUse).toBe(before);
  });

  it('bad layer options and a missing inputShape are RangeErrors too', () => {
    expect(() => conv2d(1, 2, 0)).toThrow(new RangeError('layer 0 (conv2d): kernelSize must be a positive integer, got 0'));
    expect(() => conv2d(1, 2, 3, { stride: 0 })).toThrow(/stride must be a positive integer/);
    expect(() => conv2d(1, 2, 3, { padding: -1 })).toThrow(/padding must be a non-negative integer, got -1/);
    expect(() => maxPool2d(2, 1.5)).toThrow(/layer 0 \(maxPool2d\): stride must be a positive integer/);
    expect(() => sequential(engine, mnistCnn())).toThrow(/layer 0 must be linear .*or give inputShape/);
    expect(() => sequential(engine, mnistCnn(), { inputShape: [1, 0, 28] })).toThrow(/inputShape must be a non-empty list of positive integers/);
  });

  it('takes its input shape from a dataset\'s rows × cols; parameters are named and shaped as PyTorch\'s state dict', () => {
    const model = sequential(engine, mnistCnn(), { inputShape: { rows: 28, cols: 28 } });
    expect(model.inputShape).toEqual([1, 28, 28]);
    expect(model.outputSize).toBe(10);
    expect(model.parameters().map((p) => [p.name, p.shape])).toEqual([
      ['0.weight', [16, 1, 5, 5]], ['0.bias', [16]], ['3.weight', [32, 16, 5, 5]], ['3.bias', [32]],
      ['7.weight', [128, 1568]], ['7.bias', [128]], ['9.weight', [10, 128]], ['9.bias', [10]],
    ]);
    expect(JSON.parse(JSON.stringify(model.layers))).toEqual(model.layers);
    model.dispose();
    const mlp = sequential(engine, [flatten(), linear(784, 10)], { inputShape: { rows: 28, cols: 28 } });
    expect(mlp.inputShape).toEqual([784]);
  });

  it('conv weights start as nn.Conv2d\'s (U(±1/√fanIn), fanIn = in·k·k) by default', () => {
    const model = sequential(engine, [conv2d(3, 8, 3), flatten(), linear(8 * 4 * 4, 2)], { inputShape: [3, 6, 6] });
    const [weight, bias] = model.parameters();
    const bound = 1 / Math.sqrt(27);
    for (const p of [weight!, bias!]) {
      expect(Math.max(...p.data.map(Math.abs))).toBeLessThanOrEqual(bound);
      expect(Math.max(...p.data.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    }
  });
});

// The README's "In PyTorch" section, against real PyTorch (test/pytorch/checkpoint_interop.py under the system
// Python). heavyball → PyTorch: checkpoints load strictly into the nn.Sequential their architecture describes
// (dropout counting in the indices), give the same logits up to float32 summation order, and their SGD
// momentum buffers and Adam moments, put into torch.optim as the README says, take the same next step as
// heavyball resumed from the file, bit for bit. PyTorch → heavyball: an nn.Sequential's state dict saved as
// safetensors loads with the same logits; an F64 tensor or nn.Sequential's names missing are refused.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Adam, CheckpointFormatError, createEngine, dropout, type LayerSpec, linear, loadCheckpoint, Random, relu,
  SGD, type Sequential, saveCheckpoint, sequential,
} from '../src/index.js';
import { fromBits, runTorch, toBits } from './helpers/torch.js';

// The standard build: no FMA, each float32 operation rounded as written, as ATen's portable kernels do.
const engine = await createEngine({ backend: 'wasm', simd: 'standard' });
const random = new Random(11);
const uniform = (n: number) => Float32Array.from({ length: n }, () => 2 * random.next() - 1);
const ROWS = 8;
const x = uniform(ROWS * 20);
const labels = Uint8Array.from({ length: ROWS }, () => random.int(3));
const dir = mkdtempSync(join(tmpdir(), 'heavyball-pytorch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plain = [linear(20, 16), relu(), linear(16, 3)];
const sgd = (m: Sequential) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 5e-4 });
const cases: { name: string; layers: LayerSpec[]; optimizer: (m: Sequential) => SGD | Adam; steps: number }[] = [
  { name: 'SGD with momentum, dampening and weight decay', layers: plain, optimizer: sgd, steps: 5 },
  // momentumBufferStarted is false: torch.optim must start its buffer from the gradient, not the file's zeros.
  { name: 'SGD before its first step', layers: plain, optimizer: sgd, steps: 0 },
  {
    name: 'Adam with AMSGrad and weight decay, dropout before the last layer',
    layers: [linear(20, 16), relu(), dropout(0.25), linear(16, 3)],
    optimizer: (m) => new Adam(m.parameters(), { lr: 3e-3, weightDecay: 1e-3, amsgrad: true }),
    steps: 5,
  },
];

/** Trains, saves, and (from the file, in a fresh model and optimizer) takes one step on given gradients. */
const saved = cases.map((c, i) => {
  const model = sequential(engine, c.layers, { seed: i + 1 });
  const optimizer = c.optimizer(model);
  model.loadBatch(x, labels, ROWS);
  for (let t = 0; t < c.steps; t++) {
    optimizer.zeroGrad();
    model.lossAndBackward(ROWS);
    optimizer.step();
  }
  const file = join(dir, `heavyball-${i}.safetensors`);
  const bytes = saveCheckpoint({ model, optimizer });
  writeFileSync(file, bytes);
  const logits = model.eval().forward(x);
  const grad = Object.fromEntries(model.parameters().map((p) => [p.name, uniform(p.size)]));

  const resumed = sequential(engine, c.layers, { seed: 100 + i });
  const resumedOptimizer = c.optimizer(resumed);
  loadCheckpoint(bytes, { model: resumed, optimizer: resumedOptimizer });
  resumedOptimizer.zeroGrad();
  for (const p of resumed.parameters()) p.grad.set(grad[p.name]!);
  resumedOptimizer.step();
  const stepped = Object.fromEntries(resumed.parameters().map((p) => [p.name, Float32Array.from(p.data)]));
  return { model, kind: optimizer.kind, file, logits, grad, stepped };
});

interface FromHeavyball {
  step: string;
  layers: unknown[];
  stateDictKeys: string[];
  missingKeys: string[];
  unexpectedKeys: string[];
  logits: number[];
  transposed: number[];
  magnitude: number[];
  stepped: Record<string, number[]>;
  classSteps?: number[];
}
interface FromTorch {
  files: { f32: string; f64: string; named: string };
  logits: number[];
  magnitude: number[];
}

let result: { heavyball: FromHeavyball[]; torch: FromTorch };
beforeAll(() => {
  result = runTorch('checkpoint_interop.py', {
    dir,
    x: toBits(x),
    heavyball: saved.map(({ file, grad }) => ({ file, grad: Object.fromEntries(Object.entries(grad).map(([k, g]) => [k, toBits(g)])) })),
    torch: { seed: 3 },
  }) as typeof result;
});

/**
 * The largest |a − b| / M over the outputs, M (from Python, float64) being the network run on |x| with |W|
 * and |b|, which bounds every partial sum. A float32 sum of n terms in any order is within n·2⁻²⁴·Σ|terms|
 * of the exact one, so each side's logits are within (21 + 17)·2⁻²⁴·M ≈ 2.3e-6·M (20 products and a bias,
 * then 16 and a bias; ReLU and eval dropout are 1-Lipschitz and exact), and the two sides within ≈ 4.5e-6·M.
 * TOLERANCE = 1e-5 leaves a factor 2; a layout error is off by a sizeable fraction of M.
 */
const TOLERANCE = 1e-5;
function worst(a: Float32Array, b: Float32Array, magnitude: readonly number[]): number {
  expect(a.length).toBe(magnitude.length);
  expect(b.length).toBe(magnitude.length);
  return Math.max(...magnitude.map((m, i) => Math.abs(a[i]! - b[i]!) / m));
}

describe.each(cases.map((c, i) => [c.name, i] as const))('heavyball → PyTorch: %s', (_, i) => {
  const c = cases[i]!;
  const { model, kind, logits, stepped } = saved[i]!;
  const names = model.parameters().map((p) => p.name);
  const torch = () => result.heavyball[i]!;

  it('loads strictly into the nn.Sequential its architecture describes, and with strict=False skips the optimizer.* tensors', () => {
    expect(torch().step).toBe(String(c.steps));
    expect(torch().layers).toEqual(model.layers);
    expect(torch().stateDictKeys).toEqual(names);
    expect(torch().missingKeys).toEqual([]);
    expect(torch().unexpectedKeys.length).toBeGreaterThan(0);
    expect(torch().unexpectedKeys.every((k) => k.startsWith('optimizer.'))).toBe(true);
  });

  it('gives the logits heavyball gives, up to float32 summation order; a transposed weight would not', () => {
    expect(worst(logits, fromBits(torch().logits), torch().magnitude)).toBeLessThan(TOLERANCE);
    expect(worst(logits, fromBits(torch().transposed), torch().magnitude)).toBeGreaterThan(100 * TOLERANCE);
  });

  it("continues in torch.optim with heavyball's next step, bit for bit", () => {
    for (const name of names) expect(torch().stepped[name], name).toEqual(toBits(stepped[name]!));
    // 1.13's own Adam class takes the README's state too (its step must be a tensor) and counts on from it.
    if (kind === 'Adam') expect(torch().classSteps).toEqual([c.steps + 1]);
  });
});

describe('PyTorch → heavyball', () => {
  const model = sequential(engine, plain, { seed: 5 });
  const bytes = (kind: keyof FromTorch['files']) => readFileSync(result.torch.files[kind]);
  const refusal = (kind: keyof FromTorch['files'], withOptimizer = false) => {
    const before = model.parameters().map((p) => Float32Array.from(p.data));
    let error: unknown;
    try {
      loadCheckpoint(bytes(kind), withOptimizer ? { model, optimizer: sgd(model) } : { model });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CheckpointFormatError);
    model.parameters().forEach((p, k) => expect(p.data).toEqual(before[k])); // nothing loaded
    return error as CheckpointFormatError;
  };

  it("an nn.Sequential's state dict loads, weights only, and gives PyTorch's logits", () => {
    const loaded = loadCheckpoint(bytes('f32'), { model });
    expect(loaded.step).toBe(0);
    const ours = model.eval().forward(x);
    expect(worst(ours, fromBits(result.torch.logits), result.torch.magnitude)).toBeLessThan(TOLERANCE);
  });

  it('refuses an F64 tensor, a named-submodule state dict, and a request for optimizer state, naming the tensor', () => {
    const f64 = refusal('f64');
    expect(f64.tensor).toBe('2.bias');
    expect(f64.message).toMatch(/F64.*F32/);
    expect(refusal('named').tensor).toBe('0.weight');
    expect(refusal('f32', true).message).toMatch(/no optimizer state/);
  });
});

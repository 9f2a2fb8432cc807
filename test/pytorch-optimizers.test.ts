// heavyball's SGD, RMSprop, Adam and AdamW against real PyTorch, bit for bit: the same float32
// parameters and gradients go through heavyball (js and wasm backends) and through
// test/pytorch/optimizer_reference.py, and the parameters after every step and the final state tensors
// must have the same bit patterns. PyTorch runs with ATEN_CPU_CAPABILITY=default: its portable kernels
// round every operation to float32 as written, as heavyball's standard build does, whereas its AVX2
// kernels fuse add(alpha), lerp and addcmul into FMAs. SGD and non-centered RMSprop are torch.optim's
// classes; Adam, AdamW and centered RMSprop are PyTorch 2.x's single-tensor code (lerp_ for the running
// averages) transcribed in the script, since the installed torch 1.13 still used mul_().add_() there.
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Parameter } from '../src/engine/index.js';
import { Adam, type AdamOptions, AdamW } from '../src/optim/adam.js';
import type { Optimizer } from '../src/optim/optimizer.js';
import { RMSprop, type RMSpropOptions } from '../src/optim/rmsprop.js';
import { SGD, type SGDOptions } from '../src/optim/sgd.js';
import { Random } from '../src/random.js';
import { fromBits, runTorch, toBits } from './helpers/torch.js';

/** lr and momentum (Adam: betas[0]) set before a step, as a schedule would. */
interface Change { lr?: number; momentum?: number }

type Case = {
  name: string;
  /** Two parameters; sizes that are not multiples of 4 run the SIMD body and the scalar tail. */
  sizes?: [number, number];
  steps?: number;
  /** Changes before step t (1-based). */
  schedule?: (t: number) => Change;
  /** Scale of the gradients at step t: changing it lets AMSGrad's running maximum exceed exp_avg_sq. */
  gradScale?: (t: number) => number;
} & ({ kind: 'SGD'; options: SGDOptions } | { kind: 'RMSprop'; options: RMSpropOptions }
  | { kind: 'Adam' | 'AdamW'; options: AdamOptions });

const amsgradScale = (t: number) => (t % 3 === 1 ? 4 : 0.25);

const cases: Case[] = [
  { kind: 'SGD', name: 'plain', options: { lr: 0.1 } },
  { kind: 'SGD', name: 'momentum 0.9', options: { lr: 0.05, momentum: 0.9 } },
  { kind: 'SGD', name: 'momentum with dampening 0.3', options: { lr: 0.05, momentum: 0.9, dampening: 0.3 }, sizes: [130, 39] },
  { kind: 'SGD', name: 'Nesterov', options: { lr: 0.05, momentum: 0.9, nesterov: true } },
  { kind: 'SGD', name: 'weight decay, maximize', options: { lr: 0.1, weightDecay: 0.01, maximize: true } },
  { kind: 'SGD', name: 'Nesterov, weight decay, maximize', options: { lr: 0.02, momentum: 0.8, nesterov: true, weightDecay: 0.05, maximize: true }, sizes: [6, 131] },
  { kind: 'SGD', name: 'momentum, dampening, weight decay', options: { lr: 0.03, momentum: 0.5, dampening: 0.3, weightDecay: 1e-3 } },
  {
    kind: 'SGD', name: 'lr and momentum changed every step', options: { lr: 0.1, momentum: 0.9, dampening: 0.3 }, steps: 8,
    schedule: (t) => ({ lr: 0.1 * 0.7 ** t, momentum: [0.9, 0.85, 0.8, 0.5, 0.95, 0.6, 0.7, 0.9][t - 1] }),
  },
  {
    // PyTorch's buffer is None until the first step with momentum, which clones the gradient (no dampening).
    kind: 'SGD', name: 'momentum switched on mid-run, off and on again', options: { lr: 0.05, dampening: 0.3 }, steps: 8,
    schedule: (t) => ({ momentum: [0, 0, 0.9, 0.9, 0, 0, 0.5, 0.5][t - 1] }),
  },
  { kind: 'RMSprop', name: 'defaults', options: {} },
  { kind: 'RMSprop', name: 'momentum 0.9', options: { lr: 0.01, momentum: 0.9 } },
  { kind: 'RMSprop', name: 'weight decay, maximize, alpha 0.9', options: { lr: 0.05, alpha: 0.9, weightDecay: 0.1, maximize: true }, sizes: [130, 39] },
  { kind: 'RMSprop', name: 'momentum, weight decay, maximize, eps 1e-3', options: { lr: 0.02, momentum: 0.5, weightDecay: 0.05, maximize: true, eps: 1e-3 } },
  {
    // PyTorch creates the buffer at the first step only if momentum > 0 then; switching it on later is a KeyError.
    kind: 'RMSprop', name: 'lr and momentum changed, momentum off and on again', options: { lr: 0.01, momentum: 0.9 }, steps: 7,
    schedule: (t) => ({ lr: t >= 4 ? 0.004 : 0.01, momentum: [0.9, 0.9, 0.5, 0, 0, 0.5, 0.9][t - 1] }),
  },
  { kind: 'RMSprop', name: 'centered', options: { centered: true } },
  { kind: 'RMSprop', name: 'centered, momentum, alpha 0.9', options: { centered: true, momentum: 0.9, alpha: 0.9 }, sizes: [6, 131] },
  // 1 − alpha = 0.7 ≥ 0.5 takes lerp's other formula, end − (1 − w)·(end − start).
  { kind: 'RMSprop', name: 'centered, alpha 0.3', options: { centered: true, alpha: 0.3, lr: 0.005 } },
  {
    kind: 'RMSprop', name: 'centered, weight decay, maximize, lr changed', options: { centered: true, weightDecay: 0.1, maximize: true, momentum: 0.3 },
    steps: 8, schedule: (t) => ({ lr: 0.01 / t }),
  },
  { kind: 'Adam', name: 'defaults', options: {} },
  { kind: 'Adam', name: 'lr 0.1, AMSGrad, betas [0.9, 0.5]', options: { lr: 0.1, betas: [0.9, 0.5], amsgrad: true }, steps: 8, gradScale: amsgradScale },
  { kind: 'Adam', name: 'L2 weight decay, maximize, eps 0.1, betas [0.8, 0.999]', options: { lr: 0.1, weightDecay: 0.1, maximize: true, eps: 0.1, betas: [0.8, 0.999] }, sizes: [130, 39] },
  // 1 − beta1 = 0.7 ≥ 0.5 takes lerp's other formula.
  { kind: 'Adam', name: 'betas [0.3, 0.9]', options: { lr: 0.01, betas: [0.3, 0.9] } },
  { kind: 'Adam', name: 'AMSGrad, weight decay, maximize', options: { lr: 0.05, amsgrad: true, weightDecay: 0.05, maximize: true, betas: [0.9, 0.6] }, sizes: [6, 131], gradScale: amsgradScale },
  {
    kind: 'Adam', name: 'lr and betas[0] changed (bias correction from the current beta1)', options: { lr: 0.1 }, steps: 8,
    schedule: (t) => ({ lr: 0.1 / t, momentum: [0.9, 0.9, 0.8, 0.8, 0.3, 0.6, 0.95, 0.9][t - 1] }),
  },
  { kind: 'AdamW', name: 'defaults but lr (weight decay 1e-2)', options: { lr: 0.01 } },
  { kind: 'AdamW', name: 'AMSGrad, weight decay 0.5, betas [0.9, 0.5]', options: { lr: 0.1, betas: [0.9, 0.5], weightDecay: 0.5, amsgrad: true }, steps: 8, gradScale: amsgradScale },
  {
    kind: 'AdamW', name: 'maximize, betas [0.4, 0.99], lr changed', options: { lr: 0.05, betas: [0.4, 0.99], weightDecay: 0.1, maximize: true },
    sizes: [130, 39], schedule: (t) => ({ lr: t >= 3 ? 0.02 : 0.05 }),
  },
];

// --------------------------------------------------------------------------------- the cases' data

interface Data { params: Float32Array[]; grads: Float32Array[][]; changes: Change[] }

function dataOf(c: Case, seed: number): Data {
  const rng = new Random(seed);
  const sizes = c.sizes ?? [37, 129];
  const normals = (n: number, scale = 1) => Float32Array.from({ length: n }, () => scale * rng.normal());
  const steps = Array.from({ length: c.steps ?? 6 }, (_, i) => i + 1);
  return {
    params: sizes.map((n) => normals(n)),
    grads: steps.map((t) => sizes.map((n) => normals(n, c.gradScale?.(t) ?? 1))),
    changes: steps.map((t) => c.schedule?.(t) ?? {}),
  };
}

const data = cases.map((c, i) => dataOf(c, 1000 + i));

/** heavyball's camelCase options as torch's keyword arguments (weightDecay → weight_decay). */
const torchOptions = (options: object) =>
  Object.fromEntries(Object.entries(options).map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`), v]));

interface TorchResult {
  /** Bit patterns of each parameter after each step. */
  trajectory: number[][][];
  /** Bit patterns of each of torch's state tensors, per parameter. */
  state: Record<string, number[][]>;
}

let torch: TorchResult[];

beforeAll(() => {
  torch = runTorch('optimizer_reference.py', cases.map((c, i) => ({
    optimizer: c.kind,
    options: torchOptions(c.options),
    params: data[i].params.map(toBits),
    steps: data[i].grads.map((g, t) => ({ grads: g.map(toBits), ...data[i].changes[t] })),
  }))) as TorchResult[];
});

// ---------------------------------------------------------------------------------------- heavyball

function optimizerOf(c: Case, params: Parameter[]): Optimizer {
  switch (c.kind) {
    case 'SGD': return new SGD(params, c.options);
    case 'RMSprop': return new RMSprop(params, c.options);
    case 'Adam': return new Adam(params, c.options);
    case 'AdamW': return new AdamW(params, c.options);
  }
}

async function runHeavyball(c: Case, d: Data, backend: 'js' | 'wasm') {
  const engine = await createEngine(backend === 'js' ? { backend } : { backend, simd: 'standard' });
  expect([engine.backend, engine.simd]).toEqual(backend === 'js' ? ['js', 'none'] : ['wasm', 'standard']);
  const params = d.params.map((values) => engine.parameter(values));
  const opt = optimizerOf(c, params);
  const trajectory = d.grads.map((grads, t) => {
    const { lr, momentum } = d.changes[t];
    if (lr !== undefined) opt.lr = lr;
    if (momentum !== undefined) opt.momentum = momentum;
    params.forEach((p, i) => p.grad.set(grads[i]));
    opt.step();
    return params.flatMap((p) => [...p.data]);
  });
  const buffers = opt.state().buffers;
  engine.dispose();
  return { trajectory, buffers };
}

/** Equal bit patterns; the message names the first element that differs. */
function expectBits(actual: ArrayLike<number>, expected: number[], what: string): void {
  const bits = toBits(actual);
  const i = bits.findIndex((b, k) => b !== expected[k]);
  const hex = (b: number) => `0x${b.toString(16).padStart(8, '0')}`;
  const message = i < 0 ? `${what}: ${bits.length} vs ${expected.length} floats`
    : `${what}[${i}]: heavyball ${fromBits([bits[i]])[0]} (${hex(bits[i])}), torch ${fromBits([expected[i]])[0]} (${hex(expected[i])})`;
  expect(bits, message).toEqual(expected);
}

describe.each(['js', 'wasm'] as const)('heavyball (%s) against PyTorch, bit for bit', (backend) => {
  it.each(cases.map((c, i) => [`${c.kind}: ${c.name}`, i] as const))('%s', async (_, i) => {
    const c = cases[i];
    const expected = torch[i];
    const actual = await runHeavyball(c, data[i], backend);
    expected.trajectory.forEach((params, t) => expectBits(actual.trajectory[t], params.flat(), `params after step ${t + 1}`));
    for (const [name, values] of Object.entries(expected.state)) {
      expect(actual.buffers, `heavyball has no ${name}`).toHaveProperty(name);
      expectBits(actual.buffers[name], values.flat(), name);
    }
    // heavyball keeps a momentum buffer torch creates only once momentum is used: it must still be zero.
    for (const [name, values] of Object.entries(actual.buffers)) {
      if (!(name in expected.state)) expect(values.every((x) => x === 0), `${name} (torch has none)`).toBe(true);
    }
    const { exp_avg_sq: v, max_exp_avg_sq: vmax } = expected.state;
    if (vmax) expect(vmax.flat().some((b, k) => b !== v.flat()[k]), 'AMSGrad\'s maximum matters').toBe(true);
  });
});

// Optimizer trajectories against PyTorch's documented algorithms (torch.optim docs, "Algorithm"
// boxes), written out per element in float64 below. The optimizers run in float32, so they differ by
// rounding only: each step is about ten float32 operations on values of order 1 (relative error
// 2^-24 ≈ 6e-8 each) and six steps accumulate at most ~60 of them, ≈ 4e-6; TOL = 1e-5 bounds that
// with margin while any algorithmic slip (a missing bias correction, a wrong sign) is off by > 1e-3.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/index.js';
import type { Parameter } from '../src/engine/parameter.js';
import { Adam, AdamW } from '../src/optim/adam.js';
import type { Optimizer } from '../src/optim/optimizer.js';
import { RMSprop } from '../src/optim/rmsprop.js';
import { SGD } from '../src/optim/sgd.js';

const TOL = 1e-5;
const STEPS = 6;
const P0 = [0.5, -1.2, 2.0, 0.3, -0.7, 1.1, -0.05, 0.9, -1.6];
/** The gradient at step t (1-based) depends on the parameters, so weight decay and maximize matter. */
const gradAt = (p: readonly number[], t: number) => p.map((x, i) => 0.3 * x + 0.7 * Math.sin(1 + i + 2 * t));

type Vec = number[];
const zeros = () => P0.map(() => 0);

// ------------------------------------------------------------------------------ float64 references

interface SGDHyper { lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number;
  maximize: boolean }

function sgdReference(steps: number, at: (t: number) => SGDHyper) {
  const p = [...P0];
  let buf: Vec | undefined;
  const trajectory: Vec[] = [];
  for (let t = 1; t <= steps; t++) {
    const h = at(t);
    const raw = gradAt(p, t);
    const first = h.momentum !== 0 && !buf; // PyTorch's buffer is None until then
    if (first) buf = zeros();
    for (let i = 0; i < p.length; i++) {
      let g = h.maximize ? -raw[i] : raw[i];
      if (h.weightDecay !== 0) g += h.weightDecay * p[i];
      if (buf && h.momentum !== 0) {
        buf[i] = first ? g : h.momentum * buf[i] + (1 - h.dampening) * g;
        g = h.nesterov ? g + h.momentum * buf[i] : buf[i];
      }
      p[i] -= h.lr * g;
    }
    trajectory.push([...p]);
  }
  return { trajectory, buffers: { momentum_buffer: buf ?? zeros() } };
}

interface AdamHyper { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; amsgrad: boolean;
  maximize: boolean; decoupled: boolean }

function adamReference(steps: number, at: (t: number) => AdamHyper) {
  const p = [...P0], m = zeros(), v = zeros(), vmax = zeros();
  const trajectory: Vec[] = [];
  for (let t = 1; t <= steps; t++) {
    const h = at(t);
    const raw = gradAt(p, t);
    for (let i = 0; i < p.length; i++) {
      let g = h.maximize ? -raw[i] : raw[i];
      if (h.decoupled) p[i] -= h.lr * h.weightDecay * p[i];
      else if (h.weightDecay !== 0) g += h.weightDecay * p[i];
      m[i] = h.beta1 * m[i] + (1 - h.beta1) * g;
      v[i] = h.beta2 * v[i] + (1 - h.beta2) * g * g;
      const mHat = m[i] / (1 - h.beta1 ** t);
      vmax[i] = Math.max(vmax[i], v[i]);
      const vHat = (h.amsgrad ? vmax[i] : v[i]) / (1 - h.beta2 ** t);
      p[i] -= (h.lr * mHat) / (Math.sqrt(vHat) + h.eps);
    }
    trajectory.push([...p]);
  }
  const buffers: Record<string, Vec> = { exp_avg: m, exp_avg_sq: v };
  if (at(1).amsgrad) buffers.max_exp_avg_sq = vmax;
  return { trajectory, buffers };
}

interface RMSpropHyper { lr: number; alpha: number; eps: number; weightDecay: number; momentum: number;
  centered: boolean; maximize: boolean }

function rmspropReference(steps: number, at: (t: number) => RMSpropHyper) {
  const p = [...P0], sq = zeros(), buf = zeros(), gavg = zeros();
  const trajectory: Vec[] = [];
  for (let t = 1; t <= steps; t++) {
    const h = at(t);
    const raw = gradAt(p, t);
    for (let i = 0; i < p.length; i++) {
      let g = h.maximize ? -raw[i] : raw[i];
      if (h.weightDecay !== 0) g += h.weightDecay * p[i];
      sq[i] = h.alpha * sq[i] + (1 - h.alpha) * g * g;
      let vTilde = sq[i];
      if (h.centered) {
        gavg[i] = h.alpha * gavg[i] + (1 - h.alpha) * g;
        vTilde -= gavg[i] * gavg[i];
      }
      if (h.momentum > 0) {
        buf[i] = h.momentum * buf[i] + g / (Math.sqrt(vTilde) + h.eps);
        p[i] -= h.lr * buf[i];
      } else {
        p[i] -= (h.lr * g) / (Math.sqrt(vTilde) + h.eps);
      }
    }
    trajectory.push([...p]);
  }
  const buffers: Record<string, Vec> = { square_avg: sq, momentum_buffer: buf };
  if (at(1).centered) buffers.grad_avg = gavg;
  return { trajectory, buffers };
}

// ---------------------------------------------------------------------------------------- harness

/** Two parameters (7 floats: a SIMD body and a tail; 2 floats: a tail only), not adjacent in memory. */
async function parameters(backend: 'js' | 'wasm'): Promise<Parameter[]> {
  const engine = await createEngine({ backend });
  return [engine.parameter(P0.slice(0, 7)), engine.parameter(P0.slice(7), [2, 1])];
}

const valuesOf = (params: readonly Parameter[]) => params.flatMap((p) => [...p.data]);

/** Steps `opt`, setting every gradient from gradAt first; `before(t)` may change hyperparameters. */
function run(opt: Optimizer, steps: number, before?: (t: number) => void): Vec[] {
  const trajectory: Vec[] = [];
  for (let t = 1; t <= steps; t++) {
    before?.(t);
    const g = gradAt(valuesOf(opt.params), t);
    let offset = 0;
    for (const p of opt.params) {
      p.grad.set(g.slice(offset, offset + p.size));
      offset += p.size;
    }
    opt.step();
    trajectory.push(valuesOf(opt.params));
  }
  return trajectory;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const off: string[] = [];
  for (let i = 0; i < expected.length; i++) {
    if (!(Math.abs(actual[i] - expected[i]) <= TOL * Math.max(1, Math.abs(expected[i])))) {
      off.push(`${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
    }
  }
  expect(off).toEqual([]);
}

function expectTrajectory(opt: Optimizer, actual: Vec[], expected: { trajectory: Vec[]; buffers: Record<string, Vec> }) {
  expected.trajectory.forEach((p, t) => expectClose(actual[t], p, `params after step ${t + 1}`));
  const { buffers } = opt.state();
  expect(Object.keys(buffers).sort()).toEqual(Object.keys(expected.buffers).sort());
  for (const [name, values] of Object.entries(expected.buffers)) expectClose(buffers[name], values, name);
}

// ------------------------------------------------------------------------------------------ tests

const backends = ['js', 'wasm'] as const;

describe.each(backends)('SGD trajectory (%s)', (backend) => {
  const base: SGDHyper = { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false };
  it.each([
    ['plain', {}],
    ['momentum', { momentum: 0.9 }],
    ['momentum with dampening', { momentum: 0.9, dampening: 0.5 }],
    ['Nesterov with weight decay', { momentum: 0.9, nesterov: true, weightDecay: 0.1 }],
    ['weight decay, maximize', { weightDecay: 0.05, maximize: true }],
    ['momentum, dampening, weight decay, maximize', { momentum: 0.8, dampening: 0.1, weightDecay: 0.2, maximize: true }],
  ] as [string, Partial<SGDHyper>][])('%s', async (_, options) => {
    const h = { ...base, ...options };
    const opt = new SGD(await parameters(backend), { lr: 0.1, ...options });
    expectTrajectory(opt, run(opt, STEPS), sgdReference(STEPS, () => h));
  });

  // With dampening the buffer's first step (raw gradient) differs from a zero buffer's (1 − dampening)·g.
  it('takes lr and momentum changes between steps; the buffer starts with the first momentum step', async () => {
    const at = (t: number): SGDHyper => ({ ...base, dampening: 0.5, lr: t >= 4 ? 0.05 : 0.1, momentum: t >= 3 ? 0.9 : 0 });
    const opt = new SGD(await parameters(backend), { lr: 0.1, dampening: 0.5 });
    const actual = run(opt, STEPS, (t) => {
      opt.lr = at(t).lr;
      opt.momentum = at(t).momentum;
    });
    expectTrajectory(opt, actual, sgdReference(STEPS, at));
    expect(opt.lr).toBe(0.05);
    expect(opt.momentum).toBe(0.9);
  });
});

describe.each(backends)('Adam and AdamW trajectories (%s)', (backend) => {
  const base: AdamHyper = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false,
    maximize: false, decoupled: false };

  it('Adam with the defaults but lr', async () => {
    const opt = new Adam(await parameters(backend), { lr: 0.1 });
    expectTrajectory(opt, run(opt, STEPS), adamReference(STEPS, () => base));
  });

  it('Adam with AMSGrad (the running max matters: v falls below its maximum)', async () => {
    const h = { ...base, beta2: 0.5, amsgrad: true };
    const expected = adamReference(STEPS, () => h);
    expect(expected.buffers.max_exp_avg_sq.some((x, i) => x > expected.buffers.exp_avg_sq[i] * 1.01)).toBe(true);
    const opt = new Adam(await parameters(backend), { lr: 0.1, betas: [0.9, 0.5], amsgrad: true });
    expectTrajectory(opt, run(opt, STEPS), expected);
  });

  it('Adam with L2 weight decay, maximize and a large eps', async () => {
    const h = { ...base, weightDecay: 0.1, maximize: true, eps: 0.1, beta1: 0.8 };
    const opt = new Adam(await parameters(backend), { lr: 0.1, weightDecay: 0.1, maximize: true, eps: 0.1, betas: [0.8, 0.999] });
    expectTrajectory(opt, run(opt, STEPS), adamReference(STEPS, () => h));
  });

  it('AdamW: decoupled weight decay, 1e-2 by default', async () => {
    const opt = new AdamW(await parameters(backend), { lr: 0.1 });
    expectTrajectory(opt, run(opt, STEPS), adamReference(STEPS, () => ({ ...base, weightDecay: 1e-2, decoupled: true })));
  });

  it('AdamW with AMSGrad and a strong decay', async () => {
    const h = { ...base, beta2: 0.5, weightDecay: 0.5, decoupled: true, amsgrad: true };
    const opt = new AdamW(await parameters(backend), { lr: 0.1, betas: [0.9, 0.5], weightDecay: 0.5, amsgrad: true });
    expectTrajectory(opt, run(opt, STEPS), adamReference(STEPS, () => h));
  });

  it('takes lr and betas[0] (as momentum) changes; bias correction uses the current beta1', async () => {
    const at = (t: number): AdamHyper => ({ ...base, lr: t >= 5 ? 0.02 : 0.1, beta1: t >= 3 ? 0.8 : 0.9 });
    const opt = new Adam(await parameters(backend), { lr: 0.1 });
    const actual = run(opt, STEPS, (t) => {
      opt.lr = at(t).lr;
      opt.momentum = at(t).beta1;
    });
    expectTrajectory(opt, actual, adamReference(STEPS, at));
    expect(opt.state().groups[0].hyperparameters.betas).toEqual([0.8, 0.999]);
  });
});

describe.each(backends)('RMSprop trajectory (%s)', (backend) => {
  const base: RMSpropHyper = { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false,
    maximize: false };
  it.each([
    ['defaults', {}],
    ['momentum', { momentum: 0.9 }],
    ['centered', { centered: true }],
    ['centered with momentum', { centered: true, momentum: 0.9, alpha: 0.9 }],
    ['weight decay, maximize, lr 0.05', { weightDecay: 0.1, maximize: true, lr: 0.05 }],
  ] as [string, Partial<RMSpropHyper>][])('%s', async (_, options) => {
    const opt = new RMSprop(await parameters(backend), options);
    expectTrajectory(opt, run(opt, STEPS), rmspropReference(STEPS, () => ({ ...base, ...options })));
  });

  it('takes lr and momentum changes (momentum switched on mid-run starts from a zero buffer)', async () => {
    const at = (t: number): RMSpropHyper => ({ ...base, centered: true, lr: t >= 5 ? 0.005 : 0.01, momentum: t >= 3 ? 0.5 : 0 });
    const opt = new RMSprop(await parameters(backend), { centered: true });
    const actual = run(opt, STEPS, (t) => {
      opt.lr = at(t).lr;
      opt.momentum = at(t).momentum;
    });
    expectTrajectory(opt, actual, rmspropReference(STEPS, at));
  });
});

// state() / loadState(): a run interrupted and resumed in a fresh engine continues bit for bit.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/index.js';
import type { Parameter } from '../src/engine/parameter.js';
import { Adam, AdamW } from '../src/optim/adam.js';
import type { Optimizer } from '../src/optim/optimizer.js';
import { RMSprop } from '../src/optim/rmsprop.js';
import { SGD } from '../src/optim/sgd.js';

const backends = ['js', 'wasm'] as const;
const P0 = [0.4, -1.1, 1.7, 0.2, -0.6, 0.8, -0.3];

async function parameters(backend: 'js' | 'wasm'): Promise<Parameter[]> {
  const engine = await createEngine({ backend });
  return [engine.parameter(P0.slice(0, 5)), engine.parameter(P0.slice(5))];
}

/** Steps t = from … to (1-based), with a gradient depending on the parameters and on t. */
function run(opt: Optimizer, from: number, to: number): void {
  for (let t = from; t <= to; t++) {
    if (t === 3) opt.lr *= 0.5; // a hyperparameter changed mid-run must round-trip too
    for (const p of opt.params) p.grad.forEach((_, i) => (p.grad[i] = Math.sin(3 * p.data[i] + t + i)));
    opt.step();
  }
}

const makers: [string, (ps: Parameter[]) => Optimizer][] = [
  ['SGD (dampening: the first-step rule must survive)', (ps) => new SGD(ps, { lr: 0.1, momentum: 0.9, dampening: 0.3 })],
  ['SGD Nesterov in two groups', (ps) => new SGD([{ params: [ps[0]] }, { params: [ps[1]], weightDecay: 0 }],
    { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 })],
  ['Adam with AMSGrad', (ps) => new Adam(ps, { lr: 0.05, betas: [0.9, 0.5], amsgrad: true })],
  ['AdamW', (ps) => new AdamW(ps, { lr: 0.05 })],
  ['RMSprop centered with momentum', (ps) => new RMSprop(ps, { centered: true, momentum: 0.9 })],
];

describe.each(backends)('state() and loadState() (%s)', (backend) => {
  it.each(makers)('%s: resumes bit-identically in a fresh engine', async (_, make) => {
    const straight = make(await parameters(backend));
    run(straight, 1, 6);

    const first = make(await parameters(backend));
    run(first, 1, 3);
    const saved = first.state();
    const resumed = make(await parameters(backend));
    resumed.params.forEach((p, i) => p.data.set(first.params[i].data)); // the model's own checkpoint
    resumed.loadState(saved);
    expect(resumed.lr).toBe(first.lr);
    expect(resumed.state()).toEqual(saved);
    run(resumed, 4, 6);

    resumed.params.forEach((p, i) => expect(p.data).toEqual(straight.params[i].data));
    expect(resumed.state()).toEqual(straight.state());
  });

  it('returns copies and copies what it loads', async () => {
    const opt = new Adam(await parameters(backend));
    run(opt, 1, 2);
    const saved = opt.state();
    const expAvg = saved.buffers.exp_avg[0];
    saved.buffers.exp_avg[0] = 123;
    (saved.groups[0].hyperparameters.betas as number[])[0] = 0.5;
    expect(opt.state().buffers.exp_avg[0]).toBe(expAvg);
    expect(opt.momentum).toBe(0.9);
    opt.loadState(saved);
    saved.buffers.exp_avg[0] = 7;
    expect(opt.state().buffers.exp_avg[0]).toBe(123);
    expect(opt.momentum).toBe(0.5);
  });
});

describe('loadState() refuses what does not fit, and then changes nothing', () => {
  async function setup() {
    const ps = await parameters('js');
    const opt = new Adam(ps, { amsgrad: true });
    run(opt, 1, 2);
    return { ps, opt, saved: opt.state() };
  }

  it.each([
    ['another kind', (s: ReturnType<Adam['state']>) => ({ ...s, kind: 'AdamW' }), TypeError, /AdamW state into Adam/],
    ['a negative step', (s) => ({ ...s, step: -1 }), RangeError, /state.step must be an integer ≥ 0/],
    ['another group count', (s) => ({ ...s, groups: [s.groups[0], s.groups[0]] }), RangeError, /2 param groups.*has 1/],
    ['another size', (s) => ({ ...s, groups: [{ ...s.groups[0], size: 8 }] }), RangeError, /holds 8 floats in the state, 7 here/],
    ['a bad hyperparameter', (s) => ({ ...s, groups: [{ ...s.groups[0], hyperparameters: { ...s.groups[0].hyperparameters, eps: 0 } }] }),
      RangeError, /eps must be a finite number > 0/],
    ['a missing buffer', (s) => ({ ...s, buffers: { exp_avg: s.buffers.exp_avg, exp_avg_sq: s.buffers.exp_avg_sq } }),
      RangeError, /buffers \[exp_avg, exp_avg_sq\], this Adam has \[exp_avg, exp_avg_sq, max_exp_avg_sq\]/],
    ['a short buffer', (s) => ({ ...s, buffers: { ...s.buffers, exp_avg: new Float32Array(6) } }), RangeError,
      /exp_avg must be a Float32Array of 7 floats/],
    ['a Float64Array buffer', (s) => ({ ...s, buffers: { ...s.buffers, exp_avg: new Float64Array(7) } }), RangeError,
      /exp_avg must be a Float32Array/],
  ] as [string, (s: ReturnType<Adam['state']>) => unknown, ErrorConstructor, RegExp][])('%s', async (_, edit, type, message) => {
    const { opt, saved } = await setup();
    run(opt, 3, 3);
    const before = opt.state();
    const bad = edit(saved) as ReturnType<Adam['state']>;
    expect(() => opt.loadState(bad)).toThrow(type);
    expect(() => opt.loadState(bad)).toThrow(message);
    expect(opt.state()).toEqual(before);
  });

  it('a state that needs a buffer this optimizer lacks (AMSGrad into plain Adam)', async () => {
    const { ps, saved } = await setup();
    const plain = new Adam(ps);
    expect(() => plain.loadState(saved)).toThrow(/needs a max_exp_avg_sq buffer/);
  });

  it("SGD's momentumBufferStarted flag is checked", async () => {
    const opt = new SGD(await parameters('js'), { lr: 0.1, momentum: 0.9 });
    const saved = opt.state();
    expect(saved.groups[0].momentumBufferStarted).toBe(false);
    run(opt, 1, 1);
    expect(opt.state().groups[0].momentumBufferStarted).toBe(true);
    expect(() => opt.loadState({ ...saved, groups: [{ ...saved.groups[0], momentumBufferStarted: undefined }] }))
      .toThrow(/momentumBufferStarted must be true or false/);
    opt.loadState(saved);
    expect(opt.state()).toEqual(saved);
  });
});

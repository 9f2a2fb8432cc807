// heavyball's SGD, RMSprop, Adam and AdamW against real PyTorch, bit for bit: the float32 parameters and
// gradients of test/fixtures/pytorch/optimizers.json go through heavyball (js and wasm backends), and the
// parameters after every step and the final state tensors must have the bit patterns PyTorch gave
// (test/pytorch/optimizer_reference.py wrote them, and defines the cases). PyTorch ran with
// ATEN_CPU_CAPABILITY=default: its portable kernels round every operation to float32 as written, as
// heavyball's standard build does, whereas its AVX2 kernels fuse add(alpha), lerp and addcmul into FMAs.
// SGD and non-centered RMSprop are torch.optim's classes; Adam, AdamW and centered RMSprop are PyTorch
// 2.x's single-tensor code (lerp_ for the running averages) transcribed in the script, since the
// installed torch 1.13 still used mul_().add_() there.
import { describe, expect, it } from 'vitest';
import { createEngine, type Parameter } from '../src/engine/index.js';
import { Adam, type AdamOptions, AdamW } from '../src/optim/adam.js';
import type { Optimizer } from '../src/optim/optimizer.js';
import { RMSprop, type RMSpropOptions } from '../src/optim/rmsprop.js';
import { SGD, type SGDOptions } from '../src/optim/sgd.js';
import { f32, fromBits, readJsonFixture, toBits } from './helpers/torch.js';

/** lr and momentum (Adam: betas[0]) set before a step, as a schedule would. */
interface Change { lr?: number; momentum?: number }

/** A case of the fixture: heavyball's options, the inputs, and what PyTorch computed from them (base64 float32). */
type Case = {
  name: string;
  params: string[];
  steps: ({ grads: string[] } & Change)[];
  /** Each parameter after each step. */
  trajectory: string[][];
  /** Each of torch's state tensors, per parameter. */
  state: Record<string, string[]>;
} & ({ kind: 'SGD'; options: SGDOptions } | { kind: 'RMSprop'; options: RMSpropOptions }
  | { kind: 'Adam' | 'AdamW'; options: AdamOptions });

const cases = readJsonFixture<Case[]>('optimizers.json');

/** The cases the test is about, so that a fixture losing one fails here rather than passing with fewer. */
it('the fixture holds the 27 cases: SGD, RMSprop, Adam and AdamW with every option', () => {
  expect(cases.map((c) => c.kind)).toEqual([...Array(9).fill('SGD'), ...Array(9).fill('RMSprop'), ...Array(6).fill('Adam'), ...Array(3).fill('AdamW')]);
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

async function runHeavyball(c: Case, backend: 'js' | 'wasm') {
  const engine = await createEngine(backend === 'js' ? { backend } : { backend, simd: 'standard' });
  expect([engine.backend, engine.simd]).toEqual(backend === 'js' ? ['js', 'none'] : ['wasm', 'standard']);
  const params = c.params.map((values) => engine.parameter(f32(values)));
  const opt = optimizerOf(c, params);
  const trajectory = c.steps.map(({ grads, lr, momentum }) => {
    if (lr !== undefined) opt.lr = lr;
    if (momentum !== undefined) opt.momentum = momentum;
    params.forEach((p, i) => p.grad.set(f32(grads[i])));
    opt.step();
    return params.flatMap((p) => [...p.data]);
  });
  const buffers = opt.state().buffers;
  engine.dispose();
  return { trajectory, buffers };
}

/** The bit patterns of the parameters' values, one after the other. */
const concatBits = (perParam: string[]): number[] => perParam.flatMap((values) => toBits(f32(values)));

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
    const expected = { trajectory: c.trajectory.map(concatBits), state: Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, concatBits(v)])) };
    const actual = await runHeavyball(c, backend);
    expected.trajectory.forEach((params, t) => expectBits(actual.trajectory[t], params, `params after step ${t + 1}`));
    for (const [name, values] of Object.entries(expected.state)) {
      expect(actual.buffers, `heavyball has no ${name}`).toHaveProperty(name);
      expectBits(actual.buffers[name], values, name);
    }
    // heavyball keeps a momentum buffer torch creates only once momentum is used: it must still be zero.
    for (const [name, values] of Object.entries(actual.buffers)) {
      if (!(name in expected.state)) expect(values.every((x) => x === 0), `${name} (torch has none)`).toBe(true);
    }
    const { exp_avg_sq: v, max_exp_avg_sq: vmax } = expected.state;
    if (vmax) expect(vmax.some((b, k) => b !== v[k]), 'AMSGrad\'s maximum matters').toBe(true);
  });
});

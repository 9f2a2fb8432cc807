// Param groups, contiguous spans (one kernel call per span), zeroGrad and the no-allocation step.
import { describe, expect, it, vi } from 'vitest';
import { createEngine, type Engine } from '../src/engine/index.js';
import { Parameter } from '../src/engine/parameter.js';
import { Adam, AdamW } from '../src/optim/adam.js';
import type { Optimizer } from '../src/optim/optimizer.js';
import { decayGroups } from '../src/optim/param-groups.js';
import { RMSprop } from '../src/optim/rmsprop.js';
import { SGD } from '../src/optim/sgd.js';

const backends = ['js', 'wasm'] as const;

/** Parameters of `sizes` packed in one data block and one grad block, as a model lays them out. */
function packed(engine: Engine, sizes: number[], gap = 0): Parameter[] {
  const total = sizes.reduce((a, b) => a + b, 0) + 2 * gap;
  const data = engine.alloc(4 * total) + 4 * gap;
  const grad = engine.alloc(4 * total) + 4 * gap;
  let offset = 0;
  return sizes.map((n) => {
    const p = new Parameter(engine, data + 4 * offset, grad + 4 * offset, [n]);
    offset += n;
    return p;
  });
}

function fill(params: readonly Parameter[], seed: number): void {
  let k = seed;
  for (const p of params) {
    for (let i = 0; i < p.size; i++) {
      p.data[i] = Math.sin(k++);
      p.grad[i] = Math.cos(3 * k);
    }
  }
}

const stepWith = (opt: Optimizer, params: readonly Parameter[], steps: number) => {
  for (let t = 0; t < steps; t++) {
    params.forEach((p) => p.grad.forEach((_, i) => (p.grad[i] = Math.cos(p.data[i] * 3 + t))));
    opt.step();
  }
};

describe.each(backends)('contiguous spans (%s)', (backend) => {
  it.each([
    ['SGD', 'sgdStep', (ps: Parameter[]) => new SGD(ps, { lr: 0.1, momentum: 0.9 })],
    ['Adam', 'adamStep', (ps: Parameter[]) => new Adam(ps, { amsgrad: true })],
    ['RMSprop', 'rmspropStep', (ps: Parameter[]) => new RMSprop(ps, { centered: true, momentum: 0.5 })],
  ] as const)('%s updates adjacent parameters in one kernel call', async (_, kernel, make) => {
    const engine = await createEngine({ backend });
    const params = packed(engine, [12, 3, 5]);
    const opt = make(params);
    const spy = vi.spyOn(engine.kernels, kernel);
    opt.step();
    expect(spy).toHaveBeenCalledTimes(1);
    const [n, dataPtr, gradPtr] = spy.mock.calls[0] as unknown as number[];
    expect([n, dataPtr, gradPtr]).toEqual([20, params[0].dataPtr, params[0].gradPtr]);
  });

  it('calls once per run of adjacent parameters, and gives the same result as separate ones', async () => {
    const engine = await createEngine({ backend });
    const merged = packed(engine, [7, 2, 4]);
    const apart = [7, 2, 4].map((n) => engine.parameter(n));
    fill(merged, 1);
    fill(apart, 1);
    const a = new Adam(merged, { lr: 0.01, weightDecay: 0.1 });
    const b = new Adam(apart, { lr: 0.01, weightDecay: 0.1 });
    const spy = vi.spyOn(engine.kernels, 'adamStep');
    stepWith(a, merged, 1);
    expect(spy).toHaveBeenCalledTimes(1);
    stepWith(b, apart, 1);
    expect(spy).toHaveBeenCalledTimes(4);
    stepWith(a, merged, 4);
    stepWith(b, apart, 4);
    merged.forEach((p, i) => expect(p.data).toEqual(apart[i].data));
  });

  it('splits where data are adjacent but gradients are not, and at group boundaries', async () => {
    const engine = await createEngine({ backend });
    const [x, y] = packed(engine, [4, 4]);
    const swapped = [new Parameter(engine, x.dataPtr, y.gradPtr, [4]), new Parameter(engine, y.dataPtr, x.gradPtr, [4])];
    const spy = vi.spyOn(engine.kernels, 'sgdStep');
    new SGD(swapped, { lr: 0.1 }).step();
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockClear();
    new SGD([{ params: [x] }, { params: [y] }], { lr: 0.1 }).step();
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('allocates its state once: step() and zeroGrad() allocate nothing', async () => {
    const engine = await createEngine({ backend });
    const params = packed(engine, [100, 10]);
    const before = engine.bytesInUse;
    const opt = new Adam(params, { amsgrad: true });
    expect(engine.bytesInUse - before).toBe(3 * 112 * 4); // exp_avg, exp_avg_sq, max_exp_avg_sq (16-byte blocks)
    const inUse = engine.bytesInUse;
    const buffer = engine.buffer;
    for (let i = 0; i < 5; i++) {
      opt.zeroGrad();
      opt.step();
    }
    expect(engine.bytesInUse).toBe(inUse);
    expect(engine.buffer).toBe(buffer);
    opt.dispose();
    expect(engine.bytesInUse).toBe(before);
    expect(() => opt.step()).toThrow(/disposed/);
  });

  it('zeroGrad zeroes every gradient and nothing around them, across memory growth', async () => {
    const engine = await createEngine({ backend });
    const params = [...packed(engine, [5, 6], 1), engine.parameter([1, 2, 3])];
    const opt = new SGD(params, { lr: 0.1 });
    const [first] = params;
    const guard = () => [engine.f32(first.gradPtr - 4, 1)[0], engine.f32(first.gradPtr + 44, 1)[0]];
    engine.f32(first.gradPtr - 4, 1)[0] = 7;
    engine.f32(first.gradPtr + 44, 1)[0] = 8;
    for (const p of params) p.grad.fill(2);
    opt.zeroGrad();
    for (const p of params) expect([...p.grad]).toEqual(new Array(p.size).fill(0));
    expect(guard()).toEqual([7, 8]);
    engine.alloc(8 << 20); // grows (and for wasm detaches) the memory
    for (const p of params) p.grad.fill(3);
    opt.zeroGrad();
    for (const p of params) expect([...p.grad]).toEqual(new Array(p.size).fill(0));
    expect(guard()).toEqual([7, 8]);
  });
});

describe('param groups', () => {
  it('override options per group: the result equals one optimizer per group', async () => {
    const engine = await createEngine({ backend: 'js' });
    const [w, b] = packed(engine, [6, 3]);
    const [w2, b2] = packed(engine, [6, 3]);
    fill([w, b], 3);
    fill([w2, b2], 3);
    const grouped = new SGD([{ params: [w] }, { params: [b], weightDecay: 0, lr: 0.2 }],
      { lr: 0.1, momentum: 0.9, weightDecay: 0.1 });
    const alone = [new SGD([w2], { lr: 0.1, momentum: 0.9, weightDecay: 0.1 }),
      new SGD([b2], { lr: 0.2, momentum: 0.9, weightDecay: 0 })];
    for (let t = 0; t < 4; t++) {
      for (const p of [w, b, w2, b2]) p.grad.forEach((_, i) => (p.grad[i] = Math.cos(p.data[i] + t)));
      grouped.step();
      alone.forEach((o) => o.step());
    }
    expect(w.data).toEqual(w2.data);
    expect(b.data).toEqual(b2.data);
    expect(grouped.params).toEqual([w, b]);
  });

  it('setting lr or momentum sets every group; reading gives the first group', async () => {
    const engine = await createEngine({ backend: 'js' });
    const opt = new Adam([{ params: [engine.parameter(2)], lr: 0.5 }, { params: [engine.parameter(3)] }], { lr: 0.1 });
    expect(opt.lr).toBe(0.5);
    opt.lr = 0.01;
    opt.momentum = 0.8;
    expect(opt.state().groups.map((g) => [g.hyperparameters.lr, g.hyperparameters.betas])).toEqual(
      [[0.01, [0.8, 0.999]], [0.01, [0.8, 0.999]]]);
  });

  it('decayGroups keeps weight decay for matrices and drops it for vectors', async () => {
    const engine = await createEngine({ backend: 'js' });
    const weight = engine.parameter(6, [2, 3]);
    const bias = engine.parameter(2, [2]);
    expect(decayGroups([weight, bias])).toEqual([{ params: [weight] }, { params: [bias], weightDecay: 0 }]);
    expect(decayGroups([weight])).toEqual([{ params: [weight] }]);
    const opt = new AdamW(decayGroups([weight, bias]), { weightDecay: 0.1 });
    expect(opt.state().groups.map((g) => g.hyperparameters.weightDecay)).toEqual([0.1, 0]);
  });

  it('accepts any iterable of parameters and treats undefined options as defaults', async () => {
    const engine = await createEngine({ backend: 'js' });
    const opt = new RMSprop(new Set([engine.parameter(2)]), { momentum: undefined, lr: 0.5 });
    expect(opt.state().groups[0].hyperparameters).toEqual(
      { lr: 0.5, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false });
  });
});

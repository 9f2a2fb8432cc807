import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../src/engine/index.js';
import { kernelBackends } from './helpers/backends.js';
import { Random } from '../src/random.js';

// The optimizer kernels three ways: wasm (standard and relaxed builds) against the js twin bit for bit,
// the js twin against float64 re-computations of PyTorch's formulas, and all of them against a few
// steps worked out by hand.

const sizes = [1, 3, 4, 5, 7, 8, 16, 1001];

let js: Engine;
let wasmEngines: Engine[];

beforeAll(async () => {
  ({ js, wasm: wasmEngines } = await kernelBackends());
});

function allEngines(): Engine[] {
  return [js, ...wasmEngines];
}

/**
 * Copies `arrays` into the engine, each at a float offset of 0–3 past a 16-byte boundary (parameters
 * are packed, so kernels see 4-byte-aligned pointers), calls `kernel` with their pointers and returns
 * the arrays as the kernel left them.
 */
function run(engine: Engine, arrays: Float32Array[], kernel: (...ptrs: number[]) => void, shift = 0): Float32Array[] {
  const blocks = arrays.map((a) => engine.alloc(a.length * 4 + 16));
  const ptrs = blocks.map((block, i) => block + 4 * ((shift + i) % 4));
  arrays.forEach((a, i) => engine.f32(ptrs[i], a.length).set(a));
  kernel(...ptrs);
  const out = arrays.map((a, i) => engine.f32(ptrs[i], a.length).slice());
  blocks.forEach((block) => engine.free(block));
  return out;
}

function expectSameBits(actual: Float32Array, expected: Float32Array, what: string): void {
  const a = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const e = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const i = a.findIndex((bits, k) => bits !== e[k]);
  if (i >= 0) expect.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (of ${actual.length})`);
}

/** Float32 precision relative to the size of the terms a result was computed from. */
function expectClose(actual: Float32Array, expected: number[], scale: number[], what: string): void {
  for (let i = 0; i < expected.length; i++) {
    const tolerance = 2 ** -20 * (scale[i] + Math.abs(expected[i]));
    if (!(Math.abs(actual[i] - expected[i]) <= tolerance)) {
      expect.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} ± ${tolerance}`);
    }
  }
}

function normals(random: Random, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => scale * random.normal());
}

/** Normal (or its absolute value) times 10^u, u uniform in [−4, 0]. */
function spread(random: Random, n: number, positive: boolean): Float32Array {
  return Float32Array.from({ length: n }, () => {
    const x = random.normal() * 10 ** (-4 * random.next());
    return positive ? Math.abs(x) : x;
  });
}

function combinations<T extends Record<string, readonly unknown[]>>(axes: T): { [K in keyof T]: T[K][number] }[] {
  return Object.entries(axes).reduce<Record<string, unknown>[]>(
    (acc, [key, values]) => acc.flatMap((partial) => values.map((value) => ({ ...partial, [key]: value }))),
    [{}],
  ) as { [K in keyof T]: T[K][number] }[];
}

// ---------------------------------------------------------------------------------------------- SGD

const sgdCases = combinations({
  momentum: [0, 0.9], dampening: [0, 0.1], nesterov: [0, 1], weightDecay: [0, 1e-2], maximize: [0, 1], first: [0, 1],
});

function sgd(engine: Engine, c: (typeof sgdCases)[number], lr: number, p: Float32Array, g: Float32Array,
  buf: Float32Array, shift = 0): Float32Array[] {
  return run(engine, [p, g, buf], (pp, gp, bp) => engine.kernels.sgdStep(p.length, pp, gp, bp, lr, c.momentum,
    c.dampening, c.weightDecay, c.nesterov, c.maximize, c.first), shift);
}

/** torch.optim.SGD's update in float64. */
function sgdReference(c: (typeof sgdCases)[number], lr: number, p: Float32Array, grad: Float32Array,
  buf: Float32Array) {
  const out = { p: [] as number[], buf: [] as number[], scale: [] as number[] };
  for (let i = 0; i < p.length; i++) {
    let g = c.maximize ? -grad[i] : grad[i];
    if (c.weightDecay !== 0) g += c.weightDecay * p[i];
    let b = buf[i];
    if (c.momentum !== 0) {
      b = c.first ? g : c.momentum * b + (1 - c.dampening) * g;
      g = c.nesterov ? g + c.momentum * b : b;
    }
    out.p.push(p[i] - lr * g);
    out.buf.push(b);
    out.scale.push(Math.abs(p[i]) + 2 * lr * (Math.abs(grad[i]) + Math.abs(p[i]) + Math.abs(buf[i])));
  }
  return out;
}

describe('sgdStep', () => {
  it('wasm matches the js twin bit for bit for every flag combination and size', () => {
    const random = new Random(1);
    for (const c of sgdCases) {
      for (const n of sizes) {
        const inputs = [normals(random, n), normals(random, n), normals(random, n)] as const;
        const expected = sgd(js, c, 0.1, ...inputs);
        for (const engine of wasmEngines) {
          const actual = sgd(engine, c, 0.1, ...inputs, n);
          const what = `${engine.simd} ${JSON.stringify(c)} n=${n}`;
          expectSameBits(actual[0], expected[0], `${what} param`);
          expectSameBits(actual[2], expected[2], `${what} buf`);
          expectSameBits(actual[1], inputs[1], `${what} grad untouched`);
        }
      }
    }
  });

  it('the js twin matches PyTorch’s formulas in float64', () => {
    const random = new Random(2);
    for (const c of sgdCases) {
      const n = 37;
      const p = normals(random, n), g = normals(random, n), buf = normals(random, n);
      const [pOut, , bufOut] = sgd(js, c, 0.05, p, g, buf);
      const ref = sgdReference(c, 0.05, p, g, buf);
      expectClose(pOut, ref.p, ref.scale, `${JSON.stringify(c)} param`);
      expectClose(bufOut, ref.buf, ref.scale, `${JSON.stringify(c)} buf`);
    }
  });

  // lr 0.1, momentum 0.9 on p = [1, −2, 3] with the constant gradient 0.5:
  // buf = 0.5, 0.95, 1.355, so p moves by 0.05, 0.095, 0.1355.
  // Nesterov steps by g + 0.9·buf = 0.95, 1.355, 1.7195.
  const handWorked = [
    { nesterov: 0, after: [[0.95, -2.05, 2.95], [0.855, -2.145, 2.855], [0.7195, -2.2805, 2.7195]] },
    { nesterov: 1, after: [[0.905, -2.095, 2.905], [0.7695, -2.2305, 2.7695], [0.59755, -2.40245, 2.59755]] },
  ];
  it.each(handWorked)('follows three hand-worked momentum steps (nesterov $nesterov)', ({ nesterov, after }) => {
    for (const engine of allEngines()) {
      const p = engine.parameter([1, -2, 3]);
      const buf = engine.alloc(12);
      p.grad.set([0.5, 0.5, 0.5]);
      after.forEach((expected, step) => {
        engine.kernels.sgdStep(3, p.dataPtr, p.gradPtr, buf, 0.1, 0.9, 0, 0, nesterov, 0, step === 0 ? 1 : 0);
        expected.forEach((value, i) => expect(p.data[i]).toBeCloseTo(value, 6));
      });
    }
  });

  it('is plain gradient descent without momentum, and leaves the buffer alone', () => {
    for (const engine of allEngines()) {
      const [p, , buf] = run(engine, [Float32Array.from([1, -2, 3]), Float32Array.from([0.5, -1, 2]),
        Float32Array.from([7, 7, 7])], (pp, gp, bp) => engine.kernels.sgdStep(3, pp, gp, bp, 0.5, 0, 0, 0, 0, 0, 0));
      expect([...p]).toEqual([0.75, -1.5, 2]);
      expect([...buf]).toEqual([7, 7, 7]);
    }
  });

  it('climbs with maximize and shrinks by weight decay', () => {
    for (const engine of allEngines()) {
      const [p] = run(engine, [Float32Array.from([2, -4]), Float32Array.from([1, 1]), new Float32Array(2)],
        (pp, gp, bp) => engine.kernels.sgdStep(2, pp, gp, bp, 0.5, 0, 0, 0.25, 0, 1, 0));
      // g = −1 + 0.25·p = −0.5, −2: p − 0.5·g
      expect([...p]).toEqual([2.25, -3]);
    }
  });
});

// ------------------------------------------------------------------------------------- Adam, AdamW

const adamCases = combinations({
  weightDecay: [0, 0.1], decoupled: [0, 1], amsgrad: [0, 1], maximize: [0, 1], beta1: [0.9, 0.3],
});

interface AdamState { p: Float32Array; g: Float32Array; m: Float32Array; v: Float32Array; vmax: Float32Array }

/** Moments spread over four orders of magnitude, so that no rounding in the update is absorbed. */
function randomAdamState(random: Random, n: number): AdamState {
  return { p: normals(random, n), g: normals(random, n), m: spread(random, n, false), v: spread(random, n, true),
    vmax: spread(random, n, true) };
}

function adamScalars(lr: number, beta1: number, beta2: number, step: number) {
  return { stepSize: lr / (1 - beta1 ** step), bc2Sqrt: Math.sqrt(1 - beta2 ** step) };
}

function adam(engine: Engine, c: (typeof adamCases)[number], s: AdamState, lr: number, step: number, shift = 0) {
  const { stepSize, bc2Sqrt } = adamScalars(lr, c.beta1, 0.999, step);
  const [p, g, m, v, vmax] = run(engine, [s.p, s.g, s.m, s.v, s.vmax], (pp, gp, mp, vp, xp) =>
    engine.kernels.adamStep(s.p.length, pp, gp, mp, vp, xp, lr, c.beta1, 0.999, 1e-8, c.weightDecay, c.decoupled,
      c.amsgrad, c.maximize, stepSize, bc2Sqrt), shift);
  return { p, g, m, v, vmax };
}

/** torch.optim.Adam / AdamW in float64. */
function adamReference(c: (typeof adamCases)[number], s: AdamState, lr: number, step: number) {
  const { stepSize, bc2Sqrt } = adamScalars(lr, c.beta1, 0.999, step);
  const out = { p: [] as number[], m: [] as number[], v: [] as number[], vmax: [] as number[], scale: [] as number[] };
  for (let i = 0; i < s.p.length; i++) {
    let p = s.p[i];
    let g = c.maximize ? -s.g[i] : s.g[i];
    if (c.weightDecay !== 0 && c.decoupled) p *= 1 - lr * c.weightDecay;
    if (c.weightDecay !== 0 && !c.decoupled) g += c.weightDecay * p;
    const m = s.m[i] + (1 - c.beta1) * (g - s.m[i]);
    const v = 0.999 * s.v[i] + (1 - 0.999) * g * g;
    const vmax = c.amsgrad ? Math.max(s.vmax[i], v) : s.vmax[i];
    const denom = Math.sqrt(c.amsgrad ? vmax : v) / bc2Sqrt + 1e-8;
    const update = (stepSize * m) / denom;
    out.p.push(p - update);
    out.m.push(m);
    out.v.push(v);
    out.vmax.push(vmax);
    out.scale.push(Math.abs(s.p[i]) + 4 * Math.abs(update) + Math.abs(s.g[i]) + Math.abs(s.m[i]) + s.v[i]);
  }
  return out;
}

describe('adamStep', () => {
  it('wasm matches the js twin bit for bit for every flag combination and size', () => {
    const random = new Random(3);
    for (const c of adamCases) {
      for (const n of sizes) {
        const state = randomAdamState(random, n);
        const step = 1 + random.int(20);
        const expected = adam(js, c, state, 0.01, step);
        for (const engine of wasmEngines) {
          const actual = adam(engine, c, state, 0.01, step, n);
          const what = `${engine.simd} ${JSON.stringify(c)} n=${n}`;
          for (const key of ['p', 'g', 'm', 'v', 'vmax'] as const) {
            expectSameBits(actual[key], expected[key], `${what} ${key}`);
          }
        }
      }
    }
  });

  it('the js twin matches PyTorch’s formulas in float64', () => {
    const random = new Random(4);
    for (const c of adamCases) {
      const state = randomAdamState(random, 37);
      const step = 1 + random.int(20);
      const actual = adam(js, c, state, 0.01, step);
      const ref = adamReference(c, state, 0.01, step);
      const what = JSON.stringify(c);
      expectClose(actual.p, ref.p, ref.scale, `${what} param`);
      expectClose(actual.m, ref.m, ref.scale, `${what} m`);
      expectClose(actual.v, ref.v, ref.scale, `${what} v`);
      expectClose(actual.vmax, ref.vmax, ref.scale, `${what} vmax`);
    }
  });

  // A constant gradient makes m̂ = g and v̂ = g², so every Adam step moves p by lr (eps is below f32 here).
  // AdamW first shrinks p by 1 − lr·wd = 0.99.
  it.each([
    { decoupled: 0, weightDecay: 0, after: [[0.9, -2.1, 2.9], [0.8, -2.2, 2.8], [0.7, -2.3, 2.7]] },
    { decoupled: 1, weightDecay: 0.1, after: [[0.89, -2.08, 2.87], [0.7811, -2.1592, 2.7413]] },
  ])('follows hand-worked steps on a constant gradient (decoupled $decoupled)', ({ decoupled, weightDecay, after }) => {
    for (const engine of allEngines()) {
      const p = engine.parameter([1, -2, 3]);
      const m = engine.alloc(12), v = engine.alloc(12);
      p.grad.set([0.5, 0.5, 0.5]);
      after.forEach((expected, i) => {
        const { stepSize, bc2Sqrt } = adamScalars(0.1, 0.9, 0.999, i + 1);
        engine.kernels.adamStep(3, p.dataPtr, p.gradPtr, m, v, 0, 0.1, 0.9, 0.999, 1e-8, weightDecay, decoupled, 0, 0,
          stepSize, bc2Sqrt);
        expected.forEach((value, j) => expect(p.data[j]).toBeCloseTo(value, 5));
      });
    }
  });

  it('amsgrad divides by the running maximum of v', () => {
    for (const engine of allEngines()) {
      // v = 0.999·1 + 0.001·0 = 0.999 < vmax = 4: denom = sqrt(4)/1 + 1e-8, p = 1 − 1·m/2 with m = 0.9·1.
      const [p, , , v, vmax] = run(engine, [Float32Array.of(1), Float32Array.of(0), Float32Array.of(1),
        Float32Array.of(1), Float32Array.of(4)], (pp, gp, mp, vp, xp) =>
        engine.kernels.adamStep(1, pp, gp, mp, vp, xp, 1, 0.9, 0.999, 1e-8, 0, 0, 1, 0, 1, 1));
      expect(p[0]).toBeCloseTo(1 - 0.45, 6);
      expect(v[0]).toBeCloseTo(0.999, 6);
      expect(vmax[0]).toBe(4);
    }
  });
});

// ------------------------------------------------------------------------------------------ RMSprop

const rmspropCases = combinations({
  weightDecay: [0, 0.1], momentum: [0, 0.9], centered: [0, 1], maximize: [0, 1], alpha: [0.99, 0.3],
});

interface RmspropState { p: Float32Array; g: Float32Array; sq: Float32Array; buf: Float32Array; gavg: Float32Array }

/** A consistent state: the mean square is at least the squared mean plus 0.5, so sq − gavg² stays well away from 0. */
function randomRmspropState(random: Random, n: number): RmspropState {
  const gavg = normals(random, n, 0.5);
  const sq = Float32Array.from(gavg, (a) => a * a + 0.5 + Math.abs(random.normal()));
  return { p: normals(random, n), g: normals(random, n), sq, buf: normals(random, n), gavg };
}

function rmsprop(engine: Engine, c: (typeof rmspropCases)[number], s: RmspropState, lr: number, shift = 0) {
  const [p, g, sq, buf, gavg] = run(engine, [s.p, s.g, s.sq, s.buf, s.gavg], (pp, gp, sp, bp, ap) =>
    engine.kernels.rmspropStep(s.p.length, pp, gp, sp, bp, ap, lr, c.alpha, 1e-8, c.weightDecay, c.momentum,
      c.centered, c.maximize), shift);
  return { p, g, sq, buf, gavg };
}

/** torch.optim.RMSprop in float64. */
function rmspropReference(c: (typeof rmspropCases)[number], s: RmspropState, lr: number) {
  const out = { p: [] as number[], sq: [] as number[], buf: [] as number[], gavg: [] as number[], scale: [] as number[] };
  for (let i = 0; i < s.p.length; i++) {
    let g = c.maximize ? -s.g[i] : s.g[i];
    if (c.weightDecay !== 0) g += c.weightDecay * s.p[i];
    const sq = c.alpha * s.sq[i] + (1 - c.alpha) * g * g;
    const gavg = c.centered ? s.gavg[i] + (1 - c.alpha) * (g - s.gavg[i]) : s.gavg[i];
    const avg = Math.sqrt(c.centered ? sq - gavg * gavg : sq) + 1e-8;
    let update: number;
    let buf = s.buf[i];
    if (c.momentum > 0) {
      buf = c.momentum * buf + g / avg;
      update = lr * buf;
    } else {
      update = (lr * g) / avg;
    }
    out.p.push(s.p[i] - update);
    out.sq.push(sq);
    out.buf.push(buf);
    out.gavg.push(gavg);
    out.scale.push(Math.abs(s.p[i]) + 4 * (Math.abs(update) + Math.abs(buf)) + Math.abs(s.g[i]) + s.sq[i]);
  }
  return out;
}

describe('rmspropStep', () => {
  it('wasm matches the js twin bit for bit for every flag combination and size', () => {
    const random = new Random(5);
    for (const c of rmspropCases) {
      for (const n of sizes) {
        const state = randomRmspropState(random, n);
        const expected = rmsprop(js, c, state, 0.01);
        for (const engine of wasmEngines) {
          const actual = rmsprop(engine, c, state, 0.01, n);
          const what = `${engine.simd} ${JSON.stringify(c)} n=${n}`;
          for (const key of ['p', 'g', 'sq', 'buf', 'gavg'] as const) {
            expectSameBits(actual[key], expected[key], `${what} ${key}`);
          }
        }
      }
    }
  });

  it('the js twin matches PyTorch’s formulas in float64', () => {
    const random = new Random(6);
    for (const c of rmspropCases) {
      const state = randomRmspropState(random, 37);
      const actual = rmsprop(js, c, state, 0.01);
      const ref = rmspropReference(c, state, 0.01);
      const what = JSON.stringify(c);
      expectClose(actual.p, ref.p, ref.scale, `${what} param`);
      expectClose(actual.sq, ref.sq, ref.scale, `${what} sq`);
      expectClose(actual.buf, ref.buf, ref.scale, `${what} buf`);
      expectClose(actual.gavg, ref.gavg, ref.scale, `${what} gavg`);
    }
  });

  // lr 0.01, alpha 0.99, from zero state on the gradient 0.5: sq = 0.01·0.25 = 0.0025.
  // Plain: avg = 0.05, p −= 0.01·0.5/0.05 = 0.1.
  // Centered: gavg = 0.005, avg = sqrt(0.0025 − 0.000025) = 0.0497493719, p −= 0.005/avg = 0.100503782.
  // Then plain again: sq = 0.99·0.0025 + 0.0025 = 0.004975, p −= 0.005/sqrt(0.004975) = 0.0708881205.
  it.each([
    { centered: 0, after: [[0.9, -2.1, 2.9], [0.8291118795, -2.1708881205, 2.8291118795]] },
    { centered: 1, after: [[0.899496218, -2.100503782, 2.899496218]] },
  ])('follows hand-worked steps (centered $centered)', ({ centered, after }) => {
    for (const engine of allEngines()) {
      const p = engine.parameter([1, -2, 3]);
      const sq = engine.alloc(12), gavg = engine.alloc(12);
      p.grad.set([0.5, 0.5, 0.5]);
      for (const expected of after) {
        engine.kernels.rmspropStep(3, p.dataPtr, p.gradPtr, sq, 0, gavg, 0.01, 0.99, 1e-8, 0, 0, centered, 0);
        expected.forEach((value, j) => expect(p.data[j]).toBeCloseTo(value, 6));
      }
    }
  });
});

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../src/engine/index.js';
import { kernelBackends } from './helpers/backends.js';
import { Random } from '../src/random.js';

// The elementwise, loss and reduction kernels: wasm (standard and relaxed builds) against the js twin
// (bit for bit where only arithmetic is involved, within a few ulps where exp/log/tanh are), and the
// js twin against float64 arithmetic, finite differences and direct counts.

const sizes = [1, 3, 4, 5, 7, 8, 16, 17, 1001];

let js: Engine;
let wasmEngines: Engine[];

beforeAll(async () => {
  ({ js, wasm: wasmEngines } = await kernelBackends());
});

function allEngines(): Engine[] {
  return [js, ...wasmEngines];
}

type Data = Float32Array | Int32Array | Uint8Array;

/**
 * Copies `arrays` into the engine, each `shift + index` elements (mod 4) past a 16-byte boundary, calls
 * `kernel` with their pointers, and returns the arrays as the kernel left them with its result.
 */
function run<R>(engine: Engine, arrays: Data[], kernel: (...ptrs: number[]) => R, shift = 0) {
  const blocks = arrays.map((a) => engine.alloc(a.byteLength + 16));
  const ptrs = blocks.map((block, i) => block + arrays[i].BYTES_PER_ELEMENT * ((shift + i) % 4));
  const view = (a: Data, ptr: number) => new (a.constructor as new (b: ArrayBuffer, o: number, n: number) => Data)(
    engine.buffer, ptr, a.length);
  arrays.forEach((a, i) => view(a, ptrs[i]).set(a));
  const result = kernel(...ptrs);
  const out = arrays.map((a, i) => view(a, ptrs[i]).slice());
  blocks.forEach((block) => engine.free(block));
  return { out, result };
}

function bits(x: number): number {
  const f = new Float32Array([x]);
  return new Int32Array(f.buffer)[0];
}

/** Distance in units in the last place between two floats of the same sign (any NaN equals any NaN). */
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) && Number.isNaN(b)) return 0;
  if (a === b) return 0;
  if (Math.sign(a) !== Math.sign(b)) return Math.abs(bits(a) & 0x7fffffff) + Math.abs(bits(b) & 0x7fffffff);
  return Math.abs(bits(a) - bits(b));
}

function expectWithinUlps(actual: ArrayLike<number>, expected: ArrayLike<number>, maxUlps: number, what: string): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    if (!(ulps(actual[i], expected[i]) <= maxUlps)) {
      expect.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} within ${maxUlps} ulps`);
    }
  }
}

function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expectWithinUlps(actual, expected, 0, what);
  for (let i = 0; i < actual.length; i++) {
    if (Object.is(actual[i], 0) !== Object.is(expected[i], 0)) expect.fail(`${what}: element ${i} has the wrong zero`);
  }
}

/** Normals with the special values an activation must handle mixed in. */
function activations(random: Random, n: number, scale = 3): Float32Array {
  const special = [0, -0, 1e-40, -1e-40, 30, -30, 100, -100];
  return Float32Array.from({ length: n }, () =>
    random.next() < 0.1 ? special[random.int(special.length)] : scale * random.normal());
}

function normals(random: Random, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => random.normal());
}

// ------------------------------------------------------------------------------- elementwise kernels

describe('elementwise kernels', () => {
  const binary = ['reluBackward', 'tanhBackward', 'sigmoidBackward', 'mul'] as const;

  it('relu, the backward passes and mul match the js twin bit for bit, in place too', () => {
    const random = new Random(1);
    for (const n of sizes) {
      const x = activations(random, n);
      const dy = normals(random, n);
      const y = Float32Array.from(x, (v) => Math.max(v, 0));
      const expected: Record<string, Data> = {
        reluForward: run(js, [x, new Float32Array(n)], (a, b) => js.kernels.reluForward(n, a, b)).out[1],
        ...Object.fromEntries(binary.map((k) => [k, run(js, [y, dy, new Float32Array(n)],
          (a, b, c) => js.kernels[k](n, a, b, c)).out[2]])),
      };
      for (const engine of wasmEngines) {
        const what = `${engine.simd} n=${n}`;
        const relu = run(engine, [x, new Float32Array(n)], (a, b) => engine.kernels.reluForward(n, a, b), n);
        expectSame(relu.out[1], expected.reluForward, `${what} reluForward`);
        const reluInPlace = run(engine, [x], (a) => engine.kernels.reluForward(n, a, a), n);
        expectSame(reluInPlace.out[0], expected.reluForward, `${what} reluForward in place`);
        for (const k of binary) {
          const separate = run(engine, [y, dy, new Float32Array(n)], (a, b, c) => engine.kernels[k](n, a, b, c), n);
          expectSame(separate.out[2], expected[k], `${what} ${k}`);
          const inPlace = run(engine, [y, dy], (a, b) => engine.kernels[k](n, a, b, b), n);
          expectSame(inPlace.out[1], expected[k], `${what} ${k} in place`);
        }
      }
    }
  });

  it('the js twin computes relu, the backward passes and mul as float64 arithmetic rounded once per step', () => {
    const random = new Random(2);
    const n = 257;
    const x = activations(random, n);
    const dy = normals(random, n);
    const y = Float32Array.from(x, (v) => Math.tanh(v));
    const f = Math.fround;
    const { out: [, relu] } = run(js, [x, new Float32Array(n)], (a, b) => js.kernels.reluForward(n, a, b));
    expectSame(relu, Array.from(x, (v) => (v > 0 ? v : 0)), 'reluForward');
    const backward = (k: (typeof binary)[number]) =>
      run(js, [y, dy, new Float32Array(n)], (a, b, c) => js.kernels[k](n, a, b, c)).out[2];
    expectSame(backward('reluBackward'), Array.from(y, (v, i) => (v > 0 ? dy[i] : 0)), 'reluBackward');
    expectSame(backward('tanhBackward'), Array.from(y, (v, i) => f(dy[i] * f(1 - f(v * v)))), 'tanhBackward');
    expectSame(backward('sigmoidBackward'), Array.from(y, (v, i) => f(f(dy[i] * v) * f(1 - v))), 'sigmoidBackward');
    expectSame(backward('mul'), Array.from(y, (v, i) => f(v * dy[i])), 'mul');
  });

  it('relu keeps NaN and turns −0 into +0; its backward passes nothing where y ≤ 0 or is NaN', () => {
    for (const engine of allEngines()) {
      const x = Float32Array.of(NaN, -0, 0, -1, 2);
      const { out: [y] } = run(engine, [x], (a) => engine.kernels.reluForward(5, a, a));
      expect(Number.isNaN(y[0])).toBe(true);
      expect(Object.is(y[1], 0) && Object.is(y[2], 0)).toBe(true);
      expect([...y.subarray(3)]).toEqual([0, 2]);
      const { out: [, dx] } = run(engine, [x, Float32Array.of(5, 5, 5, 5, 5)],
        (a, b) => engine.kernels.reluBackward(5, a, b, b));
      expect([...dx]).toEqual([0, 0, 0, 0, 5]);
    }
  });

  // Mathf.tanh (musl's tanhf) and the three f32 roundings of e/(1 + e) after Mathf.exp each stay within
  // 2 ulps of the correctly rounded value (measured worst case over 2·10^6 inputs: 2).
  it('tanh and sigmoid are within 2 ulps of float64 on every backend', () => {
    const random = new Random(3);
    for (const n of sizes) {
      const x = activations(random, n);
      const tanh64 = Array.from(x, Math.tanh);
      const sigmoid64 = Array.from(x, (v) => 1 / (1 + Math.exp(-v)));
      for (const engine of allEngines()) {
        const what = `${engine.backend} ${engine.simd} n=${n}`;
        const t = run(engine, [x, new Float32Array(n)], (a, b) => engine.kernels.tanhForward(n, a, b)).out[1];
        const s = run(engine, [x, new Float32Array(n)], (a, b) => engine.kernels.sigmoidForward(n, a, b)).out[1];
        expectWithinUlps(t, tanh64.map(Math.fround), 2, `${what} tanh`);
        expectWithinUlps(s, sigmoid64.map(Math.fround), 2, `${what} sigmoid`);
      }
    }
  });

  it('tanh and sigmoid saturate without NaN', () => {
    for (const engine of allEngines()) {
      const x = Float32Array.of(-1e30, -100, 100, 1e30, -0);
      const t = run(engine, [x, new Float32Array(5)], (a, b) => engine.kernels.tanhForward(5, a, b)).out[1];
      const s = run(engine, [x, new Float32Array(5)], (a, b) => engine.kernels.sigmoidForward(5, a, b)).out[1];
      expect([...t]).toEqual([-1, -1, 1, 1, -0]);
      expect(s[0]).toBe(0);
      expect(ulps(s[1], Math.fround(1 / (1 + Math.exp(100))))).toBeLessThanOrEqual(2); // a subnormal, not 0
      expect([...s.subarray(2)]).toEqual([1, 1, 0.5]);
    }
  });
});

// ------------------------------------------------------------------------------------ bias gradient

describe('biasGrad', () => {
  const shapes = [[1, 1], [1, 7], [3, 4], [5, 5], [7, 3], [128, 10], [9, 37], [128, 256], [13, 1001], [0, 5]] as const;

  it('matches the js twin bit for bit, and the js twin sums rows in order in f32', () => {
    const random = new Random(4);
    for (const [m, n] of shapes) {
      for (const beta of [0, 1, 0.5]) {
        const dy = normals(random, m * n);
        const db = normals(random, n);
        const expected = run(js, [dy, db], (a, b) => js.kernels.biasGrad(m, n, a, b, beta)).out[1];
        const sums = Array.from({ length: n }, (_, j) => {
          let s = 0;
          for (let i = 0; i < m; i++) s = Math.fround(s + dy[i * n + j]);
          return beta === 0 ? s : Math.fround(Math.fround(beta * db[j]) + s);
        });
        expectSame(expected, sums, `js m=${m} n=${n} beta=${beta}`);
        for (const engine of wasmEngines) {
          const actual = run(engine, [dy, db], (a, b) => engine.kernels.biasGrad(m, n, a, b, beta), n).out[1];
          expectSame(actual, expected, `${engine.simd} m=${m} n=${n} beta=${beta}`);
        }
      }
    }
  });

  it('overwrites db without reading it when beta = 0', () => {
    for (const engine of allEngines()) {
      const dy = Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20);
      const db = new Float32Array(5).fill(NaN);
      const { out: [, out] } = run(engine, [dy, db], (a, b) => engine.kernels.biasGrad(4, 5, a, b, 0));
      expect([...out]).toEqual([34, 38, 42, 46, 50]);
    }
  });

  it('is the float64 column sum within f32 summation error (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer(),
      (m, n, seed) => {
        const random = new Random(seed);
        const dy = normals(random, m * n);
        for (const engine of allEngines()) {
          const { out: [, db] } = run(engine, [dy, new Float32Array(n)], (a, b) => engine.kernels.biasGrad(m, n, a, b, 0));
          for (let j = 0; j < n; j++) {
            let sum = 0;
            let magnitude = 0;
            for (let i = 0; i < m; i++) {
              sum += dy[i * n + j];
              magnitude += Math.abs(dy[i * n + j]);
            }
            // Recursive summation: |error| ≤ (m − 1)·u·Σ|x| with u = 2^-24.
            expect(Math.abs(db[j] - sum)).toBeLessThanOrEqual(m * 2 ** -24 * magnitude + 1e-30);
          }
        }
      }), { numRuns: 50 });
  });
});

// ------------------------------------------------------------------------------------------- losses

/** Mean softmax cross-entropy in float64, the row max subtracted. */
function crossEntropy64(m: number, n: number, logits: ArrayLike<number>, labels: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < m; i++) {
    const row = Array.from({ length: n }, (_, j) => logits[i * n + j]);
    const max = Math.max(...row);
    const logSum = Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
    total += logSum - (row[labels[i]] - max);
  }
  return total / m;
}

function softmax64(m: number, n: number, logits: ArrayLike<number>, labels: ArrayLike<number>): number[] {
  const grad: number[] = [];
  for (let i = 0; i < m; i++) {
    const row = Array.from({ length: n }, (_, j) => logits[i * n + j]);
    const max = Math.max(...row);
    const e = row.map((x) => Math.exp(x - max));
    const sum = e.reduce((s, x) => s + x, 0);
    e.forEach((x, j) => grad.push((x / sum - (j === labels[i] ? 1 : 0)) / m));
  }
  return grad;
}

function randomLabels(random: Random, m: number, n: number): Uint8Array {
  return Uint8Array.from({ length: m }, () => random.int(n));
}

describe('softmaxCrossEntropy', () => {
  const shapes = [[1, 1], [1, 2], [3, 10], [5, 7], [64, 10], [7, 100]] as const;

  function crossEntropy(engine: Engine, m: number, n: number, logits: Float32Array, labels: Uint8Array, shift = 0) {
    const { out, result } = run(engine, [logits, labels, new Float32Array(m * n)],
      (x, l, d) => engine.kernels.softmaxCrossEntropy(m, n, x, l, d), shift);
    return { loss: result, grad: out[2] as Float32Array };
  }

  it('matches float64 within f32 precision on every backend', () => {
    const random = new Random(5);
    for (const [m, n] of shapes) {
      const logits = Float32Array.from({ length: m * n }, () => 4 * random.normal());
      const labels = randomLabels(random, m, n);
      const loss64 = crossEntropy64(m, n, logits, labels);
      const grad64 = softmax64(m, n, logits, labels);
      const spread = Math.max(...logits) - Math.min(...logits);
      const reference = crossEntropy(js, m, n, logits, labels);
      for (const engine of allEngines()) {
        const what = `${engine.backend} ${engine.simd} ${m}×${n}`;
        const { loss, grad } = crossEntropy(engine, m, n, logits, labels, m);
        // A row loss log(Σ exp) − (x − max) carries a few f32 roundings of terms up to the row's spread;
        // a softmax entry a few roundings of a number ≤ 1.
        expect(Math.abs(loss - loss64), `${what} loss`).toBeLessThanOrEqual(2 ** -22 * (1 + loss64 + spread));
        grad.forEach((g, i) => expect(Math.abs(g - grad64[i]), `${what} grad ${i}`).toBeLessThanOrEqual(2 ** -21 / m));
        expect(Math.abs(loss - reference.loss), `${what} loss vs js`).toBeLessThanOrEqual(2 ** -21 * reference.loss);
      }
    }
  });

  it('has the gradient of its loss: central differences in float64', () => {
    const random = new Random(6);
    const m = 4, n = 6;
    const logits = Float32Array.from({ length: m * n }, () => 2 * random.normal());
    const labels = randomLabels(random, m, n);
    const h = 1e-5;
    for (const engine of allEngines()) {
      const { grad } = crossEntropy(engine, m, n, logits, labels);
      const x = Float64Array.from(logits);
      for (let i = 0; i < m * n; i++) {
        const saved = x[i];
        x[i] = saved + h;
        const up = crossEntropy64(m, n, x, labels);
        x[i] = saved - h;
        const down = crossEntropy64(m, n, x, labels);
        x[i] = saved;
        expect(grad[i]).toBeCloseTo((up - down) / (2 * h), 6);
      }
    }
  });

  it('stays finite and exact at logits of ±1e4', () => {
    const logits = Float32Array.of(1e4, -1e4, 0, 1e4 - 1, -1e4, 1e4, -1e4, -1e4, 0);
    const labels = Uint8Array.of(1, 1, 2);
    for (const engine of allEngines()) {
      const { loss, grad } = crossEntropy(engine, 3, 3, logits, labels);
      // Row 0: the label is 2e4 below a lone maximum; row 1 the same, with a runner-up 1 below the
      // maximum (log Σ exp = log(1 + e^-1)); row 2: the label is the lone maximum, 1e4 above the rest.
      const expected = (2e4 + 2e4 + Math.log(1 + Math.exp(-1)) + 0) / 3;
      expect(loss).toBeCloseTo(expected, 2);
      expect(grad.every(Number.isFinite)).toBe(true);
      expect(grad[0]).toBeCloseTo(1 / 3, 7);
      expect(grad[1]).toBeCloseTo(-1 / 3, 7);
      expect(grad[2]).toBe(0);
      expect(grad[3] + grad[4] + grad[5]).toBeCloseTo(0, 7);
      expect(grad[5]).toBeCloseTo(1 / (1 + Math.exp(-1)) / 3, 7);
      expect([...grad.subarray(6)]).toEqual([0, 0, 0]);
    }
  });

  it('may write the gradient over the logits, and writes nothing when dlogits = 0', () => {
    const random = new Random(7);
    const m = 5, n = 10;
    const logits = Float32Array.from({ length: m * n }, () => random.normal());
    const labels = randomLabels(random, m, n);
    for (const engine of allEngines()) {
      const separate = crossEntropy(engine, m, n, logits, labels);
      const aliased = run(engine, [logits, labels], (x, l) => engine.kernels.softmaxCrossEntropy(m, n, x, l, x));
      expect(aliased.result).toBe(separate.loss);
      expectSame(aliased.out[0], separate.grad, `${engine.backend} aliased`);
      const lossOnly = run(engine, [logits, labels], (x, l) => engine.kernels.softmaxCrossEntropy(m, n, x, l, 0));
      expect(lossOnly.result).toBe(separate.loss);
      expectSame(lossOnly.out[0], logits, `${engine.backend} logits untouched`);
    }
  });

  it('gives NaN for a row whose label is out of range, on every backend', () => {
    for (const engine of allEngines()) {
      const { loss, grad } = crossEntropy(engine, 2, 3, Float32Array.of(1, 2, 3, 1, 2, 3), Uint8Array.of(0, 3));
      expect(loss).toBeNaN();
      expect(grad.every(Number.isFinite)).toBe(true);
    }
  });
});

describe('mseLoss', () => {
  it('matches the js twin bit for bit and float64 arithmetic; its gradient is 2(pred − target)/(m·n)', () => {
    const random = new Random(8);
    for (const [m, n] of [[1, 1], [3, 5], [16, 10], [7, 143]]) {
      const pred = normals(random, m * n), target = normals(random, m * n);
      const mse = (engine: Engine, shift = 0) => run(engine, [pred, target, new Float32Array(m * n)],
        (p, t, d) => engine.kernels.mseLoss(m, n, p, t, d), shift);
      const expected = mse(js);
      let sum64 = 0;
      pred.forEach((p, i) => { sum64 += (p - target[i]) ** 2; });
      expect(Math.abs(expected.result - sum64 / (m * n))).toBeLessThanOrEqual(2 ** -22 * (sum64 / (m * n)));
      expectSame(expected.out[2] as Float32Array, Array.from(pred, (p, i) =>
        Math.fround((2 * Math.fround(p - target[i])) / (m * n))), `js grad ${m}×${n}`);
      for (const engine of wasmEngines) {
        const actual = mse(engine, 1);
        expect(actual.result).toBe(expected.result);
        expectSame(actual.out[2] as Float32Array, expected.out[2] as Float32Array, `${engine.simd} grad ${m}×${n}`);
      }
    }
  });
});

// ---------------------------------------------------------------------------------- row reductions

/** Rows of small integers, so that ties for the maximum are common. */
const rowsWithTies = fc.integer({ min: 1, max: 12 }).chain((n) => fc.record({
  n: fc.constant(n),
  rows: fc.array(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: n, maxLength: n }), { minLength: 1, maxLength: 20 }),
  labelSeed: fc.integer(),
}));

function firstMax(row: number[]): number {
  return row.indexOf(Math.max(...row));
}

describe('argmaxRows and accuracyCount', () => {
  it('argmaxRows is the first maximum of every row (property)', () => {
    fc.assert(fc.property(rowsWithTies, ({ n, rows }) => {
      const m = rows.length;
      for (const engine of allEngines()) {
        const { out } = run(engine, [Float32Array.from(rows.flat()), new Int32Array(m)],
          (x, o) => engine.kernels.argmaxRows(m, n, x, o));
        expect([...out[1]]).toEqual(rows.map(firstMax));
      }
    }), { numRuns: 100 });
  });

  it('accuracyCount counts rows whose first maximum is the label (property)', () => {
    fc.assert(fc.property(rowsWithTies, ({ n, rows, labelSeed }) => {
      const m = rows.length;
      const random = new Random(labelSeed);
      const labels = Uint8Array.from(rows, (row) => (random.next() < 0.5 ? firstMax(row) : random.int(n)));
      const direct = rows.filter((row, i) => firstMax(row) === labels[i]).length;
      for (const engine of allEngines()) {
        const { result } = run(engine, [Float32Array.from(rows.flat()), labels],
          (x, l) => engine.kernels.accuracyCount(m, n, x, l));
        expect(result).toBe(direct);
      }
    }), { numRuns: 100 });
  });
});

// ---------------------------------------------------------------------------------------- inputs

describe('normalizeU8', () => {
  it('is f32(u8) / divisor, correctly rounded, at every length and alignment', () => {
    const random = new Random(9);
    for (const n of [1, 3, 15, 16, 17, 31, 33, 256, 1001]) {
      const src = Uint8Array.from({ length: n }, (_, i) => (n === 256 ? i : random.int(256)));
      for (const divisor of [255, 1, 3]) {
        const expected = Array.from(src, (u) => Math.fround(u / divisor));
        for (const engine of allEngines()) {
          for (const shift of [0, 1, 2, 3]) {
            const { out } = run(engine, [src, new Float32Array(n)],
              (s, d) => engine.kernels.normalizeU8(n, s, d, divisor), shift);
            expectSame(out[1], expected, `${engine.backend} ${engine.simd} n=${n} /${divisor} shift ${shift}`);
          }
        }
      }
    }
  });
});

describe('gatherScaleU8', () => {
  it('row r is f32(images[indices[r]]) / divisor, correctly rounded, for any row length and order of rows', () => {
    const random = new Random(10);
    for (const rowBytes of [1, 15, 16, 17, 784]) {
      const count = 9, rows = 6;
      const images = Uint8Array.from({ length: count * rowBytes }, () => random.int(256));
      const indices = Uint32Array.from([8, 0, 3, 3, 7, 1]);
      const expected = Array.from(indices).flatMap((i) => Array.from(images.subarray(i * rowBytes, (i + 1) * rowBytes), (u) => Math.fround(u / 255)));
      for (const engine of allEngines()) {
        const [ind, img, dst] = [engine.alloc(rows * 4), engine.alloc(images.length), engine.alloc(rows * rowBytes * 4)];
        new Uint32Array(engine.buffer, ind, rows).set(indices);
        engine.u8(img, images.length).set(images);
        engine.kernels.gatherScaleU8(rows, rowBytes, ind, img, dst, 255);
        expectSame(engine.f32(dst, rows * rowBytes), expected, `${engine.backend} ${engine.simd} rowBytes=${rowBytes}`);
        [ind, img, dst].forEach((p) => engine.free(p));
      }
    }
  });
});

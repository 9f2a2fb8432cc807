import { beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../src/engine/index.js';
import { convOutputSize as outputSize } from '../src/engine/conv-geometry.js';
import { Random } from '../src/random.js';
import { kernelBackends } from './helpers/backends.js';

// The convolution and pooling kernels: wasm (standard and relaxed builds) against the js twin on shapes
// with every edge (1×1 kernels, stride 2, padding, odd sizes, one channel, batch 1, a kernel as large as
// the padded input, more than one GEMM block along each dimension), within Higham's worst-case bound
// γ_N·M (M: the same sums over absolute values, N: the roundings a term can see); max pooling bit for bit.
// The js twin's three conv formulas are checked against each other through the adjoint identity
// ⟨conv(x), dy⟩ = ⟨x, dx⟩ = ⟨w, dw⟩ in float64; against PyTorch in pytorch-cnn.test.ts.

const U32 = 2 ** -24;
const gamma = (n: number) => (n * U32) / (1 - n * U32);
const GUARD = 8;
const SENTINEL = 1234.5;

interface ConvCase {
  batch: number; inC: number; inH: number; inW: number; outC: number; k: number; stride: number; pad: number;
}

const convCases: ConvCase[] = [
  { batch: 1, inC: 1, inH: 1, inW: 1, outC: 1, k: 1, stride: 1, pad: 0 },
  { batch: 2, inC: 1, inH: 5, inW: 5, outC: 3, k: 1, stride: 1, pad: 0 },
  { batch: 1, inC: 1, inH: 28, inW: 28, outC: 16, k: 5, stride: 1, pad: 2 },
  { batch: 3, inC: 2, inH: 7, inW: 9, outC: 5, k: 3, stride: 2, pad: 1 },
  { batch: 2, inC: 3, inH: 11, inW: 13, outC: 7, k: 3, stride: 1, pad: 0 },
  { batch: 1, inC: 4, inH: 6, inW: 6, outC: 9, k: 6, stride: 1, pad: 0 }, // kernel = input: 1×1 output
  { batch: 2, inC: 2, inH: 3, inW: 3, outC: 4, k: 5, stride: 1, pad: 1 }, // kernel larger than the input, within the padding
  { batch: 2, inC: 2, inH: 2, inW: 2, outC: 3, k: 5, stride: 1, pad: 2 }, // output as large as the input, taps reaching past it
  { batch: 1, inC: 5, inH: 10, inW: 17, outC: 6, k: 4, stride: 3, pad: 2 },
  { batch: 2, inC: 32, inH: 12, inW: 12, outC: 64, k: 3, stride: 1, pad: 0 }, // K = 288 > KC
  { batch: 1, inC: 3, inH: 9, inW: 9, outC: 101, k: 3, stride: 1, pad: 1 }, // outC > MC
  { batch: 1, inC: 2, inH: 36, inW: 33, outC: 5, k: 3, stride: 1, pad: 1 }, // outH·outW > NC
  { batch: 2, inC: 1, inH: 8, inW: 16, outC: 8, k: 1, stride: 2, pad: 0 },
  // 5×5 at stride 1 with output rows of whole vectors: the weight gradient summed by lanes
  { batch: 2, inC: 3, inH: 12, inW: 10, outC: 5, k: 5, stride: 1, pad: 1 },
  { batch: 3, inC: 2, inH: 8, inW: 8, outC: 3, k: 5, stride: 1, pad: 0 },
];

let js: Engine;
let wasm: Engine[];
beforeAll(async () => {
  ({ js, wasm } = await kernelBackends());
});

const describeConv = (c: ConvCase) =>
  `batch ${c.batch}, ${c.inC}×${c.inH}×${c.inW} → ${c.outC}, k ${c.k}, stride ${c.stride}, pad ${c.pad}`;

/** Places each array between sentinel guards, runs `kernel` on their pointers, returns them (guards checked) and frees them. */
function run(engine: Engine, arrays: (Float32Array | Int32Array)[], kernel: (...ptrs: number[]) => void, scratchFloats = 0) {
  const blocks = arrays.map((a) => {
    const ptr = engine.alloc((a.length + 2 * GUARD) * 4);
    engine.f32(ptr, GUARD).fill(SENTINEL);
    engine.f32(ptr + (GUARD + a.length) * 4, GUARD).fill(SENTINEL);
    new (a.constructor as Int32ArrayConstructor)(engine.buffer, ptr + GUARD * 4, a.length).set(a as Int32Array);
    return ptr;
  });
  const scratch = engine.alloc(Math.max(scratchFloats, 1) * 4);
  kernel(...blocks.map((ptr) => ptr + GUARD * 4), scratch);
  const out = arrays.map((a, i) => {
    const guards = [...engine.f32(blocks[i]!, GUARD), ...engine.f32(blocks[i]! + (GUARD + a.length) * 4, GUARD)];
    expect(guards.every((g) => g === SENTINEL), `${engine.backend}: written outside array ${i}`).toBe(true);
    return new (a.constructor as Float32ArrayConstructor)(engine.buffer, blocks[i]! + GUARD * 4, a.length).slice();
  });
  [...blocks, scratch].forEach((ptr) => engine.free(ptr));
  return out;
}

function sizes(c: ConvCase) {
  const outH = outputSize(c.inH, c.k, c.stride, c.pad), outW = outputSize(c.inW, c.k, c.stride, c.pad);
  return {
    outH, outW, x: c.batch * c.inC * c.inH * c.inW, w: c.outC * c.inC * c.k * c.k, y: c.batch * c.outC * outH * outW,
    padded: c.inC * (c.inH + 2 * c.pad) * (c.inW + 2 * c.pad), // one zero-bordered image; the kernels take one per engine thread
  };
}

function inputs(c: ConvCase, seed: number) {
  const rng = new Random(seed);
  const s = sizes(c);
  const uniform = (n: number) => Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
  return { x: uniform(s.x), w: uniform(s.w), bias: uniform(c.outC), dy: uniform(s.y), dw: uniform(s.w), db: uniform(c.outC) };
}

const abs = (a: Float32Array) => a.map(Math.abs);
const geometry = (c: ConvCase) => [c.batch, c.inC, c.inH, c.inW, c.outC, c.k, c.k, c.stride, c.pad] as const;

function forward(e: Engine, c: ConvCase, x: Float32Array, w: Float32Array, bias: Float32Array | null, relu: number) {
  const y = new Float32Array(sizes(c).y).fill(NaN); // overwritten without being read
  const arrays = bias ? [x, w, y, bias] : [x, w, y];
  return run(e, arrays, (...p) => e.kernels.convForward(...geometry(c), p[0]!, p[1]!, bias ? p[3]! : 0, p[2]!, relu, e.workspace, p.at(-1)!),
    sizes(c).padded * e.threads)[2]!;
}

function inputGrad(e: Engine, c: ConvCase, dy: Float32Array, w: Float32Array) {
  const dx = new Float32Array(sizes(c).x).fill(NaN);
  const colsBytes = e.kernels.convInputGradScratchBytes(c.inC, c.inH, c.inW, c.k, c.k, c.stride, c.pad);
  return run(e, [dy, w, dx], (pdy, pw, pdx, cols) => e.kernels.convInputGrad(...geometry(c), pdy!, pw!, pdx!, e.workspace, cols!),
    e.threads * colsBytes / 4)[2]!;
}

function weightGrad(e: Engine, c: ConvCase, x: Float32Array, dy: Float32Array, dw: Float32Array) {
  return run(e, [x, dy, dw.slice()], (px, pdy, pdw, padded) => e.kernels.convWeightGrad(...geometry(c), px!, pdy!, pdw!, e.workspace, padded!),
    sizes(c).padded * e.threads)[2]!;
}

function expectWithin(actual: Float32Array, expected: Float32Array, scale: Float32Array, bound: number, what: string) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) {
    const tolerance = bound * scale[i]! + U32 * Math.abs(expected[i]!);
    if (!(Math.abs(actual[i]! - expected[i]!) <= tolerance)) {
      expect.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} within ${tolerance}`);
    }
  }
}

describe.each(convCases)('conv kernels, $batch × $inC×$inH×$inW → $outC, k $k, stride $stride, pad $pad', (c) => {
  const { x, w, bias, dy, dw, db } = inputs(c, c.inH * 31 + c.outC);
  const K = c.inC * c.k * c.k;
  const S = sizes(c).outH * sizes(c).outW;

  it.each([[true, 0], [false, 0], [true, 1]])('forward (bias %s, relu %s): wasm = js within the bound', (withBias, relu) => {
    const expected = forward(js, c, x, w, withBias ? bias : null, relu);
    const scale = forward(js, c, abs(x), abs(w), withBias ? abs(bias) : null, 0);
    for (const e of wasm) expectWithin(forward(e, c, x, w, withBias ? bias : null, relu), expected, scale, gamma(K + 2), `${e.simd} forward`);
  });

  it('input gradient: wasm = js within the bound', () => {
    const expected = inputGrad(js, c, dy, w);
    const scale = inputGrad(js, c, abs(dy), abs(w));
    for (const e of wasm) expectWithin(inputGrad(e, c, dy, w), expected, scale, gamma(c.outC + c.k * c.k + 2), `${e.simd} input gradient`);
  });

  it('weight gradient (accumulated onto dw): wasm = js within the bound', () => {
    const expected = weightGrad(js, c, x, dy, dw);
    const scale = weightGrad(js, c, abs(x), abs(dy), abs(dw));
    for (const e of wasm) expectWithin(weightGrad(e, c, x, dy, dw), expected, scale, gamma(c.batch * (S + 2) + 2), `${e.simd} weight gradient`);
  });

  it.each([0, 1, 0.5])('bias gradient (beta %s): wasm = js within the bound', (beta) => {
    const grad = (e: Engine, g: Float32Array, d: Float32Array) =>
      run(e, [g, d.slice()], (pdy, pdb) => e.kernels.convBiasGrad(c.batch, c.outC, S, pdy!, pdb!, beta))[1]!;
    const expected = grad(js, dy, db);
    const scale = grad(js, abs(dy), abs(db));
    for (const e of wasm) expectWithin(grad(e, dy, db), expected, scale, gamma(c.batch * S + 3), `${e.simd} bias gradient`);
  });

  it('js twin: forward, input gradient and weight gradient are adjoint (float64)', () => {
    const y = forward(js, c, x, w, null, 0);
    const dx = inputGrad(js, c, dy, w);
    const gw = weightGrad(js, c, x, dy, new Float32Array(w.length));
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);
    const absDot = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + Math.abs(v * b[i]!), 0);
    const reference = dot(y, dy);
    // Each side stores its sums as float32 once: off by at most U32 of the absolute sum each.
    const tolerance = 4 * U32 * (absDot(y, dy) + absDot(x, dx) + absDot(w, gw)) + 1e-12;
    expect(Math.abs(dot(x, dx) - reference)).toBeLessThanOrEqual(tolerance);
    expect(Math.abs(dot(w, gw) - reference)).toBeLessThanOrEqual(tolerance);
    expect(forward(js, c, x, w, bias, 0)).toEqual(forward(js, c, x, w, bias, 0)); // deterministic
  });
});

interface PoolCase { planes: number; inH: number; inW: number; k: number; stride: number }
const poolCases: PoolCase[] = [
  { planes: 1, inH: 1, inW: 1, k: 1, stride: 1 },
  { planes: 3, inH: 28, inW: 28, k: 2, stride: 2 },
  { planes: 2, inH: 7, inW: 9, k: 2, stride: 2 }, // odd sizes: the last row and column are dropped
  { planes: 4, inH: 9, inW: 8, k: 3, stride: 2 }, // overlapping windows
  { planes: 2, inH: 5, inW: 5, k: 3, stride: 1 },
  { planes: 5, inH: 6, inW: 6, k: 6, stride: 6 },
];

describe.each(poolCases)('max-pool kernels, $planes planes $inH×$inW, k $k, stride $stride', (c) => {
  const outH = outputSize(c.inH, c.k, c.stride, 0), outW = outputSize(c.inW, c.k, c.stride, 0);
  const rng = new Random(c.inH * 7 + c.k);
  // Small integers, so windows have ties; one NaN and one −Infinity.
  const x = Float32Array.from({ length: c.planes * c.inH * c.inW }, () => rng.int(5) - 2);
  if (x.length > 3) {
    x[1] = NaN;
    x[2] = -Infinity;
  }
  const dy = Float32Array.from({ length: c.planes * outH * outW }, () => rng.next() * 2 - 1);
  const pool = (e: Engine) => run(e, [x, new Float32Array(dy.length), new Int32Array(dy.length)],
    (px, py, pa) => e.kernels.maxPoolForward(c.planes, c.inH, c.inW, c.k, c.stride, px!, py!, pa!));
  const unpool = (e: Engine, argmax: Int32Array) => run(e, [dy, argmax as unknown as Float32Array, new Float32Array(x.length).fill(NaN)],
    (pdy, pa, pdx) => e.kernels.maxPoolBackward(c.planes, c.inH, c.inW, c.k, c.stride, pdy!, pa!, pdx!))[2]!;

  it('js twin: each output is its window\'s maximum (NaN wins), argmax its first position, and the backward routes dy there', () => {
    const [, y, argmax] = pool(js) as unknown as [Float32Array, Float32Array, Int32Array];
    const expectedDx = new Float64Array(x.length);
    for (let p = 0; p < c.planes; p++) {
      for (let oy = 0; oy < outH; oy++) {
        for (let ox = 0; ox < outW; ox++) {
          const window: number[] = [];
          for (let ky = 0; ky < c.k; ky++) {
            for (let kx = 0; kx < c.k; kx++) window.push((oy * c.stride + ky) * c.inW + ox * c.stride + kx);
          }
          const values = window.map((at) => x[p * c.inH * c.inW + at]!);
          const o = (p * outH + oy) * outW + ox;
          const hasNaN = values.some(Number.isNaN);
          const want = hasNaN ? NaN : Math.max(...values);
          let lastNaN = -1;
          values.forEach((v, i) => void (Number.isNaN(v) && (lastNaN = i)));
          const wantAt = hasNaN ? window[lastNaN]! : window[values.indexOf(want)]!;
          expect(y[o]).toBe(want);
          expect(argmax[o]).toBe(wantAt);
          expectedDx[p * c.inH * c.inW + wantAt] += dy[o]!;
        }
      }
    }
    const dx = unpool(js, argmax);
    dx.forEach((v, i) => expect(v).toBeCloseTo(expectedDx[i]!, 6));
  });

  it('wasm = js bit for bit, forward (values and argmax) and backward', () => {
    const [, y, argmax] = pool(js) as unknown as [Float32Array, Float32Array, Int32Array];
    const dx = unpool(js, argmax);
    for (const e of wasm) {
      const [, ey, eargmax] = pool(e) as unknown as [Float32Array, Float32Array, Int32Array];
      expect(new Uint32Array(ey.buffer)).toEqual(new Uint32Array(y.buffer));
      expect(eargmax).toEqual(argmax);
      expect(new Uint32Array(unpool(e, argmax).buffer)).toEqual(new Uint32Array(dx.buffer));
    }
  });
});

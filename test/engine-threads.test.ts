// Threads: every thread count gives the bits of one thread (work is split by output, never along a sum),
// on each threaded kernel with shapes that don't divide evenly and on MLP training on the real MNIST; a
// worker that throws becomes an error on the caller; dispose ends the workers.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../src/data/dataset.js';
import { loadMnist } from '../src/data/mnist-node.js';
import { createEngine, type Engine } from '../src/engine/index.js';
import * as control from '../src/engine/threads/control.js';
import { KernelWorkerError } from '../src/engine/threads/pool.js';
import { MIN_SIDE_BY_SIDE_MACS, MIN_THREADED_FLOATS, MIN_THREADED_MACS } from '../src/engine/threads/split.js';
import { nodeWorkerSource } from '../src/engine/threads/worker.js';
import { type LayerSpec, linear, relu } from '../src/nn/layers.js';
import { mnistCnn } from '../src/nn/mnist-cnn.js';
import { sequential } from '../src/nn/sequential.js';
import { SGD } from '../src/optim/sgd.js';
import { fit } from '../src/train/fit.js';

const THREADS = [1, 2, 3] as const;
let engines: Record<(typeof THREADS)[number], Engine>;
beforeAll(async () => {
  const [one, two, three] = await Promise.all(THREADS.map((threads) => createEngine({ threads })));
  engines = { 1: one!, 2: two!, 3: three! };
});
afterAll(() => Object.values(engines).forEach((e) => e.dispose()));

/** Deterministic values in [-1, 1) with some exact zeros and negatives (an LCG, so no seed library). */
function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s % 7 === 0 ? 0 : s / 2 ** 31 - 1;
  }
  return out;
}

/** The first index where a and b differ in their bits (−1: none), so a failure says where. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  if (x.length !== y.length) return Math.min(x.length, y.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

interface GemmCase { transA: number; transB: number; m: number; n: number; k: number; alpha: number; beta: number;
  bias: boolean; relu: boolean; pad: number }

/** C of `cs` computed on `engine`, operands at leading dimensions `pad` longer than needed. */
function gemmOn(engine: Engine, cs: GemmCase): Float32Array {
  const { transA, transB, m, n, k, pad } = cs;
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
  const a = engine.alloc(aRows * lda * 4), b = engine.alloc(bRows * ldb * 4), c = engine.alloc(m * ldc * 4);
  const bias = cs.bias ? engine.alloc(n * 4) : 0;
  engine.f32(a, aRows * lda).set(values(aRows * lda, 1));
  engine.f32(b, bRows * ldb).set(values(bRows * ldb, 2));
  engine.f32(c, m * ldc).set(values(m * ldc, 3));
  if (bias) engine.f32(bias, n).set(values(n, 4));
  engine.kernels.gemm(transA, transB, m, n, k, cs.alpha, a, lda, b, ldb, cs.beta, c, ldc, bias, cs.relu ? 1 : 0,
    engine.workspace);
  const result = Float32Array.from(engine.f32(c, m * ldc));
  for (const ptr of [a, b, c, bias]) if (ptr) engine.free(ptr);
  return result;
}

const gemmCases: GemmCase[] = [
  // Taller than wide (split by rows), wider than tall (split by columns), primes everywhere, every transpose.
  { transA: 0, transB: 0, m: 331, n: 67, k: 97, alpha: 1, beta: 0, bias: false, relu: false, pad: 0 },
  { transA: 0, transB: 1, m: 61, n: 293, k: 131, alpha: 1, beta: 0, bias: true, relu: true, pad: 3 },
  { transA: 1, transB: 0, m: 127, n: 129, k: 257, alpha: 0.5, beta: 1, bias: false, relu: false, pad: 1 },
  { transA: 1, transB: 1, m: 203, n: 205, k: 67, alpha: -1.5, beta: 0.25, bias: true, relu: false, pad: 5 },
  // The MLP's shapes: forward, input gradient, weight gradient (k past one 256-block).
  { transA: 0, transB: 1, m: 128, n: 256, k: 784, alpha: 1, beta: 0, bias: true, relu: true, pad: 0 },
  { transA: 0, transB: 0, m: 128, n: 784, k: 256, alpha: 1, beta: 0, bias: false, relu: false, pad: 0 },
  { transA: 1, transB: 0, m: 256, n: 784, k: 128, alpha: 1, beta: 1, bias: false, relu: false, pad: 0 },
  // Fewer tiles than threads along the cut: 5 rows (two MR tiles) by many columns is cut by columns,
  // and 9 columns by many rows by rows; 3 rows × 3 columns is too small to cut at all.
  { transA: 0, transB: 0, m: 5, n: 1031, k: 301, alpha: 1, beta: 0, bias: true, relu: false, pad: 0 },
  { transA: 0, transB: 0, m: 1033, n: 9, k: 293, alpha: 1, beta: 0, bias: false, relu: true, pad: 0 },
  { transA: 0, transB: 0, m: 3, n: 3, k: 1, alpha: 1, beta: 0, bias: true, relu: false, pad: 0 },
];

describe('threads give the bits of one thread', () => {
  it('each engine runs on the threads it was asked for', () => {
    for (const threads of THREADS) expect(engines[threads].threads).toBe(threads);
  });

  it.each(gemmCases.map((cs) => [`${cs.m}×${cs.n}×${cs.k} ${cs.transA ? 'T' : 'N'}${cs.transB ? 'T' : 'N'}`, cs] as const))(
    'gemm %s', (_, cs) => {
      const one = gemmOn(engines[1], cs);
      expect(one.some((v) => v !== 0)).toBe(true);
      for (const threads of [2, 3] as const) expect(firstDifference(gemmOn(engines[threads], cs), one), `${threads} threads`).toBe(-1);
    });

  it('with wide (4×16) tiles on every thread, the bits of one thread with 4×8 tiles', () => {
    const narrow = engines[1].wideTiles;
    engines[1].setWideTiles(false);
    const ones = gemmCases.map((cs) => gemmOn(engines[1], cs));
    engines[1].setWideTiles(narrow);
    for (const threads of THREADS) {
      const engine = engines[threads], before = engine.wideTiles;
      engine.setWideTiles(true);
      try {
        gemmCases.forEach((cs, i) => expect(firstDifference(gemmOn(engine, cs), ones[i]!), `${threads} threads, case ${i}`).toBe(-1));
      } finally {
        engine.setWideTiles(before);
      }
    }
  });

  it('the cases are big enough to be cut (but the last one)', () => {
    for (const cs of gemmCases.slice(0, -1)) expect(cs.m * cs.n * cs.k).toBeGreaterThanOrEqual(MIN_THREADED_MACS);
  });

  // gemmPair as a linear layer calls it: dW += dOutᵀ·x beside dx = dOut·W, each of rows × inF × outF
  // multiply-adds; side by side on two threads when that is past the threshold.
  function pairOn(engine: Engine, rows: number, inF: number, outF: number): Float32Array[] {
    const sizes = { dOut: rows * outF, x: rows * inF, w: outF * inF, dw: outF * inF, dx: rows * inF };
    const ptr = Object.fromEntries(Object.entries(sizes).map(([name, n], i) => {
      const p = engine.alloc(n * 4);
      engine.f32(p, n).set(values(n, 20 + i));
      return [name, p];
    })) as Record<keyof typeof sizes, number>;
    engine.gemmPair(
      [1, 0, outF, inF, rows, 1, ptr.dOut, outF, ptr.x, inF, 1, ptr.dw, inF, 0, 0, engine.workspace],
      [0, 0, rows, inF, outF, 1, ptr.dOut, outF, ptr.w, inF, 0, ptr.dx, inF, 0, 0, engine.workspace]);
    const result = [Float32Array.from(engine.f32(ptr.dw, sizes.dw)), Float32Array.from(engine.f32(ptr.dx, sizes.dx))];
    Object.values(ptr).forEach((p) => engine.free(p));
    return result;
  }

  it.each([[128, 257, 131], [128, 128, 10], [37, 19, 23]])('gemmPair of %i rows, %i → %i features: the bits of two gemm calls', (rows, inF, outF) => {
    const [dw, dx] = pairOn(engines[1], rows, inF, outF);
    expect(dw!.some((v) => v !== 0) && dx!.some((v) => v !== 0)).toBe(true);
    for (const threads of [2, 3] as const) {
      const [dwT, dxT] = pairOn(engines[threads], rows, inF, outF);
      expect(firstDifference(dwT!, dw!), `dW, ${threads} threads`).toBe(-1);
      expect(firstDifference(dxT!, dx!), `dx, ${threads} threads`).toBe(-1);
    }
    expect(rows * inF * outF >= MIN_SIDE_BY_SIDE_MACS).toBe(rows === 128);
  });

  // Optimizer updates, cut into ranges of whole f32x4 vectors: sizes past the threshold that split unevenly
  // (odd, and not a multiple of 4 or 3), with every option that selects another loop, over three steps.
  const updateSizes = [MIN_THREADED_FLOATS + 7, 3 * MIN_THREADED_FLOATS + 1];
  type UpdateCall = (engine: Engine, n: number, ptrs: number[], step: number) => void;
  const updateCases: [string, number, UpdateCall][] = [
    ['sgdStep, momentum, dampening, weight decay', 1, (e, n, [p, g, b], step) =>
      e.kernels.sgdStep(n, p!, g!, b!, 0.05, 0.9, 0.1, 1e-3, 0, 0, step === 0 ? 1 : 0)],
    ['sgdStep, Nesterov, maximize', 1, (e, n, [p, g, b], step) =>
      e.kernels.sgdStep(n, p!, g!, b!, 0.05, 0.9, 0, 0, 1, 1, step === 0 ? 1 : 0)],
    ['adamStep', 2, (e, n, [p, g, m, v], step) =>
      e.kernels.adamStep(n, p!, g!, m!, v!, 0, 1e-3, 0.9, 0.999, 1e-8, 0, 0, 0, 0, 1e-3 / (1 - 0.9 ** (step + 1)),
        Math.sqrt(1 - 0.999 ** (step + 1)))],
    ['adamStep, AdamW, AMSGrad', 3, (e, n, [p, g, m, v, vmax], step) =>
      e.kernels.adamStep(n, p!, g!, m!, v!, vmax!, 1e-3, 0.8, 0.99, 1e-6, 1e-2, 1, 1, 0, 1e-3 / (1 - 0.8 ** (step + 1)),
        Math.sqrt(1 - 0.99 ** (step + 1)))],
    ['rmspropStep, no momentum', 1, (e, n, [p, g, sq]) =>
      e.kernels.rmspropStep(n, p!, g!, sq!, 0, 0, 1e-2, 0.99, 1e-8, 0, 0, 0, 0)],
    ['rmspropStep, centered, momentum, weight decay', 3, (e, n, [p, g, sq, b, avg]) =>
      e.kernels.rmspropStep(n, p!, g!, sq!, b!, avg!, 1e-2, 0.9, 1e-8, 1e-3, 0.9, 1, 0)],
  ];

  /** The parameters and state after three updates of `n` floats on `engine`, each step with another gradient. */
  function updateOn(engine: Engine, n: number, states: number, call: UpdateCall): Float32Array[] {
    const ptrs = Array.from({ length: 2 + states }, () => engine.alloc(n * 4));
    engine.f32(ptrs[0]!, n).set(values(n, 12));
    for (let step = 0; step < 3; step++) {
      engine.f32(ptrs[1]!, n).set(values(n, 13 + step));
      call(engine, n, ptrs, step);
    }
    const result = ptrs.filter((_, i) => i !== 1).map((ptr) => Float32Array.from(engine.f32(ptr, n)));
    for (const ptr of ptrs) engine.free(ptr);
    return result;
  }

  it.each(updateCases.flatMap(([label, states, call]) => updateSizes.map((n) => [`${label}, n = ${n}`, n, states, call] as const)))(
    '%s', (_, n, states, call) => {
      const one = updateOn(engines[1], n, states, call);
      expect(one.every((a) => a.some((v) => v !== 0))).toBe(true);
      for (const threads of [2, 3] as const) {
        updateOn(engines[threads], n, states, call).forEach((a, i) =>
          expect(firstDifference(a, one[i]!), `array ${i}, ${threads} threads`).toBe(-1));
      }
    });

  interface ConvCase { batch: number; inC: number; inH: number; inW: number; outC: number; k: number; stride: number;
    pad: number; bias: boolean; relu: boolean }
  const convCases: ConvCase[] = [
    // dw cut by columns (45 taps), forward by images; 9 images for 2 and 3 threads.
    { batch: 9, inC: 5, inH: 15, inW: 17, outC: 6, k: 3, stride: 1, pad: 1, bias: true, relu: true },
    // dw cut by rows (33 channels, 9 taps), stride 2, no padding.
    { batch: 13, inC: 1, inH: 19, inW: 23, outC: 33, k: 3, stride: 2, pad: 0, bias: false, relu: false },
    // the MNIST CNN's first layer, batch 7
    { batch: 7, inC: 1, inH: 28, inW: 28, outC: 32, k: 3, stride: 1, pad: 0, bias: true, relu: false },
    // padded and long enough per image that the threads pad their images at the same time: each into its own copy
    { batch: 6, inC: 8, inH: 31, inW: 33, outC: 16, k: 5, stride: 1, pad: 2, bias: true, relu: false },
    // dw summed by lanes (5×5, stride 1, rows of 8 outputs); 3 threads cut a kernel row; an odd channel count
    { batch: 5, inC: 3, inH: 12, inW: 10, outC: 7, k: 5, stride: 1, pad: 1, bias: true, relu: true },
  ];
  const convLabel = (c: ConvCase) => `${c.batch}×${c.inC}×${c.inH}×${c.inW} → ${c.outC}, ${c.k}×${c.k}/${c.stride} pad ${c.pad}`;

  /** y of convForward and dw of convWeightGrad (added onto a non-zero dw) of `cs` on `engine`. */
  function convOn(engine: Engine, cs: ConvCase): { y: Float32Array; dw: Float32Array; dx: Float32Array } {
    const { batch, inC, inH, inW, outC, k, stride, pad } = cs;
    const outH = Math.floor((inH + 2 * pad - k) / stride) + 1, outW = Math.floor((inW + 2 * pad - k) / stride) + 1;
    const sizes = { x: batch * inC * inH * inW, w: outC * inC * k * k, y: batch * outC * outH * outW };
    const x = engine.alloc(sizes.x * 4), w = engine.alloc(sizes.w * 4), y = engine.alloc(sizes.y * 4);
    // One zero-bordered image per thread: a slice shared by two threads would race, and change the bits.
    const padded = pad > 0 ? engine.alloc(engine.threads * inC * (inH + 2 * pad) * (inW + 2 * pad) * 4) : 0;
    const dy = engine.alloc(sizes.y * 4), dw = engine.alloc(sizes.w * 4), bias = cs.bias ? engine.alloc(outC * 4) : 0;
    engine.f32(x, sizes.x).set(values(sizes.x, 5));
    engine.f32(w, sizes.w).set(values(sizes.w, 6));
    engine.f32(dy, sizes.y).set(values(sizes.y, 7));
    engine.f32(dw, sizes.w).set(values(sizes.w, 8));
    if (bias) engine.f32(bias, outC).set(values(outC, 9));
    engine.kernels.convForward(batch, inC, inH, inW, outC, k, k, stride, pad, x, w, bias, y, cs.relu ? 1 : 0, engine.workspace,
      padded);
    engine.kernels.convWeightGrad(batch, inC, inH, inW, outC, k, k, stride, pad, x, dy, dw, engine.workspace, padded);
    // One image's columns per thread, as for `padded`; dx is written over x.
    const cols = engine.alloc(engine.threads * engine.kernels.convInputGradScratchBytes(inC, inH, inW, k, k, stride, pad));
    engine.kernels.convInputGrad(batch, inC, inH, inW, outC, k, k, stride, pad, dy, w, x, engine.workspace, cols);
    const result = {
      y: Float32Array.from(engine.f32(y, sizes.y)), dw: Float32Array.from(engine.f32(dw, sizes.w)), dx: Float32Array.from(engine.f32(x, sizes.x)),
    };
    for (const ptr of [x, w, y, dy, dw, bias, padded, cols]) if (ptr) engine.free(ptr);
    return result;
  }

  it.each(convCases.map((cs) => [convLabel(cs), cs] as const))('convForward, convWeightGrad and convInputGrad %s', (_, cs) => {
    const one = convOn(engines[1], cs);
    expect(one.y.some((v) => v !== 0) && one.dw.some((v) => v !== 0) && one.dx.some((v) => v !== 0)).toBe(true);
    for (const threads of [2, 3] as const) {
      const other = convOn(engines[threads], cs);
      expect(firstDifference(other.y, one.y), `y, ${threads} threads`).toBe(-1);
      expect(firstDifference(other.dw, one.dw), `dw, ${threads} threads`).toBe(-1);
      expect(firstDifference(other.dx, one.dx), `dx, ${threads} threads`).toBe(-1);
    }
  });

  // Activations and `mul`, cut into ranges of whole vectors as the updates are: past the threshold, uneven.
  type ElementwiseName = 'reluForward' | 'reluBackward' | 'tanhForward' | 'tanhBackward' | 'sigmoidForward' | 'sigmoidBackward' | 'mul';
  const elementwiseCases: [ElementwiseName, number][] = [
    ['reluForward', 1], ['reluBackward', 2], ['tanhForward', 1], ['tanhBackward', 2], ['sigmoidForward', 1],
    ['sigmoidBackward', 2], ['mul', 2],
  ];

  /** The output of `name` over n floats from `inputs` arrays of values, written over the last input (in place). */
  function elementwiseOn(engine: Engine, name: ElementwiseName, inputs: number, n: number): Float32Array {
    const ptrs = Array.from({ length: inputs }, (_, i) => {
      const p = engine.alloc(n * 4);
      engine.f32(p, n).set(values(n, 30 + i));
      return p;
    });
    const call = engine.kernels[name] as (n: number, ...pointers: number[]) => void;
    call(n, ...ptrs, ptrs.at(-1)!);
    const result = Float32Array.from(engine.f32(ptrs.at(-1)!, n));
    ptrs.forEach((p) => engine.free(p));
    return result;
  }

  it.each(elementwiseCases.flatMap(([name, inputs]) => updateSizes.map((n) => [name, n, inputs] as const)))(
    '%s, n = %i', (name, n, inputs) => {
      const one = elementwiseOn(engines[1], name, inputs, n);
      expect(firstDifference(one, values(n, 29 + inputs))).not.toBe(-1);
      for (const threads of [2, 3] as const) {
        expect(firstDifference(elementwiseOn(engines[threads], name, inputs, n), one), `${threads} threads`).toBe(-1);
      }
    });

  it.each(updateSizes)('normalizeU8 (bytes in, floats out, cut in vectors of 16), n = %i', (n) => {
    const bytes = values(n, 35).map((v) => Math.floor((v + 1) * 128));
    const normalizeOn = (engine: Engine) => {
      const src = engine.alloc(n), dst = engine.alloc(n * 4);
      engine.u8(src, n).set(bytes);
      engine.kernels.normalizeU8(n, src, dst, 255);
      const result = Float32Array.from(engine.f32(dst, n));
      engine.free(src);
      engine.free(dst);
      return result;
    };
    const one = normalizeOn(engines[1]);
    expect(one.at(-1)).toBe(Math.fround(bytes.at(-1)! / 255));
    for (const threads of [2, 3] as const) expect(firstDifference(normalizeOn(engines[threads]), one), `${threads} threads`).toBe(-1);
  });

  // Rows cut between the threads: 128 rows of MNIST's 784 bytes, and 93 (uneven for 2 and 3 threads).
  it.each([128, 93])('gatherScaleU8, %i rows', (rows) => {
    const rowBytes = 784, count = 300;
    const images = Uint8Array.from(values(count * rowBytes, 36), (v) => Math.floor((v + 1) * 128));
    const indices = Uint32Array.from({ length: rows }, (_, r) => (r * 97 + 13) % count);
    const gatherOn = (engine: Engine) => {
      const [ind, img, dst] = [engine.alloc(rows * 4), engine.alloc(images.length), engine.alloc(rows * rowBytes * 4)];
      new Uint32Array(engine.buffer, ind, rows).set(indices);
      engine.u8(img, images.length).set(images);
      engine.kernels.gatherScaleU8(rows, rowBytes, ind, img, dst, 255);
      const result = Float32Array.from(engine.f32(dst, rows * rowBytes));
      [ind, img, dst].forEach((p) => engine.free(p));
      return result;
    };
    const one = gatherOn(engines[1]);
    const last = indices.at(-1)! * rowBytes + rowBytes - 1;
    expect(one.at(-1)).toBe(Math.fround(images[last]! / 255));
    for (const threads of [2, 3] as const) expect(firstDifference(gatherOn(engines[threads]), one), `${threads} threads`).toBe(-1);
  });

  // Max-pooling cut by planes: 2×2 windows (the vector path, with an odd column and row left over) and
  // 3×3 windows at stride 2 (the general path); 37 and 23 planes, uneven for 2 and 3 threads.
  const poolCases = [
    { planes: 37, inH: 45, inW: 41, k: 2, stride: 2 },
    { planes: 23, inH: 53, inW: 61, k: 3, stride: 2 },
  ];

  /** y and argmax of maxPoolForward, and dx of maxPoolBackward from them, of `cs` on `engine`. */
  function poolOn(engine: Engine, cs: (typeof poolCases)[number]): { y: Float32Array; argmax: Int32Array; dx: Float32Array } {
    const { planes, inH, inW, k, stride } = cs;
    const outs = planes * (Math.floor((inH - k) / stride) + 1) * (Math.floor((inW - k) / stride) + 1), ins = planes * inH * inW;
    const x = engine.alloc(ins * 4), y = engine.alloc(outs * 4), argmax = engine.alloc(outs * 4), dy = engine.alloc(outs * 4);
    // Rounded to a few values, so windows tie.
    engine.f32(x, ins).set(values(ins, 40).map((v) => Math.round(v * 4)));
    engine.f32(dy, outs).set(values(outs, 41));
    engine.kernels.maxPoolForward(planes, inH, inW, k, stride, x, y, argmax);
    engine.kernels.maxPoolBackward(planes, inH, inW, k, stride, dy, argmax, x);
    const result = {
      y: Float32Array.from(engine.f32(y, outs)), argmax: Int32Array.from(engine.i32(argmax, outs)), dx: Float32Array.from(engine.f32(x, ins)),
    };
    for (const ptr of [x, y, argmax, dy]) engine.free(ptr);
    return result;
  }

  it.each(poolCases.map((cs) => [`${cs.planes} planes of ${cs.inH}×${cs.inW}, ${cs.k}×${cs.k}/${cs.stride}`, cs] as const))(
    'maxPoolForward and maxPoolBackward, %s', (_, cs) => {
      expect(cs.planes * cs.inH * cs.inW).toBeGreaterThanOrEqual(MIN_THREADED_FLOATS);
      const one = poolOn(engines[1], cs);
      expect(one.dx.some((v) => v !== 0)).toBe(true);
      for (const threads of [2, 3] as const) {
        const other = poolOn(engines[threads], cs);
        expect(firstDifference(other.y, one.y), `y, ${threads} threads`).toBe(-1);
        expect(other.argmax, `argmax, ${threads} threads`).toEqual(one.argmax);
        expect(firstDifference(other.dx, one.dx), `dx, ${threads} threads`).toBe(-1);
      }
    });

  it('convBiasGrad cut by channels: 13 channels of 7 images of 29×31, added onto db', () => {
    const batch = 7, channels = 13, spatial = 29 * 31, n = batch * channels * spatial;
    expect(n).toBeGreaterThanOrEqual(MIN_THREADED_FLOATS);
    const biasGradOn = (engine: Engine) => {
      const dy = engine.alloc(n * 4), db = engine.alloc(channels * 4);
      engine.f32(dy, n).set(values(n, 50));
      engine.f32(db, channels).set(values(channels, 51));
      engine.kernels.convBiasGrad(batch, channels, spatial, dy, db, 1);
      const result = Float32Array.from(engine.f32(db, channels));
      engine.free(dy);
      engine.free(db);
      return result;
    };
    const one = biasGradOn(engines[1]);
    expect(firstDifference(one, values(channels, 51))).not.toBe(-1);
    for (const threads of [2, 3] as const) expect(firstDifference(biasGradOn(engines[threads]), one), `${threads} threads`).toBe(-1);
  });

  it("each thread pads its images into its own slice of `padded`: slice p holds the last image thread p padded", () => {
    const batch = 6, inC = 2, inH = 30, inW = 31, outC = 16, k = 3, pad = 1;
    const plane = (inH + 2 * pad) * (inW + 2 * pad), sliceFloats = inC * plane, imageFloats = inC * inH * inW;
    /** Image b of x with its zero border, as convForward copies it. */
    const paddedImage = (x: Float32Array, b: number) => {
      const out = new Float32Array(sliceFloats);
      for (let c = 0; c < inC; c++) for (let iy = 0; iy < inH; iy++) for (let ix = 0; ix < inW; ix++) {
        out[c * plane + (iy + pad) * (inW + 2 * pad) + ix + pad] = x[b * imageFloats + (c * inH + iy) * inW + ix]!;
      }
      return out;
    };
    const xs = values(batch * imageFloats, 10);
    for (const threads of [2, 3] as const) {
      const engine = engines[threads];
      const x = engine.alloc(xs.length * 4), w = engine.alloc(outC * inC * k * k * 4), y = engine.alloc(batch * outC * inH * inW * 4);
      const padded = engine.alloc(threads * sliceFloats * 4);
      engine.f32(x, xs.length).set(xs);
      engine.f32(w, outC * inC * k * k).set(values(outC * inC * k * k, 11));
      engine.kernels.convForward(batch, inC, inH, inW, outC, k, k, 1, pad, x, w, 0, y, 0, engine.workspace, padded);
      // Six images in `threads` equal shares, in order: thread p's last is image (p + 1) · 6 / threads − 1.
      const slice = (p: number) => engine.f32(padded + p * sliceFloats * 4, sliceFloats).slice();
      for (let p = 0; p < threads; p++) {
        const last = ((p + 1) * batch) / threads - 1;
        expect(firstDifference(slice(p), paddedImage(xs, last)), `forward, slice ${p}`).toBe(-1);
      }
      // The weight gradient's threads each pad every image, in order, whether dw is cut by rows or columns.
      engine.kernels.convWeightGrad(batch, inC, inH, inW, outC, k, k, 1, pad, x, y, w, engine.workspace, padded);
      for (let p = 0; p < threads; p++) expect(firstDifference(slice(p), paddedImage(xs, batch - 1)), `weight grad, slice ${p}`).toBe(-1);
      for (const ptr of [x, w, y, padded]) engine.free(ptr);
    }
  });

  /**
   * Trains `layers` from seed 1 with SGD momentum on the first `steps` batches of MNIST, once per thread
   * count; expects the same losses and weights from each, and returns the one-thread losses.
   */
  async function expectSameTraining(layers: LayerSpec[], options: { steps: number; batch: number; inputShape?: [number, number, number] }) {
    const { train } = await loadMnist();
    const { steps, batch, inputShape } = options;
    const small: Dataset = { ...train, count: steps * batch, images: train.images.subarray(0, steps * batch * 784),
      labels: train.labels.subarray(0, steps * batch) };
    const runs = [];
    for (const threads of THREADS) {
      const model = sequential(engines[threads], layers, { seed: 1, maxBatch: batch, inputShape });
      const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
      const history = await fit(model, optimizer, small, { epochs: 1, batchSize: batch, seed: 1 });
      runs.push({ losses: history.steps.map((s) => s.loss), params: model.parameters().map((p) => Float32Array.from(p.data)) });
      optimizer.dispose();
      model.dispose();
    }
    const [one, ...others] = runs;
    for (const other of others) {
      expect(other.losses).toEqual(one!.losses);
      other.params.forEach((p, i) => expect(firstDifference(p, one!.params[i]!), `parameter ${i}`).toBe(-1));
    }
    return one!.losses;
  }

  it('CNN training on MNIST (padded convs, so the per-thread padded copies): 30 steps give the same losses and weights', async () => {
    const losses = await expectSameTraining(mnistCnn(), { steps: 30, batch: 32, inputShape: [1, 28, 28] });
    expect(losses).toHaveLength(30);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
  });

  it('MLP training on MNIST: 300 steps of SGD with momentum give the same losses and weights', async () => {
    const losses = await expectSameTraining([linear(784, 256), relu(), linear(256, 128), relu(), linear(128, 10)],
      { steps: 300, batch: 64 });
    expect(losses).toHaveLength(300);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 3);
  });
});

describe('worker lifecycle', () => {
  it('engine.workerCalls counts the calls posted to workers: one per worker for a cut GEMM, none for a small one or on one thread', async () => {
    const product = (engine: Engine, m: number, n: number, k: number) => {
      const a = engine.alloc(m * k * 4), b = engine.alloc(k * n * 4), c = engine.alloc(m * n * 4);
      engine.kernels.gemm(0, 0, m, n, k, 1, a, k, b, n, 0, c, n, 0, 0, engine.workspace);
    };
    const engine = await createEngine({ threads: 3 });
    const before = engine.workerCalls;
    product(engine, 256, 64, 64);
    const cut = engine.workerCalls;
    expect(cut.posted - before.posted).toBe(2);
    expect(cut.takenOver - before.takenOver).toBeLessThanOrEqual(2);
    product(engine, 8, 8, 8);
    expect(engine.workerCalls.posted).toBe(cut.posted);
    engine.dispose();
    await engine.exited;
    const one = await createEngine({ threads: 1 });
    product(one, 256, 64, 64);
    expect(one.workerCalls).toEqual({ posted: 0, takenOver: 0 });
    one.dispose();
  });

  it('a kernel that throws on a worker is an error on the caller, and the engine goes on working', async () => {
    const engine = await createEngine({ threads: 2 });
    // 256 rows by 64 columns is cut by rows: the caller's half of C fits in memory, the worker's half
    // lies past its end, so only the worker's wasm traps.
    const m = 256, n = 64, k = 64;
    const a = engine.alloc(m * k * 4), b = engine.alloc(k * n * 4);
    const end = engine.buffer.byteLength;
    const c = end - (m / 2) * n * 4;
    expect(() => engine.kernels.gemm(0, 0, m, n, k, 1, a, k, b, n, 0, c, n, 0, 0, engine.workspace))
      .toThrow(KernelWorkerError);
    expect(() => engine.kernels.gemm(0, 0, m, n, k, 1, a, k, b, n, 0, c, n, 0, 0, engine.workspace))
      .toThrow(/kernel worker 1 threw: RuntimeError: memory access out of bounds/);
    const cs = { ...gemmCases[0]! };
    expect(firstDifference(gemmOn(engine, cs), gemmOn(engines[1], cs))).toBe(-1);
    engine.dispose();
    await engine.exited;
  });

  // Both run side by side: 128 × 64 × 64 multiply-adds, and the MLP's last layer's 128 × 128 × 10 (just past MIN_SIDE_BY_SIDE_MACS).
  it.each([[128, 64, 64], [128, 128, 10]])('gemmPair of %i × %i × %i on two threads runs a band of its second GEMM on the worker: a trap there is an error on the caller', async (m, n, k) => {
    const engine = await createEngine({ threads: 2 });
    const a = engine.alloc(m * k * 4), b = engine.alloc(k * n * 4), c = engine.alloc(m * n * 4), c2 = engine.alloc(m * n * 4);
    engine.f32(a, m * k).set(values(m * k, 30));
    engine.f32(b, k * n).set(values(k * n, 31));
    const product = (into: number) => [0, 0, m, n, k, 1, a, k, b, n, 0, into, n, 0, 0, engine.workspace] as const;
    // The second's C lies past the memory's end: the worker's band traps, whatever its size.
    const outside = engine.buffer.byteLength;
    expect(() => engine.gemmPair([...product(c)], [...product(outside)]))
      .toThrow(/kernel worker 1 threw: RuntimeError: memory access out of bounds/);
    engine.gemmPair([...product(c)], [...product(c2)]);
    expect(firstDifference(engine.f32(c2, m * n), engine.f32(c, m * n))).toBe(-1);
    engine.dispose();
    await engine.exited;
  });

  it('a worker watches for its next kernel only briefly, then sleeps: an idle engine takes next to no CPU', async () => {
    const engine = await createEngine({ threads: 3 });
    const n = 128, a = engine.alloc(n * n * 4), c = engine.alloc(n * n * 4);
    engine.kernels.gemm(0, 1, n, n, n, 1, a, n, a, n, 0, c, n, 0, 0, engine.workspace);
    const before = process.cpuUsage(), start = performance.now();
    await new Promise((r) => setTimeout(r, 300));
    const used = process.cpuUsage(before), elapsed = performance.now() - start;
    // Two workers that kept watching would take two cores for the whole wait.
    expect((used.user + used.system) / 1000).toBeLessThan(elapsed / 4);
    engine.dispose();
    await engine.exited;
  });

  it('dispose ends every worker, and use after dispose throws', async () => {
    const engine = await createEngine({ threads: 3 });
    let ended = false;
    const exited = engine.exited.then(() => { ended = true; });
    await new Promise((r) => setTimeout(r, 50));
    expect(ended).toBe(false);
    engine.dispose();
    await exited;
    expect(ended).toBe(true);
    expect(() => engine.alloc(4)).toThrow(/disposed/);
  });

  it('a process that trains on threads and disposes its engine exits by itself', () => {
    const script = `
      const { createEngine, sequential, linear, relu, SGD, fit } = await import(${JSON.stringify(resolve('dist/index.js'))});
      const engine = await createEngine({ threads: 3 });
      const model = sequential(engine, [linear(784, 64), relu(), linear(64, 10)], { seed: 1, maxBatch: 32 });
      const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
      const images = new Uint8Array(32 * 784).map((_, i) => (i * 7) % 256), labels = new Uint8Array(32).map((_, i) => i % 10);
      const history = await fit(model, opt, { images, labels, count: 32, rows: 28, cols: 28 }, { epochs: 2, batchSize: 32, seed: 1 });
      engine.dispose();
      await engine.exited;
      console.log('trained on', engine.threads, 'threads, loss', history.steps.every((s) => Number.isFinite(s.loss)));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe('trained on 3 threads, loss true');
  });

  it('rejects a thread count that is not a positive integer, or more than 1 on the js backend', async () => {
    await expect(createEngine({ threads: 0 })).rejects.toThrow(/threads must be an integer in \[1, 256\], got 0/);
    await expect(createEngine({ threads: 1.5 })).rejects.toThrow(RangeError);
    await expect(createEngine({ backend: 'js', threads: 2 })).rejects.toThrow(/threads must be 1 with the js backend/);
  });

  it("the worker's copy of the control layout agrees with control.ts", () => {
    const source = nodeWorkerSource();
    for (const name of ['SLOT_BYTES', 'POSTED', 'DONE', 'KERNEL', 'ARGC', 'STATUS', 'MESSAGE_LENGTH', 'ARGS_OFFSET', 'MAX_ARGS',
      'FINISHED_AT_OFFSET', 'CLAIMED', 'WORKER_POLL_US'] as const) {
      expect(source, name).toMatch(new RegExp(`\\b${name} = ${control[name]}\\b`));
    }
  });
});

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../src/engine/index.js';
import { Random } from '../src/random.js';

// The js gemm is checked against float64 arithmetic done here, and the wasm gemm (standard and relaxed
// builds) against the js gemm. Tolerances are worst-case rounding-error bounds (Higham, "Accuracy and
// Stability of Numerical Algorithms", §3.1): if every term of a sum passes through at most N roundings
// of unit roundoff u, the result is off by at most γ_N·M, γ_N = N·u / (1 − N·u), where
// M = |alpha|·Σ_p |op(A)[i,p]|·|op(B)[p,j]| + |beta·C[i,j]| + |bias[j]|. ReLU is 1-Lipschitz.

const U32 = 2 ** -24;
const U64 = 2 ** -53;
const gamma = (n: number, u: number) => (n * u) / (1 - n * u);

/**
 * js gemm vs exact: products of floats are exact in float64 (24 + 24 bits ≤ 53), each term then sees at
 * most k − 1 additions, the alpha scaling, the beta·C and bias additions (≤ k + 2 float64 roundings),
 * and the final float32 store rounds once more, by at most U32·|x̂| ≤ U32·(1 + γ)·M.
 */
const jsBound = (k: number) => gamma(k + 3, U64) + U32 * (1 + gamma(k + 3, U64));
/**
 * wasm gemm vs exact, float32 throughout: a term sees its product, at most k − 1 additions whatever the
 * k-blocking, the alpha scaling, the beta·C and bias additions: ≤ k + 3 roundings (fewer with FMA).
 */
const wasmBound = (k: number) => gamma(k + 3, U32);
/** This test's float64 reference and M are themselves within γ_{k+3}(float64) of exact. */
const referenceBound = (k: number) => gamma(k + 3, U64);

/** Floats of sentinel around every operand, to catch reads or writes outside it. */
const GUARD = 8;
const SENTINEL = 1234.5;

interface GemmCase {
  transA: number;
  transB: number;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  bias: boolean;
  relu: boolean;
  /** Extra columns beyond the minimum leading dimension of A, B and C. */
  padA: number;
  padB: number;
  padC: number;
  /** Floats by which every operand is shifted off 16-byte alignment. */
  offset: number;
  seed: number;
}

/** An operand with its guards: the matrix starts at `start` floats into `data`. */
interface Region {
  data: Float32Array;
  start: number;
}

interface Inputs {
  lda: number;
  ldb: number;
  ldc: number;
  a: Region;
  b: Region;
  c: Region;
  bias: Region | null;
}

const base: GemmCase = {
  transA: 0, transB: 0, m: 1, n: 1, k: 1, alpha: 1, beta: 0, bias: false, relu: false,
  padA: 0, padB: 0, padC: 0, offset: 0, seed: 1,
};

function region(values: Float32Array, offset: number): Region {
  const data = new Float32Array(GUARD + offset + values.length + GUARD).fill(SENTINEL);
  data.set(values, GUARD + offset);
  return { data, start: GUARD + offset };
}

function makeInputs(cs: GemmCase): Inputs {
  const rng = new Random(cs.seed);
  const uniform = (length: number) => Float32Array.from({ length }, () => rng.next() * 2 - 1);
  const lda = (cs.transA ? cs.m : cs.k) + cs.padA;
  const ldb = (cs.transB ? cs.k : cs.n) + cs.padB;
  const ldc = cs.n + cs.padC;
  const cValues = cs.beta === 0 ? new Float32Array(cs.m * ldc).fill(NaN) : uniform(cs.m * ldc);
  return {
    lda, ldb, ldc,
    a: region(uniform((cs.transA ? cs.k : cs.m) * lda), cs.offset),
    b: region(uniform((cs.transB ? cs.n : cs.k) * ldb), cs.offset),
    c: region(cValues, cs.offset),
    bias: cs.bias ? region(uniform(cs.n), cs.offset) : null,
  };
}

/** C[i, j] in float64 and its error scale M[i, j]. */
function reference(cs: GemmCase, inp: Inputs): { value: Float64Array; scale: Float64Array } {
  const { m, n, k, alpha, beta } = cs;
  const A = inp.a.data, B = inp.b.data, C = inp.c.data;
  const value = new Float64Array(m * n), scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0, abs = 0;
      for (let p = 0; p < k; p++) {
        const x = A[inp.a.start + (cs.transA ? p * inp.lda + i : i * inp.lda + p)];
        const y = B[inp.b.start + (cs.transB ? j * inp.ldb + p : p * inp.ldb + j)];
        sum += x * y;
        abs += Math.abs(x * y);
      }
      let v = alpha * sum, s = Math.abs(alpha) * abs;
      if (beta !== 0) {
        const cij = C[inp.c.start + i * inp.ldc + j];
        v += beta * cij;
        s += Math.abs(beta * cij);
      }
      if (inp.bias) {
        v += inp.bias.data[inp.bias.start + j];
        s += Math.abs(inp.bias.data[inp.bias.start + j]);
      }
      value[i * n + j] = cs.relu ? Math.max(v, 0) : v;
      scale[i * n + j] = s;
    }
  }
  return { value, scale };
}

/** Runs the case on `engine`; returns C's region (guards included) and whether A, B, bias survived. */
function runGemm(engine: Engine, cs: GemmCase, inp: Inputs): { c: Float32Array; inputsIntact: boolean } {
  const place = (r: Region) => {
    const ptr = engine.alloc(r.data.length * 4);
    engine.f32(ptr, r.data.length).set(r.data);
    return ptr;
  };
  const operands = [inp.a, inp.b, inp.c, ...(inp.bias ? [inp.bias] : [])];
  const [pa, pb, pc, pbias = 0] = operands.map(place);
  const at = (ptr: number, r: Region) => ptr + r.start * 4;
  engine.kernels.gemm(cs.transA, cs.transB, cs.m, cs.n, cs.k, cs.alpha, at(pa, inp.a), inp.lda,
    at(pb, inp.b), inp.ldb, cs.beta, at(pc, inp.c), inp.ldc, inp.bias ? at(pbias, inp.bias) : 0, cs.relu ? 1 : 0,
    engine.workspace);
  const same = (ptr: number, r: Region) => sameBits(engine.f32(ptr, r.data.length), r.data) === -1;
  const inputsIntact = same(pa, inp.a) && same(pb, inp.b) && (!inp.bias || same(pbias, inp.bias));
  const c = engine.f32(pc, inp.c.data.length).slice();
  for (const ptr of [pa, pb, pc, ...(inp.bias ? [pbias] : [])]) engine.free(ptr);
  return { c, inputsIntact };
}

/** The m×n block of C out of its region. */
function block(cs: GemmCase, inp: Inputs, c: Float32Array): Float32Array {
  const out = new Float32Array(cs.m * cs.n);
  for (let i = 0; i < cs.m; i++) {
    const row = inp.c.start + i * inp.ldc;
    out.set(c.subarray(row, row + cs.n), i * cs.n);
  }
  return out;
}

/** Index of the first float whose bits differ, or −1. */
function sameBits(x: Float32Array, y: Float32Array): number {
  const bx = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const by = new Uint32Array(y.buffer, y.byteOffset, y.length);
  for (let i = 0; i < bx.length; i++) if (bx[i] !== by[i]) return i;
  return bx.length === by.length ? -1 : bx.length;
}

/**
 * Checks C's m×n block against `expected` within bound·M, and that everything else in C's region (the
 * ldc padding, the guards) kept its bits. Returns a description of the first failure, or null.
 */
function mismatch(cs: GemmCase, inp: Inputs, c: Float32Array, expected: ArrayLike<number>,
  scale: Float64Array, bound: number): object | null {
  for (let i = 0; i < cs.m; i++) {
    for (let j = 0; j < cs.n; j++) {
      const actual = c[inp.c.start + i * inp.ldc + j], want = expected[i * cs.n + j];
      const tolerance = bound * scale[i * cs.n + j];
      if (!(Math.abs(actual - want) <= tolerance)) return { i, j, actual, want, tolerance };
    }
  }
  const untouched = Float32Array.from(inp.c.data);
  for (let i = 0; i < cs.m; i++) {
    const row = inp.c.start + i * inp.ldc;
    untouched.set(c.subarray(row, row + cs.n), row);
  }
  const changed = sameBits(c, untouched);
  return changed === -1 ? null : { writtenOutsideC: changed - inp.c.start, value: c[changed] };
}

const describeCase = (cs: GemmCase) =>
  `${cs.transA ? 'T' : 'N'}${cs.transB ? 'T' : 'N'} ${cs.m}×${cs.n}×${cs.k} alpha=${cs.alpha} beta=${cs.beta}` +
  `${cs.bias ? ' +bias' : ''}${cs.relu ? ' relu' : ''}` +
  `${cs.padA + cs.padB + cs.padC ? ` pad=${cs.padA},${cs.padB},${cs.padC}` : ''}${cs.offset ? ` offset=${cs.offset}` : ''}`;

const transposes = [[0, 0], [0, 1], [1, 0], [1, 1]];
const shapes: [number, number, number][] = [
  [1, 1, 1], [1, 9, 1], [9, 1, 1], [1, 1, 300],
  [7, 13, 11], [13, 17, 29], [31, 37, 41], [3, 5, 2], [17, 23, 1],
  [4, 8, 16], [5, 9, 3], [6, 7, 5], [9, 15, 17], [64, 64, 64],
  [9, 11, 2000], [5, 17, 2000], [96, 24, 50], [90, 33, 257],
  [101, 1031, 300], // more than one block along every dimension
];
const epilogues: Partial<GemmCase>[] = [
  { alpha: 1, beta: 0 },
  { alpha: 0.5, beta: 1, bias: true },
  { alpha: -1.25, beta: 0.75, relu: true },
  { alpha: 2, beta: -1, bias: true, relu: true, padA: 3, padB: 1, padC: 5, offset: 1 },
  { alpha: Math.fround(0.3), beta: 0, bias: true, relu: true, padA: 1, padB: 7, padC: 2, offset: 3 },
];
const cases: GemmCase[] = shapes.flatMap(([m, n, k], s) =>
  transposes.map(([transA, transB], t) => ({
    ...base, ...epilogues[(s + t) % epilogues.length], transA, transB, m, n, k, seed: 100 * s + t,
  })));

const prepared = new Map<GemmCase, { inp: Inputs; ref: ReturnType<typeof reference>; js: Float32Array }>();
let jsEngine: Engine;

/** Inputs, float64 reference and js result of a case, computed once and shared by the suites. */
function prepare(cs: GemmCase) {
  let p = prepared.get(cs);
  if (!p) {
    const inp = makeInputs(cs);
    p = { inp, ref: reference(cs, inp), js: runGemm(jsEngine, cs, inp).c };
    prepared.set(cs, p);
  }
  return p;
}

beforeAll(async () => {
  jsEngine = await createEngine({ backend: 'js' });
});

describe('js gemm against float64 arithmetic', () => {
  it.each(cases.map((cs) => [describeCase(cs), cs] as const))('%s', (_, cs) => {
    const { inp, ref, js } = prepare(cs);
    expect(mismatch(cs, inp, js, ref.value, ref.scale, jsBound(cs.k) + referenceBound(cs.k))).toBeNull();
  });

  it('reports no workspace', () => {
    expect(jsEngine.kernels.gemmWorkspaceBytes()).toBe(0);
  });
});

/** Random cases: shapes, transposes, strides, offsets and epilogues; `narrower` replaces some of the ranges. */
function arbitraryGemmCase(narrower: Partial<{ [K in keyof GemmCase]: fc.Arbitrary<GemmCase[K]> }>): fc.Arbitrary<GemmCase> {
  const scalar = fc.constantFrom(0, 1, -1, 0.5, 2, Math.fround(-0.7), Math.fround(1.3));
  return fc.record({
    transA: fc.integer({ min: 0, max: 1 }),
    transB: fc.integer({ min: 0, max: 1 }),
    m: fc.integer({ min: 1, max: 40 }),
    n: fc.integer({ min: 1, max: 40 }),
    k: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 700 })),
    alpha: scalar.filter((x) => x !== 0),
    beta: scalar,
    bias: fc.boolean(),
    relu: fc.boolean(),
    padA: fc.integer({ min: 0, max: 4 }),
    padB: fc.integer({ min: 0, max: 4 }),
    padC: fc.integer({ min: 0, max: 4 }),
    offset: fc.integer({ min: 0, max: 3 }),
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    ...narrower,
  });
}

describe.each(['standard', 'relaxed'] as const)('wasm gemm (%s SIMD) against the js gemm', (simd) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await createEngine({ backend: 'wasm', simd });
    expect(engine.simd).toBe(simd);
  });

  it.each(cases.map((cs) => [describeCase(cs), cs] as const))('%s', (_, cs) => {
    const { inp, ref, js } = prepare(cs);
    const { c, inputsIntact } = runGemm(engine, cs, inp);
    expect(inputsIntact).toBe(true);
    expect(mismatch(cs, inp, c, block(cs, inp, js), ref.scale, wasmBound(cs.k) + jsBound(cs.k))).toBeNull();
  });

  it('never reads C when beta = 0: NaN there does not leak into the result', () => {
    const cs = { ...base, m: 13, n: 21, k: 37, beta: 0, bias: true, padC: 3, seed: 7 };
    const inp = makeInputs(cs);
    expect(inp.c.data[inp.c.start]).toBeNaN();
    const { c } = runGemm(engine, cs, inp);
    for (let i = 0; i < cs.m; i++) {
      for (let j = 0; j < cs.n; j++) expect(Number.isFinite(c[inp.c.start + i * inp.ldc + j])).toBe(true);
    }
  });

  it('writes nothing when m or n is 0, and gives beta·C + bias (then ReLU) when k is 0', () => {
    const empty: GemmCase[] = [
      { ...base, m: 0, n: 5, k: 3, beta: 1, bias: true },
      { ...base, m: 4, n: 0, k: 3, beta: 1, padC: 2 },
      { ...base, m: 5, n: 9, k: 0, alpha: 2, beta: 0.5, bias: true, relu: true, padC: 2, seed: 4 },
      { ...base, m: 3, n: 4, k: 0, beta: 0, transA: 1, transB: 1, bias: true, seed: 5 },
    ];
    for (const cs of empty) {
      const inp = makeInputs(cs);
      const ref = reference(cs, inp);
      for (const e of [engine, jsEngine]) {
        const { c } = runGemm(e, cs, inp);
        expect(mismatch(cs, inp, c, ref.value, ref.scale, wasmBound(cs.k) + referenceBound(cs.k))).toBeNull();
      }
    }
  });

  it('adds bias and applies ReLU once, after the full k sum', () => {
    // Sums of ±1 are exact. Column 0 runs negative for 300 steps and ends at 1400; column 1 runs
    // positive for 1500 steps and ends at 1000. With bias −1399.5 the answer is [0.5, 0]; a bias or ReLU
    // applied per k-block would give something else.
    const k = 2000;
    const cs = { ...base, m: 1, n: 2, k, bias: true, relu: true };
    const b = new Float32Array(2 * k);
    for (let p = 0; p < k; p++) {
      b[2 * p] = p < 300 ? -1 : 1;
      b[2 * p + 1] = p < 1500 ? 1 : -1;
    }
    const inp: Inputs = {
      lda: k, ldb: 2, ldc: 2,
      a: region(new Float32Array(k).fill(1), 0),
      b: region(b, 0),
      c: region(Float32Array.of(NaN, NaN), 0),
      bias: region(Float32Array.of(-1399.5, -1399.5), 0),
    };
    for (const e of [engine, jsEngine]) {
      const { c } = runGemm(e, cs, inp);
      expect([...c.subarray(inp.c.start, inp.c.start + 2)]).toEqual([0.5, 0]);
    }
  });

  it('gives the same bits wherever the operands live and whatever the workspace held', () => {
    const cs = { ...base, m: 37, n: 45, k: 513, alpha: 0.75, beta: 0.5, bias: true, relu: true, seed: 3 };
    const inp = makeInputs(cs);
    const first = runGemm(engine, cs, inp).c;
    engine.f32(engine.workspace, engine.kernels.gemmWorkspaceBytes() / 4).fill(NaN);
    const again = runGemm(engine, cs, inp).c;
    expect(sameBits(again, first)).toBe(-1);
    const shifted = { ...cs, offset: 1 };
    const shiftedInp = makeInputs(shifted);
    const moved = runGemm(engine, shifted, shiftedInp).c;
    for (let i = 0; i < cs.m; i++) {
      const row = (r: Region) => r.start + i * inp.ldc;
      expect(sameBits(moved.subarray(row(shiftedInp.c), row(shiftedInp.c) + cs.n),
        first.subarray(row(inp.c), row(inp.c) + cs.n))).toBe(-1);
    }
  });

  it('matches the js gemm on random shapes, transposes, strides and epilogues (property)', () => {
    const arbitraryCase = arbitraryGemmCase({});
    fc.assert(fc.property(arbitraryCase, (cs) => {
      const inp = makeInputs(cs);
      const ref = reference(cs, inp);
      const js = runGemm(jsEngine, cs, inp).c;
      const { c, inputsIntact } = runGemm(engine, cs, inp);
      return inputsIntact && mismatch(cs, inp, c, block(cs, inp, js), ref.scale, wasmBound(cs.k) + jsBound(cs.k)) === null;
    }), { numRuns: 200, seed: 20240611 });
  });

  it('gives the same bits with wide (4×16) tiles as with 4×8 ones, and writes nothing outside C (property)', async () => {
    const narrow = await createEngine({ backend: 'wasm', simd, threads: 1 });
    const wide = await createEngine({ backend: 'wasm', simd, threads: 1 });
    narrow.setWideTiles(false);
    wide.setWideTiles(true);
    expect([narrow.wideTiles, wide.wideTiles]).toEqual([false, true]);
    const arbitraryCase = arbitraryGemmCase({
      // Up to 5 panels of 8 and an edge: pairs of panels, a panel left alone, half and partial strips.
      n: fc.integer({ min: 1, max: 45 }),
      k: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 250, max: 520 })),
      alpha: fc.constantFrom(1, -1, 0.5, Math.fround(1.3)),
      beta: fc.constantFrom(0, 1, Math.fround(-0.7)),
    });
    fc.assert(fc.property(arbitraryCase, (cs) => {
      const inp = makeInputs(cs);
      return sameBits(runGemm(wide, cs, inp).c, runGemm(narrow, cs, inp).c) === -1;
    }), { numRuns: 150, seed: 20261128 });
    narrow.dispose();
    wide.dispose();
  });
});

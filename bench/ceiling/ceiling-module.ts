import * as wasm from './wasm-bytes.js';

/**
 * A tiny hand-assembled WebAssembly module for the arithmetic ceiling of f32x4 SIMD: each exported
 * function runs N independent chains held in v128 locals (registers), its loop body unrolled UNROLL
 * times, and returns a lane of their sum so nothing is dead code. Per chain and step, in WAT terms:
 *
 *   mulAdd<N>           acc = f32x4.add(f32x4.mul(acc, c), d)          c = 0.5, d = 1 (acc → 2)
 *   mulAddPipelined<N>  m' = f32x4.mul(acc, c); acc = f32x4.add(acc, m); m = m'     c = -1 (period 6)
 *   mulAndAdd<N>        m = f32x4.mul(m, c); acc = f32x4.add(acc, d)   c = 1, d = 0 (all stay 1)
 *   fma<N>              acc = f32x4.relaxed_madd(acc, c, d)            c = 0.5, d = 1 (acc → 2)
 *
 * each as (func (param $iterations i32) (param $c f32) (param $d f32) (result f32)). A step is 8
 * flops: 4 lanes × (mul + add), or 4 lanes × FMA. In mulAdd a step waits for the mul and then the add;
 * the other two forms take the mul off the chain's critical path, as in a GEMM micro-kernel, whose
 * products don't depend on the accumulators. Which form and how many chains saturate the ports
 * depends on the CPU (and at most 15 v128 values fit x64's registers beside V8's scratch register),
 * so several are measured and the best median is the ceiling. c and d are parameters, which the
 * compiler cannot fold; the values stay bounded, with no denormals and no overflow.
 *
 * Paired variants (`mulAdd16paired`, …; mulAdd, mulAndAdd and fma) end differently: instead of adding
 * their chains up, they `v128.store` chain i's value(s) at byte 16·i of the module's memory (exported as
 * `memory`; mulAndAdd's m_i follow the acc_i) and return c. The reason is V8's revectorizer (Node ≥ 24,
 * --experimental-wasm-revectorize), which fuses two f32x4 operations into one 256-bit AVX2 operation only
 * where it finds them side by side: it starts from v128 stores to adjacent addresses and packs what feeds
 * them, up through the loop. Chains reduced in registers are never stored, stay 128-bit, and so are no
 * ceiling for a revectorized GEMM, whose stores of C tiles are adjacent. Paired, chains 2j and 2j+1 become
 * one ymm chain, so twice as many chains fit x64's 16 ymm registers (and even counts only).
 */

export type CeilingOp = 'mulAdd' | 'mulAddPipelined' | 'mulAndAdd' | 'fma';

export interface CeilingFunction {
  name: string;
  op: CeilingOp;
  chains: number;
  flopsPerIteration: number;
  c: number;
  d: number;
  /** Stores its chains side by side instead of adding them up: the revectorizer fuses them in pairs. */
  paired: boolean;
}

export const UNROLL = 4;

/** Chains per variant (mulAddPipelined and mulAndAdd hold two v128 values per chain). */
const CHAINS: Record<CeilingOp, readonly number[]> = {
  mulAdd: [8, 10, 12, 13],
  mulAddPipelined: [4, 5, 6],
  mulAndAdd: [4, 5, 6],
  fma: [8, 10, 12],
};

/** Chains of the paired variants: pairs of 128-bit chains, up to what 16 ymm registers hold beside c and d. */
const PAIRED_CHAINS: Partial<Record<CeilingOp, readonly number[]>> = {
  mulAdd: [16, 20, 24, 26],
  mulAndAdd: [8, 10, 12],
  fma: [16, 20, 24, 26],
};

export function ceilingFunctions(kind: CeilingOp): CeilingFunction[] {
  return CHAINS[kind].map((chains) => ceilingFunction(kind, chains, false));
}

/** The paired variants of `kind` (none for mulAddPipelined). */
export function pairedCeilingFunctions(kind: CeilingOp): CeilingFunction[] {
  return (PAIRED_CHAINS[kind] ?? []).map((chains) => ceilingFunction(kind, chains, true));
}

export function ceilingFunction(kind: CeilingOp, chains: number, paired: boolean): CeilingFunction {
  return {
    name: `${kind}${chains}${paired ? 'paired' : ''}`,
    op: kind,
    chains,
    flopsPerIteration: chains * UNROLL * 8,
    c: kind === 'mulAddPipelined' ? -1 : kind === 'mulAndAdd' ? 1 : 0.5,
    d: kind === 'mulAndAdd' ? 0 : 1,
    paired,
  };
}

const { F32, I32, V128, op, simd } = wasm;
const { get, section, set, simdOp, uleb, vector, name } = wasm;

/** Locals: 0 iterations (i32), 1 c, 2 d (f32); then v128: vc, vd, acc_0..acc_{N-1}, m_0..m_{N-1}. */
function body(fn: CeilingFunction): number[] {
  const n = fn.chains;
  const vc = 3;
  const vd = 4;
  const acc = (i: number) => 5 + i;
  const m = (i: number) => 5 + n + i;
  const pipelined = fn.op === 'mulAddPipelined' || fn.op === 'mulAndAdd';
  const code: number[] = [];
  code.push(...get(1), ...simdOp(simd.f32x4Splat), ...set(vc));
  code.push(...get(2), ...simdOp(simd.f32x4Splat), ...set(vd));
  const start = fn.op === 'mulAndAdd' ? vc : vd; // mulAndAdd: every value stays 1
  for (let i = 0; i < n; i++) code.push(...get(start), ...set(acc(i)));
  if (pipelined) for (let i = 0; i < n; i++) code.push(...get(start), ...set(m(i)));
  code.push(op.loop, 0x40);
  for (let u = 0; u < UNROLL; u++) {
    for (let i = 0; i < n; i++) {
      if (fn.op === 'mulAdd') {
        code.push(...get(acc(i)), ...get(vc), ...simdOp(simd.f32x4Mul), ...get(vd), ...simdOp(simd.f32x4Add), ...set(acc(i)));
      } else if (fn.op === 'fma') {
        code.push(...get(acc(i)), ...get(vc), ...get(vd), ...simdOp(simd.f32x4RelaxedMadd), ...set(acc(i)));
      } else if (fn.op === 'mulAndAdd') {
        code.push(...get(m(i)), ...get(vc), ...simdOp(simd.f32x4Mul), ...set(m(i)));
        code.push(...get(acc(i)), ...get(vd), ...simdOp(simd.f32x4Add), ...set(acc(i)));
      } else {
        code.push(...get(acc(i)), ...get(vc), ...simdOp(simd.f32x4Mul)); // m'_i stays on the stack
        code.push(...get(acc(i)), ...get(m(i)), ...simdOp(simd.f32x4Add), ...set(acc(i)), ...set(m(i)));
      }
    }
  }
  code.push(...get(0), op.i32Const, 1, op.i32Sub, op.localTee, 0, op.brIf, 0, op.end);
  if (fn.paired) {
    const values = [...Array.from({ length: n }, (_, i) => acc(i)), ...(pipelined ? Array.from({ length: n }, (_, i) => m(i)) : [])];
    values.forEach((local, i) => code.push(op.i32Const, 0, ...get(local), ...wasm.v128Memory(simd.v128Store, 16 * i)));
    code.push(...get(1), op.end);
  } else {
    code.push(...get(acc(0)));
    for (let i = 1; i < n; i++) code.push(...get(acc(i)), ...simdOp(simd.f32x4Add));
    if (pipelined) for (let i = 0; i < n; i++) code.push(...get(m(i)), ...simdOp(simd.f32x4Add));
    code.push(...simdOp(simd.f32x4ExtractLane), 0, op.end);
  }
  const content = [...vector([[...uleb(pipelined ? 2 * n + 2 : n + 2), V128]]), ...code];
  return [...uleb(content.length), ...content];
}

/** Bytes a paired function stores: up to 2 v128 values per chain. */
export const pairedStoreBytes = (fn: CeilingFunction) => 16 * fn.chains * (fn.op === 'mulAndAdd' ? 2 : 1);

/**
 * One exported function per entry of `functions`, each of type (i32, f32, f32) → f32; with paired
 * functions, also a one-page memory, exported as `memory`, for their stores.
 */
export function ceilingModuleBytes(functions: readonly CeilingFunction[]): Uint8Array<ArrayBuffer> {
  const withMemory = functions.some((fn) => fn.paired);
  const types = section(1, vector([[0x60, ...vector([[I32], [F32], [F32]]), ...vector([[F32]])]]));
  const funcs = section(3, vector(functions.map(() => [0])));
  const memory = withMemory ? section(5, vector([[0x00, 1]])) : [];
  const memoryExport = withMemory ? [[...name('memory'), 0x02, 0]] : [];
  const exports = section(7, vector([...functions.map((fn, i) => [...name(fn.name), 0x00, ...uleb(i)]), ...memoryExport]));
  const code = section(10, vector(functions.map(body)));
  return new Uint8Array([...wasm.header, ...types, ...funcs, ...memory, ...exports, ...code]);
}

/** Runs `iterations` (≥ 1) loop iterations. */
export type CeilingKernel = (iterations: number, c: number, d: number) => number;

export interface CeilingInstance {
  kernels: Map<string, CeilingKernel>;
  /** Where the paired functions store their chains; null without paired functions. */
  memory: WebAssembly.Memory | null;
}

/** Compiles and instantiates the functions (fma: the caller has checked relaxed-SIMD support first). */
export function instantiateCeilingModule(functions: readonly CeilingFunction[]): CeilingInstance {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(ceilingModuleBytes(functions)), {});
  return {
    kernels: new Map(functions.map((fn) => [fn.name, instance.exports[fn.name] as CeilingKernel])),
    memory: (instance.exports.memory as WebAssembly.Memory | undefined) ?? null,
  };
}

export const instantiateCeiling = (functions: readonly CeilingFunction[]) => instantiateCeilingModule(functions).kernels;

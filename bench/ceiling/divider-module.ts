import * as wasm from './wasm-bytes.js';

const { F32, I32, V128, op, simd, get, section, set, simdOp, uleb, vector, name } = wasm;

/** Independent chains, enough to cover the latency of a sqrt and two divisions in a row. */
export const CHAINS = 8;

/**
 * The arithmetic bound of an Adam update: per f32x4 of parameters, PyTorch's formula needs one sqrt
 * and two divisions, `p − (stepSize·m) / (sqrt(v) / bc2Sqrt + eps)`, and the divider runs them one after
 * another whatever the memory does. This hand-assembled function runs that arithmetic alone on CHAINS
 * values held in registers, per chain and step in WAT terms:
 *
 *   x = f32x4.div(f32x4.mul(s, x), f32x4.add(f32x4.div(f32x4.sqrt(x), bc), e))
 *
 * (func (param $iterations i32) (param $s f32) (param $bc f32) (param $e f32) (result f32)). With
 * s = bc = x = 1 and e = 0 every value stays exactly 1; the parameters keep the compiler from folding.
 */
export function dividerModuleBytes(): Uint8Array<ArrayBuffer> {
  const [iterations, s, bc, e, vs, vbc, ve] = [0, 1, 2, 3, 4, 5, 6];
  const chain = (i: number) => 7 + i;
  const code: number[] = [];
  for (const [scalar, splat] of [[s, vs], [bc, vbc], [e, ve]] as const) {
    code.push(...get(scalar), ...simdOp(simd.f32x4Splat), ...set(splat));
  }
  for (let i = 0; i < CHAINS; i++) code.push(...get(vs), ...set(chain(i)));
  code.push(op.loop, 0x40);
  for (let i = 0; i < CHAINS; i++) {
    code.push(...get(vs), ...get(chain(i)), ...simdOp(simd.f32x4Mul));
    code.push(...get(chain(i)), ...simdOp(simd.f32x4Sqrt), ...get(vbc), ...simdOp(simd.f32x4Div));
    code.push(...get(ve), ...simdOp(simd.f32x4Add), ...simdOp(simd.f32x4Div), ...set(chain(i)));
  }
  code.push(...get(iterations), op.i32Const, 1, op.i32Sub, op.localTee, iterations, op.brIf, 0, op.end);
  code.push(...get(chain(0)));
  for (let i = 1; i < CHAINS; i++) code.push(...get(chain(i)), ...simdOp(simd.f32x4Add));
  code.push(...simdOp(simd.f32x4ExtractLane), 0, op.end);
  const body = [...vector([[...uleb(3 + CHAINS), V128]]), ...code];
  return new Uint8Array([
    ...wasm.header,
    ...section(1, vector([[0x60, ...vector([[I32], [F32], [F32], [F32]]), ...vector([[F32]])]])),
    ...section(3, vector([[0]])),
    ...section(7, vector([[...name('adamArithmetic'), 0x00, 0]])),
    ...section(10, vector([[...uleb(body.length), ...body]])),
  ]);
}

/** Runs `iterations` (≥ 1) loop iterations of CHAINS steps; each step is Adam's arithmetic for 4 parameters. */
export type DividerKernel = (iterations: number) => void;

export function instantiateDivider(): DividerKernel {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(dividerModuleBytes()), {});
  const run = instance.exports.adamArithmetic as (iterations: number, s: number, bc: number, e: number) => number;
  return (iterations) => {
    if (run(iterations, 1, 1, 0) !== CHAINS) throw new Error('the divider module lost its fixed point');
  };
}

/** Parameters one call of `iterations` iterations stands for. */
export const paramsPerCall = (iterations: number) => iterations * CHAINS * 4;

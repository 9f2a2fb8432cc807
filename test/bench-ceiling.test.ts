// The ceiling module's paired variants (bench/ceiling/ceiling-module.ts) store their chains instead of
// adding them up, for V8's revectorizer to fuse; they must compute what the unpaired ones do.
import { describe, expect, it } from 'vitest';
import {
  ceilingFunction, ceilingFunctions, ceilingModuleBytes, type CeilingOp, instantiateCeilingModule, pairedCeilingFunctions,
  pairedStoreBytes, UNROLL,
} from '../bench/ceiling/ceiling-module.js';
import { supportsRelaxedSimd } from '../src/engine/features.js';

const ops: CeilingOp[] = supportsRelaxedSimd() ? ['mulAdd', 'mulAndAdd', 'fma'] : ['mulAdd', 'mulAndAdd'];
const ITERATIONS = 3;

/** One chain's value after `steps` steps, in f32 arithmetic (c = 0.5 makes a fused multiply-add exact too). */
function chainValue(op: CeilingOp, c: number, d: number, steps: number): { acc: number; m: number } {
  if (op === 'mulAndAdd') {
    let acc = Math.fround(c), m = Math.fround(c);
    for (let s = 0; s < steps; s++) {
      m = Math.fround(m * c);
      acc = Math.fround(acc + d);
    }
    return { acc, m };
  }
  let acc = Math.fround(d);
  for (let s = 0; s < steps; s++) acc = Math.fround(Math.fround(acc * c) + d);
  return { acc, m: NaN };
}

describe('paired ceiling variants', () => {
  it('only mulAddPipelined has none, and every count is even (chains fuse in pairs)', () => {
    expect(pairedCeilingFunctions('mulAddPipelined')).toEqual([]);
    for (const op of ['mulAdd', 'mulAndAdd', 'fma'] as const) {
      const fns = pairedCeilingFunctions(op);
      expect(fns.length).toBeGreaterThan(0);
      for (const fn of fns) {
        expect(fn.chains % 2).toBe(0);
        expect(fn.paired).toBe(true);
        expect(fn.name).toBe(`${op}${fn.chains}paired`);
      }
    }
  });

  it('a module without paired functions has no memory, so the 128-bit variants compile as before', () => {
    expect(instantiateCeilingModule(ceilingFunctions('mulAdd')).memory).toBeNull();
  });

  it('the f32 reference: mulAdd with c = 0.5, d = 1 tends to 2, exactly so in f32', () => {
    expect(chainValue('mulAdd', 0.5, 1, ITERATIONS * UNROLL).acc).toBe(2 - 2 ** -(ITERATIONS * UNROLL));
  });

  it('their module validates, and they store the values the unpaired form of the same op and chains adds up', () => {
    const paired = ops.flatMap(pairedCeilingFunctions);
    expect(WebAssembly.validate(ceilingModuleBytes(paired))).toBe(true);
    const { kernels, memory } = instantiateCeilingModule(paired);
    for (const fn of paired) {
      const unpaired = ceilingFunction(fn.op, fn.chains, false);
      const sum = instantiateCeilingModule([unpaired]).kernels.get(unpaired.name)!(ITERATIONS, fn.c, fn.d);
      new Uint8Array(memory!.buffer).fill(0);
      expect(kernels.get(fn.name)!(ITERATIONS, fn.c, fn.d)).toBe(fn.c);
      const stored = new Float32Array(memory!.buffer, 0, pairedStoreBytes(fn) / 4);
      const { acc, m } = chainValue(fn.op, fn.c, fn.d, ITERATIONS * UNROLL);
      const values = fn.op === 'mulAndAdd' ? [...Array(fn.chains).fill(acc), ...Array(fn.chains).fill(m)] : Array(fn.chains).fill(acc);
      expect([...stored]).toEqual(values.flatMap((v) => [v, v, v, v]));
      // Lane 0 of the stored values, added in the unpaired function's order.
      const lane0 = [...stored].filter((_, i) => i % 4 === 0).reduce((a, b) => Math.fround(a + b));
      expect({ op: fn.name, sum }).toEqual({ op: fn.name, sum: lane0 });
    }
  });
});

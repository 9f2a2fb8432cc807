import { supportsRelaxedSimd } from '../../src/engine/features.js';
import { type DisposableContender, interleave } from '../harness/interleave.js';
import { progress } from '../harness/log.js';
import type { Settings } from '../harness/settings.js';
import { rates, type Summary } from '../harness/stats.js';
import { type CeilingFunction, ceilingFunctions, type CeilingKernel, type CeilingOp, instantiateCeiling } from './ceiling-module.js';

export interface CeilingVariant {
  name: string;
  op: CeilingOp;
  chains: number;
  gflops: Summary;
}

export interface Ceiling {
  /** GFLOP/s of f32x4 mul + add: the best variant (by median) of the mulAdd forms. */
  mulAdd: CeilingVariant;
  /** GFLOP/s of f32x4.relaxed_madd; null where relaxed SIMD is missing. */
  fma: CeilingVariant | null;
  variants: CeilingVariant[];
}

/** Loop iterations per call: about a millisecond. */
const ITERATIONS = 100_000;

const functions = new Map<string, CeilingFunction>();
const kernels = new Map<string, CeilingKernel>();

/**
 * Compiles the functions not compiled yet, so ceilingContender can run them: the FMA forms apart (a CPU
 * or flag without relaxed SIMD must not cost the others), and the paired ones apart (their module has a
 * memory), so the 128-bit variants compile to the same module as ever.
 */
export function loadCeilingFunctions(wanted: readonly CeilingFunction[]): void {
  const fresh = wanted.filter((fn) => !functions.has(fn.name));
  const groups = new Map<string, CeilingFunction[]>();
  for (const fn of fresh) {
    const key = `${fn.op === 'fma'} ${fn.paired}`;
    groups.set(key, [...(groups.get(key) ?? []), fn]);
  }
  for (const group of groups.values()) {
    for (const [name, kernel] of instantiateCeiling(group)) kernels.set(name, kernel);
    for (const fn of group) functions.set(fn.name, fn);
  }
}

/** The 128-bit variants: mul+add forms, and FMA where relaxed SIMD works. */
export function unpairedVariants(): CeilingFunction[] {
  const standard = [...ceilingFunctions('mulAdd'), ...ceilingFunctions('mulAddPipelined'), ...ceilingFunctions('mulAndAdd')];
  const relaxed = supportsRelaxedSimd() ? ceilingFunctions('fma') : [];
  return [...standard, ...relaxed];
}

/** A variant as a contender, e.g. to sample the ceiling in the same rounds as the GEMMs it is compared with. */
export function ceilingContender(name: string, variant: string): DisposableContender & { gflopsPerRun: number } {
  if (!functions.has(variant)) loadCeilingFunctions(unpairedVariants());
  const fn = functions.get(variant)!;
  const kernel = kernels.get(variant)!;
  return {
    name,
    gflopsPerRun: (fn.flopsPerIteration * ITERATIONS) / 1e9,
    run(reps) {
      for (let r = 0; r < reps; r++) kernel(ITERATIONS, fn.c, fn.d);
    },
    dispose() {},
  };
}

/** Measures the functions, interleaved (compiled first, if they are not yet). */
export function measureVariants(fns: readonly CeilingFunction[], settings: Settings): CeilingVariant[] {
  loadCeilingFunctions(fns);
  const contenders = fns.map((fn) => ceilingContender(fn.name, fn.name));
  const samples = interleave(contenders, settings);
  return fns.map((fn, i) => ({
    name: fn.name,
    op: fn.op,
    chains: fn.chains,
    gflops: rates(samples.get(fn.name)!, contenders[i]!.gflopsPerRun),
  }));
}

/** The variant of `ops` with the best median, or null if none was measured. */
export function bestVariant(variants: readonly CeilingVariant[], ops: readonly CeilingOp[]): CeilingVariant | null {
  return variants.filter((v) => ops.includes(v.op))
    .reduce<CeilingVariant | null>((a, b) => (a === null || b.gflops.median > a.gflops.median ? b : a), null);
}

export const MUL_ADD_FORMS: readonly CeilingOp[] = ['mulAdd', 'mulAddPipelined', 'mulAndAdd'];

/** Measures every variant of the ceiling module, interleaved, and keeps the best of each kind. */
export function measureCeiling(settings: Settings): Ceiling {
  progress('ceiling: f32x4 mul+add and FMA chains in registers');
  const variants = measureVariants(unpairedVariants(), settings);
  return { mulAdd: bestVariant(variants, MUL_ADD_FORMS)!, fma: bestVariant(variants, ['fma']), variants };
}

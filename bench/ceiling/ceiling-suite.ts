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

function loadVariants(): CeilingFunction[] {
  if (functions.size === 0) {
    const standard = [...ceilingFunctions('mulAdd'), ...ceilingFunctions('mulAddPipelined'), ...ceilingFunctions('mulAndAdd')];
    const relaxed = supportsRelaxedSimd() ? ceilingFunctions('fma') : [];
    for (const [name, kernel] of [...instantiateCeiling(standard), ...(relaxed.length > 0 ? instantiateCeiling(relaxed) : [])]) {
      kernels.set(name, kernel);
    }
    for (const fn of [...standard, ...relaxed]) functions.set(fn.name, fn);
  }
  return [...functions.values()];
}

/** A variant as a contender, e.g. to sample the ceiling in the same rounds as the GEMMs it is compared with. */
export function ceilingContender(name: string, variant: string): DisposableContender & { gflopsPerRun: number } {
  loadVariants();
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

/** Measures every variant of the ceiling module, interleaved, and keeps the best of each kind. */
export function measureCeiling(settings: Settings): Ceiling {
  progress('ceiling: f32x4 mul+add and FMA chains in registers');
  const all = loadVariants();
  const contenders = all.map((fn) => ceilingContender(fn.name, fn.name));
  const samples = interleave(contenders, settings);
  const variants = all.map((fn, i) => ({
    name: fn.name,
    op: fn.op,
    chains: fn.chains,
    gflops: rates(samples.get(fn.name)!, contenders[i]!.gflopsPerRun),
  }));
  const best = (ops: CeilingOp[]) => variants.filter((v) => ops.includes(v.op))
    .reduce<CeilingVariant | null>((a, b) => (a === null || b.gflops.median > a.gflops.median ? b : a), null);
  return { mulAdd: best(['mulAdd', 'mulAddPipelined', 'mulAndAdd'])!, fma: best(['fma']), variants };
}

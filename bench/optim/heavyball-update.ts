import type { Engine } from '../../src/engine/engine.js';
import { instantiateCopyLoop } from '../ceiling/bandwidth-module.js';
import { instantiateDivider, paramsPerCall } from '../ceiling/divider-module.js';
import { randomFloats } from '../harness/fill.js';
import type { DisposableContender } from '../harness/interleave.js';
import { ADAM_STEP, BETAS, EPS, LR, MOMENTUM, copyBytesFor, type Update } from './updates.js';

/** One fused update kernel over `params` floats of fresh state, as the optimizer classes call it. */
export function heavyballUpdate(name: string, engine: Engine, update: Update, params: number): DisposableContender {
  const blocks = Array.from({ length: update.name === 'Adam' ? 4 : 3 }, () => engine.alloc(params * 4));
  const [p, g, s1, s2] = blocks as [number, number, number, number | undefined];
  engine.f32(p, params).set(randomFloats(params, 3));
  engine.f32(g, params).set(randomFloats(params, 4));
  const k = engine.kernels;
  const [beta1, beta2] = BETAS;
  const stepSize = LR / (1 - beta1 ** ADAM_STEP);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** ADAM_STEP);
  const nesterov = update.name === 'SGD Nesterov' ? 1 : 0;
  const step = update.name === 'Adam'
    ? () => k.adamStep(params, p, g, s1, s2!, 0, LR, beta1, beta2, EPS, 0, 0, 0, 0, stepSize, bc2Sqrt)
    : () => k.sgdStep(params, p, g, s1, LR, MOMENTUM, 0, 0, nesterov, 0, 0);
  return {
    name,
    run(reps) {
      for (let r = 0; r < reps; r++) step();
    },
    dispose() {
      for (const block of blocks.reverse()) engine.free(block);
    },
  };
}

/** memory.copy (`kernels.copyBytes`) over as much memory as `update` touches (see `copyBytesFor`). */
export function copyLike(name: string, engine: Engine, update: Update, params: number): DisposableContender {
  const bytes = copyBytesFor(update, params);
  const src = engine.alloc(bytes);
  const dst = engine.alloc(bytes);
  engine.u8(src, bytes).fill(1);
  const k = engine.kernels;
  return {
    name,
    run(reps) {
      for (let r = 0; r < reps; r++) k.copyBytes(dst, src, bytes);
    },
    dispose() {
      engine.free(dst);
      engine.free(src);
    },
  };
}

/** The same bytes moved by a v128 load/store loop (see bandwidth-module.ts) over the engine's own memory. */
export function copyLoopLike(name: string, engine: Engine, update: Update, params: number): DisposableContender {
  const bytes = copyBytesFor(update, params);
  const copy = instantiateCopyLoop(wasmMemoryOf(engine));
  const src = engine.alloc(bytes);
  const dst = engine.alloc(bytes);
  engine.u8(src, bytes).fill(1);
  return {
    name,
    run(reps) {
      for (let r = 0; r < reps; r++) copy(dst, src, bytes);
    },
    dispose() {
      engine.free(dst);
      engine.free(src);
    },
  };
}

const ADAM_BOUND_ITERATIONS = 10_000;
/** Parameters one run of the sqrt+div bound stands for. */
export const ADAM_BOUND_PARAMS = paramsPerCall(ADAM_BOUND_ITERATIONS);

/** Adam's sqrt and two divisions per f32x4 with no memory traffic (see divider-module.ts): its arithmetic bound. */
export function adamArithmeticBound(name: string): DisposableContender {
  const run = instantiateDivider();
  return {
    name,
    run(reps) {
      for (let r = 0; r < reps; r++) run(ADAM_BOUND_ITERATIONS);
    },
    dispose() {},
  };
}

function wasmMemoryOf(engine: Engine): WebAssembly.Memory {
  if (!engine.wasmMemory) throw new Error('this engine has no WebAssembly memory');
  return engine.wasmMemory;
}

import type { ThreadPool } from './pool.js';
import { MIN_THREADED_FLOATS, shareStart, usefulThreads } from './split.js';

/**
 * A kernel elementwise over n elements, called with n, then pointers, then scalars: the optimizer
 * updates, the activations, `mul`, `normalizeU8`. Element i is read and written by the same arithmetic
 * whatever else is computed beside it.
 */
type Elementwise = (n: number, ...pointersThenScalars: number[]) => void;

/**
 * `kernel` over the caller and the pool's workers: the n elements are cut into ranges of whole vectors of
 * `unit` elements (the kernel's vector loop's step), one per thread, so each element takes the path
 * (vector or scalar tail) it takes on one thread and the bits do not change. The pointers after n, one
 * per entry of `pointerBytes` (the bytes of an element there), are moved to each range's start; a pointer
 * of 0 ("none") stays 0.
 */
export function threadedElementwise<K extends Elementwise>(kernel: K, pool: ThreadPool, index: number,
  pointerBytes: readonly number[], unit = 4): K {
  const threads = pool.size + 1;
  const run = kernel as Elementwise;
  // The caller's share's arguments, refilled per call.
  const own: number[] = [];
  // `arguments`, not a rest parameter: V8 hands it on to `apply` without building an array, so a call
  // too small to cut (most activations) allocates nothing.
  return function elementwise() {
    // eslint-disable-next-line prefer-rest-params
    const call = arguments as unknown as number[];
    const n = call[0]!;
    const parts = n < MIN_THREADED_FLOATS ? 1 : usefulThreads(n, unit, threads);
    if (parts === 1) return run.apply(undefined, call as [number, ...number[]]);
    for (let part = 1; part < parts; part++) {
      const from = shareStart(n, unit, parts, part);
      const args = pool.argsOf(part - 1);
      for (let i = 0; i < call.length; i++) args[i] = call[i]!;
      args[0] = shareStart(n, unit, parts, part + 1) - from;
      for (let p = 0; p < pointerBytes.length; p++) if (args[p + 1] !== 0) args[p + 1] += from * pointerBytes[p]!;
      pool.post(part - 1, index, call.length);
    }
    own.length = call.length;
    for (let i = 0; i < call.length; i++) own[i] = call[i]!;
    own[0] = shareStart(n, unit, parts, 1);
    try {
      run.apply(undefined, own as [number, ...number[]]);
    } finally {
      pool.join();
    }
  } as unknown as K;
}

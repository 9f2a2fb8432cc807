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
  return ((...call: number[]) => {
    const n = call[0]!;
    const parts = n < MIN_THREADED_FLOATS ? 1 : usefulThreads(n, unit, threads);
    for (let part = 1; part < parts; part++) {
      const from = shareStart(n, unit, parts, part);
      const args = pool.argsOf(part - 1);
      args.set(call);
      args[0] = shareStart(n, unit, parts, part + 1) - from;
      for (let p = 0; p < pointerBytes.length; p++) if (args[p + 1] !== 0) args[p + 1] += from * pointerBytes[p]!;
      pool.post(part - 1, index, call.length);
    }
    call[0] = shareStart(n, unit, parts, 1);
    try {
      run(...(call as [number, ...number[]]));
    } finally {
      if (parts > 1) pool.join();
    }
  }) as K;
}

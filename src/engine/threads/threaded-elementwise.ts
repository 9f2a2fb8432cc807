import type { ThreadPool } from './pool.js';
import { MIN_THREADED_FLOATS, shareStart, usefulThreads } from './split.js';

/**
 * A kernel elementwise over n floats, called with n, then float pointers, then scalars: the optimizer
 * updates, the activations and `mul`. Element i is read and written by the same arithmetic whatever else is
 * computed beside it.
 */
type Elementwise = (n: number, ...pointersThenScalars: number[]) => void;

/**
 * `kernel` over the caller and the pool's workers: the n floats are cut into ranges of whole f32x4
 * vectors, one per thread, so each element takes the path (vector or scalar tail) it takes on one thread
 * and the bits do not change. The `pointers` arguments after n are moved to each range's start; a
 * pointer of 0 ("none") stays 0.
 */
export function threadedElementwise<K extends Elementwise>(kernel: K, pool: ThreadPool, index: number, pointers: number): K {
  const threads = pool.size + 1;
  const run = kernel as Elementwise;
  return ((...call: number[]) => {
    const n = call[0]!;
    const parts = n < MIN_THREADED_FLOATS ? 1 : usefulThreads(n, 4, threads);
    for (let part = 1; part < parts; part++) {
      const from = shareStart(n, 4, parts, part);
      const args = pool.argsOf(part - 1);
      args.set(call);
      args[0] = shareStart(n, 4, parts, part + 1) - from;
      for (let p = 1; p <= pointers; p++) if (args[p] !== 0) args[p] += from * 4;
      pool.post(part - 1, index, call.length);
    }
    call[0] = shareStart(n, 4, parts, 1);
    try {
      run(...(call as [number, ...number[]]));
    } finally {
      if (parts > 1) pool.join();
    }
  }) as K;
}

import type { Kernels } from '../kernels.js';
import type { ThreadPool } from './pool.js';
import { MIN_THREADED_FLOATS, shareStart, usefulThreads } from './split.js';

/** The optimizer updates: elementwise over n floats, called with n, then float pointers, then scalars. */
type Update = Kernels['sgdStep'] | Kernels['adamStep'] | Kernels['rmspropStep'];

/**
 * `update` over the caller and the pool's workers: the n floats are cut into ranges of whole f32x4
 * vectors, one per thread, and each thread updates its range with the arithmetic one thread would use
 * for each element (an update reads and writes element i only), so the bits do not change. The
 * `pointers` arguments after n are moved to each range's start; a pointer of 0 ("none") stays 0.
 */
export function threadedUpdate<K extends Update>(update: K, pool: ThreadPool, kernel: number, pointers: number): K {
  const threads = pool.size + 1;
  const run = update as unknown as (...call: number[]) => void;
  return ((...call: number[]) => {
    const n = call[0]!;
    const parts = n < MIN_THREADED_FLOATS ? 1 : usefulThreads(n, 4, threads);
    for (let part = 1; part < parts; part++) {
      const from = shareStart(n, 4, parts, part);
      const args = pool.argsOf(part - 1);
      args.set(call);
      args[0] = shareStart(n, 4, parts, part + 1) - from;
      for (let p = 1; p <= pointers; p++) if (args[p] !== 0) args[p] += from * 4;
      pool.post(part - 1, kernel, call.length);
    }
    call[0] = shareStart(n, 4, parts, 1);
    try {
      run(...call);
    } finally {
      if (parts > 1) pool.join();
    }
  }) as K;
}

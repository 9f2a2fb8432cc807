import { Balance } from './balance.js';
import { Cut } from './cut.js';
import type { ThreadPool } from './pool.js';
import { MIN_THREADED_FLOATS, usefulThreads } from './split.js';

/**
 * A kernel elementwise over n elements, called with n, then pointers, then scalars: the optimizer
 * updates, the activations, `mul`, `normalizeU8`. Element i is read and written by the same arithmetic
 * whatever else is computed beside it.
 */
type Elementwise = (n: number, ...pointersThenScalars: number[]) => void;

/**
 * `kernel` over the caller and the pool's workers: the n elements are cut into ranges of whole vectors of
 * `unit` elements (the kernel's vector loop's step), one per thread, so each element takes the path
 * (vector or scalar tail) it takes on one thread and the bits do not change. The ranges follow each
 * thread's speed on the last calls of the same n (Balance), as the GEMM's bands do. The pointers after n, one
 * per entry of `pointerBytes` (the bytes of an element there), are moved to each range's start; a pointer
 * of 0 ("none") stays 0.
 */
export function threadedElementwise<K extends Elementwise>(kernel: K, pool: ThreadPool, index: number,
  pointerBytes: readonly number[], unit = 4): K {
  const threads = pool.size + 1;
  const run = kernel as Elementwise;
  // Per call size, each thread's speed on the last calls: the elements a core has just written or read
  // are quicker for it to go over again, and an even cut would wait on the other.
  const cut = new Cut(pool, new Balance(threads));
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
    cut.begin(n, n, unit, parts);
    for (let part = 1; part < parts; part++) {
      const from = cut.start(part), size = cut.size(part);
      if (size === 0) continue;
      const args = pool.argsOf(part - 1);
      for (let i = 0; i < call.length; i++) args[i] = call[i]!;
      args[0] = size;
      for (let p = 0; p < pointerBytes.length; p++) if (args[p + 1] !== 0) args[p + 1] += from * pointerBytes[p]!;
      pool.post(part - 1, index, call.length);
    }
    own.length = call.length;
    for (let i = 0; i < call.length; i++) own[i] = call[i]!;
    own[0] = cut.size(0);
    try {
      run.apply(undefined, own as [number, ...number[]]);
      cut.ownDone();
    } finally {
      pool.join();
    }
    cut.learn();
  } as unknown as K;
}

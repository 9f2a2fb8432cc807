import type { Kernels } from '../kernels.js';
import type { ThreadPool } from './pool.js';
import { MIN_THREADED_FLOATS, shareStart, usefulThreads } from './split.js';

/**
 * `gatherScaleU8` over the caller and the pool's workers: the rows are cut into one range per thread,
 * and each row is scaled by the same arithmetic whichever thread gathers it. The reads are scattered
 * rows of a large array, bound by memory's latency, which each core waits out on its own.
 */
export function threadedGather(gather: Kernels['gatherScaleU8'], pool: ThreadPool, kernel: number): Kernels['gatherScaleU8'] {
  const threads = pool.size + 1;
  return (rows, rowBytes, indices, images, dst, divisor) => {
    const parts = rows * rowBytes < MIN_THREADED_FLOATS ? 1 : usefulThreads(rows, 1, threads);
    if (parts === 1) return gather(rows, rowBytes, indices, images, dst, divisor);
    for (let part = 1; part < parts; part++) {
      const from = shareStart(rows, 1, parts, part), to = shareStart(rows, 1, parts, part + 1);
      const args = pool.argsOf(part - 1);
      args[0] = to - from; args[1] = rowBytes; args[2] = indices + from * 4; args[3] = images;
      args[4] = dst + from * rowBytes * 4; args[5] = divisor;
      pool.post(part - 1, kernel, 6);
    }
    try {
      gather(shareStart(rows, 1, parts, 1), rowBytes, indices, images, dst, divisor);
    } finally {
      pool.join();
    }
  };
}

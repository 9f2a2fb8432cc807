import type { Kernels } from '../kernels.js';
import type { ThreadPool } from './pool.js';
import { MIN_THREADED_MACS, shareStart, usefulThreads } from './split.js';

/** The micro-kernel's tile (assembly/gemm.ts): shares of C's rows in MR steps, of its columns in NR steps. */
const MR = 4;
const NR = 8;

/**
 * `gemm` over the caller and the pool's workers: C is cut into bands of rows, or of columns, one per
 * thread, and each thread runs the whole GEMM (every k, in order) for its band. Every thread packs the
 * whole of the operand it does not cut, so the cut goes along C's longer side, where that copy is smaller.
 */
export function threadedGemm(gemm: Kernels['gemm'], pool: ThreadPool, kernel: number, workspaces: readonly number[]):
  Kernels['gemm'] {
  const threads = pool.size + 1;
  return (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, relu, work) => {
    const byRows = n <= m;
    const parts = m * n * k < MIN_THREADED_MACS ? 1 : usefulThreads(byRows ? m : n, byRows ? MR : NR, threads);
    if (parts === 1) return gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, relu, work);
    const total = byRows ? m : n, unit = byRows ? MR : NR;
    for (let part = 1; part < parts; part++) {
      const from = shareStart(total, unit, parts, part), size = shareStart(total, unit, parts, part + 1) - from;
      const args = pool.argsOf(part - 1);
      args[0] = transA; args[1] = transB; args[5] = alpha; args[7] = lda; args[9] = ldb; args[10] = beta;
      args[12] = ldc; args[14] = relu; args[15] = workspaces[part - 1]!;
      if (byRows) {
        args[2] = size; args[3] = n; args[4] = k;
        args[6] = a + (transA ? from : from * lda) * 4; args[8] = b;
        args[11] = c + from * ldc * 4; args[13] = bias;
      } else {
        args[2] = m; args[3] = size; args[4] = k;
        args[6] = a; args[8] = b + (transB ? from * ldb : from) * 4;
        args[11] = c + from * 4; args[13] = bias === 0 ? 0 : bias + from * 4;
      }
      pool.post(part - 1, kernel, 16);
    }
    const own = shareStart(total, unit, parts, 1);
    try {
      if (byRows) gemm(transA, transB, own, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, relu, work);
      else gemm(transA, transB, m, own, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, relu, work);
    } finally {
      pool.join();
    }
  };
}

import type { Heap } from './heap.js';

/** The plain GEMM packs nothing. */
export function gemmWorkspaceBytes(_h: Heap): number {
  return 0;
}

/** Row sums of the current output row, in float64; grown on demand, never shrunk. */
let rowSums = new Float64Array(0);

/**
 * Row-major C[m×n] = alpha·op(A)·op(B) + beta·C, then + bias, then ReLU: the reference for the wasm
 * kernel. Each output row is summed over k in float64, so only the final store rounds to float32.
 * beta = 0 overwrites C without reading it.
 */
export function gemm(h: Heap, transA: number, transB: number, m: number, n: number, k: number, alpha: number,
  a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number,
  bias: number, relu: number, _work: number): void {
  const f = h.f32;
  const A = a >>> 2, B = b >>> 2, C = c >>> 2, BIAS = bias >>> 2;
  if (rowSums.length < n) rowSums = new Float64Array(n);
  const sums = rowSums;
  for (let i = 0; i < m; i++) {
    if (transB) {
      // op(B)[p, j] = B[j, p]: a dot product of op(A)'s row i with B's row j.
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          s += f[transA ? A + p * lda + i : A + i * lda + p] * f[B + j * ldb + p];
        }
        sums[j] = s;
      }
    } else {
      // Row i of op(A)·B as a sum of B's rows scaled by op(A)[i, p] (contiguous inner loop).
      sums.fill(0, 0, n);
      for (let p = 0; p < k; p++) {
        const aip = f[transA ? A + p * lda + i : A + i * lda + p];
        const row = B + p * ldb;
        for (let j = 0; j < n; j++) sums[j] += aip * f[row + j];
      }
    }
    const out = C + i * ldc;
    for (let j = 0; j < n; j++) {
      let v = alpha * sums[j];
      if (beta !== 0) v += beta * f[out + j];
      if (bias) v += f[BIAS + j];
      if (relu) v = Math.max(v, 0);
      f[out + j] = v;
    }
  }
}

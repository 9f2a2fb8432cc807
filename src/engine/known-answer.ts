import type { Kernels } from './kernels.js';

// A GEMM whose bits are known without the kernel: each C[i, j] = Σ_p A[i, p]·B[p, j] rounded to f32
// after every multiply and every add, p in order, as the standard build sums one k-block (k ≤ 256).
// Edges in both directions (37 = 9·4 + 1 rows, 45 = 5·8 + 5 columns), so edge tiles are checked too.
const M = 37;
const N = 45;
const K = 200;

/** Small integers over 64 and a power of two scale: sums that round, in a known way, in f32. */
function operand(count: number, salt: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => (((i * 37 + salt * 11) % 29) - 14) / 64 + ((i % 7) - 3) * 1e-3);
}

function expected(a: Float32Array, b: Float32Array): Float32Array {
  const c = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let p = 0; p < K; p++) acc = Math.fround(acc + Math.fround(a[i * K + p]! * b[p * N + j]!));
      c[i * N + j] = acc;
    }
  }
  return c;
}

/**
 * Whether `gemm` gives the known bits, calling it `rounds` times (V8 compiles a hot function again with
 * its optimizing tier after a while, and that code is what a V8 flag like the revectorizer changes).
 * `view(ptr, length)` reads the memory the kernels work on; `scratch` is a block of scratchBytes(), and
 * `work` the GEMM workspace.
 */
export function gemmGivesKnownAnswer(gemm: Kernels['gemm'], view: (ptr: number, length: number) => Float32Array,
  scratch: number, work: number, rounds = 400): boolean {
  const a = operand(M * K, 1), b = operand(K * N, 2);
  const aPtr = scratch, bPtr = aPtr + M * K * 4, cPtr = bPtr + K * N * 4;
  view(aPtr, M * K).set(a);
  view(bPtr, K * N).set(b);
  const want = new Uint32Array(expected(a, b).buffer);
  for (let round = 0; round < rounds; round++) {
    gemm(0, 0, M, N, K, 1, aPtr, K, bPtr, N, 0, cPtr, N, 0, 0, work);
    const got = new Uint32Array(view(cPtr, M * N).slice().buffer);
    for (let i = 0; i < got.length; i++) if (got[i] !== want[i]) return false;
  }
  return true;
}

export function knownAnswerScratchBytes(): number {
  return (M * K + K * N + M * N) * 4;
}

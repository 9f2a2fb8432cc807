// How a kernel call is cut into one share per thread. Only along outputs: every output element is
// computed by one thread with the same sum, in the same order, as with one thread, so the bits do not
// depend on the thread count.

/**
 * Below this many multiply-adds a GEMM runs on the caller alone: posting it to a worker costs more. A
 * worker that is still watching (WORKER_POLL_US) starts a couple of microseconds after the post. Cutting
 * the reference MLP's last-layer forward (164k multiply-adds, 10 µs on one thread) took it to 7 µs on two
 * threads; against a 2^18 threshold the step ran 0.999–1.008× as fast (Node 20 and 24, one engine, the
 * variants' turns rotating, 2026-12-08).
 */
export const MIN_THREADED_MACS = 1 << 17;

/**
 * Two GEMMs run side by side (`gemmsSideBySide`) once the larger has this many multiply-adds: one post
 * and one join for both, and the worker, busy, is still watching when the next kernel comes. The
 * reference MLP's last layer's gradient pair (2 × 164k multiply-adds) side by side made a 2-thread step
 * 1.04× as fast on Node 24 (1.01× relaxed, 1.00× on Node 20).
 */
export const MIN_SIDE_BY_SIDE_MACS = 1 << 17;

/**
 * Below this many floats an elementwise kernel (an optimizer update, an activation, max-pooling) runs on
 * the caller alone: these are memory-bound, about 20 GB/s on one core, so 2^16 floats (1.3 MB of state
 * read and written by SGD with momentum, 0.8 MB by ReLU's backward) take 40–60 µs, about what waking a
 * worker that has slept costs.
 */
export const MIN_THREADED_FLOATS = 1 << 16;

/**
 * Shares of a dimension of `total` in steps of `unit` (the micro-kernel's tile: shares then end on tile
 * boundaries, which is faster but does not change the bits): part `part` of `parts` is [start, end).
 */
export function shareStart(total: number, unit: number, parts: number, part: number): number {
  const units = Math.ceil(total / unit);
  return Math.min(total, Math.floor((units * part) / parts) * unit);
}

/** How many threads a split of `total` into tiles of `unit` can keep busy, at most `threads`. */
export function usefulThreads(total: number, unit: number, threads: number): number {
  return Math.max(1, Math.min(threads, Math.ceil(total / unit)));
}

import { convOutputSize } from '../conv-geometry.js';
import type { GemmArgs, Kernels } from '../kernels.js';
import type { Balance } from './balance.js';
import { Cut } from './cut.js';
import type { ThreadPool } from './pool.js';
import { MIN_SIDE_BY_SIDE_MACS, MIN_THREADED_MACS, shareStart, usefulThreads } from './split.js';

/** The micro-kernel's tile (assembly/gemm.ts): shares of C's rows in MR steps, of its columns in NR steps. */
const MR = 4;
const NR = 8;

/**
 * `gemm` over the caller and the pool's workers: C is cut into bands of rows, or of columns, one per
 * thread, and each thread runs the whole GEMM (every k, in order) for its band. Every thread packs the
 * whole of the operand it does not cut, so the cut goes along C's longer side, where that copy is smaller.
 * Where every thread has a band, the bands follow `balance`: each thread's speed on the last calls of
 * the same shape.
 */
export function threadedGemm(gemm: Kernels['gemm'], pool: ThreadPool, kernel: number, workspaces: readonly number[],
  balance: Balance): Kernels['gemm'] {
  const threads = pool.size + 1;
  const cut = new Cut(pool, balance);
  return (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, relu, work) => {
    const byRows = n <= m;
    const total = byRows ? m : n, unit = byRows ? MR : NR;
    const parts = m * n * k < MIN_THREADED_MACS ? 1 : usefulThreads(total, unit, threads);
    if (parts === 1) return gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, relu, work);
    cut.begin(((k * 65536 + n) * 65536 + m) * 4 + transA * 2 + transB, total, unit, parts);
    for (let part = 1; part < parts; part++) {
      const from = cut.start(part), size = cut.size(part);
      if (size === 0) continue;
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
    const own = cut.size(0);
    try {
      if (byRows) gemm(transA, transB, own, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, relu, work);
      else gemm(transA, transB, m, own, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, relu, work);
      cut.ownDone();
    } finally {
      pool.join();
    }
    cut.learn();
  };
}

const macs = ([, , m, n, k]: GemmArgs) => m * n * k;

/**
 * Two GEMMs of which neither reads what the other writes, on the caller and one worker at once: `second`
 * on the worker, in its own workspace. Against cutting each in two, this wakes the worker once instead of
 * twice and copies no operand twice. Products too small to be worth a post run one after the other on the caller.
 */
export function gemmsSideBySide(gemm: Kernels['gemm'], pool: ThreadPool, kernel: number, workspace: number):
  (first: GemmArgs, second: GemmArgs) => void {
  return (first, second) => {
    if (Math.max(macs(first), macs(second)) < MIN_SIDE_BY_SIDE_MACS) {
      gemm(...first);
      gemm(...second);
      return;
    }
    const args = pool.argsOf(0);
    for (let i = 0; i < 15; i++) args[i] = second[i]!;
    args[15] = workspace;
    pool.post(0, kernel, 16);
    try {
      gemm(...first);
    } finally {
      pool.join();
    }
  };
}

/** Bytes of one thread's share of a conv kernel's `padded` buffer: one image with its zero borders. */
function paddedImageBytes(inC: number, inH: number, inW: number, pad: number): number {
  return inC * (inH + 2 * pad) * (inW + 2 * pad) * 4;
}

/**
 * `convForward` with the images split between the threads: each image's output is one thread's alone.
 * Thread `part` pads its images into the `part`-th image-sized slice of `padded`.
 */
export function threadedConvForward(convForward: Kernels['convForward'], pool: ThreadPool, kernel: number,
  workspaces: readonly number[]): Kernels['convForward'] {
  const threads = pool.size + 1;
  return (batch, inC, inH, inW, outC, kH, kW, stride, pad, x, weight, bias, y, relu, work, padded) => {
    const outH = convOutputSize(inH, kH, stride, pad), outW = convOutputSize(inW, kW, stride, pad);
    const macs = batch * outC * outH * outW * inC * kH * kW;
    if (threads === 1 || batch < 2 || !(macs >= MIN_THREADED_MACS)) {
      return convForward(batch, inC, inH, inW, outC, kH, kW, stride, pad, x, weight, bias, y, relu, work, padded);
    }
    const inBytes = inC * inH * inW * 4, outBytes = outC * outH * outW * 4;
    const paddedBytes = pad > 0 ? paddedImageBytes(inC, inH, inW, pad) : 0;
    const count = usefulThreads(batch, 1, threads);
    for (let part = 1; part < count; part++) {
      const from = shareStart(batch, 1, count, part), to = shareStart(batch, 1, count, part + 1);
      const args = pool.argsOf(part - 1);
      args[0] = to - from; args[1] = inC; args[2] = inH; args[3] = inW; args[4] = outC; args[5] = kH; args[6] = kW;
      args[7] = stride; args[8] = pad; args[9] = x + from * inBytes; args[10] = weight; args[11] = bias;
      args[12] = y + from * outBytes; args[13] = relu; args[14] = workspaces[part - 1]!; args[15] = padded + part * paddedBytes;
      pool.post(part - 1, kernel, 16);
    }
    try {
      const own = shareStart(batch, 1, count, 1);
      convForward(own, inC, inH, inW, outC, kH, kW, stride, pad, x, weight, bias, y, relu, work, padded);
    } finally {
      pool.join();
    }
  };
}

/**
 * `convInputGrad` with the images split between the threads, as threadedConvForward: each image's dx is
 * one thread's alone. Thread `part` writes its columns into the `part`-th slice of `cols`.
 */
export function threadedConvInputGrad(convInputGrad: Kernels['convInputGrad'],
  scratchBytes: Kernels['convInputGradScratchBytes'], pool: ThreadPool, kernel: number,
  workspaces: readonly number[]): Kernels['convInputGrad'] {
  const threads = pool.size + 1;
  return (batch, inC, inH, inW, outC, kH, kW, stride, pad, dy, weight, dx, work, cols) => {
    const spatial = convOutputSize(inH, kH, stride, pad) * convOutputSize(inW, kW, stride, pad);
    const macs = batch * outC * spatial * inC * kH * kW;
    if (threads === 1 || batch < 2 || !(macs >= MIN_THREADED_MACS)) {
      return convInputGrad(batch, inC, inH, inW, outC, kH, kW, stride, pad, dy, weight, dx, work, cols);
    }
    const dyBytes = outC * spatial * 4, dxBytes = inC * inH * inW * 4;
    const colsBytes = scratchBytes(inC, inH, inW, kH, kW, stride, pad);
    const count = usefulThreads(batch, 1, threads);
    for (let part = 1; part < count; part++) {
      const from = shareStart(batch, 1, count, part), to = shareStart(batch, 1, count, part + 1);
      const args = pool.argsOf(part - 1);
      args[0] = to - from; args[1] = inC; args[2] = inH; args[3] = inW; args[4] = outC; args[5] = kH; args[6] = kW;
      args[7] = stride; args[8] = pad; args[9] = dy + from * dyBytes; args[10] = weight; args[11] = dx + from * dxBytes;
      args[12] = workspaces[part - 1]!; args[13] = cols + part * colsBytes;
      pool.post(part - 1, kernel, 14);
    }
    try {
      const own = shareStart(batch, 1, count, 1);
      convInputGrad(own, inC, inH, inW, outC, kH, kW, stride, pad, dy, weight, dx, work, cols);
    } finally {
      pool.join();
    }
  };
}

/** The largest share, as a fraction of `total`, when it is cut in steps of `unit` for up to `threads` threads. */
function largestShare(total: number, unit: number, threads: number): number {
  const parts = usefulThreads(total, unit, threads);
  let largest = 0;
  for (let part = 0; part < parts; part++) largest = Math.max(largest, shareStart(total, unit, parts, part + 1) - shareStart(total, unit, parts, part));
  return largest / total;
}

type ConvWeightGradPart = (rowFrom: number, rowTo: number, colFrom: number, colTo: number,
  ...args: Parameters<Kernels['convWeightGrad']>) => void;

/**
 * `convWeightGrad` with dw split between the threads, by blocks of columns (taps), or of rows (output
 * channels) where that shares the work out more evenly (the first layer of the MNIST CNN: 25 taps cut in
 * blocks of 8 go 16 and 9): each element still sums every image in order. Each thread pads every image
 * into its own slice of `padded`, as in threadedConvForward.
 */
export function threadedConvWeightGrad(convWeightGradPart: ConvWeightGradPart, pool: ThreadPool, kernel: number,
  workspaces: readonly number[]): Kernels['convWeightGrad'] {
  const threads = pool.size + 1;
  return (batch, inC, inH, inW, outC, kH, kW, stride, pad, x, dy, dw, work, padded) => {
    const n = inC * kH * kW;
    const spatial = convOutputSize(inH, kH, stride, pad) * convOutputSize(inW, kW, stride, pad);
    const byColumns = largestShare(n, NR, threads) <= largestShare(outC, MR, threads);
    const total = byColumns ? n : outC, unit = byColumns ? NR : MR;
    const count = batch * outC * n * spatial >= MIN_THREADED_MACS ? usefulThreads(total, unit, threads) : 1;
    const paddedBytes = pad > 0 ? paddedImageBytes(inC, inH, inW, pad) : 0;
    for (let part = 1; part < count; part++) {
      const from = shareStart(total, unit, count, part), to = shareStart(total, unit, count, part + 1);
      const args = pool.argsOf(part - 1);
      args[0] = byColumns ? 0 : from; args[1] = byColumns ? outC : to; args[2] = byColumns ? from : 0; args[3] = byColumns ? to : n;
      args[4] = batch; args[5] = inC; args[6] = inH; args[7] = inW; args[8] = outC; args[9] = kH; args[10] = kW;
      args[11] = stride; args[12] = pad; args[13] = x; args[14] = dy; args[15] = dw; args[16] = workspaces[part - 1]!;
      args[17] = padded + part * paddedBytes;
      pool.post(part - 1, kernel, 18);
    }
    const own = shareStart(total, unit, count, 1);
    try {
      if (byColumns) convWeightGradPart(0, outC, 0, own, batch, inC, inH, inW, outC, kH, kW, stride, pad, x, dy, dw, work, padded);
      else convWeightGradPart(0, own, 0, n, batch, inC, inH, inW, outC, kH, kW, stride, pad, x, dy, dw, work, padded);
    } finally {
      if (count > 1) pool.join();
    }
  };
}

import { convOutputSize } from '../conv-geometry.js';
import type { GemmArgs, Kernels } from '../kernels.js';
import type { Balance } from './balance.js';
import { Cut } from './cut.js';
import { now, type ThreadPool } from './pool.js';
import { MIN_SIDE_BY_SIDE_MACS, MIN_THREADED_MACS, shareStart, usefulThreads } from './split.js';

/** The micro-kernel's tile (assembly/gemm.ts): shares of C's rows in MR steps, of its columns in NR steps. */
const MR = 4;
const NR = 8;

/**
 * The columns a band of C steps by: a whole tile, so that no thread runs a partial one. Wide tiles
 * (`wide()`, under V8's revectorizer) are two panels, 2·NR columns: a band of an odd number of panels
 * ends on a narrow tile, which is slower there, and in steps of 8 the first layer's forward went 17/15
 * panels where the balance wanted 16.5. The training step ran 1.005× and 1.003× as fast on Node 24 in
 * 16-column steps as in 8 (one engine, 48–60 rounds of 40 steps, the variants' turns rotating, 2026-12-08).
 */
type TileColumns = () => number;
export const tileColumnsOf = (wide: () => boolean): TileColumns => () => (wide() ? 2 * NR : NR);

/**
 * Writes into `band` the arguments of the GEMM `g` restricted to C's rows (`byRows`) or columns
 * [from, from + size): every k still summed, in order, so each element gets the bits of the whole call.
 */
function bandOf(band: Float64Array | GemmArgs, g: GemmArgs, byRows: boolean, from: number, size: number): void {
  const [transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, relu, work] = g;
  band[0] = transA; band[1] = transB; band[4] = k; band[5] = alpha; band[7] = lda; band[9] = ldb; band[10] = beta;
  band[12] = ldc; band[14] = relu; band[15] = work;
  if (byRows) {
    band[2] = size; band[3] = n;
    band[6] = a + (transA ? from : from * lda) * 4; band[8] = b;
    band[11] = c + from * ldc * 4; band[13] = bias;
  } else {
    band[2] = m; band[3] = size;
    band[6] = a; band[8] = b + (transB ? from * ldb : from) * 4;
    band[11] = c + from * 4; band[13] = bias === 0 ? 0 : bias + from * 4;
  }
}

/** Whether a GEMM is cut into bands of C's rows (else of its columns): along C's longer side, see threadedGemm. */
const cutsRows = (g: GemmArgs) => g[3] <= g[2];

/** A number for a GEMM's shape and transposes, to keep a Balance per shape (a rare collision only shares one). */
const shapeKind = (g: GemmArgs) => ((g[4] * 65536 + g[3]) * 65536 + g[2]) * 4 + g[0] * 2 + g[1];

/**
 * `gemm` over the caller and the pool's workers: C is cut into bands of rows, or of columns, one per
 * thread, and each thread runs the whole GEMM (every k, in order) for its band. Every thread packs the
 * whole of the operand it does not cut, so the cut goes along C's longer side, where that copy is smaller.
 * Where every thread has a band, the bands follow `balance`: each thread's speed on the last calls of
 * the same shape.
 */
export function threadedGemm(gemm: Kernels['gemm'], pool: ThreadPool, kernel: number, workspaces: readonly number[],
  balance: Balance, tileColumns: TileColumns): Kernels['gemm'] {
  const threads = pool.size + 1;
  const cut = new Cut(pool, balance);
  const own = [...Array<number>(16)] as unknown as GemmArgs;
  // The call's arguments, refilled per call: a rest parameter would allocate an array on every GEMM.
  const g = [...Array<number>(16)] as unknown as GemmArgs;
  return (transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, relu, work) => {
    g[0] = transA; g[1] = transB; g[2] = m; g[3] = n; g[4] = k; g[5] = alpha; g[6] = a; g[7] = lda; g[8] = b;
    g[9] = ldb; g[10] = beta; g[11] = c; g[12] = ldc; g[13] = bias; g[14] = relu; g[15] = work;
    const byRows = cutsRows(g);
    const total = byRows ? m : n, unit = byRows ? MR : tileColumns();
    const parts = m * n * k < MIN_THREADED_MACS ? 1 : usefulThreads(total, unit, threads);
    if (parts === 1) return gemm(...g);
    cut.begin(shapeKind(g), total, unit, parts);
    for (let part = 1; part < parts; part++) {
      const size = cut.size(part);
      if (size === 0) continue;
      const args = pool.argsOf(part - 1);
      bandOf(args, g, byRows, cut.start(part), size);
      args[15] = workspaces[part - 1]!;
      pool.post(part - 1, kernel, 16);
    }
    try {
      bandOf(own, g, byRows, 0, cut.size(0));
      gemm(...own);
      cut.ownDone();
    } finally {
      pool.join();
    }
    cut.learn();
  };
}

const macs = (g: GemmArgs) => g[2] * g[3] * g[4];

/**
 * Two GEMMs of which neither reads what the other writes, on the caller and one worker at once: the
 * worker computes a band of `second`, the caller all of `first` and then the rest of `second`. Against
 * cutting each in two, this wakes the worker once instead of twice and packs `first`'s operands once.
 * The band follows `balance`, kept per pair of shapes, so both finish together even when one core runs
 * slower than the other, as a shared machine's often do.
 * Products too small to be worth a post, or a second without multiply-adds, run one after the other on
 * the caller.
 */
export function gemmsSideBySide(gemm: Kernels['gemm'], pool: ThreadPool, kernel: number, workspace: number,
  balance: Balance, tileColumns: TileColumns): (first: GemmArgs, second: GemmArgs) => void {
  const rest = [...Array<number>(16)] as unknown as GemmArgs;
  const done = new Float64Array(2), ms = new Float64Array(2);
  return (first, second) => {
    // A second without multiply-adds has no unit to count the first's work in.
    if (macs(second) === 0 || Math.max(macs(first), macs(second)) < MIN_SIDE_BY_SIDE_MACS) {
      gemm(...first);
      gemm(...second);
      return;
    }
    const byRows = cutsRows(second);
    const total = byRows ? second[2] : second[3], unit = byRows ? MR : tileColumns();
    // The caller's part in units of `second`'s band (rows or columns), so that both parts count alike.
    const firstUnits = (macs(first) / macs(second)) * total;
    const weights = balance.of(shapeKind(first) * 3 + shapeKind(second));
    const share = Math.min(total, Math.round((weights[1]! * (firstUnits + total)) / unit) * unit);
    // A rest of one step would cost the caller more to pack than it evens out.
    const band = total - share < 2 * unit ? total : share;
    const args = pool.argsOf(0);
    bandOf(args, second, byRows, 0, band);
    args[15] = workspace;
    const posted = now();
    pool.post(0, kernel, 16);
    try {
      gemm(...first);
      if (band < total) {
        bandOf(rest, second, byRows, band, total - band);
        gemm(...rest);
      }
      ms[0] = now() - posted;
    } finally {
      pool.join();
    }
    if (pool.ranOnCaller(0)) return;
    done[0] = firstUnits + total - band;
    done[1] = band;
    ms[1] = pool.finishedAt(0) - posted;
    balance.record(weights, done, ms);
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

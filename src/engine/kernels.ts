/**
 * The kernel interface shared by the WebAssembly module (assembly/*.ts) and the plain-TypeScript
 * backend (src/engine/js/*.ts), and the list of kernels: adding one is an entry here plus its two
 * implementations, an AssemblyScript export and a plain-TypeScript twin of the same name. Every pointer is a byte offset into the engine's linear memory;
 * float pointers are multiples of 4. Booleans are passed as 0/1. A pointer argument of 0 means "none"
 * (the arena never hands out offset 0).
 */
export interface Kernels {
  /** Bytes of packing workspace `gemm` needs at `work`. */
  gemmWorkspaceBytes(): number;
  /**
   * Row-major C[m×n] = alpha·op(A)·op(B) + beta·C, then + bias[n] on every row (bias ≠ 0), then ReLU
   * (relu = 1). op(A) is m×k (A is k×m with lda ≥ m when transA), op(B) is k×n (B is n×k when transB).
   * beta = 0 overwrites C without reading it (NaN in C does not leak).
   */
  gemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number,
    bias: number, relu: number, work: number): void;

  /** PyTorch SGD over n floats; `first` = 1 on the buffer's first step (buf ← g). */
  sgdStep(n: number, param: number, grad: number, buf: number, lr: number, momentum: number,
    dampening: number, weightDecay: number, nesterov: number, maximize: number, first: number): void;
  /**
   * PyTorch Adam/AdamW over n floats. stepSize = lr / (1 − beta1^t), bc2Sqrt = sqrt(1 − beta2^t),
   * computed by the caller. decoupled = 1 for AdamW (p ← p·(1 − lr·wd)), else wd is added to g.
   * vmax is used only when amsgrad = 1.
   */
  adamStep(n: number, param: number, grad: number, m: number, v: number, vmax: number, lr: number,
    beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: number, amsgrad: number,
    maximize: number, stepSize: number, bc2Sqrt: number): void;
  /** PyTorch RMSprop over n floats; buf used when momentum > 0, gavg when centered = 1. */
  rmspropStep(n: number, param: number, grad: number, sq: number, buf: number, gavg: number,
    lr: number, alpha: number, eps: number, weightDecay: number, momentum: number, centered: number,
    maximize: number): void;

  /** y = max(x, 0) (y may equal x). */
  reluForward(n: number, x: number, y: number): void;
  /** dx = y > 0 ? dy : 0 (dx may equal dy). */
  reluBackward(n: number, y: number, dy: number, dx: number): void;
  tanhForward(n: number, x: number, y: number): void;
  /** dx = dy·(1 − y²) from the forward output y. */
  tanhBackward(n: number, y: number, dy: number, dx: number): void;
  sigmoidForward(n: number, x: number, y: number): void;
  /** dx = dy·y·(1 − y) from the forward output y. */
  sigmoidBackward(n: number, y: number, dy: number, dx: number): void;
  /** out = a·b elementwise (dropout masks). */
  mul(n: number, a: number, b: number, out: number): void;
  /** db[j] = beta·db[j] + Σ_i dy[i, j] over an m×n row-major dy, rows summed in order. */
  biasGrad(m: number, n: number, dy: number, db: number, beta: number): void;
  /**
   * Mean softmax cross-entropy of m rows of n logits against u8 labels; returns the loss.
   * If dlogits ≠ 0, writes (softmax − onehot)/m there (may equal logits).
   */
  softmaxCrossEntropy(m: number, n: number, logits: number, labels: number, dlogits: number): number;
  /** Mean squared error over m·n elements; if dpred ≠ 0 writes 2(pred − target)/(m·n). */
  mseLoss(m: number, n: number, pred: number, target: number, dpred: number): number;
  /** Number of rows whose argmax (first maximum) equals the u8 label. */
  accuracyCount(m: number, n: number, logits: number, labels: number): number;
  /** out[i] = argmax of row i (first maximum), as i32. */
  argmaxRows(m: number, n: number, x: number, out: number): void;
  /** dst[i] = f32(src[i]) / divisor for n u8 values. */
  normalizeU8(n: number, src: number, dst: number, divisor: number): void;
  /**
   * Row r of dst (rowBytes floats) ← row indices[r] (u32) of images (rows of rowBytes u8) / divisor, each
   * value as normalizeU8 gives it.
   */
  gatherScaleU8(rows: number, rowBytes: number, indices: number, images: number, dst: number, divisor: number): void;
  /**
   * Convolution of `batch` NCHW images (inC × inH × inW) with weight [outC, inC, kH, kW] into
   * y (outC × outH × outW each, out = ⌊(in + 2·pad − k) / stride⌋ + 1), + bias[outC] (bias ≠ 0), then
   * ReLU (relu = 1). `work` is the GEMM workspace; `padded` holds `engine.threads` times
   * inC·(inH + 2·pad)·(inW + 2·pad) floats (one image with zero borders per thread, each thread writing
   * only its own; unused when pad = 0).
   */
  convForward(batch: number, inC: number, inH: number, inW: number, outC: number, kH: number, kW: number,
    stride: number, pad: number, x: number, weight: number, bias: number, y: number, relu: number, work: number,
    padded: number): void;
  /** Bytes of `cols` one thread's `convInputGrad` needs (one image's columns, and what reads them). */
  convInputGradScratchBytes(inC: number, inH: number, inW: number, kH: number, kW: number, stride: number,
    pad: number): number;
  /**
   * dx ← the convolution's input gradient from dy (overwritten); `cols` holds `engine.threads` times
   * convInputGradScratchBytes (one image's columns per thread, each thread writing only its own).
   */
  convInputGrad(batch: number, inC: number, inH: number, inW: number, outC: number, kH: number, kW: number,
    stride: number, pad: number, dy: number, weight: number, dx: number, work: number, cols: number): void;
  /** dw += the convolution's weight gradient from x and dy, summed over the images in order; `padded` as convForward's. */
  convWeightGrad(batch: number, inC: number, inH: number, inW: number, outC: number, kH: number, kW: number,
    stride: number, pad: number, x: number, dy: number, dw: number, work: number, padded: number): void;
  /** db[c] = beta·db[c] + Σ_{b, s} dy[b, c, s] over batch × channels planes of `spatial` floats. */
  convBiasGrad(batch: number, channels: number, spatial: number, dy: number, db: number, beta: number): void;
  /**
   * Max over each k×k window (step `stride`, no padding) of `planes` inH × inW planes into y; argmax (i32)
   * gets the maximum's index within its plane: the first on ties, a NaN wins (the last NaN), as PyTorch.
   */
  maxPoolForward(planes: number, inH: number, inW: number, k: number, stride: number, x: number, y: number,
    argmax: number): void;
  /** dx ← 0, then dx[argmax] += dy for every output in order. */
  maxPoolBackward(planes: number, inH: number, inW: number, k: number, stride: number, dy: number, argmax: number,
    dx: number): void;
  /** memory.copy of n bytes (the bandwidth ceiling for the optimizer benchmarks). */
  copyBytes(dst: number, src: number, n: number): void;
}

/** A kernel's name. The interface above is the kernel list: src/engine/kernel-list.ts checks both backends against it. */
export type KernelName = keyof Kernels;

export { kernelNames } from './kernel-list.js';

/** The arguments of one `gemm` call, in order. */
export type GemmArgs = Parameters<Kernels['gemm']>;
export type { Heap } from './js/heap.js';

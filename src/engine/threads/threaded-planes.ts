import { convOutputSize } from '../conv-geometry.js';
import type { Kernels } from '../kernels.js';
import type { ThreadPool } from './pool.js';
import { MIN_THREADED_FLOATS, shareStart, usefulThreads } from './split.js';

/** A kernel's argument list, as the caller's array or a worker's slots. */
type Args = { [i: number]: number };

/**
 * Runs `kernel` (number `index` on the workers) on the arguments `call`, cut into one share of `total`
 * units (planes, channels) per thread: `share(args, from, to)` turns a copy of `call` into the arguments
 * of the units [from, to). The caller runs the first share. Below MIN_THREADED_FLOATS (`floats`, what the
 * kernel reads), on the caller alone. `call` and `share` belong to the wrapper, not the call, so a call
 * allocates nothing.
 */
function splitUnits(pool: ThreadPool, index: number, kernel: (...args: number[]) => void, call: number[], total: number,
  floats: number, share: (args: Args, from: number, to: number) => void): void {
  const parts = floats < MIN_THREADED_FLOATS ? 1 : usefulThreads(total, 1, pool.size + 1);
  for (let part = 1; part < parts; part++) {
    const args = pool.argsOf(part - 1);
    for (let i = 0; i < call.length; i++) args[i] = call[i]!;
    share(args, shareStart(total, 1, parts, part), shareStart(total, 1, parts, part + 1));
    pool.post(part - 1, index, call.length);
  }
  share(call, 0, shareStart(total, 1, parts, 1));
  try {
    kernel.apply(undefined, call);
  } finally {
    if (parts > 1) pool.join();
  }
}

/** The plane a max-pooling kernel's pointer argument walks: its input's (inH × inW) or its output's. */
type Plane = 'input' | 'output';
type MaxPool = Kernels['maxPoolForward'] & Kernels['maxPoolBackward'];

/** A max-pooling kernel (planes, inH, inW, k, stride, then three pointers) with the planes split between the threads. */
function threadedMaxPool(kernel: MaxPool, pool: ThreadPool, index: number, walks: readonly [Plane, Plane, Plane]): MaxPool {
  const call = new Array<number>(8).fill(0);
  const share = (args: Args, from: number, to: number) => {
    const inH = args[1]!, inW = args[2]!, k = args[3]!, stride = args[4]!;
    const input = inH * inW * 4, output = convOutputSize(inH, k, stride, 0) * convOutputSize(inW, k, stride, 0) * 4;
    args[0] = to - from;
    for (let p = 0; p < 3; p++) args[5 + p] += from * (walks[p] === 'input' ? input : output);
  };
  return (planes, inH, inW, k, stride, p0, p1, p2) => {
    call[0] = planes; call[1] = inH; call[2] = inW; call[3] = k; call[4] = stride; call[5] = p0; call[6] = p1; call[7] = p2;
    splitUnits(pool, index, kernel, call, planes, planes * inH * inW, share);
  };
}

/** `maxPoolForward` (x, y, argmax) with the planes split between the threads: each plane's maxima and argmax are one thread's. */
export function threadedMaxPoolForward(maxPoolForward: Kernels['maxPoolForward'], pool: ThreadPool, index: number):
  Kernels['maxPoolForward'] {
  return threadedMaxPool(maxPoolForward, pool, index, ['input', 'output', 'output']);
}

/** `maxPoolBackward` (dy, argmax, dx) with the planes split between the threads: each thread clears and fills its planes of dx. */
export function threadedMaxPoolBackward(maxPoolBackward: Kernels['maxPoolBackward'], pool: ThreadPool, index: number):
  Kernels['maxPoolBackward'] {
  return threadedMaxPool(maxPoolBackward, pool, index, ['output', 'output', 'input']);
}

/** The wasm export behind convBiasGrad: the channels [from, to) only, each summed as by convBiasGrad. */
export type ConvBiasGradPart = (from: number, to: number, ...args: Parameters<Kernels['convBiasGrad']>) => void;

/** `convBiasGrad` with the channels split between the threads: each channel's sum is one thread's. */
export function threadedConvBiasGrad(convBiasGradPart: ConvBiasGradPart, pool: ThreadPool, index: number):
  Kernels['convBiasGrad'] {
  const call = new Array<number>(8).fill(0);
  const share = (args: Args, from: number, to: number) => {
    args[0] = from;
    args[1] = to;
  };
  return (batch, channels, spatial, dy, db, beta) => {
    call[0] = 0; call[1] = channels; call[2] = batch; call[3] = channels; call[4] = spatial; call[5] = dy; call[6] = db;
    call[7] = beta;
    splitUnits(pool, index, convBiasGradPart as (...args: number[]) => void, call, channels, batch * channels * spatial, share);
  };
}

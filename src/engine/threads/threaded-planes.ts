import { convOutputSize } from '../conv-geometry.js';
import type { Kernels } from '../kernels.js';
import type { ThreadPool } from './pool.js';
import { MIN_THREADED_FLOATS, shareStart, usefulThreads } from './split.js';

/**
 * Cuts `total` whole units (planes, channels) of a kernel reading `floats` floats into one share per
 * thread, posts `post(worker, from, to)` for every share but the first and runs `own(to)` for that one
 * on the caller, then joins. Below MIN_THREADED_FLOATS, `own(total)` alone.
 */
function splitUnits(pool: ThreadPool, total: number, floats: number, post: (worker: number, from: number, to: number) => void,
  own: (to: number) => void): void {
  const parts = floats < MIN_THREADED_FLOATS ? 1 : usefulThreads(total, 1, pool.size + 1);
  for (let part = 1; part < parts; part++) post(part - 1, shareStart(total, 1, parts, part), shareStart(total, 1, parts, part + 1));
  try {
    own(shareStart(total, 1, parts, 1));
  } finally {
    if (parts > 1) pool.join();
  }
}

/** The plane a max-pooling kernel's pointer argument walks: its input's (inH × inW) or its output's. */
type Plane = 'input' | 'output';
type MaxPool = Kernels['maxPoolForward'] & Kernels['maxPoolBackward'];

/** A max-pooling kernel (planes, inH, inW, k, stride, then three pointers) with the planes split between the threads. */
function threadedMaxPool(kernel: MaxPool, pool: ThreadPool, index: number, walks: readonly [Plane, Plane, Plane]): MaxPool {
  return (planes, inH, inW, k, stride, p0, p1, p2) => {
    const input = inH * inW * 4, output = convOutputSize(inH, k, stride, 0) * convOutputSize(inW, k, stride, 0) * 4;
    const bytes = (walk: Plane) => (walk === 'input' ? input : output);
    splitUnits(pool, planes, planes * inH * inW, (worker, from, to) => {
      const args = pool.argsOf(worker);
      args[0] = to - from; args[1] = inH; args[2] = inW; args[3] = k; args[4] = stride;
      args[5] = p0 + from * bytes(walks[0]); args[6] = p1 + from * bytes(walks[1]); args[7] = p2 + from * bytes(walks[2]);
      pool.post(worker, index, 8);
    }, (to) => kernel(to, inH, inW, k, stride, p0, p1, p2));
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
export function threadedConvBiasGrad(convBiasGradPart: ConvBiasGradPart, pool: ThreadPool, kernel: number):
  Kernels['convBiasGrad'] {
  return (batch, channels, spatial, dy, db, beta) => {
    splitUnits(pool, channels, batch * channels * spatial, (worker, from, to) => {
      const args = pool.argsOf(worker);
      args[0] = from; args[1] = to; args[2] = batch; args[3] = channels; args[4] = spatial; args[5] = dy; args[6] = db;
      args[7] = beta;
      pool.post(worker, kernel, 8);
    }, (to) => convBiasGradPart(0, to, batch, channels, spatial, dy, db, beta));
  };
}

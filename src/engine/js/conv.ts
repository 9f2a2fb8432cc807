import { convOutputSize as outputSize } from '../conv-geometry.js';
import type { Heap } from './heap.js';

// The convolution and pooling kernels of assembly/conv.ts in plain TypeScript, written as the formulas
// they check: NCHW tensors, weight [outC, inC, kH, kW], out = ⌊(in + 2·pad − k) / stride⌋ + 1. Each sum
// runs in float64 and rounds to float32 once, at the store. Float index = byte pointer >>> 2.


let sumsBuffer = new Float64Array(0);

/** A zeroed float64 scratch of `length` sums; grown on demand, never shrunk, so steps allocate nothing once warm. */
function float64Sums(length: number): Float64Array {
  if (sumsBuffer.length < length) sumsBuffer = new Float64Array(length);
  return sumsBuffer.subarray(0, length).fill(0);
}

/** The geometry shared by the conv kernels' arguments. */
interface Geometry {
  inC: number; inH: number; inW: number; outC: number; kH: number; kW: number;
  stride: number; pad: number; outH: number; outW: number;
}

function geometry(inC: number, inH: number, inW: number, outC: number, kH: number, kW: number,
  stride: number, pad: number): Geometry {
  return { inC, inH, inW, outC, kH, kW, stride, pad, outH: outputSize(inH, kH, stride, pad), outW: outputSize(inW, kW, stride, pad) };
}

/**
 * Calls visit(c, ky, kx, inputIndex) for every weight tap of output position (oy, ox) that falls inside
 * the input (taps in the padding read zeros and are skipped), with inputIndex within one image.
 */
function forEachTap(g: Geometry, oy: number, ox: number, visit: (c: number, ky: number, kx: number, at: number) => void): void {
  for (let c = 0; c < g.inC; c++) {
    for (let ky = 0; ky < g.kH; ky++) {
      const iy = oy * g.stride - g.pad + ky;
      if (iy < 0 || iy >= g.inH) continue;
      for (let kx = 0; kx < g.kW; kx++) {
        const ix = ox * g.stride - g.pad + kx;
        if (ix >= 0 && ix < g.inW) visit(c, ky, kx, (c * g.inH + iy) * g.inW + ix);
      }
    }
  }
}

/** y[b, o, oy, ox] = bias[o] + Σ_{c,ky,kx} w[o, c, ky, kx]·x[b, c, oy·s − pad + ky, ox·s − pad + kx]; then ReLU if relu = 1. */
export function convForward(h: Heap, batch: number, inC: number, inH: number, inW: number, outC: number,
  kH: number, kW: number, stride: number, pad: number, x: number, weight: number, bias: number, y: number,
  relu: number, _work: number, _padded: number): void {
  const f = h.f32, g = geometry(inC, inH, inW, outC, kH, kW, stride, pad);
  const X = x >>> 2, Wt = weight >>> 2, B = bias >>> 2, Y = y >>> 2;
  for (let b = 0; b < batch; b++) {
    const image = X + b * inC * inH * inW;
    for (let o = 0; o < outC; o++) {
      const filter = Wt + o * inC * kH * kW;
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++) {
          let sum = bias ? f[B + o] : 0;
          forEachTap(g, oy, ox, (c, ky, kx, at) => (sum += f[filter + (c * kH + ky) * kW + kx] * f[image + at]));
          f[Y + ((b * outC + o) * g.outH + oy) * g.outW + ox] = relu ? Math.max(sum, 0) : sum;
        }
      }
    }
  }
}

/** The plain input gradient sums in float64 arrays of its own: it needs no `cols`. */
export function convInputGradScratchBytes(_h: Heap, _inC: number, _inH: number, _inW: number, _kH: number,
  _kW: number, _stride: number, _pad: number): number {
  return 0;
}

/** dx[b, c, iy, ix] = Σ over the outputs (o, oy, ox) whose window covers it of dy[b, o, oy, ox]·w[o, c, ky, kx] (dx overwritten). */
export function convInputGrad(h: Heap, batch: number, inC: number, inH: number, inW: number, outC: number,
  kH: number, kW: number, stride: number, pad: number, dy: number, weight: number, dx: number,
  _work: number, _cols: number): void {
  const f = h.f32, g = geometry(inC, inH, inW, outC, kH, kW, stride, pad);
  const DY = dy >>> 2, Wt = weight >>> 2, DX = dx >>> 2;
  const sums = float64Sums(inC * inH * inW);
  for (let b = 0; b < batch; b++) {
    sums.fill(0);
    for (let o = 0; o < outC; o++) {
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++) {
          const d = f[DY + ((b * outC + o) * g.outH + oy) * g.outW + ox];
          forEachTap(g, oy, ox, (c, ky, kx, at) => (sums[at] += d * f[Wt + ((o * inC + c) * kH + ky) * kW + kx]));
        }
      }
    }
    for (let i = 0; i < sums.length; i++) f[DX + b * sums.length + i] = sums[i];
  }
}

/** dw[o, c, ky, kx] += Σ_{b, oy, ox} dy[b, o, oy, ox]·x[b, c, oy·s − pad + ky, ox·s − pad + kx] (accumulates, as PyTorch's .grad). */
export function convWeightGrad(h: Heap, batch: number, inC: number, inH: number, inW: number, outC: number,
  kH: number, kW: number, stride: number, pad: number, x: number, dy: number, dw: number, _work: number, _padded: number): void {
  const f = h.f32, g = geometry(inC, inH, inW, outC, kH, kW, stride, pad);
  const X = x >>> 2, DY = dy >>> 2, DW = dw >>> 2;
  const filterSize = inC * kH * kW;
  const sums = float64Sums(outC * filterSize);
  for (let b = 0; b < batch; b++) {
    const image = X + b * inC * inH * inW;
    for (let o = 0; o < outC; o++) {
      for (let oy = 0; oy < g.outH; oy++) {
        for (let ox = 0; ox < g.outW; ox++) {
          const d = f[DY + ((b * outC + o) * g.outH + oy) * g.outW + ox];
          forEachTap(g, oy, ox, (c, ky, kx, at) => (sums[o * filterSize + (c * kH + ky) * kW + kx] += d * f[image + at]));
        }
      }
    }
  }
  for (let i = 0; i < sums.length; i++) f[DW + i] += sums[i];
}

/** db[c] = beta·db[c] + Σ_{b, s} dy[b, c, s] over batch × channels planes of `spatial` floats. */
export function convBiasGrad(h: Heap, batch: number, channels: number, spatial: number, dy: number, db: number,
  beta: number): void {
  const f = h.f32, DY = dy >>> 2, DB = db >>> 2;
  for (let c = 0; c < channels; c++) {
    let sum = 0;
    for (let b = 0; b < batch; b++) {
      for (let s = 0; s < spatial; s++) sum += f[DY + (b * channels + c) * spatial + s];
    }
    f[DB + c] = beta === 0 ? sum : beta * f[DB + c] + sum;
  }
}

/**
 * y = the maximum of each k×k window (step `stride`, no padding) of each of `planes` inH × inW planes;
 * argmax = where in its plane (iy·inW + ix) that maximum is, the first one in row-major order on ties.
 * A NaN wins, the last one in the window when there are several, as in PyTorch (`v > max || isnan(v)`).
 */
export function maxPoolForward(h: Heap, planes: number, inH: number, inW: number, k: number, stride: number,
  x: number, y: number, argmax: number): void {
  const f = h.f32, i32 = h.i32, outH = outputSize(inH, k, stride, 0), outW = outputSize(inW, k, stride, 0);
  for (let p = 0; p < planes; p++) {
    const plane = (x >>> 2) + p * inH * inW;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        let best = oy * stride * inW + ox * stride;
        for (let ky = 0; ky < k; ky++) {
          for (let kx = 0; kx < k; kx++) {
            const at = (oy * stride + ky) * inW + ox * stride + kx;
            const v = f[plane + at];
            if (v > f[plane + best] || Number.isNaN(v)) best = at;
          }
        }
        const out = p * outH * outW + oy * outW + ox;
        f[(y >>> 2) + out] = f[plane + best];
        i32[(argmax >>> 2) + out] = best;
      }
    }
  }
}

/** dx = 0, then dx[argmax of each output] += dy of that output, outputs in order (windows may overlap). */
export function maxPoolBackward(h: Heap, planes: number, inH: number, inW: number, k: number, stride: number,
  dy: number, argmax: number, dx: number): void {
  const f = h.f32, i32 = h.i32, outSize = outputSize(inH, k, stride, 0) * outputSize(inW, k, stride, 0);
  f.fill(0, dx >>> 2, (dx >>> 2) + planes * inH * inW);
  for (let p = 0; p < planes; p++) {
    for (let o = 0; o < outSize; o++) {
      const out = p * outSize + o;
      const at = (dx >>> 2) + p * inH * inW + i32[(argmax >>> 2) + out];
      f[at] = Math.fround(f[at] + f[(dy >>> 2) + out]);
    }
  }
}

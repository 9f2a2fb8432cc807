import type { Heap } from './heap.js';

// The elementwise kernels of assembly/nn.ts in plain TypeScript, rounding to f32 where the wasm does.
// Arithmetic-only kernels agree with wasm bit for bit; exp, log and tanh come from Math here and from
// AssemblyScript's Mathf there, so those may differ in the last bit. Float index = byte pointer >>> 2.

const f = Math.fround;

export function reluForward(h: Heap, n: number, x: number, y: number): void {
  const a = h.f32, x0 = x >>> 2, y0 = y >>> 2;
  for (let i = 0; i < n; i++) a[y0 + i] = Math.max(a[x0 + i], 0);
}

export function reluBackward(h: Heap, n: number, y: number, dy: number, dx: number): void {
  const a = h.f32, y0 = y >>> 2, dy0 = dy >>> 2, dx0 = dx >>> 2;
  for (let i = 0; i < n; i++) a[dx0 + i] = a[y0 + i] > 0 ? a[dy0 + i] : 0;
}

export function tanhForward(h: Heap, n: number, x: number, y: number): void {
  const a = h.f32, x0 = x >>> 2, y0 = y >>> 2;
  for (let i = 0; i < n; i++) a[y0 + i] = Math.tanh(a[x0 + i]);
}

export function tanhBackward(h: Heap, n: number, y: number, dy: number, dx: number): void {
  const a = h.f32, y0 = y >>> 2, dy0 = dy >>> 2, dx0 = dx >>> 2;
  for (let i = 0; i < n; i++) {
    const yi = a[y0 + i];
    a[dx0 + i] = a[dy0 + i] * f(1 - f(yi * yi));
  }
}

/** 1/(1 + e^−x) for x ≥ 0, e^x/(1 + e^x) below, so that e^|x| never overflows. */
export function sigmoidForward(h: Heap, n: number, x: number, y: number): void {
  const a = h.f32, x0 = x >>> 2, y0 = y >>> 2;
  for (let i = 0; i < n; i++) {
    const v = a[x0 + i];
    const e = f(Math.exp(-Math.abs(v)));
    a[y0 + i] = (v >= 0 ? 1 : e) / f(1 + e);
  }
}

export function sigmoidBackward(h: Heap, n: number, y: number, dy: number, dx: number): void {
  const a = h.f32, y0 = y >>> 2, dy0 = dy >>> 2, dx0 = dx >>> 2;
  for (let i = 0; i < n; i++) {
    const yi = a[y0 + i];
    a[dx0 + i] = f(a[dy0 + i] * yi) * f(1 - yi);
  }
}

export function mul(h: Heap, n: number, x: number, y: number, out: number): void {
  const a = h.f32, x0 = x >>> 2, y0 = y >>> 2, o0 = out >>> 2;
  for (let i = 0; i < n; i++) a[o0 + i] = a[x0 + i] * a[y0 + i];
}

export function biasGrad(h: Heap, m: number, n: number, dy: number, db: number, beta: number): void {
  const a = h.f32, dy0 = dy >>> 2, db0 = db >>> 2, b = f(beta);
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let i = 0; i < m; i++) sum = f(sum + a[dy0 + i * n + j]);
    a[db0 + j] = b === 0 ? sum : f(b * a[db0 + j]) + sum;
  }
}

export function softmaxCrossEntropy(h: Heap, m: number, n: number, logits: number, labels: number,
  dlogits: number): number {
  const a = h.f32, u8 = h.u8;
  let total = 0;
  for (let i = 0; i < m; i++) {
    const x0 = (logits >>> 2) + i * n;
    const d0 = (dlogits >>> 2) + i * n;
    const label = u8[labels + i];
    let max = a[x0];
    for (let j = 1; j < n; j++) max = Math.max(max, a[x0 + j]);
    const target = label < n ? f(a[x0 + label] - max) : NaN;
    let sum = 0;
    for (let j = 0; j < n; j++) {
      const e = f(Math.exp(f(a[x0 + j] - max)));
      sum = f(sum + e);
      if (dlogits) a[d0 + j] = e;
    }
    total += f(f(Math.log(sum)) - target);
    if (dlogits) {
      for (let j = 0; j < n; j++) a[d0 + j] = f(f(a[d0 + j] / sum) - (j === label ? 1 : 0)) / m;
    }
  }
  return total / m;
}

export function mseLoss(h: Heap, m: number, n: number, pred: number, target: number, dpred: number): number {
  const a = h.f32, p0 = pred >>> 2, t0 = target >>> 2, d0 = dpred >>> 2, count = m * n, size = f(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const d = f(a[p0 + i] - a[t0 + i]);
    total += d * d;
    if (dpred) a[d0 + i] = (2 * d) / size;
  }
  return total / count;
}

/** Index of the first maximum of n floats from float index x0 (NaN never wins a comparison). */
function argmax(a: Float32Array, n: number, x0: number): number {
  let best = a[x0];
  let at = 0;
  for (let j = 1; j < n; j++) {
    if (a[x0 + j] > best) {
      best = a[x0 + j];
      at = j;
    }
  }
  return at;
}

export function argmaxRows(h: Heap, m: number, n: number, x: number, out: number): void {
  const o0 = out >>> 2;
  for (let i = 0; i < m; i++) h.i32[o0 + i] = argmax(h.f32, n, (x >>> 2) + i * n);
}

export function accuracyCount(h: Heap, m: number, n: number, logits: number, labels: number): number {
  let count = 0;
  for (let i = 0; i < m; i++) {
    if (argmax(h.f32, n, (logits >>> 2) + i * n) === h.u8[labels + i]) count++;
  }
  return count;
}

export function normalizeU8(h: Heap, n: number, src: number, dst: number, divisor: number): void {
  const a = h.f32, u8 = h.u8, d0 = dst >>> 2, div = f(divisor);
  for (let i = 0; i < n; i++) a[d0 + i] = u8[src + i] / div;
}

export function gatherScaleU8(h: Heap, rows: number, rowBytes: number, indices: number, images: number, dst: number,
  divisor: number): void {
  for (let r = 0; r < rows; r++) {
    normalizeU8(h, rowBytes, images + (h.i32[(indices >>> 2) + r]! >>> 0) * rowBytes, dst + r * rowBytes * 4, divisor);
  }
}

// Elementwise layers, losses and row reductions. SIMD where the work is only loads, stores and simple
// arithmetic; transcendental functions use AssemblyScript's Mathf, which runs inside wasm and so gives
// the same bits in every browser. Vector bodies and scalar tails compute the same expression.

import { reluLanes } from './gemm';

// ----------------------------------------------------------------------------------- activations

export function reluForward(n: i32, x: usize, y: usize): void {
  const vecEnd = x + ((<usize>n & ~3) << 2);
  const end = x + (<usize>n << 2);
  for (; x < vecEnd; x += 16, y += 16) v128.store(y, reluLanes(v128.load(x)));
  for (; x < end; x += 4, y += 4) store<f32>(y, Mathf.max(load<f32>(x), 0));
}

export function reluBackward(n: i32, y: usize, dy: usize, dx: usize): void {
  const zero = f32x4.splat(0);
  const vecEnd = y + ((<usize>n & ~3) << 2);
  const end = y + (<usize>n << 2);
  for (; y < vecEnd; y += 16, dy += 16, dx += 16) {
    v128.store(dx, v128.and(v128.load(dy), f32x4.gt(v128.load(y), zero)));
  }
  for (; y < end; y += 4, dy += 4, dx += 4) store<f32>(dx, select<f32>(load<f32>(dy), 0, load<f32>(y) > 0));
}

export function tanhForward(n: i32, x: usize, y: usize): void {
  const end = x + (<usize>n << 2);
  for (; x < end; x += 4, y += 4) store<f32>(y, Mathf.tanh(load<f32>(x)));
}

export function tanhBackward(n: i32, y: usize, dy: usize, dx: usize): void {
  const one = f32x4.splat(1);
  const vecEnd = y + ((<usize>n & ~3) << 2);
  const end = y + (<usize>n << 2);
  for (; y < vecEnd; y += 16, dy += 16, dx += 16) {
    const yv = v128.load(y);
    v128.store(dx, f32x4.mul(v128.load(dy), f32x4.sub(one, f32x4.mul(yv, yv))));
  }
  for (; y < end; y += 4, dy += 4, dx += 4) {
    const yv = load<f32>(y);
    store<f32>(dx, load<f32>(dy) * (1 - yv * yv));
  }
}

/** 1/(1 + e^−x) for x ≥ 0, e^x/(1 + e^x) below, so that e^|x| never overflows. */
export function sigmoidForward(n: i32, x: usize, y: usize): void {
  const end = x + (<usize>n << 2);
  for (; x < end; x += 4, y += 4) {
    const v = load<f32>(x);
    const e = Mathf.exp(-Mathf.abs(v));
    store<f32>(y, select<f32>(1, e, v >= 0) / (1 + e));
  }
}

export function sigmoidBackward(n: i32, y: usize, dy: usize, dx: usize): void {
  const one = f32x4.splat(1);
  const vecEnd = y + ((<usize>n & ~3) << 2);
  const end = y + (<usize>n << 2);
  for (; y < vecEnd; y += 16, dy += 16, dx += 16) {
    const yv = v128.load(y);
    v128.store(dx, f32x4.mul(f32x4.mul(v128.load(dy), yv), f32x4.sub(one, yv)));
  }
  for (; y < end; y += 4, dy += 4, dx += 4) {
    const yv = load<f32>(y);
    store<f32>(dx, (load<f32>(dy) * yv) * (1 - yv));
  }
}

export function mul(n: i32, a: usize, b: usize, out: usize): void {
  const vecEnd = a + ((<usize>n & ~3) << 2);
  const end = a + (<usize>n << 2);
  for (; a < vecEnd; a += 16, b += 16, out += 16) v128.store(out, f32x4.mul(v128.load(a), v128.load(b)));
  for (; a < end; a += 4, b += 4, out += 4) store<f32>(out, load<f32>(a) * load<f32>(b));
}

// ---------------------------------------------------------------------------------- bias gradient

/**
 * Each column summed down the rows in order, sixteen columns at a time (four vectors: their sums do
 * not wait on each other's adds, where one vector's would wait on its own at every row), then four,
 * then one; beta = 0 never reads db.
 */
export function biasGrad(m: i32, n: i32, dy: usize, db: usize, beta: f32): void {
  const rowBytes = <usize>n << 2;
  const wideEnd = dy + ((<usize>n & ~15) << 2);
  const colsEnd = dy + ((<usize>n & ~3) << 2);
  const end = dy + rowBytes;
  const rowsEnd = <usize>m * rowBytes;
  for (; dy < wideEnd; dy += 64, db += 64) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    for (let r: usize = 0; r < rowsEnd; r += rowBytes) {
      const row = dy + r;
      s0 = f32x4.add(s0, v128.load(row));
      s1 = f32x4.add(s1, v128.load(row, 16));
      s2 = f32x4.add(s2, v128.load(row, 32));
      s3 = f32x4.add(s3, v128.load(row, 48));
    }
    storeBiasGrad(db, s0, beta);
    storeBiasGrad(db + 16, s1, beta);
    storeBiasGrad(db + 32, s2, beta);
    storeBiasGrad(db + 48, s3, beta);
  }
  for (; dy < colsEnd; dy += 16, db += 16) {
    let sum = f32x4.splat(0);
    for (let r: usize = 0; r < rowsEnd; r += rowBytes) sum = f32x4.add(sum, v128.load(dy + r));
    storeBiasGrad(db, sum, beta);
  }
  for (; dy < end; dy += 4, db += 4) {
    let sum: f32 = 0;
    for (let r: usize = 0; r < rowsEnd; r += rowBytes) sum += load<f32>(dy + r);
    store<f32>(db, beta == 0 ? sum : beta * load<f32>(db) + sum);
  }
}

/** db = sum, or beta·db + sum. */
// @ts-ignore: decorator
@inline function storeBiasGrad(db: usize, sum: v128, beta: f32): void {
  v128.store(db, beta == 0 ? sum : f32x4.add(f32x4.mul(f32x4.splat(beta), v128.load(db)), sum));
}

// ----------------------------------------------------------------------------------------- losses

/**
 * Per row: subtract the row max, sum exp in f32 (storing each exp in dlogits when wanted, which is
 * safe when dlogits = logits), loss = log(sum) − (x[label] − max). Row losses are summed in f64 in
 * row order. A label ≥ n makes that row's loss NaN and its one-hot empty.
 */
export function softmaxCrossEntropy(m: i32, n: i32, logits: usize, labels: usize, dlogits: usize): f64 {
  const rowBytes = <usize>n << 2;
  const rows = <f32>m;
  let total: f64 = 0;
  for (let i = 0; i < m; i++) {
    const x = logits + <usize>i * rowBytes;
    const d = dlogits + <usize>i * rowBytes;
    const label = <i32>load<u8>(labels + <usize>i);
    let max = load<f32>(x);
    for (let j = 1; j < n; j++) max = Mathf.max(max, load<f32>(x + (<usize>j << 2)));
    const target = label < n ? load<f32>(x + (<usize>label << 2)) - max : NaN;
    let sum: f32 = 0;
    for (let j = 0; j < n; j++) {
      const e = Mathf.exp(load<f32>(x + (<usize>j << 2)) - max);
      sum += e;
      if (dlogits) store<f32>(d + (<usize>j << 2), e);
    }
    total += <f64>(Mathf.log(sum) - target);
    if (dlogits) {
      for (let j = 0; j < n; j++) {
        const at = d + (<usize>j << 2);
        store<f32>(at, (load<f32>(at) / sum - <f32>(j == label)) / rows);
      }
    }
  }
  return total / <f64>m;
}

export function mseLoss(m: i32, n: i32, pred: usize, target: usize, dpred: usize): f64 {
  const count = <usize>m * <usize>n;
  const size = <f32>count;
  const end = pred + (count << 2);
  let total: f64 = 0;
  for (; pred < end; pred += 4, target += 4) {
    const d = load<f32>(pred) - load<f32>(target);
    total += <f64>d * <f64>d;
    if (dpred) {
      store<f32>(dpred, (2 * d) / size);
      dpred += 4;
    }
  }
  return total / <f64>count;
}

// --------------------------------------------------------------------------------- row reductions

/** Index of the first maximum of n floats at x (NaN never wins a comparison). */
// @ts-ignore: decorator
@inline function argmax(n: i32, x: usize): i32 {
  let best = load<f32>(x);
  let at = 0;
  for (let j = 1; j < n; j++) {
    const v = load<f32>(x + (<usize>j << 2));
    if (v > best) {
      best = v;
      at = j;
    }
  }
  return at;
}

export function argmaxRows(m: i32, n: i32, x: usize, out: usize): void {
  const rowBytes = <usize>n << 2;
  for (let i = 0; i < m; i++, x += rowBytes, out += 4) store<i32>(out, argmax(n, x));
}

export function accuracyCount(m: i32, n: i32, logits: usize, labels: usize): i32 {
  const rowBytes = <usize>n << 2;
  let count = 0;
  for (let i = 0; i < m; i++, logits += rowBytes) {
    if (argmax(n, logits) == <i32>load<u8>(labels + <usize>i)) count++;
  }
  return count;
}

// ---------------------------------------------------------------------------------------- inputs

/** dst[0 … 15] ← the 16 u8 at src / divisor: widen u8 → u16 → u32, convert, divide. */
// @ts-ignore: decorator
@inline function scale16(src: usize, dst: usize, divisorV: v128): void {
  const bytes = v128.load(src);
  const lo = i16x8.extend_low_i8x16_u(bytes);
  const hi = i16x8.extend_high_i8x16_u(bytes);
  v128.store(dst, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)), divisorV));
  v128.store(dst, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), divisorV), 16);
  v128.store(dst, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), divisorV), 32);
  v128.store(dst, f32x4.div(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), divisorV), 48);
}

/** 16 bytes at a time (scale16), then one at a time. */
export function normalizeU8(n: i32, src: usize, dst: usize, divisor: f32): void {
  const divisorV = f32x4.splat(divisor);
  const vecEnd = src + (<usize>n & ~15);
  const end = src + <usize>n;
  for (; src < vecEnd; src += 16, dst += 64) scale16(src, dst, divisorV);
  for (; src < end; src++, dst += 4) store<f32>(dst, <f32>load<u8>(src) / divisor);
}

/** Where row indices[r] of images (rows of rowBytes bytes) starts. */
// @ts-ignore: decorator
@inline function rowAt(images: usize, rowBytes: i32, indices: usize, r: i32): usize {
  return images + <usize>load<u32>(indices + (<usize>r << 2)) * <usize>rowBytes;
}

/**
 * Row r of dst (rowBytes floats) ← row indices[r] of images (rowBytes u8 each) / divisor, as normalizeU8
 * gives it: gathering a batch where the images are, scaled on the way. Four rows at a time, 16 bytes of
 * each in turn: the rows lie at random in a large array, and four streams of cache misses in flight
 * gather them faster than one row after another.
 */
export function gatherScaleU8(rows: i32, rowBytes: i32, indices: usize, images: usize, dst: usize, divisor: f32): void {
  const divisorV = f32x4.splat(divisor);
  const rowFloats = <usize>rowBytes << 2, vecBytes = <usize>rowBytes & ~15, tail = rowBytes & 15;
  let r = 0;
  for (; r + 4 <= rows; r += 4, dst += rowFloats << 2) {
    const a = rowAt(images, rowBytes, indices, r), b = rowAt(images, rowBytes, indices, r + 1);
    const c = rowAt(images, rowBytes, indices, r + 2), d = rowAt(images, rowBytes, indices, r + 3);
    for (let j: usize = 0; j < vecBytes; j += 16) {
      const to = dst + (j << 2);
      scale16(a + j, to, divisorV);
      scale16(b + j, to + rowFloats, divisorV);
      scale16(c + j, to + 2 * rowFloats, divisorV);
      scale16(d + j, to + 3 * rowFloats, divisorV);
    }
    if (tail == 0) continue;
    const to = dst + (vecBytes << 2);
    normalizeU8(tail, a + vecBytes, to, divisor);
    normalizeU8(tail, b + vecBytes, to + rowFloats, divisor);
    normalizeU8(tail, c + vecBytes, to + 2 * rowFloats, divisor);
    normalizeU8(tail, d + vecBytes, to + 3 * rowFloats, divisor);
  }
  for (; r < rows; r++, dst += rowFloats) normalizeU8(rowBytes, rowAt(images, rowBytes, indices, r), dst, divisor);
}

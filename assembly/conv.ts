// Convolution as GEMM on the one micro-kernel of gemm.ts, NCHW, weight [outC, inC, kH, kW]. Per image:
//   forward       y[outC × S]   = W[outC × K] · patches[K × S]          (K = inC·kH·kW, S = outH·outW)
//   weight grad   dW[outC × K] += dy[outC × S] · patchesᵀ[S × K]
//   input grad    cols[K × S]   = Wᵀ · dy, then scattered back onto the input (col2im)
// The patches are packed straight from the image into the GEMM's NR-wide B panels, so no im2col matrix
// exists; the input gradient does need its K × S columns for one image (`cols`, the caller's buffer).
// Every sum runs in a fixed order (images in order, k-blocks in order), so the bits never vary.
import {
  COLUMNS_OFFSET, EDGE_TILE_BYTES, evenStep, F32, gemm, KC, macroKernel, MC, MR, NC, NR, PACKED_A_BYTES,
  PACKED_B_BYTES, packA,
} from './gemm';

// Per column of the panel being packed: the input row and column of its first tap (forward), or its
// channel offset, ky and kx (weight gradient): three NR-long i32 arrays at `columns`, in the workspace
// (each thread has its own).

// @ts-ignore: decorator
@inline function outSize(size: i32, kernel: i32, stride: i32, pad: i32): i32 {
  return (size + 2 * pad - kernel) / stride + 1;
}

// @ts-ignore: decorator
@inline function setI(base: usize, t: i32, v: i32): void {
  store<i32>(base + (<usize>t << 2), v);
}

// @ts-ignore: decorator
@inline function getI(base: usize, t: i32): i32 {
  return load<i32>(base + (<usize>t << 2));
}

/** y = conv(x, weight) + bias (per output channel, bias ≠ 0), then ReLU (relu = 1), for `batch` images. */
export function convForward(batch: i32, inC: i32, inH: i32, inW: i32, outC: i32, kH: i32, kW: i32, stride: i32,
  pad: i32, x: usize, weight: usize, bias: usize, y: usize, relu: i32, work: usize): void {
  const outH = outSize(inH, kH, stride, pad), outW = outSize(inW, kW, stride, pad);
  const m = outC, n = outH * outW, k = inC * kH * kW;
  if (m <= 0 || n <= 0 || k <= 0) return;
  const packedA = work, packedB = work + PACKED_A_BYTES;
  const edgeTile = packedB + PACKED_B_BYTES, edgeBias = edgeTile + EDGE_TILE_BYTES;
  const kcStep = evenStep(k, KC, 1), mcStep = evenStep(m, MC, MR), ncStep = evenStep(n, NC, NR);
  const imageBytes = <usize>(inC * inH * inW) * F32, outBytes = <usize>(m * n) * F32;
  for (let b = 0; b < batch; b++) {
    const xb = x + <usize>b * imageBytes, yb = y + <usize>b * outBytes;
    if (bias != 0) fillRows(yb, m, n, bias);
    for (let jc = 0; jc < n; jc += ncStep) {
      const nc = min(ncStep, n - jc);
      for (let pc = 0; pc < k; pc += kcStep) {
        const kc = min(kcStep, k - pc);
        packPatches(xb, inH, inW, kH, kW, stride, pad, outW, pc, jc, kc, nc, packedB, work + COLUMNS_OFFSET);
        const blockBeta: f32 = pc == 0 && bias == 0 ? 0 : 1;
        const blockRelu = pc + kc == k ? relu : 0;
        for (let ic = 0; ic < m; ic += mcStep) {
          const mc = min(mcStep, m - ic);
          packA(0, weight, k, ic, pc, mc, kc, packedA);
          macroKernel(mc, nc, kc, packedA, packedB, yb + (<usize>ic * n + jc) * F32, n, 1, blockBeta, 0, blockRelu,
            edgeTile, edgeBias);
        }
      }
    }
  }
}

/** Row o of the m × n block at y ← bias[o]: the sum then starts from the bias (beta = 1). */
function fillRows(y: usize, m: i32, n: i32, bias: usize): void {
  for (let o = 0; o < m; o++) {
    const v = load<f32>(bias + <usize>o * F32);
    const vv = f32x4.splat(v);
    let at = y + <usize>(o * n) * F32;
    let j = 0;
    for (; j + 4 <= n; j += 4, at += 16) v128.store(at, vv);
    for (; j < n; j++, at += 4) store<f32>(at, v);
  }
}

/**
 * Packs patches[pc:pc+kc, jc:jc+nc] of one image as NR-column panels (kc rows of NR floats each), zero
 * where a tap falls in the padding or a column is past nc. Row q = (c, ky, kx), column j = (oy, ox).
 * Eight output columns on one output row at stride 1 read eight contiguous input floats: two loads.
 */
function packPatches(xb: usize, inH: i32, inW: i32, kH: i32, kW: i32, stride: i32, pad: i32, outW: i32,
  pc: i32, jc: i32, kc: i32, nc: i32, dst: usize, columns: usize): void {
  const columnA = columns, columnB = columns + <usize>NR * 4;
  const taps = kH * kW;
  const planeBytes = <usize>(inH * inW) * F32;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const j0 = jc + jr;
    const oy0 = j0 / outW, ox0 = j0 - oy0 * outW;
    const oneRow = cols == NR && stride == 1 && ox0 + NR <= outW;
    for (let t = 0; t < cols; t++) {
      const j = j0 + t, oy = j / outW;
      setI(columnA, t, oy * stride - pad);
      setI(columnB, t, (j - oy * outW) * stride - pad);
    }
    let q = pc;
    let c = q / taps, r = q - c * taps;
    let ky = r / kW, kx = r - ky * kW;
    for (let p = 0; p < kc; p++) {
      const out = dst + <usize>(p * NR) * F32;
      const plane = xb + <usize>c * planeBytes;
      const iy0 = oy0 * stride - pad + ky, ix0 = ox0 - pad + kx;
      if (oneRow && iy0 >= 0 && iy0 < inH && ix0 >= 0 && ix0 + NR <= inW) {
        const src = plane + <usize>(iy0 * inW + ix0) * F32;
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
      } else {
        for (let t = 0; t < NR; t++) {
          let v: f32 = 0;
          if (t < cols) {
            const iy = getI(columnA, t) + ky, ix = getI(columnB, t) + kx;
            if (iy >= 0 && iy < inH && ix >= 0 && ix < inW) v = load<f32>(plane + <usize>(iy * inW + ix) * F32);
          }
          store<f32>(out + <usize>t * F32, v);
        }
      }
      if (++kx == kW) {
        kx = 0;
        if (++ky == kH) {
          ky = 0;
          c++;
        }
      }
    }
    dst += <usize>(NR * kc) * F32;
  }
}

/** dw += dy · patchesᵀ over the `batch` images, in order (accumulates, as PyTorch's .grad). */
export function convWeightGrad(batch: i32, inC: i32, inH: i32, inW: i32, outC: i32, kH: i32, kW: i32,
  stride: i32, pad: i32, x: usize, dy: usize, dw: usize, work: usize): void {
  convWeightGradPart(0, outC, 0, inC * kH * kW, batch, inC, inH, inW, outC, kH, kW, stride, pad, x, dy, dw, work);
}

/**
 * convWeightGrad on the block of dw's rows [rowFrom, rowTo) and columns [colFrom, colTo) only, each
 * element summed as in the whole: threads split dw into such blocks.
 */
export function convWeightGradPart(rowFrom: i32, rowTo: i32, colFrom: i32, colTo: i32, batch: i32, inC: i32, inH: i32,
  inW: i32, outC: i32, kH: i32, kW: i32, stride: i32, pad: i32, x: usize, dy: usize, dw: usize, work: usize): void {
  const outH = outSize(inH, kH, stride, pad), outW = outSize(inW, kW, stride, pad);
  const m = outC, n = inC * kH * kW, k = outH * outW;
  if (rowTo <= rowFrom || colTo <= colFrom || k <= 0) return;
  const packedA = work, packedB = work + PACKED_A_BYTES;
  const edgeTile = packedB + PACKED_B_BYTES, edgeBias = edgeTile + EDGE_TILE_BYTES;
  const kcStep = evenStep(k, KC, 1), mcStep = evenStep(rowTo - rowFrom, MC, MR), ncStep = evenStep(colTo - colFrom, NC, NR);
  const imageBytes = <usize>(inC * inH * inW) * F32, dyBytes = <usize>(m * k) * F32;
  for (let b = 0; b < batch; b++) {
    const xb = x + <usize>b * imageBytes, dyb = dy + <usize>b * dyBytes;
    for (let jc = colFrom; jc < colTo; jc += ncStep) {
      const nc = min(ncStep, colTo - jc);
      for (let pc = 0; pc < k; pc += kcStep) {
        const kc = min(kcStep, k - pc);
        packPatchesT(xb, inH, inW, kH, kW, stride, pad, outW, pc, jc, kc, nc, packedB, work + COLUMNS_OFFSET);
        for (let ic = rowFrom; ic < rowTo; ic += mcStep) {
          const mc = min(mcStep, rowTo - ic);
          packA(0, dyb, k, ic, pc, mc, kc, packedA);
          macroKernel(mc, nc, kc, packedA, packedB, dw + (<usize>ic * n + jc) * F32, n, 1, 1, 0, 0, edgeTile, edgeBias);
        }
      }
    }
  }
}

/** Packs patchesᵀ[pc:pc+kc, jc:jc+nc] (rows: output positions; columns: taps (c, ky, kx)) as NR-column panels. */
function packPatchesT(xb: usize, inH: i32, inW: i32, kH: i32, kW: i32, stride: i32, pad: i32, outW: i32,
  pc: i32, jc: i32, kc: i32, nc: i32, dst: usize, columns: usize): void {
  const columnA = columns, columnB = columns + <usize>NR * 4, columnC = columns + <usize>(2 * NR) * 4;
  const taps = kH * kW;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    for (let t = 0; t < cols; t++) {
      const q = jc + jr + t, c = q / taps, r = q - c * taps, ky = r / kW;
      setI(columnA, t, c * inH * inW);
      setI(columnB, t, ky - pad);
      setI(columnC, t, r - ky * kW - pad);
    }
    let oy = pc / outW, ox = pc - oy * outW;
    for (let p = 0; p < kc; p++) {
      const out = dst + <usize>(p * NR) * F32;
      const y0 = oy * stride, x0 = ox * stride;
      for (let t = 0; t < NR; t++) {
        let v: f32 = 0;
        if (t < cols) {
          const iy = y0 + getI(columnB, t), ix = x0 + getI(columnC, t);
          if (iy >= 0 && iy < inH && ix >= 0 && ix < inW) v = load<f32>(xb + <usize>(getI(columnA, t) + iy * inW + ix) * F32);
        }
        store<f32>(out + <usize>t * F32, v);
      }
      if (++ox == outW) {
        ox = 0;
        oy++;
      }
    }
    dst += <usize>(NR * kc) * F32;
  }
}

/**
 * dx = the gradient of the convolution's input (overwritten), per image: cols = Wᵀ·dy by the GEMM into
 * `cols` (inC·kH·kW × outH·outW floats), then each column's taps added onto dx in order (col2im).
 */
export function convInputGrad(batch: i32, inC: i32, inH: i32, inW: i32, outC: i32, kH: i32, kW: i32,
  stride: i32, pad: i32, dy: usize, weight: usize, dx: usize, work: usize, cols: usize): void {
  const outH = outSize(inH, kH, stride, pad), outW = outSize(inW, kW, stride, pad);
  const k = inC * kH * kW, s = outH * outW;
  const imageBytes = <usize>(inC * inH * inW) * F32, dyBytes = <usize>(outC * s) * F32;
  for (let b = 0; b < batch; b++) {
    const dxb = dx + <usize>b * imageBytes;
    gemm(1, 0, k, s, outC, 1, weight, k, dy + <usize>b * dyBytes, s, 0, cols, s, 0, 0, work);
    memory.fill(dxb, 0, imageBytes);
    col2im(cols, inC, inH, inW, kH, kW, stride, pad, outH, outW, dxb);
  }
}

/** dx[c, oy·s − pad + ky, ox·s − pad + kx] += cols[(c, ky, kx), (oy, ox)], taps in order, skipping the padding. */
function col2im(cols: usize, inC: i32, inH: i32, inW: i32, kH: i32, kW: i32, stride: i32, pad: i32, outH: i32,
  outW: i32, dx: usize): void {
  let src = cols;
  for (let c = 0; c < inC; c++) {
    const plane = dx + <usize>(c * inH * inW) * F32;
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++) {
        // The outputs whose tap (ky, kx) lands inside the input: ox in [oxLo, oxHi).
        let oxLo = 0;
        while (oxLo < outW && oxLo * stride - pad + kx < 0) oxLo++;
        let oxHi = outW;
        while (oxHi > oxLo && (oxHi - 1) * stride - pad + kx >= inW) oxHi--;
        for (let oy = 0; oy < outH; oy++) {
          const iy = oy * stride - pad + ky;
          if (iy >= 0 && iy < inH) {
            const row = plane + <usize>(iy * inW - pad + kx) * F32;
            const from = src + <usize>(oy * outW) * F32;
            let ox = oxLo;
            if (stride == 1) {
              for (; ox + 4 <= oxHi; ox += 4) {
                const at = row + <usize>ox * F32;
                v128.store(at, f32x4.add(v128.load(at), v128.load(from + <usize>ox * F32)));
              }
            }
            for (; ox < oxHi; ox++) {
              const at = row + <usize>(ox * stride) * F32;
              store<f32>(at, load<f32>(at) + load<f32>(from + <usize>ox * F32));
            }
          }
        }
        src += <usize>(outH * outW) * F32;
      }
    }
  }
}

/** db[c] = beta·db[c] + Σ over images and positions of dy[b, c, :]: four lane sums per plane, then a tail. */
export function convBiasGrad(batch: i32, channels: i32, spatial: i32, dy: usize, db: usize, beta: f32): void {
  const planeBytes = <usize>spatial * F32;
  for (let c = 0; c < channels; c++) {
    let lanes = f32x4.splat(0);
    let tail: f32 = 0;
    for (let b = 0; b < batch; b++) {
      const plane = dy + (<usize>(b * channels + c)) * planeBytes;
      let s = 0;
      for (; s + 4 <= spatial; s += 4) lanes = f32x4.add(lanes, v128.load(plane + <usize>s * F32));
      for (; s < spatial; s++) tail += load<f32>(plane + <usize>s * F32);
    }
    const sum = (f32x4.extract_lane(lanes, 0) + f32x4.extract_lane(lanes, 1))
      + (f32x4.extract_lane(lanes, 2) + f32x4.extract_lane(lanes, 3)) + tail;
    const at = db + <usize>c * F32;
    store<f32>(at, beta == 0 ? sum : beta * load<f32>(at) + sum);
  }
}

/** y = the maximum of each k×k window (step `stride`); argmax = its index in the plane (the first on ties, a NaN wins). */
export function maxPoolForward(planes: i32, inH: i32, inW: i32, k: i32, stride: i32, x: usize, y: usize,
  argmax: usize): void {
  const outH = outSize(inH, k, stride, 0), outW = outSize(inW, k, stride, 0);
  let out: usize = 0;
  for (let p = 0; p < planes; p++) {
    const plane = x + <usize>(p * inH * inW) * F32;
    for (let oy = 0; oy < outH; oy++) {
      for (let ox = 0; ox < outW; ox++) {
        let best = oy * stride * inW + ox * stride;
        let max = load<f32>(plane + <usize>best * F32);
        for (let ky = 0; ky < k; ky++) {
          const rowStart = (oy * stride + ky) * inW + ox * stride;
          for (let kx = 0; kx < k; kx++) {
            const v = load<f32>(plane + <usize>(rowStart + kx) * F32);
            if (v > max || v != v) {
              max = v;
              best = rowStart + kx;
            }
          }
        }
        store<f32>(y + out * F32, max);
        store<i32>(argmax + out * 4, best);
        out++;
      }
    }
  }
}

/** dx = 0, then dx[argmax of each output] += dy of that output, outputs in order. */
export function maxPoolBackward(planes: i32, inH: i32, inW: i32, k: i32, stride: i32, dy: usize, argmax: usize,
  dx: usize): void {
  const outSizeOfPlane = outSize(inH, k, stride, 0) * outSize(inW, k, stride, 0);
  const planeBytes = <usize>(inH * inW) * F32;
  memory.fill(dx, 0, <usize>planes * planeBytes);
  let out: usize = 0;
  for (let p = 0; p < planes; p++) {
    const plane = dx + <usize>p * planeBytes;
    for (let o = 0; o < outSizeOfPlane; o++) {
      const at = plane + <usize>load<i32>(argmax + out * 4) * F32;
      store<f32>(at, load<f32>(at) + load<f32>(dy + out * F32));
      out++;
    }
  }
}

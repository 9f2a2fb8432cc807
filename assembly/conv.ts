// Convolution as GEMM on the one micro-kernel of gemm.ts, NCHW, weight [outC, inC, kH, kW]. Per image:
//   forward       y[outC × S]   = W[outC × K] · patches[K × S]          (K = inC·kH·kW, S = outH·outW)
//   weight grad   dW[outC × K] += dy[outC × S] · patchesᵀ[S × K]
//   input grad    cols[K × S]   = Wᵀ · dy, then each input element's taps summed from cols
// The patches are packed straight from the image (copied into a zero-bordered buffer first when padded)
// into the GEMM's NR-wide B panels, so no im2col matrix exists; the input gradient does need its K × S
// columns for one image (`cols`, the caller's buffer). A 5×5 stride-1 layer whose output rows are whole
// vectors (the first layer of the MNIST CNN) sums its weight gradient by lanes instead, from the image
// and dy directly (weightGradByLanes): as a GEMM, its 16 × 25 outputs per 784 positions cost more to pack
// than to multiply.
// Every sum runs in a fixed order (images in order, k-blocks in order), so the bits never vary. Threads
// split the forward and the input gradient by images and the weight gradient by blocks of dw
// (convWeightGradPart); what a call writes besides its outputs (the scratch in `work`, the padded copy
// in `padded`, the columns and tap masks in `cols`) is its own.
import {
  COLUMNS_OFFSET, EDGE_TILE_BYTES, evenStep, F32, gemm, KC, macroKernel, madd, MC, microKernelUnpacked, MR, NC, NR,
  PACKED_A_BYTES, PACKED_B_BYTES, packA, ROWS_OFFSET, transposeStore,
} from './gemm';

// The packing's scratch (NR + KC i32 at work + COLUMNS_OFFSET: in the workspace, so each thread has its
// own) holds per column of a panel the float offset of its window's corner (forward) or of its tap
// (weight gradient), and per row of a k-block that of its tap (forward).

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

/**
 * y = conv(x, weight) + bias (per output channel, bias ≠ 0), then ReLU (relu = 1), for `batch` images.
 * With padding, each image is first copied into `padded` (inC × (inH + 2·pad) × (inW + 2·pad) floats,
 * zero borders), so packing never tests bounds.
 */
export function convForward(batch: i32, inC: i32, inH: i32, inW: i32, outC: i32, kH: i32, kW: i32, stride: i32,
  pad: i32, x: usize, weight: usize, bias: usize, y: usize, relu: i32, work: usize, padded: usize): void {
  const outH = outSize(inH, kH, stride, pad), outW = outSize(inW, kW, stride, pad);
  const m = outC, n = outH * outW, k = inC * kH * kW;
  if (m <= 0 || n <= 0 || k <= 0) return;
  const packedA = work, packedB = work + PACKED_A_BYTES;
  const edgeTile = packedB + PACKED_B_BYTES, edgeBias = edgeTile + EDGE_TILE_BYTES;
  const kcStep = evenStep(k, KC, 1), mcStep = evenStep(m, MC, MR), ncStep = evenStep(n, NC, NR);
  const imageBytes = <usize>(inC * inH * inW) * F32, outBytes = <usize>(m * n) * F32;
  const srcH = inH + 2 * pad, srcW = inW + 2 * pad;
  const unpacked = readsInPlace(stride, outW, m, n, k);
  for (let b = 0; b < batch; b++) {
    const xb = x + <usize>b * imageBytes, yb = y + <usize>b * outBytes;
    const src = pad > 0 ? padImage(xb, inC, inH, inW, pad, padded) : xb;
    if (unpacked) {
      forwardInPlace(src, srcH, srcW, kH, kW, outW, m, n, k, weight, bias, yb, relu, work);
      continue;
    }
    for (let jc = 0; jc < n; jc += ncStep) {
      const nc = min(ncStep, n - jc);
      for (let pc = 0; pc < k; pc += kcStep) {
        const kc = min(kcStep, k - pc);
        packPatches(src, srcH, srcW, kH, kW, stride, outW, pc, jc, kc, nc, packedB, work + COLUMNS_OFFSET);
        // The first k-block starts the sum from the bias, the last applies ReLU.
        const blockBeta: f32 = pc == 0 ? 0 : 1;
        const blockRelu = pc + kc == k ? relu : 0;
        for (let ic = 0; ic < m; ic += mcStep) {
          const mc = min(mcStep, m - ic);
          const blockBias: usize = pc == 0 && bias != 0 ? bias + <usize>ic * F32 : 0;
          packA(0, weight, k, ic, pc, mc, kc, packedA);
          macroKernel(mc, nc, kc, packedA, packedB, yb + (<usize>ic * n + jc) * F32, n, 1, blockBeta, 0, blockBias,
            blockRelu, edgeTile, edgeBias);
        }
      }
    }
  }
}

/**
 * Whether convForward's GEMM reads B where it lies in the image (forwardInPlace) instead of packing it:
 * at stride 1, with output rows of whole vectors (four outputs of a row are four contiguous input
 * floats per tap), whole panels and tiles, and one k-block. Packing would copy each patch for a product
 * of few multiply-adds: the first layer of the MNIST CNN sums 25 products per output.
 */
// @ts-ignore: decorator
@inline function readsInPlace(stride: i32, outW: i32, m: i32, n: i32, k: i32): bool {
  return stride == 1 && (outW & 3) == 0 && n % NR == 0 && m % MR == 0 && k <= KC;
}

/** One image of convForward by microKernelUnpacked; each output is summed, and written, as by the packed path. */
function forwardInPlace(src: usize, srcH: i32, srcW: i32, kH: i32, kW: i32, outW: i32, m: i32, n: i32, k: i32,
  weight: usize, bias: usize, yb: usize, relu: i32, work: usize): void {
  const taps = work + ROWS_OFFSET;
  tapOffsets(0, k, kH, kW, srcH, srcW, 2, taps);
  const packedA = work, rowBytes = <usize>n * F32;
  const mcStep = evenStep(m, MC, MR);
  for (let ic = 0; ic < m; ic += mcStep) {
    const mc = min(mcStep, m - ic);
    packA(0, weight, k, ic, 0, mc, k, packedA);
    const rowBias: usize = bias != 0 ? bias + <usize>ic * F32 : 0;
    const c0 = yb + <usize>ic * rowBytes;
    for (let j = 0; j < n; j += NR) {
      // The panel's two halves: four outputs each, on one output row each.
      const oyLow = j / outW, oyHigh = (j + 4) / outW;
      const bLow = src + <usize>(oyLow * srcW + j - oyLow * outW) * F32;
      const bHigh = src + <usize>(oyHigh * srcW + j + 4 - oyHigh * outW) * F32;
      microKernelUnpacked(k, mc / MR, packedA, taps, bLow, bHigh, c0 + <usize>j * F32, rowBytes, 1, 0, 0, rowBias, relu);
    }
  }
}

/**
 * For the rows pc … pc + kc − 1 of the patch matrix (taps (c, ky, kx) in order), the offset of each tap
 * from a window's corner in a srcH × srcW image, in floats << shift (0: floats, 2: bytes), as kc i32 at dst.
 */
function tapOffsets(pc: i32, kc: i32, kH: i32, kW: i32, srcH: i32, srcW: i32, shift: i32, dst: usize): void {
  const taps = kH * kW;
  let c = pc / taps, r = pc - c * taps;
  let ky = r / kW, kx = r - ky * kW;
  for (let p = 0; p < kc; p++) {
    setI(dst, p, ((c * srcH + ky) * srcW + kx) << shift);
    if (++kx == kW) {
      kx = 0;
      if (++ky == kH) {
        ky = 0;
        c++;
      }
    }
  }
}

/** Copies an inC × inH × inW image into the middle of `dst`, inC × (inH + 2·pad) × (inW + 2·pad) with zero borders; returns dst. */
function padImage(xb: usize, inC: i32, inH: i32, inW: i32, pad: i32, dst: usize): usize {
  const srcH = inH + 2 * pad, srcW = inW + 2 * pad;
  memory.fill(dst, 0, <usize>(inC * srcH * srcW) * F32);
  for (let c = 0; c < inC; c++) {
    for (let iy = 0; iy < inH; iy++) {
      memory.copy(dst + <usize>((c * srcH + iy + pad) * srcW + pad) * F32, xb + <usize>((c * inH + iy) * inW) * F32, <usize>inW * F32);
    }
  }
  return dst;
}

/**
 * Packs patches[pc:pc+kc, jc:jc+nc] of one (already padded) srcH × srcW image as NR-column panels, kc
 * rows of NR floats each, zero past nc. Row q = (c, ky, kx), column j = (oy, ox). Eight output columns
 * on one output row at stride 1 read eight contiguous input floats: two loads. Eight that wrap onto the
 * next output row (outW ≥ 8) are two such runs: loads from both rows, blended lane by lane. Those loads
 * stay inside the image: the first run's overshoot lands in the next input row, the second's start in
 * the row before. `scratch` holds NR i32 (each column's window corner) then KC i32 (each row's tap).
 */
function packPatches(src: usize, srcH: i32, srcW: i32, kH: i32, kW: i32, stride: i32, outW: i32,
  pc: i32, jc: i32, kc: i32, nc: i32, dst: usize, scratch: usize): void {
  const columnAt = scratch, tapAt = scratch + <usize>NR * 4;
  // The same for every panel.
  tapOffsets(pc, kc, kH, kW, srcH, srcW, 0, tapAt);
  const rowBytes = <usize>NR * F32;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const j0 = jc + jr;
    const oy0 = j0 / outW, ox0 = j0 - oy0 * outW;
    const first = src + <usize>(oy0 * stride * srcW + ox0 * stride) * F32;
    let out = dst;
    if (cols == NR && stride == 1 && ox0 + NR <= outW) {
      for (let p = 0; p < kc; p++, out += rowBytes) {
        const from = first + (<usize>getI(tapAt, p) << 2);
        v128.store(out, v128.load(from));
        v128.store(out, v128.load(from, 16), 16);
      }
    } else if (cols == NR && stride == 1 && outW >= NR) {
      // Lanes before the wrap come from the first row; the second row's loads start `split` floats early.
      const split = outW - ox0;
      const lanes = i32x4(0, 1, 2, 3);
      const maskLow = i32x4.lt_s(lanes, i32x4.splat(split));
      const maskHigh = i32x4.lt_s(i32x4.add(lanes, i32x4.splat(4)), i32x4.splat(split));
      const second = src + <usize>((oy0 + 1) * srcW - split) * F32;
      for (let p = 0; p < kc; p++, out += rowBytes) {
        const tap = <usize>getI(tapAt, p) << 2;
        const a = first + tap, b = second + tap;
        v128.store(out, v128.bitselect(v128.load(a), v128.load(b), maskLow));
        v128.store(out, v128.bitselect(v128.load(a, 16), v128.load(b, 16), maskHigh), 16);
      }
    } else {
      for (let t = 0; t < cols; t++) {
        const j = j0 + t, oy = j / outW;
        setI(columnAt, t, oy * stride * srcW + (j - oy * outW) * stride);
      }
      for (let p = 0; p < kc; p++, out += rowBytes) {
        const tap = getI(tapAt, p);
        clearRow(out);
        for (let t = 0; t < cols; t++) store<f32>(out + <usize>t * F32, load<f32>(src + <usize>(tap + getI(columnAt, t)) * F32));
      }
    }
    dst += <usize>(NR * kc) * F32;
  }
}

/** Zeroes one NR-float row of a panel. */
// @ts-ignore: decorator
@inline function clearRow(row: usize): void {
  v128.store(row, v128.splat<i32>(0));
  v128.store(row, v128.splat<i32>(0), 16);
}

/** dw += dy · patchesᵀ over the `batch` images, in order (accumulates, as PyTorch's .grad); `padded` as convForward's. */
export function convWeightGrad(batch: i32, inC: i32, inH: i32, inW: i32, outC: i32, kH: i32, kW: i32,
  stride: i32, pad: i32, x: usize, dy: usize, dw: usize, work: usize, padded: usize): void {
  convWeightGradPart(0, outC, 0, inC * kH * kW, batch, inC, inH, inW, outC, kH, kW, stride, pad, x, dy, dw, work, padded);
}

/**
 * convWeightGrad on the block of dw's rows [rowFrom, rowTo) and columns [colFrom, colTo) only, each
 * element summed as in the whole: threads split dw into such blocks, each with its own `work` and `padded`.
 */
export function convWeightGradPart(rowFrom: i32, rowTo: i32, colFrom: i32, colTo: i32, batch: i32, inC: i32,
  inH: i32, inW: i32, outC: i32, kH: i32, kW: i32, stride: i32, pad: i32, x: usize, dy: usize, dw: usize, work: usize,
  padded: usize): void {
  const outH = outSize(inH, kH, stride, pad), outW = outSize(inW, kW, stride, pad);
  const m = outC, n = inC * kH * kW, k = outH * outW;
  if (rowTo <= rowFrom || colTo <= colFrom || k <= 0) return;
  if (sumsByLanes(kW, stride, outW)) {
    weightGradByLanes(rowFrom, rowTo, colFrom, colTo, batch, inC, inH, inW, outC, kH, kW, pad, x, dy, dw, padded);
    return;
  }
  const packedA = work, packedB = work + PACKED_A_BYTES;
  const edgeTile = packedB + PACKED_B_BYTES, edgeBias = edgeTile + EDGE_TILE_BYTES;
  const kcStep = evenStep(k, KC, 1), mcStep = evenStep(rowTo - rowFrom, MC, MR), ncStep = evenStep(colTo - colFrom, NC, NR);
  const imageBytes = <usize>(inC * inH * inW) * F32, dyBytes = <usize>(m * k) * F32;
  const srcH = inH + 2 * pad, srcW = inW + 2 * pad;
  for (let b = 0; b < batch; b++) {
    const xb = x + <usize>b * imageBytes, dyb = dy + <usize>b * dyBytes;
    const src = pad > 0 ? padImage(xb, inC, inH, inW, pad, padded) : xb;
    for (let jc = colFrom; jc < colTo; jc += ncStep) {
      const nc = min(ncStep, colTo - jc);
      for (let pc = 0; pc < k; pc += kcStep) {
        const kc = min(kcStep, k - pc);
        packPatchesT(src, srcH, srcW, kH, kW, stride, outW, pc, jc, kc, nc, packedB, work + COLUMNS_OFFSET);
        for (let ic = rowFrom; ic < rowTo; ic += mcStep) {
          const mc = min(mcStep, rowTo - ic);
          packA(0, dyb, k, ic, pc, mc, kc, packedA);
          macroKernel(mc, nc, kc, packedA, packedB, dw + (<usize>ic * n + jc) * F32, n, 1, 1, 0, 0, 0, edgeTile, edgeBias);
        }
      }
    }
  }
}

/**
 * Whether the weight gradient is summed by lanes (weightGradByLanes) instead of as a GEMM: at stride 1
 * with five-wide kernels and output rows of whole vectors. There (the first layer of a LeNet-like net: one
 * input channel, 25 taps, 16 channels) the GEMM spends more time packing patches than multiplying them.
 * A property of the layer alone, so every block of dw, on every thread, sums the same way.
 */
// @ts-ignore: decorator
@inline function sumsByLanes(kW: i32, stride: i32, outW: i32): bool {
  return stride == 1 && kW == 5 && (outW & 3) == 0;
}

/**
 * dw[o, q] += Σ over positions of dy[o, ·]·patches[q, ·] for the block [rowFrom, rowTo) × [colFrom, colTo),
 * read straight from dy and the (padded) image: four neighbouring positions per vector, lane j summing
 * the positions ≡ j mod 4 of an image in order, the lanes added once per image ((0 + 2) + (1 + 3)), then
 * onto dw. A kernel row's five taps at a time; the taps of a row the block cuts one by one, with the
 * same sums.
 */
function weightGradByLanes(rowFrom: i32, rowTo: i32, colFrom: i32, colTo: i32, batch: i32, inC: i32, inH: i32,
  inW: i32, outC: i32, kH: i32, kW: i32, pad: i32, x: usize, dy: usize, dw: usize, padded: usize): void {
  const outH = outSize(inH, kH, 1, pad), outW = outSize(inW, kW, 1, pad);
  const taps = kH * kW, n = inC * taps, planeBytes = <usize>(outH * outW) * F32;
  const imageBytes = <usize>(inC * inH * inW) * F32;
  const srcH = inH + 2 * pad, srcW = inW + 2 * pad;
  for (let b = 0; b < batch; b++) {
    const xb = x + <usize>b * imageBytes;
    const src = pad > 0 ? padImage(xb, inC, inH, inW, pad, padded) : xb;
    const dyb = dy + <usize>(b * outC) * planeBytes;
    for (let o = rowFrom; o < rowTo; o++) {
      const dyo = dyb + <usize>o * planeBytes;
      for (let q = colFrom; q < colTo;) {
        const c = q / taps, r = q - c * taps, ky = r / kW, kx = r - ky * kW;
        // The tap's window corner at position (0, 0).
        const corner = src + <usize>((c * srcH + ky) * srcW + kx) * F32;
        const at = dw + <usize>(o * n + q) * F32;
        if (kx == 0 && q + kW <= colTo) {
          fiveTaps(dyo, corner, outH, outW, srcW, at);
          q += kW;
        } else {
          oneTap(dyo, corner, outH, outW, srcW, at);
          q++;
        }
      }
    }
  }
}

/**
 * One channel's five neighbouring taps: five accumulators, one dy load and five loads of the image per
 * step. (Two channels at once need ten accumulators and seven loads, which V8 hoists and then spills.)
 */
function fiveTaps(dy: usize, corner: usize, outH: i32, outW: i32, srcW: i32, dw: usize): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0), a4 = f32x4.splat(0);
  const rowBytes = <usize>outW * F32, srcRowBytes = <usize>srcW * F32;
  for (let oy = 0; oy < outH; oy++) {
    const end = dy + rowBytes;
    for (let x = corner; dy < end; dy += 16, x += 16) {
      const d = v128.load(dy);
      a0 = madd(d, v128.load(x), a0);
      a1 = madd(d, v128.load(x, 4), a1);
      a2 = madd(d, v128.load(x, 8), a2);
      a3 = madd(d, v128.load(x, 12), a3);
      a4 = madd(d, v128.load(x, 16), a4);
    }
    corner += srcRowBytes;
  }
  addLaneSum(dw, a0); addLaneSum(dw + 4, a1); addLaneSum(dw + 8, a2); addLaneSum(dw + 12, a3); addLaneSum(dw + 16, a4);
}

/** fiveTaps for one tap. */
function oneTap(dy: usize, corner: usize, outH: i32, outW: i32, srcW: i32, dw: usize): void {
  let a = f32x4.splat(0);
  const rowBytes = <usize>outW * F32, srcRowBytes = <usize>srcW * F32;
  for (let oy = 0; oy < outH; oy++) {
    const end = dy + rowBytes;
    for (let x = corner; dy < end; dy += 16, x += 16) a = madd(v128.load(dy), v128.load(x), a);
    corner += srcRowBytes;
  }
  addLaneSum(dw, a);
}

/** *at += (v[0] + v[2]) + (v[1] + v[3]). */
// @ts-ignore: decorator
@inline function addLaneSum(at: usize, v: v128): void {
  const halves = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  store<f32>(at, load<f32>(at) + (f32x4.extract_lane(halves, 0) + f32x4.extract_lane(halves, 1)));
}

/**
 * Packs patchesᵀ[pc:pc+kc, jc:jc+nc] (rows: output positions; columns: taps (c, ky, kx)) of one padded
 * image as NR-column panels. At stride 1, four positions on one output row are four contiguous floats
 * per tap: eight loads and a transpose give four rows of the panel.
 */
function packPatchesT(src: usize, srcH: i32, srcW: i32, kH: i32, kW: i32, stride: i32, outW: i32,
  pc: i32, jc: i32, kc: i32, nc: i32, dst: usize, columnA: usize): void {
  const taps = kH * kW;
  const rowBytes = <usize>NR * F32;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    // Float offset of each column's tap from a window's corner.
    for (let t = 0; t < cols; t++) {
      const q = jc + jr + t, c = q / taps, r = q - c * taps, ky = r / kW;
      setI(columnA, t, (c * srcH + ky) * srcW + r - ky * kW);
    }
    let oy = pc / outW, ox = pc - oy * outW;
    let p = 0;
    while (p < kc) {
      const out = dst + <usize>(p * NR) * F32;
      const corner = oy * stride * srcW + ox * stride;
      if (cols == NR && stride == 1 && p + 4 <= kc && ox + 4 <= outW) {
        const at = src + <usize>corner * F32;
        transposeStore(
          v128.load(at + <usize>getI(columnA, 0) * F32), v128.load(at + <usize>getI(columnA, 1) * F32),
          v128.load(at + <usize>getI(columnA, 2) * F32), v128.load(at + <usize>getI(columnA, 3) * F32), out, rowBytes);
        transposeStore(
          v128.load(at + <usize>getI(columnA, 4) * F32), v128.load(at + <usize>getI(columnA, 5) * F32),
          v128.load(at + <usize>getI(columnA, 6) * F32), v128.load(at + <usize>getI(columnA, 7) * F32), out + 16, rowBytes);
        p += 4;
        ox += 4;
      } else {
        clearRow(out);
        for (let t = 0; t < cols; t++) store<f32>(out + <usize>t * F32, load<f32>(src + <usize>(corner + getI(columnA, t)) * F32));
        p++;
        ox++;
      }
      if (ox == outW) {
        ox = 0;
        oy++;
      }
    }
    dst += <usize>(NR * kc) * F32;
  }
}

/**
 * Bytes of `cols` one thread's convInputGrad needs: one image's columns (inC·kH·kW × outH·outW floats).
 * When each input vector sums its taps in a register (sumsTapsByVector), the columns have slack on both
 * sides for the masked reads that fall outside them, and a table of tap masks follows.
 */
export function convInputGradScratchBytes(inC: i32, inH: i32, inW: i32, kH: i32, kW: i32, stride: i32, pad: i32): i32 {
  const outH = outSize(inH, kH, stride, pad), outW = outSize(inW, kW, stride, pad);
  const colsBytes = inC * kH * kW * outH * outW * <i32>F32;
  if (!sumsTapsByVector(stride, inH, inW, outH, outW)) return colsBytes;
  return 2 * slackBytes(inW, pad) + colsBytes + tapMasksBytes(inH, inW, kH, kW);
}

/**
 * dx = the gradient of the convolution's input (overwritten), per image: cols = Wᵀ·dy by the GEMM into
 * `cols`, then each input element's taps summed in order onto it: by vectors of four (gatherTaps) when
 * the output is as large as the input at stride 1, else scattered back tap by tap (col2im). Both
 * sums start at 0 and add the taps (c, ky, kx) in order, so they give the same bits.
 */
export function convInputGrad(batch: i32, inC: i32, inH: i32, inW: i32, outC: i32, kH: i32, kW: i32,
  stride: i32, pad: i32, dy: usize, weight: usize, dx: usize, work: usize, cols: usize): void {
  const outH = outSize(inH, kH, stride, pad), outW = outSize(inW, kW, stride, pad);
  const k = inC * kH * kW, s = outH * outW;
  const imageBytes = <usize>(inC * inH * inW) * F32, dyBytes = <usize>(outC * s) * F32;
  const byVector = sumsTapsByVector(stride, inH, inW, outH, outW);
  const slack = byVector ? <usize>slackBytes(inW, pad) : 0;
  const colsData = cols + slack, masks = colsData + <usize>(k * s) * F32 + slack;
  if (byVector) writeTapMasks(inH, inW, kH, kW, pad, masks);
  for (let b = 0; b < batch; b++) {
    const dxb = dx + <usize>b * imageBytes;
    gemm(1, 0, k, s, outC, 1, weight, k, dy + <usize>b * dyBytes, s, 0, colsData, s, 0, 0, work);
    if (byVector) {
      gatherTaps(colsData, masks, inC, inH, inW, kH, kW, pad, dxb);
    } else {
      memory.fill(dxb, 0, imageBytes);
      col2im(colsData, inC, inH, inW, kH, kW, stride, pad, outH, outW, dxb);
    }
  }
}

// With stride 1 and an output as large as the input, input position p's tap (ky, kx) is column p + (pad − ky)·inW + (pad − kx)
// of that tap's row in cols, so four neighbouring positions read four neighbouring columns; a mask drops
// the lanes whose tap falls in the padding.
// @ts-ignore: decorator
@inline function sumsTapsByVector(stride: i32, inH: i32, inW: i32, outH: i32, outW: i32): bool {
  return stride == 1 && outH == inH && outW == inW;
}

// The furthest a masked read reaches outside one tap's row: pad rows and pad columns, plus a vector.
// @ts-ignore: decorator
@inline function slackBytes(inW: i32, pad: i32): i32 {
  return (pad * inW + pad + 4) * <i32>F32;
}

// @ts-ignore: decorator
@inline function tapMasksBytes(inH: i32, inW: i32, kH: i32, kW: i32): i32 {
  return (inH * inW >> 2) * kH * kW * 16;
}

/**
 * The tap masks in the order gatherTaps reads them: per group of four vectors (input positions 4q … 4q + 15),
 * per tap (ky, kx), the four vectors' masks; then per leftover vector, per tap, its mask. A lane is all
 * ones where its position's tap is an output.
 */
function writeTapMasks(inH: i32, inW: i32, kH: i32, kW: i32, pad: i32, masks: usize): void {
  const vectors = inH * inW >> 2;
  let at = masks;
  for (let q = 0; q < vectors; ) {
    const group = q + 4 <= vectors ? 4 : 1;
    for (let ky = 0; ky < kH; ky++) {
      for (let kx = 0; kx < kW; kx++) {
        for (let j = 0; j < group; j++) {
          for (let lane = 0; lane < 4; lane++) {
            const p = 4 * (q + j) + lane;
            store<i32>(at + (<usize>lane << 2), isTap(p / inW + pad - ky, p % inW + pad - kx, inH, inW) ? -1 : 0);
          }
          at += 16;
        }
      }
    }
    q += group;
  }
}

// @ts-ignore: decorator
@inline function isTap(oy: i32, ox: i32, outH: i32, outW: i32): bool {
  return <u32>oy < <u32>outH && <u32>ox < <u32>outW;
}

/**
 * dx[c, p] = Σ over taps (ky, kx) in order of cols[(c, ky, kx), p + (pad − ky)·inW + (pad − kx)], the taps
 * in the padding left out: dx is written once and never read. Four vectors at a time, so that four chains
 * of adds hide each other's latency.
 */
function gatherTaps(cols: usize, masks: usize, inC: i32, inH: i32, inW: i32, kH: i32, kW: i32, pad: i32,
  dx: usize): void {
  const plane = inH * inW, vectors = plane >> 2;
  const planeBytes = <usize>plane * F32;
  const nextTap = planeBytes - F32, nextRow = <usize>kW * planeBytes - <usize>inW * F32;
  for (let c = 0; c < inC; c++) {
    const tapsOfC = cols + <usize>(c * kH * kW) * planeBytes, dxc = dx + <usize>c * planeBytes;
    let mask = masks, q = 0;
    for (; q + 4 <= vectors; q += 4) {
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
      let row = tapsOfC + (<usize>(4 * q + pad * inW + pad) << 2);
      for (let ky = 0; ky < kH; ky++) {
        let tap = row;
        for (let kx = 0; kx < kW; kx++) {
          s0 = f32x4.add(s0, v128.and(v128.load(tap), v128.load(mask)));
          s1 = f32x4.add(s1, v128.and(v128.load(tap, 16), v128.load(mask, 16)));
          s2 = f32x4.add(s2, v128.and(v128.load(tap, 32), v128.load(mask, 32)));
          s3 = f32x4.add(s3, v128.and(v128.load(tap, 48), v128.load(mask, 48)));
          tap += nextTap;
          mask += 64;
        }
        row += nextRow;
      }
      const at = dxc + (<usize>q << 4);
      v128.store(at, s0);
      v128.store(at, s1, 16);
      v128.store(at, s2, 32);
      v128.store(at, s3, 48);
    }
    for (; q < vectors; q++) {
      let sum = f32x4.splat(0);
      let row = tapsOfC + (<usize>(4 * q + pad * inW + pad) << 2);
      for (let ky = 0; ky < kH; ky++) {
        let tap = row;
        for (let kx = 0; kx < kW; kx++) {
          sum = f32x4.add(sum, v128.and(v128.load(tap), v128.load(mask)));
          tap += nextTap;
          mask += 16;
        }
        row += nextRow;
      }
      v128.store(dxc + (<usize>q << 4), sum);
    }
    for (let p = vectors << 2; p < plane; p++) {
      let sum: f32 = 0;
      for (let ky = 0; ky < kH; ky++) {
        for (let kx = 0; kx < kW; kx++) {
          const oy = p / inW + pad - ky, ox = p % inW + pad - kx;
          if (isTap(oy, ox, inH, inW)) sum += load<f32>(tapsOfC + <usize>((ky * kW + kx) * plane + oy * inW + ox) * F32);
        }
      }
      store<f32>(dxc + <usize>p * F32, sum);
    }
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
  convBiasGradPart(0, channels, batch, channels, spatial, dy, db, beta);
}

/** convBiasGrad for the channels [from, to) only, each summed as there: threads share the channels out. */
export function convBiasGradPart(from: i32, to: i32, batch: i32, channels: i32, spatial: i32, dy: usize, db: usize,
  beta: f32): void {
  const planeBytes = <usize>spatial * F32;
  for (let c = from; c < to; c++) {
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
  if (k == 2 && stride == 2) {
    maxPool2x2(planes, inH, inW, outH, outW, x, y, argmax);
    return;
  }
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

/**
 * maxPoolForward for the common 2×2 windows at stride 2: the same comparisons in the same order, four
 * windows at a time (their even and odd columns deinterleaved from two loads per input row).
 */
function maxPool2x2(planes: i32, inH: i32, inW: i32, outH: i32, outW: i32, x: usize, y: usize, argmax: usize): void {
  const rowBytes = <usize>inW * F32;
  const steps = i32x4(0, 2, 4, 6);
  let out: usize = 0;
  for (let p = 0; p < planes; p++) {
    const plane = x + <usize>(p * inH * inW) * F32;
    for (let oy = 0; oy < outH; oy++) {
      const top = 2 * oy * inW;
      let at = plane + <usize>top * F32;
      let ox = 0;
      for (; ox + 4 <= outW; ox += 4) {
        const t0 = v128.load(at), t1 = v128.load(at, 16);
        const b0 = v128.load(at + rowBytes), b1 = v128.load(at + rowBytes, 16);
        const corner = i32x4.add(i32x4.splat(top + 2 * ox), steps);
        let max = f32x4.shuffle(t0, t1, 0, 2, 4, 6);
        let best = corner;
        const one = i32x4.splat(1), below = i32x4.splat(inW);
        let v = f32x4.shuffle(t0, t1, 1, 3, 5, 7);
        let wins = v128.or(f32x4.gt(v, max), f32x4.ne(v, v));
        max = v128.bitselect(v, max, wins);
        best = v128.bitselect(i32x4.add(corner, one), best, wins);
        v = f32x4.shuffle(b0, b1, 0, 2, 4, 6);
        wins = v128.or(f32x4.gt(v, max), f32x4.ne(v, v));
        max = v128.bitselect(v, max, wins);
        best = v128.bitselect(i32x4.add(corner, below), best, wins);
        v = f32x4.shuffle(b0, b1, 1, 3, 5, 7);
        wins = v128.or(f32x4.gt(v, max), f32x4.ne(v, v));
        max = v128.bitselect(v, max, wins);
        best = v128.bitselect(i32x4.add(i32x4.add(corner, below), one), best, wins);
        v128.store(y + out * F32, max);
        v128.store(argmax + out * 4, best);
        out += 4;
        at += 8 * F32;
      }
      for (; ox < outW; ox++) {
        let max = load<f32>(at), best = top + 2 * ox;
        let v = load<f32>(at, 4);
        if (v > max || v != v) { max = v; best = top + 2 * ox + 1; }
        v = load<f32>(at + rowBytes);
        if (v > max || v != v) { max = v; best = top + inW + 2 * ox; }
        v = load<f32>(at + rowBytes, 4);
        if (v > max || v != v) { max = v; best = top + inW + 2 * ox + 1; }
        store<f32>(y + out * F32, max);
        store<i32>(argmax + out * 4, best);
        out++;
        at += 2 * F32;
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

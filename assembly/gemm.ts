// GEMM in the BLIS style: C = alpha·op(A)·op(B) + beta·C, then + bias, then ReLU, all row-major.
// op(B) is packed into NR-wide k-panels and op(A) into MR-tall k-panels, zero-padded at the edges, so
// every transpose runs through the one MR×NR micro-kernel. Blocking: KC over k (a B micro-panel stays in
// L1), MC over m (the packed A block stays in L2), NC over n (the packed B block, L3).
// Sums run in a fixed order that depends only on k, so the same inputs give the same bits.
//
// MR×NR = 4×8 in both builds: 8 accumulators + 2 B vectors + 4 broadcasts fit x64's 15 usable xmm
// registers even though TurboFan hoists all four broadcast loads to the top of the loop. 5×8 and 6×8
// need 17 and 20 and spill; measured on Node 20 (Zen 3), micro-kernel alone: 4×8 35 GFLOP/s, 5×8 29,
// 6×8 29 (mul+add); 4×8 48, 5×8 30, 6×8 34 (relaxed_madd). 3×12 spills too; 2×16 fits but runs 15%
// slower in the full GEMM. Under V8's revectorizer (Node ≥ 24) pairs of f32x4 become AVX2's 16 ymm
// registers: there the engine switches on 4×16 tiles (microKernelWide, two packed panels at once), whose
// eight 256-bit accumulators hide the adds' latency; a 4×8 tile's four cannot.

export const NR: i32 = 8;
export const MR: i32 = 4;
/** The half-width micro-kernel's columns. */
const HALF: i32 = NR / 2;
export const KC: i32 = 256;
export const MC: i32 = MR * 24;
export const NC: i32 = 1024;

export const F32 = sizeof<f32>();
export const PACKED_A_BYTES: usize = <usize>(MC * KC) * F32;
export const PACKED_B_BYTES: usize = <usize>(NC * KC) * F32;
export const EDGE_TILE_BYTES: usize = <usize>(MR * NR) * F32;
const EDGE_BIAS_BYTES: usize = <usize>NR * F32;
const EDGE_ROW_BIAS_BYTES: usize = <usize>MR * F32;
const EDGE_ROW_BYTES: usize = <usize>NR * F32;
/**
 * After the GEMM's own blocks: conv.ts's scratch for patch packing, NR i32 per column of a panel and KC
 * i32 per row of a k-block. In the workspace, not static data, so each thread (each with its own
 * workspace) has its own.
 */
export const COLUMNS_OFFSET: usize = PACKED_A_BYTES + PACKED_B_BYTES + EDGE_TILE_BYTES + EDGE_BIAS_BYTES + EDGE_ROW_BIAS_BYTES;
export const ROWS_OFFSET: usize = COLUMNS_OFFSET + <usize>NR * 4;
const ROWS_BYTES: usize = <usize>KC * 4;

export function gemmWorkspaceBytes(): i32 {
  return <i32>(ROWS_OFFSET + ROWS_BYTES);
}

/** Whether macroKernel runs two adjacent full panels as one MR×2NR tile (microKernelWide). */
let wideTiles = false;

/**
 * Wide tiles on (1) or off (0) in this instance. The bits are the same either way: only which elements
 * are summed side by side changes. The engine turns them on where V8's revectorizer fuses pairs of f32x4
 * operations: there a 4×8 tile holds four 256-bit accumulators, too few to hide the latency of the
 * adds (of FMA above all), and a 4×16 tile's eight fit in AVX2's 16 registers. Without the
 * revectorizer its 16 f32x4 accumulators spill from x64's 16 xmm registers.
 */
export function setWideTiles(on: i32): void {
  wideTiles = on != 0;
}

export function gemm(transA: i32, transB: i32, m: i32, n: i32, k: i32, alpha: f32, a: usize, lda: i32,
  b: usize, ldb: i32, beta: f32, c: usize, ldc: i32, bias: usize, relu: i32, work: usize): void {
  // Checked in the debug build only (release is built with --noAssert).
  assert(lda >= (transA ? m : k), 'gemm: lda is shorter than a row of A');
  assert(ldb >= (transB ? k : n), 'gemm: ldb is shorter than a row of B');
  assert(ldc >= n, 'gemm: ldc is shorter than a row of C');
  assert(work != 0, 'gemm: no packing workspace');
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    scaleOnly(m, n, beta, c, ldc, bias, relu);
    return;
  }
  const packedA = work;
  const packedB = packedA + PACKED_A_BYTES;
  const edgeTile = packedB + PACKED_B_BYTES;
  const edgeBias = edgeTile + EDGE_TILE_BYTES;
  const kcStep = evenStep(k, KC, 1);
  const mcStep = evenStep(m, MC, MR);
  const ncStep = evenStep(n, NC, NR);
  for (let jc = 0; jc < n; jc += ncStep) {
    const nc = min(ncStep, n - jc);
    for (let pc = 0; pc < k; pc += kcStep) {
      const kc = min(kcStep, k - pc);
      packB(transB, b, ldb, pc, jc, kc, nc, packedB);
      // Earlier k-blocks already hold beta·C; the epilogue belongs to the block that ends the sum.
      const blockBeta: f32 = pc == 0 ? beta : 1;
      const last = pc + kc == k;
      const blockBias: usize = last && bias != 0 ? bias + <usize>jc * F32 : 0;
      const blockRelu = last ? relu : 0;
      for (let ic = 0; ic < m; ic += mcStep) {
        const mc = min(mcStep, m - ic);
        packA(transA, a, lda, ic, pc, mc, kc, packedA);
        macroKernel(mc, nc, kc, packedA, packedB, c + (<usize>ic * ldc + jc) * F32, ldc, alpha, blockBeta,
          blockBias, 0, blockRelu, edgeTile, edgeBias);
      }
    }
  }
}

/** C = beta·C + bias, then ReLU: the product of an empty sum (k = 0). */
function scaleOnly(m: i32, n: i32, beta: f32, c: usize, ldc: i32, bias: usize, relu: i32): void {
  for (let i = 0; i < m; i++) {
    const row = c + <usize>i * ldc * F32;
    for (let j = 0; j < n; j++) {
      const at = row + <usize>j * F32;
      let v: f32 = beta != 0 ? beta * load<f32>(at) : 0;
      if (bias) v += load<f32>(bias + <usize>j * F32);
      store<f32>(at, relu ? max(v, 0) : v);
    }
  }
}

/** The block size at most `max` (a multiple of `unit`) that splits `total` into equal-as-possible blocks. */
export function evenStep(total: i32, max: i32, unit: i32): i32 {
  const blocks = (total + max - 1) / max;
  const step = (total + blocks - 1) / blocks;
  return (step + unit - 1) / unit * unit;
}

/** Packs op(A)[ic:ic+mc, pc:pc+kc] as MR-row panels, each kc columns of MR contiguous floats. */
export function packA(transA: i32, a: usize, lda: i32, ic: i32, pc: i32, mc: i32, kc: i32, dst: usize): void {
  const rowBytes = <usize>lda * F32;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    if (transA) {
      // op(A) columns are rows of A: MR floats are contiguous at each p.
      let src = a + <usize>pc * rowBytes + <usize>(ic + ir) * F32;
      if (rows == MR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst + <usize>(p * MR) * F32, v128.load(src));
          src += rowBytes;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          gatherEdge(dst + <usize>(p * MR) * F32, src, F32, rows, MR);
          src += rowBytes;
        }
      }
    } else {
      const src = a + <usize>(ic + ir) * rowBytes + <usize>pc * F32;
      let p = 0;
      if (rows == MR) {
        for (; p + 4 <= kc; p += 4) {
          transpose4x4(src + <usize>p * F32, rowBytes, dst + <usize>(p * MR) * F32, <usize>MR * F32);
        }
      }
      for (; p < kc; p++) gatherEdge(dst + <usize>(p * MR) * F32, src + <usize>p * F32, rowBytes, rows, MR);
    }
    dst += <usize>(MR * kc) * F32;
  }
}

/** Packs op(B)[pc:pc+kc, jc:jc+nc] as NR-column panels, each kc rows of NR contiguous floats. */
function packB(transB: i32, b: usize, ldb: i32, pc: i32, jc: i32, kc: i32, nc: i32, dst: usize): void {
  const rowBytes = <usize>ldb * F32;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    if (transB) {
      // op(B) columns are rows of B: transpose 4×4 blocks of B into the panel.
      const src = b + <usize>(jc + jr) * rowBytes + <usize>pc * F32;
      let p = 0;
      if (cols == NR) {
        const outRowBytes = <usize>NR * F32;
        for (; p + 4 <= kc; p += 4) {
          const out = dst + <usize>(p * NR) * F32;
          transpose4x4(src + <usize>p * F32, rowBytes, out, outRowBytes);
          transpose4x4(src + 4 * rowBytes + <usize>p * F32, rowBytes, out + 4 * F32, outRowBytes);
        }
      }
      for (; p < kc; p++) gatherEdge(dst + <usize>(p * NR) * F32, src + <usize>p * F32, rowBytes, cols, NR);
    } else {
      let src = b + <usize>pc * rowBytes + <usize>(jc + jr) * F32;
      if (cols == NR) {
        for (let p = 0; p < kc; p++) {
          const out = dst + <usize>(p * NR) * F32;
          v128.store(out, v128.load(src));
          v128.store(out, v128.load(src, 16), 16);
          src += rowBytes;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          gatherEdge(dst + <usize>(p * NR) * F32, src, F32, cols, NR);
          src += rowBytes;
        }
      }
    }
    dst += <usize>(NR * kc) * F32;
  }
}

/** dst[0:count] = the count floats at src, src + stride, …; dst[count:width] = 0. */
// @ts-ignore: decorator
@inline function gatherEdge(dst: usize, src: usize, stride: usize, count: i32, width: i32): void {
  for (let i = 0; i < count; i++) {
    store<f32>(dst + <usize>i * F32, load<f32>(src));
    src += stride;
  }
  for (let i = count; i < width; i++) store<f32>(dst + <usize>i * F32, 0);
}

/** Writes the transpose of the 4×4 block at src (row stride srcRowBytes) to dst (row stride dstRowBytes). */
// @ts-ignore: decorator
@inline function transpose4x4(src: usize, srcRowBytes: usize, dst: usize, dstRowBytes: usize): void {
  const r0 = v128.load(src);
  const r1 = v128.load(src + srcRowBytes);
  const r2 = v128.load(src + 2 * srcRowBytes);
  const r3 = v128.load(src + 3 * srcRowBytes);
  transposeStore(r0, r1, r2, r3, dst, dstRowBytes);
}

/** Stores the transpose of the 4×4 block whose rows are r0…r3 as four rows `dstRowBytes` apart. */
// @ts-ignore: decorator
@inline export function transposeStore(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, dstRowBytes: usize): void {
  const t0 = f32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = f32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = f32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = f32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, i64x2.shuffle(t0, t2, 0, 2));
  v128.store(dst + dstRowBytes, i64x2.shuffle(t0, t2, 1, 3));
  v128.store(dst + 2 * dstRowBytes, i64x2.shuffle(t1, t3, 0, 2));
  v128.store(dst + 3 * dstRowBytes, i64x2.shuffle(t1, t3, 1, 3));
}

/**
 * Runs the micro-kernel over an mc×nc block of C; edge tiles go through a full MR×NR temporary tile.
 * `bias` holds one float per column of the block, `rowBias` one per row (0: none).
 */
export function macroKernel(mc: i32, nc: i32, kc: i32, packedA: usize, packedB: usize, c: usize, ldc: i32,
  alpha: f32, beta: f32, bias: usize, rowBias: usize, relu: i32, edgeTile: usize, edgeBias: usize): void {
  const rowBytes = <usize>ldc * F32;
  let doneWithPrevious = false;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    // A strip of at most HALF columns runs the half-width kernel: an NR-wide one would do twice the work.
    const half = cols <= HALF;
    const panelB = packedB + <usize>(jr * kc) * F32;
    const stripBias: usize = bias != 0 ? bias + <usize>jr * F32 : 0;
    const fullTiles = cols == NR || cols == HALF ? mc / MR : 0;
    if (doneWithPrevious) {
      doneWithPrevious = false;
    } else if (wideTiles && fullTiles && nc - jr >= 2 * NR) {
      microKernelWide(kc, fullTiles, packedA, panelB, c + <usize>jr * F32, rowBytes, alpha, beta, stripBias, rowBias, relu);
      doneWithPrevious = true;
    } else if (fullTiles) {
      tileColumn(half, kc, fullTiles, packedA, panelB, c + <usize>jr * F32, rowBytes, alpha, beta, stripBias, rowBias, relu);
    }
    for (let ir = fullTiles * MR; ir < mc; ir += MR) {
      const rows = min(MR, mc - ir);
      const tile = c + <usize>ir * rowBytes + <usize>jr * F32;
      // The edge tile's biases are copied next to it, so reading a whole tile's worth stays in bounds.
      const tileBias: usize = stripBias != 0 ? edgeBias : 0;
      const tileRowBias: usize = rowBias != 0 ? edgeBias + EDGE_BIAS_BYTES : 0;
      if (tileBias) copyTile(1, cols, stripBias, 0, tileBias, 0);
      if (tileRowBias) copyTile(1, rows, rowBias + <usize>ir * F32, 0, tileRowBias, 0);
      if (beta != 0) copyTile(rows, cols, tile, rowBytes, edgeTile, EDGE_ROW_BYTES);
      tileColumn(half, kc, 1, packedA + <usize>(ir * kc) * F32, panelB, edgeTile, EDGE_ROW_BYTES, alpha, beta,
        tileBias, tileRowBias, relu);
      copyTile(rows, cols, edgeTile, EDGE_ROW_BYTES, tile, rowBytes);
    }
  }
}

// @ts-ignore: decorator
@inline function tileColumn(half: bool, kc: i32, tiles: i32, pa: usize, pb: usize, c: usize, rowBytes: usize,
  alpha: f32, beta: f32, bias: usize, rowBias: usize, relu: i32): void {
  if (half) microKernelHalf(kc, tiles, pa, pb, c, rowBytes, alpha, beta, bias, rowBias, relu);
  else microKernel(kc, tiles, pa, pb, c, rowBytes, alpha, beta, bias, rowBias, relu);
}

function copyTile(rows: i32, cols: i32, src: usize, srcRowBytes: usize, dst: usize, dstRowBytes: usize): void {
  for (let r = 0; r < rows; r++) {
    memory.copy(dst, src, <usize>cols * F32);
    src += srcRowBytes;
    dst += dstRowBytes;
  }
}

/**
 * For each of `tiles` MR×NR tiles going down from c (row stride rowBytes), using consecutive A panels
 * from pa and the one B panel at pb: C = epilogue(alpha·Σ_p A[:,p]·B[p,:] + beta·C).
 * A broadcasts: the standard build uses load offsets (`load32_splat(pa, 4)`), for which V8 keeps memory
 * base + offset in registers instead of an lea per load (~5% faster on Node 20, Zen 3); the relaxed build
 * keeps `pa + 4`, ~1% faster there. Unrolling k by hand in one block is slower: TurboFan hoists every load
 * to the top of the block and spills; an exit branch after each step pins the loads but still runs 10%
 * slower than the loop V8 unrolls twice by itself.
 */
function microKernel(kc: i32, tiles: i32, pa: usize, pb: usize, c: usize, rowBytes: usize, alpha: f32,
  beta: f32, bias: usize, rowBias: usize, relu: i32): void {
  microKernelTiles(PACKED, kc, tiles, pa, pb, 0, 0, c, rowBytes, alpha, beta, bias, rowBias, relu);
}

/** Where microKernelTiles reads B: a packed panel, or in place from one base or from two. */
const PACKED = 0, IN_PLACE = 1, IN_PLACE_SPLIT = 2;

/**
 * microKernel with B read where it lies instead of from a packed panel (conv.ts's forward at stride 1):
 * row p of the panel is the four floats at bLow + taps[p] then the four at bHigh + taps[p] (taps: i32
 * byte offsets, kc of them). Each element is summed exactly as from the packed panel. Halves that are
 * adjacent are loaded from one address with offsets 0 and 16, which V8's revectorizer fuses.
 */
export function microKernelUnpacked(kc: i32, tiles: i32, pa: usize, taps: usize, bLow: usize, bHigh: usize, c: usize,
  rowBytes: usize, alpha: f32, beta: f32, bias: usize, rowBias: usize, relu: i32): void {
  if (bHigh == bLow + 16) microKernelTiles(IN_PLACE, kc, tiles, pa, taps, bLow, 0, c, rowBytes, alpha, beta, bias, rowBias, relu);
  else microKernelTiles(IN_PLACE_SPLIT, kc, tiles, pa, taps, bLow, bHigh, c, rowBytes, alpha, beta, bias, rowBias, relu);
}

// @ts-ignore: decorator
@inline function microKernelTiles(source: i32, kc: i32, tiles: i32, pa: usize, pb: usize, bLow: usize, bHigh: usize,
  c: usize, rowBytes: usize, alpha: f32, beta: f32, bias: usize, rowBias: usize, relu: i32): void {
  const step: usize = source == PACKED ? <usize>NR * F32 : 4;
  const pbEnd = pb + <usize>kc * step;
  for (let t = 0; t < tiles; t++) {
    let b = pb;
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
    let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
    let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
    do {
      let b0: v128, b1: v128;
      if (source == PACKED) {
        b0 = v128.load(b);
        b1 = v128.load(b, 16);
      } else if (source == IN_PLACE) {
        const at = bLow + <usize>load<i32>(b);
        b0 = v128.load(at);
        b1 = v128.load(at, 16);
      } else {
        const tap = <usize>load<i32>(b);
        b0 = v128.load(bLow + tap);
        b1 = v128.load(bHigh + tap);
      }
      let ai = v128.load32_splat(pa);
      c00 = madd(ai, b0, c00); c01 = madd(ai, b1, c01);
      ai = ASC_FEATURE_RELAXED_SIMD ? v128.load32_splat(pa + 4) : v128.load32_splat(pa, 4);
      c10 = madd(ai, b0, c10); c11 = madd(ai, b1, c11);
      ai = ASC_FEATURE_RELAXED_SIMD ? v128.load32_splat(pa + 8) : v128.load32_splat(pa, 8);
      c20 = madd(ai, b0, c20); c21 = madd(ai, b1, c21);
      ai = ASC_FEATURE_RELAXED_SIMD ? v128.load32_splat(pa + 12) : v128.load32_splat(pa, 12);
      c30 = madd(ai, b0, c30); c31 = madd(ai, b1, c31);
      pa += <usize>MR * F32;
      b += step;
    } while (b < pbEnd);
    writeRow(c, c00, c01, alpha, beta, bias, rowBias, relu); c += rowBytes;
    writeRow(c, c10, c11, alpha, beta, bias, rowBias ? rowBias + F32 : 0, relu); c += rowBytes;
    writeRow(c, c20, c21, alpha, beta, bias, rowBias ? rowBias + 2 * F32 : 0, relu); c += rowBytes;
    writeRow(c, c30, c31, alpha, beta, bias, rowBias ? rowBias + 3 * F32 : 0, relu); c += rowBytes;
    if (rowBias) rowBias += <usize>MR * F32;
  }
}

/**
 * microKernel on two adjacent packed panels at once (pb and the next, kc·NR floats on): MR×2NR tiles
 * whose every element is summed, and written, as by microKernel. The second panel's two vectors are
 * loaded from one address with offsets 0 and 16, and each row's four accumulators are written as two
 * pairs, so the revectorizer fuses them as it does the narrow kernel's. A's broadcasts use load offsets
 * in both builds: the relaxed build's `pa + 4` form ran 10–18% slower here under the revectorizer.
 */
function microKernelWide(kc: i32, tiles: i32, pa: usize, pb: usize, c: usize, rowBytes: usize, alpha: f32,
  beta: f32, bias: usize, rowBias: usize, relu: i32): void {
  const panelBytes = <usize>(kc * NR) * F32;
  const pbEnd = pb + panelBytes;
  const bias2: usize = bias != 0 ? bias + <usize>NR * F32 : 0;
  for (let t = 0; t < tiles; t++) {
    let b = pb;
    let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c02 = f32x4.splat(0), c03 = f32x4.splat(0);
    let c10 = f32x4.splat(0), c11 = f32x4.splat(0), c12 = f32x4.splat(0), c13 = f32x4.splat(0);
    let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c22 = f32x4.splat(0), c23 = f32x4.splat(0);
    let c30 = f32x4.splat(0), c31 = f32x4.splat(0), c32 = f32x4.splat(0), c33 = f32x4.splat(0);
    do {
      const b0 = v128.load(b), b1 = v128.load(b, 16);
      const next = b + panelBytes;
      const b2 = v128.load(next), b3 = v128.load(next, 16);
      let ai = v128.load32_splat(pa);
      c00 = madd(ai, b0, c00); c01 = madd(ai, b1, c01); c02 = madd(ai, b2, c02); c03 = madd(ai, b3, c03);
      ai = v128.load32_splat(pa, 4);
      c10 = madd(ai, b0, c10); c11 = madd(ai, b1, c11); c12 = madd(ai, b2, c12); c13 = madd(ai, b3, c13);
      ai = v128.load32_splat(pa, 8);
      c20 = madd(ai, b0, c20); c21 = madd(ai, b1, c21); c22 = madd(ai, b2, c22); c23 = madd(ai, b3, c23);
      ai = v128.load32_splat(pa, 12);
      c30 = madd(ai, b0, c30); c31 = madd(ai, b1, c31); c32 = madd(ai, b2, c32); c33 = madd(ai, b3, c33);
      pa += <usize>MR * F32;
      b += <usize>NR * F32;
    } while (b < pbEnd);
    const right = <usize>NR * F32;
    writeRow(c, c00, c01, alpha, beta, bias, rowBias, relu);
    writeRow(c + right, c02, c03, alpha, beta, bias2, rowBias, relu); c += rowBytes;
    const rowBias1: usize = rowBias ? rowBias + F32 : 0;
    writeRow(c, c10, c11, alpha, beta, bias, rowBias1, relu);
    writeRow(c + right, c12, c13, alpha, beta, bias2, rowBias1, relu); c += rowBytes;
    const rowBias2: usize = rowBias ? rowBias + 2 * F32 : 0;
    writeRow(c, c20, c21, alpha, beta, bias, rowBias2, relu);
    writeRow(c + right, c22, c23, alpha, beta, bias2, rowBias2, relu); c += rowBytes;
    const rowBias3: usize = rowBias ? rowBias + 3 * F32 : 0;
    writeRow(c, c30, c31, alpha, beta, bias, rowBias3, relu);
    writeRow(c + right, c32, c33, alpha, beta, bias2, rowBias3, relu); c += rowBytes;
    if (rowBias) rowBias += <usize>MR * F32;
  }
}

/** microKernel on the first HALF columns of the B panel only: MR×HALF tiles, each element summed as there. */
function microKernelHalf(kc: i32, tiles: i32, pa: usize, pb: usize, c: usize, rowBytes: usize, alpha: f32,
  beta: f32, bias: usize, rowBias: usize, relu: i32): void {
  const pbEnd = pb + <usize>(kc * NR) * F32;
  for (let t = 0; t < tiles; t++) {
    let b = pb;
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
    do {
      const b0 = v128.load(b);
      c0 = madd(v128.load32_splat(pa), b0, c0);
      c1 = madd(ASC_FEATURE_RELAXED_SIMD ? v128.load32_splat(pa + 4) : v128.load32_splat(pa, 4), b0, c1);
      c2 = madd(ASC_FEATURE_RELAXED_SIMD ? v128.load32_splat(pa + 8) : v128.load32_splat(pa, 8), b0, c2);
      c3 = madd(ASC_FEATURE_RELAXED_SIMD ? v128.load32_splat(pa + 12) : v128.load32_splat(pa, 12), b0, c3);
      pa += <usize>MR * F32;
      b += <usize>NR * F32;
    } while (b < pbEnd);
    writeLanes(c, c0, alpha, beta, bias, rowBias, relu); c += rowBytes;
    writeLanes(c, c1, alpha, beta, bias, rowBias ? rowBias + F32 : 0, relu); c += rowBytes;
    writeLanes(c, c2, alpha, beta, bias, rowBias ? rowBias + 2 * F32 : 0, relu); c += rowBytes;
    writeLanes(c, c3, alpha, beta, bias, rowBias ? rowBias + 3 * F32 : 0, relu); c += rowBytes;
    if (rowBias) rowBias += <usize>MR * F32;
  }
}

/**
 * max(v, 0) lane by lane, as f32x4.max(v, 0) (−0 → +0, NaN stays NaN) in two instructions: wasm's
 * f32x4.max must propagate NaN from either side and V8 spends about seven on it.
 */
// @ts-ignore: decorator
@inline export function reluLanes(v: v128): v128 {
  return v128.andnot(v, f32x4.le(v, f32x4.splat(0)));
}

/** acc + a·b: separately rounded mul and add in the standard build, FMA where relaxed SIMD allows it. */
// @ts-ignore: decorator
@inline export function madd(a: v128, b: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, acc);
  return f32x4.add(acc, f32x4.mul(a, b));
}

/**
 * One row of the write-back: alpha·acc (+ beta·C, never reading C when beta = 0) (+ bias) (+ the row's
 * bias) (ReLU). Both halves are loaded and stored at one address with offsets 0 and 16: that is how V8's
 * revectorizer (Node ≥ 24) finds the pair to fuse into one 256-bit operation, and from those stores it
 * fuses the whole micro-kernel. Written as two calls of writeLanes, the kernel ran 35% slower there.
 */
// @ts-ignore: decorator
@inline function writeRow(c: usize, acc0: v128, acc1: v128, alpha: f32, beta: f32, bias: usize, rowBias: usize,
  relu: i32): void {
  let v0 = acc0, v1 = acc1;
  if (alpha != 1) {
    v0 = f32x4.mul(f32x4.splat(alpha), acc0);
    v1 = f32x4.mul(f32x4.splat(alpha), acc1);
  }
  if (beta != 0) {
    const vb = f32x4.splat(beta);
    v0 = f32x4.add(v0, f32x4.mul(vb, v128.load(c)));
    v1 = f32x4.add(v1, f32x4.mul(vb, v128.load(c, 16)));
  }
  if (bias != 0) {
    v0 = f32x4.add(v0, v128.load(bias));
    v1 = f32x4.add(v1, v128.load(bias, 16));
  }
  if (rowBias != 0) {
    const vr = v128.load32_splat(rowBias);
    v0 = f32x4.add(v0, vr);
    v1 = f32x4.add(v1, vr);
  }
  if (relu) {
    v0 = reluLanes(v0);
    v1 = reluLanes(v1);
  }
  v128.store(c, v0);
  v128.store(c, v1, 16);
}

/** writeRow for the half-width kernel's four floats. */
// @ts-ignore: decorator
@inline function writeLanes(c: usize, acc: v128, alpha: f32, beta: f32, bias: usize, rowBias: usize, relu: i32): void {
  let v = alpha != 1 ? f32x4.mul(f32x4.splat(alpha), acc) : acc;
  if (beta != 0) v = f32x4.add(v, f32x4.mul(f32x4.splat(beta), v128.load(c)));
  if (bias != 0) v = f32x4.add(v, v128.load(bias));
  if (rowBias != 0) v = f32x4.add(v, v128.load32_splat(rowBias));
  v128.store(c, relu ? reluLanes(v) : v);
}

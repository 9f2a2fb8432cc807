import * as wasm from './wasm-bytes.js';

const { I32, op, simd, get, set, section, uleb, vector, name, v128Memory } = wasm;

/** Bytes one loop iteration copies; the byte count must be a positive multiple of it. */
export const CHUNK = 64;

/**
 * A second bandwidth reference beside memory.copy: a plain v128 load/store loop over another module's
 * memory (imported, so it copies the same bytes at the same addresses). memory.copy is the host's
 * memmove, which may switch to non-temporal stores for large copies even when they would fit the
 * cache; this loop shows what ordinary stores reach. In WAT:
 *
 *   (import "env" "memory" (memory 0))
 *   (func $copy (param $dst i32) (param $src i32) (param $n i32) (local $end i32)
 *     end = src + n
 *     (loop  v128.store offset=k (dst, v128.load offset=k (src)) for k = 0, 16, 32, 48
 *            dst += 64; src += 64; br_if 0 (src < end)))
 */
export function bandwidthModuleBytes(): Uint8Array<ArrayBuffer> {
  const [dst, src, n, end] = [0, 1, 2, 3];
  const code: number[] = [...get(src), ...get(n), op.i32Add, ...set(end), op.loop, 0x40];
  for (let offset = 0; offset < CHUNK; offset += 16) {
    code.push(...get(dst), ...get(src), ...v128Memory(simd.v128Load, offset), ...v128Memory(simd.v128Store, offset));
  }
  code.push(...get(dst), op.i32Const, ...sleb7(CHUNK), op.i32Add, ...set(dst));
  code.push(...get(src), op.i32Const, ...sleb7(CHUNK), op.i32Add, ...set(src));
  code.push(...get(src), ...get(end), op.i32LtU, op.brIf, 0, op.end, op.end);
  const body = [...vector([[1, I32]]), ...code];
  return new Uint8Array([
    ...wasm.header,
    ...section(1, vector([[0x60, ...vector([[I32], [I32], [I32]]), ...vector([])]])),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]])),
    ...section(3, vector([[0]])),
    ...section(7, vector([[...name('copy'), 0x00, 0]])),
    ...section(10, vector([[...uleb(body.length), ...body]])),
  ]);
}

/** A signed LEB128 of a small non-negative constant (< 64 takes one byte, < 8192 two). */
function sleb7(value: number): number[] {
  return value < 64 ? [value] : [(value & 0x7f) | 0x80, value >> 7];
}

export type CopyKernel = (dst: number, src: number, bytes: number) => void;

/** The copy loop over `memory` (a WebAssembly.Memory, e.g. an engine's). */
export function instantiateCopyLoop(memory: WebAssembly.Memory): CopyKernel {
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bandwidthModuleBytes()), { env: { memory } });
  const copy = instance.exports.copy as CopyKernel;
  return (dst, src, bytes) => {
    if (bytes < CHUNK || bytes % CHUNK !== 0) throw new RangeError(`the copy loop moves a positive multiple of ${CHUNK} bytes, got ${bytes}`);
    copy(dst, src, bytes);
  };
}

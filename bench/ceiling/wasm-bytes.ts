/** Just enough of the WebAssembly binary format to hand-assemble the benchmark's tiny modules. */

export const header = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
export const V128 = 0x7b;
export const F32 = 0x7d;
export const I32 = 0x7f;
export const op = {
  loop: 0x03, brIf: 0x0d, end: 0x0b, localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Const: 0x41, i32LtU: 0x49, i32Add: 0x6a, i32Sub: 0x6b,
} as const;
const SIMD = 0xfd;
export const simd = {
  v128Load: 0x00, v128Store: 0x0b, f32x4Splat: 0x13, f32x4ExtractLane: 0x1f, f32x4Sqrt: 0xe3, f32x4Add: 0xe4,
  f32x4Mul: 0xe6, f32x4Div: 0xe7, f32x4RelaxedMadd: 0x105,
} as const;

export function uleb(value: number): number[] {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return bytes;
}

export const simdOp = (code: number) => [SIMD, ...uleb(code)];
export const get = (local: number) => [op.localGet, ...uleb(local)];
export const set = (local: number) => [op.localSet, ...uleb(local)];
export const vector = (items: number[][]) => [...uleb(items.length), ...items.flat()];
export const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];

export function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

/** A v128 load or store at `offset` past the address on the stack (16-byte alignment hint). */
export const v128Memory = (code: number, offset: number) => [...simdOp(code), 4, ...uleb(offset)];

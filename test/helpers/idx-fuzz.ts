import fc from 'fast-check';
import { expect } from 'vitest';
import { IdxFormatError } from '../../src/data/idx-format-error.js';
import type { IdxTensor } from '../../src/data/parse-idx.js';

/** Bytes per element by IDX type code. */
export const IDX_ELEMENT_BYTES: Record<number, number> = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };
export const IDX_TYPE_CODES = Object.keys(IDX_ELEMENT_BYTES).map(Number);

/** An IDX file of type `code` and dimensions `dims` followed by `dataBytes` bytes (which need not match). */
export function idxBytes(code: number, dims: number[], dataBytes: number): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length + dataBytes);
  const view = new DataView(bytes.buffer);
  view.setUint8(2, code);
  view.setUint8(3, dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  for (let i = 4 + 4 * dims.length; i < bytes.length; i++) bytes[i] = (i * 131) & 0xff;
  return bytes;
}

/** A well-formed IDX file of random type and shape. */
export const validIdx = fc.record({
  code: fc.constantFrom(...IDX_TYPE_CODES),
  dims: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }),
}).map(({ code, dims }) => idxBytes(code, dims, dims.reduce((a, b) => a * b) * IDX_ELEMENT_BYTES[code]!));

const hugeDimension = fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 2 ** 20), fc.nat({ max: 0xffffffff }));

/** Hostile edits of IDX bytes: flipped bits, truncation, a huge or zero dimension, another rank, trailing bytes. */
export const idxMutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('dimension' as const), index: fc.nat(), value: hugeDimension }),
  fc.record({ kind: fc.constant('rank' as const), value: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('append' as const), extra: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 9 }) }),
);
export type IdxMutation = typeof idxMutation extends fc.Arbitrary<infer T> ? T : never;

export function mutateIdx(original: Uint8Array, mutations: IdxMutation[]): Uint8Array {
  let bytes = original.slice();
  for (const m of mutations) {
    if (bytes.length === 0) break;
    if (m.kind === 'flip') bytes[m.at % bytes.length]! ^= 1 << m.bit;
    else if (m.kind === 'truncate') bytes = bytes.slice(0, m.at % bytes.length);
    else if (m.kind === 'append') bytes = Uint8Array.from([...bytes, ...m.extra]);
    else if (m.kind === 'rank') {
      if (bytes.length > 3) bytes[3] = m.value;
    } else {
      const at = 4 + 4 * (m.index % Math.max(1, bytes[3] ?? 1));
      if (at + 4 <= bytes.length) new DataView(bytes.buffer).setUint32(at, m.value);
    }
  }
  return bytes;
}

const TYPE_BYTES = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };

/** A tensor that accounts for exactly `idxLength` bytes of IDX, its data an array of its type's width. */
export function expectConsistentTensor(idxLength: number, tensor: IdxTensor): void {
  const count = tensor.dims.reduce((a, b) => a * b);
  expect(tensor.data.length).toBe(count);
  expect(tensor.data.BYTES_PER_ELEMENT).toBe(TYPE_BYTES[tensor.type]);
  expect(4 + 4 * tensor.dims.length + count * TYPE_BYTES[tensor.type]).toBe(idxLength);
}

/** An IdxFormatError whose offset points inside `idxLength` bytes; anything else is rethrown. */
function expectIdxError(idxLength: number, error: unknown): void {
  if (!(error instanceof IdxFormatError)) throw error;
  expect(error.name).toBe('IdxFormatError');
  expect(Number.isInteger(error.offset) && error.offset >= 0 && error.offset <= idxLength).toBe(true);
}

/** Either a tensor consistent with `idxLength` bytes of IDX or an IdxFormatError pointing inside them. */
export function expectIdxOutcome(idxLength: number, run: () => IdxTensor): void {
  let tensor: IdxTensor;
  try {
    tensor = run();
  } catch (error) {
    expectIdxError(idxLength, error);
    return;
  }
  expectConsistentTensor(idxLength, tensor);
}

/** expectIdxOutcome for a parser that may be asynchronous. */
export async function expectIdxOutcomeAsync(idxLength: number, run: () => IdxTensor | Promise<IdxTensor>): Promise<void> {
  let tensor: IdxTensor;
  try {
    tensor = await run();
  } catch (error) {
    expectIdxError(idxLength, error);
    return;
  }
  expectConsistentTensor(idxLength, tensor);
}

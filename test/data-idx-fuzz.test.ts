import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdxFormatError } from '../src/data/idx-format-error.js';
import { parseIdxAsync } from '../src/data/parse-idx-async.js';
import { parseIdx, type IdxTensor } from '../src/data/parse-idx.js';

const ELEMENT_SIZES = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };
const TYPE_CODES = [0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e];

/** A well-formed IDX file of random type and shape, element bytes random. */
const validIdx = fc.record({
  code: fc.constantFrom(...TYPE_CODES),
  dims: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 4 }),
  seed: fc.integer({ min: 0, max: 255 }),
}).map(({ code, dims, seed }) => {
  const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[code]!;
  const header = 4 + 4 * dims.length;
  const bytes = new Uint8Array(header + dims.reduce((a, b) => a * b) * size);
  const view = new DataView(bytes.buffer);
  view.setUint8(2, code);
  view.setUint8(3, dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  for (let i = header; i < bytes.length; i++) bytes[i] = (seed + i * 37) & 0xff;
  return bytes;
});

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'dimension'; index: number; value: number }
  | { kind: 'append'; extra: number[] };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('dimension' as const),
    index: fc.nat(),
    value: fc.oneof(fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xffffffff), fc.nat({ max: 0xffffffff })),
  }),
  fc.record({ kind: fc.constant('append' as const), extra: fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 9 }) }),
);

function mutate(original: Uint8Array, mutations: Mutation[]): Uint8Array {
  let bytes = original.slice();
  for (const m of mutations) {
    if (bytes.length === 0) break;
    if (m.kind === 'flip') bytes[m.at % bytes.length]! ^= 1 << m.bit;
    else if (m.kind === 'truncate') bytes = bytes.slice(0, m.at % bytes.length);
    else if (m.kind === 'append') bytes = Uint8Array.from([...bytes, ...m.extra]);
    else {
      const rank = bytes.length > 3 ? Math.max(1, bytes[3]!) : 1;
      const at = 4 + 4 * (m.index % rank);
      if (at + 4 <= bytes.length) new DataView(bytes.buffer).setUint32(at, m.value);
    }
  }
  return bytes;
}

/** Either a tensor consistent with its bytes, or an IdxFormatError pointing inside them; nothing else. */
function checkOutcome(bytes: Uint8Array, run: () => IdxTensor): void {
  let tensor: IdxTensor;
  try {
    tensor = run();
  } catch (error) {
    expect(error).toBeInstanceOf(IdxFormatError);
    const { offset } = error as IdxFormatError;
    expect(Number.isInteger(offset) && offset >= 0 && offset <= bytes.length).toBe(true);
    return;
  }
  checkTensor(bytes.length, tensor);
}

function checkTensor(fileLength: number, tensor: IdxTensor): void {
  const count = tensor.dims.reduce((a, b) => a * b);
  expect(tensor.data.length).toBe(count);
  expect(4 + 4 * tensor.dims.length + count * ELEMENT_SIZES[tensor.type]).toBe(fileLength);
}

describe('parseIdx under fuzzing gives a consistent tensor or IdxFormatError, never anything else', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => checkOutcome(bytes, () => parseIdx(bytes))), { numRuns: 3000 });
  });

  it('random bytes behind a plausible magic', () => {
    const plausible = fc.tuple(fc.constantFrom(...TYPE_CODES, 0x00, 0x0a), fc.nat({ max: 6 }), fc.uint8Array({ maxLength: 80 }))
      .map(([code, rank, rest]) => Uint8Array.from([0, 0, code, rank, ...rest]));
    fc.assert(fc.property(plausible, (bytes) => checkOutcome(bytes, () => parseIdx(bytes))), { numRuns: 3000 });
  });

  it('valid files with flipped bits, truncations, huge declared sizes and trailing bytes', () => {
    fc.assert(fc.property(validIdx, fc.array(mutation, { minLength: 1, maxLength: 4 }), (original, mutations) => {
      const bytes = mutate(original, mutations);
      checkOutcome(bytes, () => parseIdx(bytes));
    }), { numRuns: 5000 });
  });

  it('valid files parse', () => {
    fc.assert(fc.property(validIdx, (bytes) => checkTensor(bytes.length, parseIdx(bytes))), { numRuns: 500 });
  });
});

describe('parseIdxAsync under fuzzing of gzip input', () => {
  it('mutated gzip streams give a consistent tensor or IdxFormatError', async () => {
    await fc.assert(fc.asyncProperty(validIdx, fc.array(mutation, { minLength: 1, maxLength: 3 }), async (original, mutations) => {
      const bytes = mutate(new Uint8Array(gzipSync(original)), mutations);
      let tensor: IdxTensor;
      try {
        tensor = await parseIdxAsync(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(IdxFormatError);
        return;
      }
      expect(tensor.data.length).toBe(tensor.dims.reduce((a, b) => a * b));
    }), { numRuns: 400 });
  });
});

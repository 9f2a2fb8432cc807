import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdxFormatError } from '../src/data/idx-format-error.js';
import { parseIdx, type IdxType } from '../src/data/parse-idx.js';

const CODES: Record<IdxType, number> = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e };
const SIZES: Record<IdxType, number> = { uint8: 1, int8: 1, int16: 2, int32: 4, float32: 4, float64: 8 };

/** IDX bytes written field by field with DataView (big-endian), independently of the parser. */
function idxBytes(type: IdxType, dims: number[], values: number[]): Uint8Array {
  const size = SIZES[type];
  const header = 4 + 4 * dims.length;
  const bytes = new Uint8Array(header + values.length * size);
  const view = new DataView(bytes.buffer);
  view.setUint8(2, CODES[type]);
  view.setUint8(3, dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  values.forEach((x, i) => {
    const at = header + i * size;
    if (type === 'uint8') view.setUint8(at, x);
    else if (type === 'int8') view.setInt8(at, x);
    else if (type === 'int16') view.setInt16(at, x);
    else if (type === 'int32') view.setInt32(at, x);
    else if (type === 'float32') view.setFloat32(at, x);
    else view.setFloat64(at, x);
  });
  return bytes;
}

const valuesOf: Record<IdxType, fc.Arbitrary<number>> = {
  uint8: fc.integer({ min: 0, max: 255 }),
  int8: fc.integer({ min: -128, max: 127 }),
  int16: fc.integer({ min: -32768, max: 32767 }),
  int32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  float32: fc.float(),
  float64: fc.double(),
};

function expectIdxError(bytes: Uint8Array, offset: number, message: RegExp): void {
  let thrown: unknown;
  try {
    parseIdx(bytes);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(IdxFormatError);
  const error = thrown as IdxFormatError;
  expect(error.name).toBe('IdxFormatError');
  expect(error).toBeInstanceOf(Error);
  expect(error.offset).toBe(offset);
  expect(error.message).toMatch(message);
  expect(error.message).toContain(`byte ${offset}`);
}

describe('parseIdx round-trips every element type', () => {
  for (const type of Object.keys(CODES) as IdxType[]) {
    it(type, () => {
      const shape = fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 5 });
      fc.assert(fc.property(shape.chain((dims) => fc.tuple(
        fc.constant(dims),
        fc.array(valuesOf[type], { minLength: dims.reduce((a, b) => a * b), maxLength: dims.reduce((a, b) => a * b) }),
      )), ([dims, values]) => {
        const parsed = parseIdx(idxBytes(type, dims, values));
        expect(parsed.type).toBe(type);
        expect(parsed.dims).toEqual(dims);
        expect(parsed.data.length).toBe(values.length);
        const expected = type === 'float32' ? Float32Array.from(values) : values;
        for (let i = 0; i < values.length; i++) expect(Object.is(parsed.data[i], expected[i])).toBe(true);
      }), { numRuns: 200 });
    });
  }

  it('returns the typed array of each type', () => {
    const kinds = { uint8: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, float32: Float32Array, float64: Float64Array };
    for (const [type, kind] of Object.entries(kinds) as [IdxType, typeof Uint8Array][]) {
      expect(parseIdx(idxBytes(type, [2], [1, 2])).data).toBeInstanceOf(kind);
    }
  });

  it('reads big-endian values at their documented extremes', () => {
    expect([...parseIdx(idxBytes('int16', [3], [-32768, -1, 32767])).data]).toEqual([-32768, -1, 32767]);
    expect([...parseIdx(idxBytes('int32', [2], [-(2 ** 31), 2 ** 31 - 1])).data]).toEqual([-(2 ** 31), 2 ** 31 - 1]);
    expect([...parseIdx(Uint8Array.of(0, 0, 0x0b, 1, 0, 0, 0, 1, 0x01, 0x02)).data]).toEqual([0x0102]);
    expect(parseIdx(idxBytes('float64', [1], [Number.NaN])).data[0]).toBeNaN();
  });

  it('shares the input buffer for uint8 and int8 data, and copies nothing else', () => {
    const bytes = idxBytes('uint8', [2, 3], [1, 2, 3, 4, 5, 6]);
    const { data } = parseIdx(bytes);
    expect(data.buffer).toBe(bytes.buffer);
    expect(data.byteOffset).toBe(12);
    bytes[12] = 99;
    expect(data[0]).toBe(99);
    expect(parseIdx(idxBytes('int8', [1], [-5])).data[0]).toBe(-5);
  });

  it('accepts a view at an odd offset and an ArrayBuffer', () => {
    const inner = idxBytes('float32', [2], [1.5, -2.25]);
    const padded = new Uint8Array(inner.length + 1);
    padded.set(inner, 1);
    expect([...parseIdx(padded.subarray(1)).data]).toEqual([1.5, -2.25]);
    expect([...parseIdx(inner.buffer as ArrayBuffer).data]).toEqual([1.5, -2.25]);
  });

  it('reads any number of dimensions', () => {
    const dims = Array.from({ length: 255 }, () => 1);
    expect(parseIdx(idxBytes('uint8', dims, [7])).dims).toEqual(dims);
  });
});

describe('parseIdx rejects malformed input with IdxFormatError', () => {
  const valid = () => idxBytes('uint8', [2, 3], [1, 2, 3, 4, 5, 6]);

  it('files shorter than the magic number', () => {
    expectIdxError(new Uint8Array(0), 0, /0 bytes, shorter than the 4-byte IDX magic/);
    expectIdxError(Uint8Array.of(0, 0, 8), 3, /3 bytes/);
  });

  it('an unknown magic', () => {
    expectIdxError(Uint8Array.of(0x50, 0x4b, 3, 4, 0, 0), 0, /not an IDX file.*0x50 0x4b/);
    expectIdxError(Uint8Array.of(0, 1, 8, 1, 0, 0, 0, 1, 0), 0, /0x00 0x01/);
  });

  it('an unknown type code', () => {
    for (const code of [0x00, 0x07, 0x0a, 0x0f, 0xff]) {
      const bytes = valid();
      bytes[2] = code;
      expectIdxError(bytes, 2, new RegExp(`unknown IDX type code 0x${code.toString(16).padStart(2, '0')}`));
    }
  });

  it('a zero dimension count', () => {
    expectIdxError(Uint8Array.of(0, 0, 8, 0, 1, 2, 3), 3, /dimension count is 0/);
  });

  it('a header longer than the file', () => {
    expectIdxError(Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1), 3, /3 dimensions, 16 bytes of header, but the file is only 12 bytes/);
    expectIdxError(Uint8Array.of(0, 0, 8, 255, 0, 0, 0, 1), 3, /255 dimensions, 1024 bytes of header/);
  });

  it('a zero dimension size', () => {
    expectIdxError(idxBytes('uint8', [2, 0, 3], []), 8, /dimension 1 is 0/);
  });

  it('an absurd dimension size', () => {
    expectIdxError(idxBytes('uint8', [1, 0x80000000], []), 8, /dimension 1 is 2147483648, more than 2\^31 - 1/);
    expectIdxError(idxBytes('uint8', [0xffffffff], []), 4, /dimension 0 is 4294967295/);
  });

  it('a product of dimensions that overflows', () => {
    expectIdxError(idxBytes('float64', [0x7fffffff, 0x7fffffff, 2], []), 8, /product of the dimensions overflows/);
  });

  it('data shorter than the dimensions say', () => {
    const bytes = valid();
    expectIdxError(bytes.subarray(0, bytes.length - 1), 17, /shorter than the dimensions say: 2 × 3 uint8 needs 6 bytes .* has 5/);
    expectIdxError(idxBytes('uint8', [60000, 28, 28], [1, 2, 3]), 19, /needs 47040000 bytes/);
    expectIdxError(idxBytes('int32', [3], [1, 2]).subarray(0, 15), 15, /needs 12 bytes/);
  });

  it('data longer than the dimensions say', () => {
    const bytes = new Uint8Array(valid().length + 2);
    bytes.set(valid());
    expectIdxError(bytes, 18, /longer than the dimensions say: 2 bytes follow/);
  });

  it('gzip input, pointing to parseIdxAsync', () => {
    expectIdxError(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3), 0, /gzip-compressed.*parseIdxAsync/);
  });

  it('without allocating what the header claims', () => {
    // 2^31-1 × 2^21 float64 would be 32 PiB; the parser must refuse before any allocation.
    expect(() => parseIdx(idxBytes('float64', [0x7fffffff, 0x200000], []))).toThrow(IdxFormatError);
    expect(() => parseIdx(idxBytes('float64', [0x7fffffff], [1]))).toThrow(/shorter/);
  });
});

import { IdxFormatError } from './idx-format-error.js';

/**
 * The IDX format (LeCun's MNIST files): two zero bytes, a type code, the number of dimensions, then
 * each dimension as a big-endian u32, then the elements, big-endian, row-major.
 */
export type IdxTensor =
  | { type: 'uint8'; dims: number[]; data: Uint8Array }
  | { type: 'int8'; dims: number[]; data: Int8Array }
  | { type: 'int16'; dims: number[]; data: Int16Array }
  | { type: 'int32'; dims: number[]; data: Int32Array }
  | { type: 'float32'; dims: number[]; data: Float32Array }
  | { type: 'float64'; dims: number[]; data: Float64Array };

export type IdxType = IdxTensor['type'];

const TYPES: Record<number, { type: IdxType; size: number }> = {
  0x08: { type: 'uint8', size: 1 },
  0x09: { type: 'int8', size: 1 },
  0x0b: { type: 'int16', size: 2 },
  0x0c: { type: 'int32', size: 4 },
  0x0d: { type: 'float32', size: 4 },
  0x0e: { type: 'float64', size: 8 },
};

/** The largest dimension the format's signed 32-bit sizes can state. */
const MAX_DIMENSION = 0x7fffffff;

const hex = (b: number) => `0x${b.toString(16).padStart(2, '0')}`;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses an uncompressed IDX file. `uint8` and `int8` data are views sharing `bytes`' buffer; the
 * wider types are decoded into new arrays. Throws `IdxFormatError` for anything malformed, before
 * allocating anything the header claims.
 */
export function parseIdx(input: Uint8Array | ArrayBuffer): IdxTensor {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (isGzip(bytes)) {
    throw new IdxFormatError('the input is gzip-compressed (1f 8b at byte 0): use parseIdxAsync, which decompresses it', 0);
  }
  if (bytes.length < 4) {
    throw new IdxFormatError(`the file is ${bytes.length} bytes, shorter than the 4-byte IDX magic number (at byte ${bytes.length})`, bytes.length);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new IdxFormatError(`not an IDX file: the magic number starts with ${hex(bytes[0]!)} ${hex(bytes[1]!)}, expected 0x00 0x00 (at byte 0)`, 0);
  }
  const kind = TYPES[bytes[2]!];
  if (kind === undefined) {
    throw new IdxFormatError(`unknown IDX type code ${hex(bytes[2]!)} (at byte 2); expected 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e`, 2);
  }
  const rank = bytes[3]!;
  if (rank === 0) throw new IdxFormatError('the dimension count is 0 (at byte 3)', 3);
  const headerLength = 4 + 4 * rank;
  if (headerLength > bytes.length) {
    throw new IdxFormatError(
      `the header declares ${rank} dimensions, ${headerLength} bytes of header, but the file is only ${bytes.length} bytes (at byte 3)`, 3);
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const at = 4 + 4 * i;
    const size = view.getUint32(at);
    if (size === 0) throw new IdxFormatError(`dimension ${i} is 0 (at byte ${at})`, at);
    if (size > MAX_DIMENSION) throw new IdxFormatError(`dimension ${i} is ${size}, more than 2^31 - 1 (at byte ${at})`, at);
    count *= size;
    if (count * kind.size > Number.MAX_SAFE_INTEGER) {
      throw new IdxFormatError(`the product of the dimensions overflows: ${[...dims, size].join(' × ')} × ... (at byte ${at})`, at);
    }
    dims.push(size);
  }

  const expected = count * kind.size;
  const present = bytes.length - headerLength;
  if (present < expected) {
    throw new IdxFormatError(
      `the data is shorter than the dimensions say: ${dims.join(' × ')} ${kind.type} needs ${expected} bytes after the ${headerLength}-byte header, the file has ${present} (ends at byte ${bytes.length})`,
      bytes.length);
  }
  if (present > expected) {
    throw new IdxFormatError(
      `the data is longer than the dimensions say: ${present - expected} bytes follow the ${dims.join(' × ')} ${kind.type} elements (from byte ${headerLength + expected})`,
      headerLength + expected);
  }
  return decode(kind.type, dims, view, headerLength, count);
}

function decode(type: IdxType, dims: number[], view: DataView, at: number, count: number): IdxTensor {
  const offset = view.byteOffset + at;
  switch (type) {
    case 'uint8': return { type, dims, data: new Uint8Array(view.buffer, offset, count) };
    case 'int8': return { type, dims, data: new Int8Array(view.buffer, offset, count) };
    case 'int16': {
      const data = new Int16Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt16(at + 2 * i);
      return { type, dims, data };
    }
    case 'int32': {
      const data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(at + 4 * i);
      return { type, dims, data };
    }
    case 'float32': {
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(at + 4 * i);
      return { type, dims, data };
    }
    case 'float64': {
      const data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(at + 8 * i);
      return { type, dims, data };
    }
  }
}

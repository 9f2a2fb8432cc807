import { checkInteger, show } from '../check.js';
import { CheckpointFormatError } from './checkpoint-format-error.js';

/**
 * The safetensors format (Hugging Face's, read by PyTorch's `safetensors` library): an 8-byte
 * little-endian u64 N, then N bytes of UTF-8 JSON — `{ "__metadata__": { string: string }, name:
 * { "dtype", "shape", "data_offsets": [begin, end] }, … }`, offsets relative to the data — then the
 * tensors' bytes, contiguous, in offset order, covering the data exactly. heavyball reads and writes F32
 * tensors only, their bytes copied as they are: safetensors is little-endian, as is every WebAssembly host.
 */

/** The safetensors reference implementation's bound on the header, and ours by default. */
const DEFAULT_MAX_HEADER_BYTES = 100_000_000;
const METADATA = '__metadata__';
const ENTRY_KEYS = ['dtype', 'shape', 'data_offsets'];
const OTHER_DTYPES = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'I16', 'U16', 'F16',
  'BF16', 'I32', 'U32', 'F64', 'I64', 'U64', 'C64'];

/** An F32 tensor: its shape and its values' bytes (a view into the file, or into the memory it is saved from). */
export interface Tensor {
  shape: readonly number[];
  bytes: Uint8Array;
}

/** A file's metadata and its tensors, in the order of their data. */
export interface Safetensors {
  metadata: Readonly<Record<string, string>>;
  tensors: Map<string, Tensor>;
}

/** The bytes of `values`, in place. */
export const bytesOf = (values: Float32Array) => new Uint8Array(values.buffer, values.byteOffset, values.byteLength);

/** The file; its header is space-padded to 8 bytes, as the reference writer does. */
export function encodeSafetensors({ metadata, tensors }: Safetensors): Uint8Array<ArrayBuffer> {
  // Written field by field: a JSON object would put integer-like tensor names first.
  const keys = Object.keys(metadata).sort();
  const fields = keys.length === 0 ? [] : [`"${METADATA}":${JSON.stringify(Object.fromEntries(keys.map((k) => [k, metadata[k]])))}`];
  let offset = 0;
  for (const [name, { shape, bytes }] of tensors) {
    fields.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype: 'F32', shape, data_offsets: [offset, (offset += bytes.length)] })}`);
  }
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset).fill(0x20, 8 + json.length, 8 + headerLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  let at = 8 + headerLength;
  for (const { bytes } of tensors.values()) {
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/** Tensor `name` of `file`, which must exist (else `missing` is the error) and have `shape`. */
export function tensorOf(file: Safetensors, name: string, shape: readonly number[], missing: string): Tensor {
  const tensor = file.tensors.get(name);
  if (tensor === undefined) throw new CheckpointFormatError(missing, name);
  if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
    throw new CheckpointFormatError(`shape [${tensor.shape.join(', ')}] in the checkpoint, [${shape.join(', ')}] in the model`, name);
  }
  return tensor;
}

/**
 * Reads and checks a safetensors file without copying any tensor: the header length against the file
 * and `maxHeaderBytes`, the JSON, every entry's keys and types, F32 dtypes, byte lengths = 4 × the
 * shape's product, offsets in range, ordered, without overlaps or gaps. Anything wrong throws CheckpointFormatError.
 */
export function parseSafetensors(bytes: Uint8Array, maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES): Safetensors {
  checkInteger('maxHeaderBytes', maxHeaderBytes, 0);
  if (bytes.length < 8) {
    throw new CheckpointFormatError(`the file is ${bytes.length} bytes, shorter than the 8-byte header length that starts a safetensors file`);
  }
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(maxHeaderBytes)) throw new CheckpointFormatError(`the header length is ${declared} bytes, more than the limit of ${maxHeaderBytes}`);
  if (declared > bytes.length - 8) {
    throw new CheckpointFormatError(`the header length is ${declared} bytes, but only ${bytes.length - 8} bytes follow it`);
  }
  const { [METADATA]: given, ...header } = parseHeader(bytes.subarray(8, 8 + Number(declared)));
  const data = bytes.subarray(8 + Number(declared));
  const metadata = given ?? {}; // absent or null: none
  if (!isObject(metadata)) throw new CheckpointFormatError('must be an object of strings', METADATA);
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new CheckpointFormatError(`the value of ${JSON.stringify(k)} must be a string, got ${typeName(v)}`, METADATA);
  }
  const entries = Object.entries(header).map(([name, value]) => ({ name, ...checkEntry(name, value, data.length) }))
    .sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  entries.forEach(({ name, begin, end }, i) => {
    const at = `data_offsets [${begin}, ${end}]`;
    if (begin < covered) throw new CheckpointFormatError(`${at} overlap those of ${JSON.stringify(entries[i - 1]!.name)}, which end at ${covered}`, name);
    if (begin > covered) throw new CheckpointFormatError(`${at} leave bytes ${covered}-${begin} of the data unused (the data must have no gaps)`, name);
    covered = end;
  });
  if (covered !== data.length) {
    throw new CheckpointFormatError(`the data is ${data.length} bytes, but the tensors cover only ${covered}: ${data.length - covered} bytes at the end belong to no tensor`);
  }
  return {
    metadata: metadata as Record<string, string>,
    tensors: new Map(entries.map(({ name, shape, begin, end }) => [name, { shape, bytes: data.subarray(begin, end) }])),
  };
}

function parseHeader(raw: Uint8Array): Record<string, unknown> {
  if (raw[0] !== 0x7b) throw new CheckpointFormatError("the header does not start with '{': this is not a safetensors file");
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
  } catch (cause) {
    const problem = cause instanceof SyntaxError ? `not valid JSON (${cause.message})` : 'not valid UTF-8';
    throw new CheckpointFormatError(`the header is ${problem}`, undefined, { cause });
  }
  return header as Record<string, unknown>; // JSON that starts with '{' is an object
}

function checkEntry(name: string, value: unknown, dataLength: number): { shape: number[]; begin: number; end: number } {
  const fail = (problem: string) => new CheckpointFormatError(problem, name);
  if (!isObject(value)) throw fail(`must be an object { dtype, shape, data_offsets }, got ${typeName(value)}`);
  const missing = ENTRY_KEYS.find((k) => !(k in value));
  if (missing) throw fail(`has no ${missing}`);
  const unknown = Object.keys(value).find((k) => !ENTRY_KEYS.includes(k));
  if (unknown) throw fail(`has an unknown field ${JSON.stringify(unknown)} (a tensor has dtype, shape and data_offsets)`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string') throw fail(`dtype must be a string, got ${typeName(dtype)}`);
  if (dtype !== 'F32') {
    throw fail(OTHER_DTYPES.includes(dtype)
      ? `dtype ${dtype} is not supported: heavyball loads F32 tensors only (in PyTorch, convert with tensor.float())`
      : `unknown dtype ${JSON.stringify(dtype.slice(0, 20))}`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) throw fail(`shape must be an array of non-negative integers, got ${show(shape)}`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw fail(`data_offsets must be [begin, end], two non-negative integers, got ${show(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw fail(`data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataLength) throw fail(`data_offsets [${begin}, ${end}] run past the end of the data (${dataLength} bytes)`);
  const size = 4 * shape.reduce((a: number, b: number) => a * b, 1);
  if (size !== end - begin) throw fail(`shape [${shape.join(', ')}] of F32 needs ${size} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  return { shape, begin, end };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const typeName = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

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
export const DEFAULT_MAX_HEADER_BYTES = 100_000_000;
const METADATA = '__metadata__';
const ENTRY_KEYS = ['dtype', 'shape', 'data_offsets'];
const OTHER_DTYPES = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'I16', 'U16', 'F16',
  'BF16', 'I32', 'U32', 'F64', 'I64', 'U64', 'C64'];

export interface NamedTensor {
  name: string;
  shape: readonly number[];
  data: Float32Array;
}

/** A tensor of a parsed file: its shape, and its bytes (a view into the file). */
export interface TensorEntry {
  shape: number[];
  bytes: Uint8Array;
}

export interface ParsedSafetensors {
  metadata: Record<string, string>;
  /** In the order of their data. */
  tensors: Map<string, TensorEntry>;
}

/** The file holding `tensors` (in this order) and `metadata`; its header is space-padded to 8 bytes, as the reference writer does. */
export function encodeSafetensors(tensors: readonly NamedTensor[], metadata: Readonly<Record<string, string>>): Uint8Array<ArrayBuffer> {
  // Written field by field: a JSON object would put integer-like tensor names first.
  const fields: string[] = [];
  const keys = Object.keys(metadata).sort();
  if (keys.length > 0) fields.push(`"${METADATA}":${JSON.stringify(Object.fromEntries(keys.map((k) => [k, metadata[k]])))}`);
  let offset = 0;
  for (const { name, shape, data } of tensors) {
    const entry = { dtype: 'F32', shape: [...shape], data_offsets: [offset, (offset += data.byteLength)] };
    fields.push(`${JSON.stringify(name)}:${JSON.stringify(entry)}`);
  }
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset).fill(0x20, 8 + json.length, 8 + headerLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  let at = 8 + headerLength;
  for (const { data } of tensors) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    at += data.byteLength;
  }
  return out;
}

/** Tensor `name` of `file`, which must exist (else `missing` is the error) and have `shape`. */
export function entryOf(file: ParsedSafetensors, name: string, shape: readonly number[], missing: string): TensorEntry {
  const entry = file.tensors.get(name);
  if (entry === undefined) throw new CheckpointFormatError(missing, name);
  if (entry.shape.length !== shape.length || entry.shape.some((d, i) => d !== shape[i])) {
    throw new CheckpointFormatError(`shape [${entry.shape.join(', ')}] in the checkpoint, [${shape.join(', ')}] in the model`, name);
  }
  return entry;
}

/** The values of `entry` into `out`, bit for bit (NaN payloads included). */
export function copyF32(entry: TensorEntry, out: Float32Array): void {
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(entry.bytes);
}

/**
 * Reads and checks the header of a safetensors file without copying any tensor: the header length
 * against the file and `maxHeaderBytes`, the JSON, every entry's keys and types, F32 dtypes, byte
 * lengths = 4 × the shape's product, offsets in range, ordered, without overlaps or gaps. Anything
 * wrong throws CheckpointFormatError.
 */
export function parseSafetensors(bytes: Uint8Array, maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES): ParsedSafetensors {
  checkInteger('maxHeaderBytes', maxHeaderBytes, 0);
  if (bytes.length < 8) {
    throw new CheckpointFormatError(`the file is ${bytes.length} bytes, shorter than the 8-byte header length that starts a safetensors file`);
  }
  const declared = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (declared > BigInt(maxHeaderBytes)) throw new CheckpointFormatError(`the header length is ${declared} bytes, more than the limit of ${maxHeaderBytes}`);
  if (declared > bytes.length - 8) {
    throw new CheckpointFormatError(`the header length is ${declared} bytes, but only ${bytes.length - 8} bytes follow it`);
  }
  const data = bytes.subarray(8 + Number(declared));
  const header = parseHeaderJson(bytes.subarray(8, 8 + Number(declared)));
  const metadata = header[METADATA] ?? {};
  if (!isObject(metadata)) throw new CheckpointFormatError('must be an object of strings', METADATA);
  for (const [key, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new CheckpointFormatError(`the value of ${JSON.stringify(key)} must be a string, got ${typeName(v)}`, METADATA);
  }
  const entries = Object.entries(header).filter(([name]) => name !== METADATA)
    .map(([name, value]) => ({ name, ...checkEntry(name, value, data.length) }))
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
  const tensors = new Map(entries.map(({ name, shape, begin, end }) => [name, { shape, bytes: data.subarray(begin, end) }]));
  return { metadata: { ...(metadata as Record<string, string>) }, tensors };
}

function parseHeaderJson(raw: Uint8Array): Record<string, unknown> {
  if (raw[0] !== 0x7b) throw new CheckpointFormatError("the header does not start with '{': this is not a safetensors file");
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch (cause) {
    throw new CheckpointFormatError('the header is not valid UTF-8', undefined, { cause });
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (cause) {
    throw new CheckpointFormatError(`the header is not valid JSON (${(cause as Error).message})`, undefined, { cause });
  }
  if (!isObject(header)) throw new CheckpointFormatError('the header must be a JSON object of tensors');
  return header;
}

function checkEntry(name: string, value: unknown, dataLength: number): { shape: number[]; begin: number; end: number } {
  const fail = (problem: string) => new CheckpointFormatError(problem, name);
  if (!isObject(value)) throw fail(`must be an object { dtype, shape, data_offsets }, got ${typeName(value)}`);
  for (const key of ENTRY_KEYS) if (!(key in value)) throw fail(`has no ${key}`);
  for (const key of Object.keys(value)) {
    if (!ENTRY_KEYS.includes(key)) throw fail(`has an unknown field ${JSON.stringify(key)} (a tensor has dtype, shape and data_offsets)`);
  }
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
  const bytes = 4 * shape.reduce((a: number, b: number) => a * b, 1);
  if (bytes !== end - begin) {
    throw fail(`shape [${shape.join(', ')}] of F32 needs ${bytes} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { shape, begin, end };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
const typeName = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

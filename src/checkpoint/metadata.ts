import { checkArray, checkBoolean, checkInteger, checkNumber, checkObject, checkString } from '../check.js';
import { checkLayer, type LayerSpec } from '../nn/layers.js';
import type { GroupState, OptimizerState } from '../optim/optimizer.js';
import { checkState } from '../random.js';
import type { FitProgress } from '../train/fit-progress.js';
import type { History } from '../train/history.js';
import { CheckpointFormatError, formatErrorsOf } from './checkpoint-format-error.js';
import { parseExact, stringifyExact } from './exact-json.js';

/**
 * What heavyball keeps in a checkpoint's `__metadata__` (string → string, as safetensors requires):
 * `heavyball.version`, and each entry of ENTRIES as exact JSON under its `heavyball.` key. Other keys are the user's.
 */
export const key = (entry: keyof CheckpointInfo | 'version') => `heavyball.${entry}`;
const VERSION = '1';

/** The model's layers (plain `LayerSpec`s, as `sequential` takes them) and its loss. */
export interface Architecture {
  layers: LayerSpec[];
  loss: string;
}

/** An optimizer's `state()` without its tensors; each group names its parameters rather than counting their floats. */
export interface OptimizerRecord extends Pick<OptimizerState, 'kind' | 'step'> {
  groups: (Omit<GroupState, 'size'> & { params: string[] })[];
  /** The state tensor kinds: the keys of `state().buffers`. */
  buffers: string[];
}

/** Everything heavyball put in a checkpoint's metadata, read and checked; `metadata` is all of it, raw. */
export interface CheckpointInfo {
  /** The global step: optimizer steps taken, where a schedule and fit continue. 0 for files from elsewhere. */
  step: number;
  architecture?: Architecture;
  optimizer?: OptimizerRecord;
  history?: History;
  progress?: FitProgress;
  /** The dropout layers' generator states (`model.randomState()`), in layer order; absent without dropout. */
  random?: number[];
  metadata: Record<string, string>;
}

/** Checks one value, named `name` in its errors, as src/check.ts's functions do. */
type Check = (name: string, value: unknown) => unknown;
/** A declarative shape: a check, an array of items of one shape (`[shape]`), or an object's fields' shapes (other fields are kept). */
type Shape = Check | readonly [Shape] | { readonly [field: string]: Shape };

/** `value` checked against `shape`: `label` names it whole in errors, `path` prefixes the names of its parts. */
function conform(value: unknown, shape: Shape, path = '', label = path): unknown {
  if (typeof shape === 'function') return shape(label, value);
  if (Array.isArray(shape)) return checkArray(label, value).map((item, i) => conform(item, shape[0], `${path}[${i}]`));
  const fields = Object.entries(shape as Record<string, Shape>);
  const object = checkObject(label, value);
  return { ...object, ...Object.fromEntries(fields.map(([k, s]) => [k, conform(object[k], s, path ? `${path}.${k}` : k)])) };
}

const integer = (min: number): Check => (name, value) => checkInteger(name, value, min);
/** A history record: numbers (or null, where there was nothing to measure) that tools may add to; `required` must be numbers. */
const record = (...required: string[]): Check => (name, value) => {
  const r = checkObject(name, value);
  for (const k of new Set([...required, ...Object.keys(r)])) if (r[k] !== null || required.includes(k)) checkNumber(`${name}.${k}`, r[k]);
  return r;
};

type Entries = Omit<CheckpointInfo, 'metadata'>;

/** Each JSON entry's shape, with the name its whole value goes by in errors (and the name of its parts, when it has one). */
const ENTRIES: { [K in keyof Entries]-?: [label: string, shape: Shape, path?: string] } = {
  step: ['the step', integer(0)],
  architecture: ['the architecture', {
    layers: (name, value) => checkArray(name, value).map((layer, i) => (checkLayer(layer as LayerSpec, i), layer)),
    loss: checkString,
  }],
  // A parameter named twice never matches the optimizer's groups, which the load compares by name.
  optimizer: ['the optimizer state', {
    kind: checkString, step: integer(0), groups: [{ params: [checkString], hyperparameters: {} }], buffers: [checkString],
  }],
  history: ['the history', {
    steps: [record('step', 'loss')],
    epochs: [record('epoch')],
    diverged: (name, value) => (value === false ? false : record('step', 'loss')(name, value)),
  }],
  progress: ['the fit progress', {
    epoch: integer(1), batch: integer(0), lossSum: checkNumber, correct: integer(0), seen: integer(0),
    order: { count: integer(0), batchSize: integer(1), seed: checkInteger, shuffle: checkBoolean, dropLast: checkBoolean },
  }],
  random: ['the dropout generator states', [checkState], 'states'],
};

export function encodeMetadata(info: Omit<CheckpointInfo, 'metadata'>, user: Readonly<Record<string, string>> = {}): Record<string, string> {
  for (const [k, value] of Object.entries(user)) {
    if (k.startsWith('heavyball.')) throw new TypeError(`metadata key ${JSON.stringify(k)}: keys starting with "heavyball." are reserved`);
    checkString(`metadata ${JSON.stringify(k)}`, value);
  }
  const out: Record<string, string> = { ...user, [key('version')]: VERSION };
  for (const name of Object.keys(ENTRIES) as (keyof Entries)[]) {
    if (info[name] !== undefined) out[key(name)] = stringifyExact(info[name]);
  }
  return out;
}

/** Reads and checks heavyball's entries of `metadata`; a file without them (e.g. from PyTorch) gives step 0 and nothing else. */
export function decodeMetadata(metadata: Record<string, string>): CheckpointInfo {
  const version = metadata[key('version')];
  if (version !== undefined && version !== VERSION) {
    throw new CheckpointFormatError(`version ${JSON.stringify(version.slice(0, 20))} is not one this heavyball reads (${VERSION})`, key('version'));
  }
  const info: CheckpointInfo = { step: 0, metadata: { ...metadata } };
  for (const [name, [label, shape, path]] of Object.entries(ENTRIES)) {
    const where = key(name as keyof Entries);
    const text = metadata[where];
    if (text === undefined) continue;
    let value: unknown;
    try {
      value = parseExact(text);
    } catch (cause) {
      throw new CheckpointFormatError(`is not valid JSON (${(cause as Error).message})`, where, { cause });
    }
    Object.assign(info, { [name]: formatErrorsOf(where, () => conform(value, shape, path, label)) });
  }
  return info;
}

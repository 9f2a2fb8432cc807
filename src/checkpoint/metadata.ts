import { checkArray, checkBoolean, checkInteger, checkObject, checkString } from '../check.js';
import { checkLayer, type LayerSpec } from '../nn/layers.js';
import type { History } from '../train/history.js';
import { CheckpointFormatError } from './checkpoint-format-error.js';
import { checkExact, stringifyExact } from './exact-json.js';
import type { FitProgress } from '../train/fit-progress.js';

/**
 * What heavyball keeps in a checkpoint's `__metadata__` (string → string, as safetensors requires):
 * each entry under a `heavyball.` key, structured ones as JSON. Other keys are the user's.
 */
export const KEYS = {
  version: 'heavyball.version',
  architecture: 'heavyball.architecture',
  step: 'heavyball.step',
  optimizer: 'heavyball.optimizer',
  history: 'heavyball.history',
  progress: 'heavyball.progress',
  random: 'heavyball.random',
} as const;
export const VERSION = '1';

/** The model's layers (plain `LayerSpec`s, as `sequential` takes them) and its loss. */
export interface Architecture {
  layers: LayerSpec[];
  loss: string;
}

/** An optimizer's state without its tensors: kind, step count, and per group its parameters' names and settings. */
export interface OptimizerRecord {
  /** 'SGD', 'Adam', 'AdamW', 'RMSprop'. */
  kind: string;
  step: number;
  /** `hyperparameters`, and any other field of the optimizer's group state (e.g. SGD's momentumBufferStarted). */
  groups: ({ params: string[]; hyperparameters: Record<string, unknown> } & Record<string, unknown>)[];
  /** The state tensor kinds, PyTorch's names: 'momentum_buffer', 'exp_avg', 'exp_avg_sq', … */
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

type Entries = Omit<CheckpointInfo, 'step' | 'metadata'>;

/** Each JSON entry: how it is written (exactly, for doubles that may be NaN or −0) and checked when read. */
const ENTRIES: { [K in keyof Entries]-?: { key: string; exact: boolean; check: (value: unknown) => Entries[K] } } = {
  architecture: { key: KEYS.architecture, exact: false, check: checkArchitecture },
  optimizer: { key: KEYS.optimizer, exact: false, check: checkOptimizerRecord },
  history: { key: KEYS.history, exact: true, check: checkHistory },
  progress: { key: KEYS.progress, exact: true, check: checkProgress },
  random: { key: KEYS.random, exact: false, check: checkRandom },
};

export function encodeMetadata(info: Omit<CheckpointInfo, 'metadata'>, user: Readonly<Record<string, string>> = {}): Record<string, string> {
  for (const [key, value] of Object.entries(user)) {
    if (key.startsWith('heavyball.')) throw new TypeError(`metadata key ${JSON.stringify(key)}: keys starting with "heavyball." are reserved`);
    if (typeof value !== 'string') throw new TypeError(`metadata ${JSON.stringify(key)} must be a string (safetensors metadata is string → string)`);
  }
  const out: Record<string, string> = { ...user, [KEYS.version]: VERSION, [KEYS.step]: String(info.step) };
  for (const [name, { key, exact }] of Object.entries(ENTRIES)) {
    const value = info[name as keyof Entries];
    if (value !== undefined) out[key] = exact ? stringifyExact(value) : JSON.stringify(value);
  }
  return out;
}

/** Reads and checks heavyball's entries of `metadata`; a file without them (e.g. from PyTorch) gives step 0 and nothing else. */
export function decodeMetadata(metadata: Record<string, string>): CheckpointInfo {
  const version = metadata[KEYS.version];
  if (version !== undefined && version !== VERSION) {
    throw new CheckpointFormatError(`version ${JSON.stringify(version.slice(0, 20))} is not one this heavyball reads (${VERSION})`, KEYS.version);
  }
  const info: CheckpointInfo = { step: decodeStep(metadata[KEYS.step]), metadata: { ...metadata } };
  for (const [name, { key, check }] of Object.entries<{ key: string; check: (value: unknown) => unknown }>(ENTRIES)) {
    const text = metadata[key];
    if (text !== undefined) Object.assign(info, { [name]: parse(text, key, check) });
  }
  return info;
}

function decodeStep(text: string | undefined): number {
  if (text === undefined) return 0;
  const step = /^(0|[1-9][0-9]{0,15})$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(step)) throw new CheckpointFormatError(`must be a non-negative integer, got ${JSON.stringify(text.slice(0, 20))}`, KEYS.step);
  return step;
}

/** The JSON `text` of entry `key` checked by `check`; its TypeError or RangeError becomes a CheckpointFormatError. */
function parse<T>(text: string, key: string, check: (value: unknown) => T): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new CheckpointFormatError(`is not valid JSON (${(cause as Error).message})`, key, { cause });
  }
  try {
    return check(value);
  } catch (cause) {
    if (!(cause instanceof TypeError || cause instanceof RangeError)) throw cause;
    throw new CheckpointFormatError(cause.message, key, { cause });
  }
}

function checkArchitecture(value: unknown): Architecture {
  const a = checkObject('the architecture', value);
  const layers = checkArray('layers', a.layers).map((layer, i) => {
    checkLayer(checkObject(`layer ${i}`, layer) as unknown as LayerSpec, i);
    return { ...(layer as LayerSpec) };
  });
  if (layers.length === 0) throw new RangeError('layers must not be empty');
  return { layers, loss: checkString('loss', a.loss) };
}

function checkOptimizerRecord(value: unknown): OptimizerRecord {
  const o = checkObject('the optimizer state', value);
  const seen = new Set<string>();
  const groups = checkArray('groups', o.groups).map((g, i) => {
    const group = checkObject(`groups[${i}]`, g);
    const params = checkArray(`groups[${i}].params`, group.params).map((name, k) => checkString(`groups[${i}].params[${k}]`, name));
    for (const name of params) {
      if (seen.has(name)) throw new RangeError(`parameter ${JSON.stringify(name)} is in more than one place of groups`);
      seen.add(name);
    }
    return { ...group, params, hyperparameters: { ...checkObject(`groups[${i}].hyperparameters`, group.hyperparameters) } };
  });
  if (groups.length === 0) throw new RangeError('groups must not be empty');
  const buffers = checkArray('buffers', o.buffers).map((b, i) => checkString(`buffers[${i}]`, b));
  if (new Set(buffers).size !== buffers.length) throw new RangeError('buffers has a name twice');
  return { kind: checkString('kind', o.kind), step: checkInteger('step', o.step, 0), groups, buffers };
}

/** fit's history: the records' fields are numbers (or null) that tools may extend; the ones fit needs are required. */
function checkHistory(value: unknown): History {
  const h = checkObject('the history', value);
  const record = (r: unknown, what: string, required: string[]) => {
    const out: Record<string, number | null> = Object.fromEntries(Object.entries(checkObject(what, r))
      .map(([key, v]) => [key, v === null ? null : checkExact(`${what}.${key}`, v)]));
    for (const key of required) if (typeof out[key] !== 'number') throw new TypeError(`${what}.${key} must be a number`);
    return out;
  };
  const steps = checkArray('steps', h.steps).map((s, i) => record(s, `steps[${i}]`, ['step', 'loss']));
  const epochs = checkArray('epochs', h.epochs).map((e, i) => record(e, `epochs[${i}]`, ['epoch']));
  const diverged = h.diverged === false ? false : record(h.diverged, 'diverged', ['step', 'loss']);
  return { ...h, steps, epochs, diverged } as unknown as History;
}

function checkProgress(value: unknown): FitProgress {
  const p = checkObject('the fit progress', value);
  const o = checkObject('order', p.order);
  return {
    epoch: checkInteger('epoch', p.epoch, 1),
    batch: checkInteger('batch', p.batch, 0),
    lossSum: checkExact('lossSum', p.lossSum),
    correct: checkInteger('correct', p.correct, 0),
    seen: checkInteger('seen', p.seen, 0),
    order: {
      count: checkInteger('order.count', o.count, 0),
      batchSize: checkInteger('order.batchSize', o.batchSize, 1),
      seed: checkInteger('order.seed', o.seed),
      shuffle: checkBoolean('order.shuffle', o.shuffle),
      dropLast: checkBoolean('order.dropLast', o.dropLast),
    },
  };
}

function checkRandom(value: unknown): number[] {
  return checkArray('the dropout generator states', value).map((v, i) => {
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xffffffff) {
      throw new RangeError(`states[${i}] must be an integer in [0, 2^32), got ${JSON.stringify(v)?.slice(0, 20)}`);
    }
    return v as number;
  });
}

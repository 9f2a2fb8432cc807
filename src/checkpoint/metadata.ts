import { checkLayer, type LayerSpec } from '../nn/layers.js';
import type { History } from '../train/history.js';
import { CheckpointFormatError } from './checkpoint-format-error.js';
import { stringifyExact } from './exact-json.js';
import type { FitProgress } from '../train/fit-progress.js';
import { array, boolean, count, exact, integer, Invalid, object, string } from './json-checks.js';

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
  schedule: 'heavyball.schedule',
  random: 'heavyball.random',
} as const;
export const VERSION = '1';
const RESERVED_PREFIX = 'heavyball.';

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

/** The schedule's values at the checkpoint's step (the next step's lr and momentum), for the record. */
export interface ScheduleRecord {
  lr?: number;
  momentum?: number;
}

/** Everything heavyball put in a checkpoint's metadata, read and checked; `metadata` is all of it, raw. */
export interface CheckpointInfo {
  /** The global step: optimizer steps taken, where a schedule and fit continue. 0 for files from elsewhere. */
  step: number;
  architecture?: Architecture;
  optimizer?: OptimizerRecord;
  history?: History;
  progress?: FitProgress;
  schedule?: ScheduleRecord;
  /** The dropout layers' generator states (`model.randomState()`), in layer order; absent without dropout. */
  random?: number[];
  metadata: Record<string, string>;
}

export function encodeMetadata(info: Omit<CheckpointInfo, 'metadata'>, user: Readonly<Record<string, string>> = {}): Record<string, string> {
  for (const [key, value] of Object.entries(user)) {
    if (key.startsWith(RESERVED_PREFIX)) throw new TypeError(`metadata key ${JSON.stringify(key)}: keys starting with "heavyball." are reserved`);
    if (typeof value !== 'string') throw new TypeError(`metadata ${JSON.stringify(key)} must be a string (safetensors metadata is string → string)`);
  }
  const out: Record<string, string> = { ...user, [KEYS.version]: VERSION, [KEYS.step]: String(info.step) };
  if (info.architecture) out[KEYS.architecture] = JSON.stringify(info.architecture);
  if (info.optimizer) out[KEYS.optimizer] = JSON.stringify(info.optimizer);
  if (info.history) out[KEYS.history] = stringifyExact(info.history);
  if (info.progress) out[KEYS.progress] = stringifyExact(info.progress);
  if (info.schedule) out[KEYS.schedule] = stringifyExact(info.schedule);
  if (info.random) out[KEYS.random] = JSON.stringify(info.random);
  return out;
}

/** Reads and checks heavyball's entries of `metadata`; a file without them (e.g. from PyTorch) gives step 0 and nothing else. */
export function decodeMetadata(metadata: Record<string, string>): CheckpointInfo {
  const version = metadata[KEYS.version];
  if (version !== undefined && version !== VERSION) {
    throw new CheckpointFormatError(`version ${JSON.stringify(version.slice(0, 20))} is not one this heavyball reads (${VERSION})`, KEYS.version);
  }
  const info: CheckpointInfo = { step: decodeStep(metadata[KEYS.step]), metadata: { ...metadata } };
  const architecture = parse(metadata, KEYS.architecture, checkArchitecture);
  const optimizer = parse(metadata, KEYS.optimizer, checkOptimizerRecord);
  const history = parse(metadata, KEYS.history, checkHistory);
  const progress = parse(metadata, KEYS.progress, checkProgress);
  const schedule = parse(metadata, KEYS.schedule, checkSchedule);
  const random = parse(metadata, KEYS.random, checkRandom);
  if (architecture) info.architecture = architecture;
  if (optimizer) info.optimizer = optimizer;
  if (history) info.history = history;
  if (progress) info.progress = progress;
  if (schedule) info.schedule = schedule;
  if (random) info.random = random;
  return info;
}

function decodeStep(text: string | undefined): number {
  if (text === undefined) return 0;
  const step = /^(0|[1-9][0-9]{0,15})$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(step)) throw new CheckpointFormatError(`must be a non-negative integer, got ${JSON.stringify(text.slice(0, 20))}`, KEYS.step);
  return step;
}

/** The JSON under `key` checked by `check` (which throws a message), or undefined when absent. */
function parse<T>(metadata: Record<string, string>, key: string, check: (value: unknown) => T): T | undefined {
  const text = metadata[key];
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new CheckpointFormatError(`is not valid JSON (${(cause as Error).message})`, key, { cause });
  }
  try {
    return check(value);
  } catch (cause) {
    if (!(cause instanceof Invalid)) throw cause;
    throw new CheckpointFormatError(cause.message, key);
  }
}

function checkArchitecture(value: unknown): Architecture {
  const a = object(value, 'the architecture');
  const layers = array(a.layers, 'layers').map((layer, i) => {
    object(layer, `layer ${i}`);
    try {
      checkLayer(layer as LayerSpec, i);
    } catch (error) {
      throw new Invalid((error as Error).message);
    }
    return { ...(layer as LayerSpec) };
  });
  if (layers.length === 0) throw new Invalid('layers must not be empty');
  return { layers, loss: string(a.loss, 'loss') };
}

function checkOptimizerRecord(value: unknown): OptimizerRecord {
  const o = object(value, 'the optimizer state');
  const seen = new Set<string>();
  const groups = array(o.groups, 'groups').map((g, i) => {
    const group = object(g, `groups[${i}]`);
    const params = array(group.params, `groups[${i}].params`).map((name, k) => string(name, `groups[${i}].params[${k}]`));
    for (const name of params) {
      if (seen.has(name)) throw new Invalid(`parameter ${JSON.stringify(name)} is in more than one place of groups`);
      seen.add(name);
    }
    return { ...group, params, hyperparameters: { ...object(group.hyperparameters, `groups[${i}].hyperparameters`) } };
  });
  if (groups.length === 0) throw new Invalid('groups must not be empty');
  const buffers = array(o.buffers, 'buffers').map((b, i) => string(b, `buffers[${i}]`));
  if (new Set(buffers).size !== buffers.length) throw new Invalid('buffers has a name twice');
  return { kind: string(o.kind, 'kind'), step: count(o.step, 'step'), groups, buffers };
}

/** fit's history: the records' fields are numbers (or null) that tools may extend; the ones fit needs are required. */
function checkHistory(value: unknown): History {
  const h = object(value, 'the history');
  const record = (r: unknown, what: string, required: string[]) => {
    const out: Record<string, number | null> = Object.fromEntries(Object.entries(object(r, what))
      .map(([key, v]) => [key, v === null ? null : exact(v, `${what}.${key}`)]));
    for (const key of required) if (typeof out[key] !== 'number') throw new Invalid(`${what}.${key} must be a number`);
    return out;
  };
  const steps = array(h.steps, 'steps').map((s, i) => record(s, `steps[${i}]`, ['step', 'loss']));
  const epochs = array(h.epochs, 'epochs').map((e, i) => record(e, `epochs[${i}]`, ['epoch']));
  const diverged = h.diverged === false ? false : record(h.diverged, 'diverged', ['step', 'loss']);
  return { ...h, steps, epochs, diverged } as unknown as History;
}

function checkProgress(value: unknown): FitProgress {
  const p = object(value, 'the fit progress');
  const o = object(p.order, 'order');
  const progress = {
    epoch: count(p.epoch, 'epoch'),
    batch: count(p.batch, 'batch'),
    lossSum: exact(p.lossSum, 'lossSum'),
    correct: count(p.correct, 'correct'),
    seen: count(p.seen, 'seen'),
    order: {
      count: count(o.count, 'order.count'),
      batchSize: count(o.batchSize, 'order.batchSize'),
      seed: integer(o.seed, 'order.seed'),
      shuffle: boolean(o.shuffle, 'order.shuffle'),
      dropLast: boolean(o.dropLast, 'order.dropLast'),
    },
  };
  if (progress.epoch < 1) throw new Invalid('epoch must be ≥ 1');
  if (progress.order.batchSize < 1) throw new Invalid('order.batchSize must be ≥ 1');
  return progress;
}

function checkSchedule(value: unknown): ScheduleRecord {
  const s = object(value, 'the schedule');
  const out: ScheduleRecord = {};
  if (s.lr !== undefined) out.lr = exact(s.lr, 'lr');
  if (s.momentum !== undefined) out.momentum = exact(s.momentum, 'momentum');
  return out;
}

function checkRandom(value: unknown): number[] {
  return array(value, 'the dropout generator states').map((v, i) => {
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) > 0xffffffff) {
      throw new Invalid(`states[${i}] must be an integer in [0, 2^32), got ${JSON.stringify(v)?.slice(0, 20)}`);
    }
    return v as number;
  });
}

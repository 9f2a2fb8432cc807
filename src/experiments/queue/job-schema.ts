// What a queued job carries, and the check every job passes before a worker does anything with it.
import { LR_SCHEDULES } from '../lr-schedule.js';
import { MODELS } from '../network.js';
import { OPTIMIZERS } from '../study-config.js';
import type { RunConfig } from '../types.js';

/** The payload format; a worker refuses any other. */
export const JOB_FORMAT = 'heavyball-run/1';

/**
 * One run to train: its full configuration (no file, module or code: numbers and names from fixed lists)
 * and which slice of MNIST the worker loads (`limit` images of each set, or all).
 */
export interface RunJob {
  format: typeof JOB_FORMAT;
  config: RunConfig;
  limit: number | null;
}

/** A job that must not run: says what is wrong with it. */
export class JobPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobPayloadError';
  }
}

/** True when the value fits; false, or what is wrong inside it. */
type Check = (value: unknown) => boolean | string;
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const integerIn = (low: number, high: number): Check => (x) => Number.isSafeInteger(x) && (x as number) >= low && (x as number) <= high;
const oneOf = (...values: readonly unknown[]): Check => (x) => values.includes(x);
const anyInteger: Check = (x) => Number.isSafeInteger(x);
/** Bounds that keep a job to sizes a study can mean (the engine refuses more than its memory anyway). */
const MAX_WIDTH = 1 << 16;

const DATA: Record<string, Check> = {
  name: oneOf('mnist'),
  sha256: (x) => typeof x === 'string' && /^[0-9a-f]{64}$/.test(x),
  validation: integerIn(1, 1e7),
  splitSeed: anyInteger,
  trainSize: integerIn(1, 1e7),
};

const CONFIG: Record<string, Check> = {
  heavyball: (x) => typeof x === 'string' && /^\d+\.\d+\.\d+[\w.+-]*$/.test(x),
  data: (x) => isObject(x) && (fields(x, DATA, 'config.data.') ?? true),
  model: oneOf(...MODELS),
  // An MLP's widths; a CNN's run has none (checked in validateRunJob).
  layers: (x) => x === undefined || (Array.isArray(x) && x.length >= 2 && x.length <= 32 && x.every(integerIn(1, MAX_WIDTH))),
  optimizer: oneOf(...OPTIMIZERS),
  momentum: (x) => typeof x === 'number' && x >= 0 && x < 1,
  lr: (x) => typeof x === 'number' && Number.isFinite(x) && x > 0,
  schedule: oneOf(...LR_SCHEDULES),
  epochs: integerIn(1, 10_000),
  batchSize: integerIn(1, MAX_WIDTH),
  seed: anyInteger,
  evalEvery: integerIn(1, 1e9),
  finalEvaluations: integerIn(1, 1e6),
  backend: oneOf('wasm', 'js'),
  simd: oneOf('standard', 'relaxed'),
};

/** The first field of `value` that is missing, unknown or out of range, named with `prefix`; undefined if none. */
function fields(value: Record<string, unknown>, schema: Record<string, Check>, prefix: string): string | undefined {
  for (const key of Object.keys(value)) if (!(key in schema)) return `${prefix}${key} is not a field of a run`;
  for (const [key, check] of Object.entries(schema)) {
    // A field whose check takes undefined may be left out.
    if (!(key in value) && check(undefined) !== true) return `${prefix}${key} is missing`;
    const fits = check(value[key]);
    if (typeof fits === 'string') return fits;
    if (!fits) return `${prefix}${key} is out of range: ${JSON.stringify(value[key])?.slice(0, 80)}`;
  }
  return undefined;
}

/** An MLP's run needs its layer widths; a CNN's has none. */
function networkProblem(config: Record<string, unknown>): string | undefined {
  if (config.model === 'mlp' && config.layers === undefined) return 'config.layers is missing (an mlp run needs its widths)';
  if (config.model !== 'mlp' && config.layers !== undefined) return `config.layers is not a field of a ${config.model} run`;
  return undefined;
}

/**
 * `payload` as a RunJob of this library `version`, or a JobPayloadError naming what is wrong: another
 * format, an unknown or missing field, a value out of range, or a run of another heavyball version.
 */
export function validateRunJob(payload: unknown, version: string): RunJob {
  if (!isObject(payload)) throw new JobPayloadError('the job is not an object');
  if (payload.format !== JOB_FORMAT) {
    throw new JobPayloadError(`the job's format is ${JSON.stringify(payload.format)?.slice(0, 40)}, this worker takes ${JOB_FORMAT}`);
  }
  const problem = fields(payload, { format: () => true, config: isObject, limit: (x) => x === null || integerIn(1, 1e7)(x) }, '')
    ?? fields(payload.config as Record<string, unknown>, CONFIG, 'config.')
    ?? networkProblem(payload.config as Record<string, unknown>);
  if (problem) throw new JobPayloadError(`malformed job: ${problem}`);
  const config = payload.config as unknown as RunConfig;
  if (config.heavyball !== version) {
    throw new JobPayloadError(`the run is for heavyball ${config.heavyball}, this worker runs ${version} (which may round differently)`);
  }
  return payload as unknown as RunJob;
}

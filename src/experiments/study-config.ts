import { checkBoolean, checkInteger, checkList, checkNumber, checkOneOf, checkThat, satisfies } from '../check.js';
import { MODELS } from './network.js';
import { partSettings } from './plan.js';
import type { PartSpec, StudyConfig, SweepOptimizer } from './types.js';

export const DEFAULT_MOMENTA = [0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99];
export const DEFAULT_LAYERS = [784, 256, 128, 10];
export const OPTIMIZERS: readonly SweepOptimizer[] = ['sgd', 'nesterov', 'adam'];

/**
 * The defaults fit `npm ci && npm start` in under 5 minutes on 2 cores: one epoch of 20 000 training
 * images per run (157 steps), validation every 25 steps on 5 000 held-out images, 3 seeds.
 */
export const DEFAULTS = {
  model: 'mlp',
  optimizer: 'sgd',
  seeds: [1, 2, 3],
  epochs: 1,
  batchSize: 128,
  evalEvery: 25,
  finalEvaluations: 3,
  validation: 5_000,
  splitSeed: 0,
  trainSize: 20_000,
  targetAccuracy: 0.9,
  smoothing: 0.95,
  backend: 'wasm',
  simd: 'standard',
} as const;

/**
 * SGD: a fixed lr at which plain SGD is slow, μ = 0.9 fast and μ = 0.99 (an effective step of 10) fails,
 * so the fixed-lr part shows both sides; the same-step part puts every μ at μ = 0.9's effective step there
 * (0.1 / (1 − 0.9) = 1), and the tuned part's grid reaches from below μ = 0.99's best lr to past plain
 * SGD's largest stable one. Adam: PyTorch's default lr, and a grid around it.
 */
export function defaultLrs(optimizer: SweepOptimizer): { lr: number; step: number; lrs: number[] } {
  if (optimizer === 'adam') return { lr: 1e-3, step: NaN, lrs: [1e-4, 3e-4, 1e-3, 3e-3, 1e-2] };
  return { lr: 0.1, step: 1, lrs: [0.01, 0.03, 0.1, 0.3, 1, 3] };
}

/** What can be chosen about a study or a sweep; everything has a default. */
export interface StudySettings extends Partial<Omit<StudyConfig, 'parts'>> {
  /** The fixed-lr part's lr (a sweep: its lr, or with `sameStep` its effective step). */
  lr?: number;
  /** The same-step part's effective step lr / (1 − μ). */
  step?: number;
  /** The tuned part's grid (a sweep with `lrs` is a tuned part). */
  lrs?: number[];
  /** A sweep at lr × (1 − μ), so that lr / (1 − μ) = `lr` for every μ (the CLI's --same-step). */
  sameStep?: boolean;
}

/** The parts a study runs (all three) or a sweep runs (one, chosen by `lrs` and `sameStep`). */
function resolveParts(settings: StudySettings, kind: 'study' | 'sweep', optimizer: SweepOptimizer): PartSpec[] {
  const defaults = defaultLrs(optimizer);
  const lrs = settings.lrs ?? defaults.lrs;
  checkList('lrs', lrs, { number: '> 0' }, { min: 2, unique: true });
  const sortedLrs = [...lrs].sort((a, b) => a - b);
  if (kind === 'study') {
    if (optimizer === 'adam') {
      throw new RangeError("the study's same-step part applies to SGD momentum only: Adam's first moment is an average, its step does not grow as 1/(1 − β1); sweep Adam's β1 with `sweep`");
    }
    const lr = settings.lr ?? defaults.lr;
    const step = settings.step ?? defaults.step;
    checkNumber('lr', lr, '> 0');
    checkNumber('step', step, '> 0');
    return [{ kind: 'fixed', lr }, { kind: 'same-step', step }, { kind: 'tuned', lrs: sortedLrs }];
  }
  if (settings.sameStep !== undefined) checkBoolean('sameStep', settings.sameStep);
  if (settings.lrs !== undefined) {
    if (settings.sameStep) throw new RangeError('sameStep and lrs exclude each other: a sweep is at one lr, at one effective step, or tuned over lrs');
    return [{ kind: 'tuned', lrs: sortedLrs }];
  }
  if (settings.sameStep) {
    if (optimizer === 'adam') {
      throw new RangeError("sameStep applies to SGD momentum only: Adam's first moment is an average, its step does not grow as 1/(1 − β1)");
    }
    const step = settings.lr ?? defaults.step;
    checkNumber('lr', step, '> 0');
    return [{ kind: 'same-step', step }];
  }
  const lr = settings.lr ?? defaults.lr;
  checkNumber('lr', lr, '> 0');
  return [{ kind: 'fixed', lr }];
}

/**
 * The cores split between parallel runs and threads within each: as many runs at once as there are
 * workers (at most one per run), and the cores they leave over as threads, at least one each. More runs
 * than cores: one thread each; fewer: threads within each run.
 */
export function threadsPerRun(cores: number, workers: number, runs: number): number {
  return Math.max(1, Math.floor(cores / Math.max(1, Math.min(workers, runs))));
}

/** How many distinct runs the parts plan (a run two parts share counts once). */
function plannedRuns(parts: readonly PartSpec[], momenta: readonly number[], seeds: readonly number[]): number {
  const settings = new Set(parts.flatMap((part) => partSettings(part, momenta).map((s) => `${s.momentum}|${s.lr}`)));
  return settings.size * seeds.length;
}

/**
 * Fills in the defaults and throws a RangeError naming the first setting out of range. `cores` is the
 * number of cores here (the default of `workers`, and what `threads` splits); `poolSize` the number of
 * training images available (the validation images are drawn from them).
 */
export function resolveStudyConfig(settings: StudySettings, kind: 'study' | 'sweep', cores: number, poolSize = 60_000): StudyConfig {
  const optimizer = settings.optimizer ?? DEFAULTS.optimizer;
  checkOneOf('optimizer', optimizer, OPTIMIZERS);
  const validation = settings.validation ?? DEFAULTS.validation;
  checkThat(satisfies(validation, { integer: 1 }) && validation < poolSize, 'validation', `a whole number of images in [1, ${poolSize - 1}] (of the ${poolSize} training images)`, validation);
  const model = checkOneOf('model', settings.model ?? DEFAULTS.model, MODELS);
  if (model === 'cnn' && settings.layers !== undefined) {
    throw new RangeError("layers applies to model 'mlp' only; model 'cnn' is mnistCnn(), whose layers are fixed");
  }
  const config: Omit<StudyConfig, 'threads'> = {
    optimizer,
    momenta: settings.momenta ?? DEFAULT_MOMENTA,
    parts: resolveParts(settings, kind, optimizer),
    seeds: settings.seeds ?? [...DEFAULTS.seeds],
    model,
    ...(model === 'mlp' && { layers: settings.layers ?? DEFAULT_LAYERS }),
    epochs: settings.epochs ?? DEFAULTS.epochs,
    batchSize: settings.batchSize ?? DEFAULTS.batchSize,
    evalEvery: settings.evalEvery ?? DEFAULTS.evalEvery,
    finalEvaluations: settings.finalEvaluations ?? DEFAULTS.finalEvaluations,
    validation,
    splitSeed: settings.splitSeed ?? DEFAULTS.splitSeed,
    trainSize: settings.trainSize ?? Math.min(DEFAULTS.trainSize, poolSize - validation),
    backend: settings.backend ?? DEFAULTS.backend,
    simd: settings.simd ?? DEFAULTS.simd,
    workers: settings.workers ?? cores,
    targetAccuracy: settings.targetAccuracy ?? DEFAULTS.targetAccuracy,
    smoothing: settings.smoothing ?? DEFAULTS.smoothing,
  };
  const { momenta, layers, seeds } = config;
  checkList('momenta', momenta, { number: '[0, 1)' }, { min: 1, unique: true });
  config.momenta = [...momenta].sort((a, b) => a - b);
  if (model === 'mlp') checkList('layers', layers, { integer: 1 }, { min: 2 });
  checkInteger('epochs', config.epochs, 1);
  checkInteger('batchSize', config.batchSize, 1);
  checkList('seeds', seeds, { integer: Number.MIN_SAFE_INTEGER }, { min: 1, unique: true });
  checkInteger('workers', config.workers, 1);
  checkInteger('evalEvery', config.evalEvery, 1);
  checkInteger('finalEvaluations', config.finalEvaluations, 1);
  checkInteger('splitSeed', config.splitSeed);
  checkThat(satisfies(config.trainSize, { integer: 1 }) && config.trainSize <= poolSize - validation, 'trainSize',
    `a whole number in [1, ${poolSize - validation}] (${poolSize} training images minus ${validation} for validation)`, config.trainSize);
  checkNumber('targetAccuracy', config.targetAccuracy, '(0, 1]');
  checkNumber('smoothing', config.smoothing, '[0, 1)');
  checkOneOf('backend', config.backend, ['wasm', 'js']);
  checkOneOf('simd', config.simd, ['standard', 'relaxed']);
  const threads = settings.threads
    ?? (config.backend === 'js' ? 1 : threadsPerRun(cores, config.workers, plannedRuns(config.parts, config.momenta, seeds)));
  checkThat(satisfies(threads, { integer: 1 }), 'threads', 'a positive integer', threads);
  checkThat(threads === 1 || config.backend === 'wasm', 'threads', '1 with the js backend', threads);
  return { ...config, threads };
}

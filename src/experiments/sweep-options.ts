import type { RunConfig, SweepConfig, SweepOptimizer } from './types.js';

export const DEFAULT_MOMENTA = [0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99];
export const DEFAULT_LAYERS = [784, 256, 128, 10];
export const OPTIMIZERS: readonly SweepOptimizer[] = ['sgd', 'nesterov', 'adam'];

/** What can be chosen about a sweep; everything has a default (see `resolveSweepConfig`). */
export type SweepSettings = Partial<SweepConfig>;

export const DEFAULTS = {
  optimizer: 'sgd',
  normalizeLr: false,
  epochs: 2,
  batchSize: 128,
  seeds: [1],
  targetLoss: 0.2,
  targetAccuracy: 0.95,
  smoothing: 0.95,
  evalEvery: 100,
  backend: 'wasm',
  simd: 'standard',
} as const;

/**
 * SGD: a rate at which plain SGD is slow, μ = 0.9 fast and μ = 0.99 (an effective step of 5) unstable on
 * this network, so the sweep shows both sides; Adam: PyTorch's default.
 */
export function defaultLr(optimizer: SweepOptimizer): number {
  return optimizer === 'adam' ? 1e-3 : 0.05;
}

function check(ok: boolean, name: string, range: string, value: unknown): void {
  if (!ok) throw new RangeError(`${name} must be ${range}, got ${JSON.stringify(value)}`);
}

const isPositiveInteger = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 1;

/**
 * The cores split between parallel runs and threads within each: as many runs at once as there are
 * workers (at most one per run), and the cores they leave over as threads, at least one each.
 */
export function threadsPerRun(cores: number, workers: number, runs: number): number {
  return Math.max(1, Math.floor(cores / Math.max(1, Math.min(workers, runs))));
}

/** Fills in the defaults and throws a RangeError naming the first setting out of range. */
export function resolveSweepConfig(settings: SweepSettings, defaultWorkers: number): SweepConfig {
  const optimizer = settings.optimizer ?? DEFAULTS.optimizer;
  check(OPTIMIZERS.includes(optimizer), 'optimizer', `one of ${OPTIMIZERS.join(', ')}`, optimizer);
  const config: SweepConfig = {
    optimizer,
    momenta: settings.momenta ?? DEFAULT_MOMENTA,
    lr: settings.lr ?? defaultLr(optimizer),
    normalizeLr: settings.normalizeLr ?? DEFAULTS.normalizeLr,
    layers: settings.layers ?? DEFAULT_LAYERS,
    epochs: settings.epochs ?? DEFAULTS.epochs,
    batchSize: settings.batchSize ?? DEFAULTS.batchSize,
    seeds: settings.seeds ?? [...DEFAULTS.seeds],
    workers: settings.workers ?? defaultWorkers,
    targetLoss: settings.targetLoss ?? DEFAULTS.targetLoss,
    targetAccuracy: settings.targetAccuracy ?? DEFAULTS.targetAccuracy,
    smoothing: settings.smoothing ?? DEFAULTS.smoothing,
    evalEvery: settings.evalEvery ?? DEFAULTS.evalEvery,
    backend: settings.backend ?? DEFAULTS.backend,
    simd: settings.simd ?? DEFAULTS.simd,
    threads: settings.threads ?? threadsPerRun(defaultWorkers, settings.workers ?? defaultWorkers,
      (settings.momenta ?? DEFAULT_MOMENTA).length * (settings.seeds ?? DEFAULTS.seeds).length),
    checkpoint: settings.checkpoint,
    resume: settings.resume,
  };
  const { momenta, layers, seeds } = config;
  check(Array.isArray(momenta) && momenta.length > 0 && momenta.every((m) => m >= 0 && m < 1),
    'momenta', 'a non-empty list of numbers in [0, 1)', momenta);
  check(new Set(momenta).size === momenta.length, 'momenta', 'a list without repeats', momenta);
  check(Number.isFinite(config.lr) && config.lr > 0, 'lr', 'a number > 0', config.lr);
  check(typeof config.normalizeLr === 'boolean', 'normalizeLr', 'true or false', config.normalizeLr);
  if (config.normalizeLr && optimizer === 'adam') {
    throw new RangeError("normalizeLr applies to SGD momentum only: Adam's first moment is an average, its step does not grow as 1/(1 − β1)");
  }
  check(Array.isArray(layers) && layers.length >= 2 && layers.every(isPositiveInteger),
    'layers', 'a list of at least 2 positive integers (input width first)', layers);
  check(isPositiveInteger(config.epochs), 'epochs', 'a positive integer', config.epochs);
  check(isPositiveInteger(config.batchSize), 'batchSize', 'a positive integer', config.batchSize);
  check(Array.isArray(seeds) && seeds.length > 0 && seeds.every(Number.isSafeInteger),
    'seeds', 'a non-empty list of integers', seeds);
  check(new Set(seeds).size === seeds.length, 'seeds', 'a list without repeats', seeds);
  check(isPositiveInteger(config.workers), 'workers', 'a positive integer', config.workers);
  check(isPositiveInteger(config.threads), 'threads', 'a positive integer', config.threads);
  check(config.targetLoss > 0, 'targetLoss', 'a number > 0', config.targetLoss);
  check(config.targetAccuracy > 0 && config.targetAccuracy <= 1, 'targetAccuracy', 'in (0, 1]', config.targetAccuracy);
  check(config.smoothing >= 0 && config.smoothing < 1, 'smoothing', 'in [0, 1)', config.smoothing);
  check(Number.isSafeInteger(config.evalEvery) && config.evalEvery >= 0, 'evalEvery', 'a non-negative integer', config.evalEvery);
  check(config.backend === 'wasm' || config.backend === 'js', 'backend', "'wasm' or 'js'", config.backend);
  check(config.simd === 'standard' || config.simd === 'relaxed', 'simd', "'standard' or 'relaxed'", config.simd);
  return config;
}

/** The runs of a sweep, momentum-major: each momentum with each seed. */
export function runConfigs(config: SweepConfig): RunConfig[] {
  return config.momenta.flatMap((momentum) => config.seeds.map((seed): RunConfig => ({
    optimizer: config.optimizer,
    momentum,
    lr: config.normalizeLr ? config.lr * (1 - momentum) : config.lr,
    layers: config.layers,
    epochs: config.epochs,
    batchSize: config.batchSize,
    seed,
    targetLoss: config.targetLoss,
    targetAccuracy: config.targetAccuracy,
    smoothing: config.smoothing,
    evalEvery: config.evalEvery,
    backend: config.backend,
    simd: config.simd,
    threads: config.threads,
    checkpoint: config.checkpoint,
    resume: config.resume,
  })));
}

/** The optimizer a sweep varies the momentum of: SGD's `momentum` (plain or Nesterov) or Adam's `betas[0]`. */
export type SweepOptimizer = 'sgd' | 'nesterov' | 'adam';

/** What a sweep and each of its runs share: the network, the recipe, the targets and the engine. */
export interface TrainingSettings {
  optimizer: SweepOptimizer;
  /** Layer widths, input first: [784, 256, 128, 10] is 784→256→ReLU→128→ReLU→10. */
  layers: number[];
  epochs: number;
  batchSize: number;
  /** Training loss (smoothed) to reach; `stepsToTargetLoss` counts the steps to it. */
  targetLoss: number;
  /** Test accuracy in [0, 1] to reach; `stepsToTargetAccuracy` counts the steps to it. */
  targetAccuracy: number;
  /** Factor of the exponential moving average of the training loss, in [0, 1). */
  smoothing: number;
  /** Evaluate on the test set every this many steps as well as after each epoch (0: after epochs only). */
  evalEvery: number;
  backend: 'wasm' | 'js';
  simd: 'standard' | 'relaxed';
  /** Threads each run's engine uses (any count gives the same bits); see `threadsPerRun`. */
  threads: number;
  /** Save the run to this safetensors file every `every` steps (train only). */
  checkpoint?: { path: string; every: number };
  /** A checkpoint file to continue the run from (train only). */
  resume?: string;
}

/** One training run, as a worker receives it: every choice made, nothing left to defaults. */
export interface RunConfig extends TrainingSettings {
  momentum: number;
  /** The learning rate used (after `normalizeLr`). */
  lr: number;
  /** Seeds the initial weights and the batch order: runs with the same seed differ only in momentum. */
  seed: number;
}

/** One evaluation on the test set, after `step` training steps. */
export interface TestPoint {
  step: number;
  epoch: number;
  loss: number | null;
  accuracy: number;
}

export interface RunEpoch {
  epoch: number;
  /** Training steps done by the end of this epoch. */
  step: number;
  trainLoss: number | null;
  trainAccuracy: number;
  testLoss: number | null;
  testAccuracy: number;
  seconds: number;
}

/** What one run measured. Losses that are NaN or infinite are `null` (as they are in JSON). */
export interface RunResult {
  config: RunConfig;
  /** The training loss of step 1, 2, … (one minibatch each). */
  loss: (number | null)[];
  /** Its bias-corrected exponential moving average with factor `config.smoothing`. */
  smoothedLoss: (number | null)[];
  /** The smoothed loss at most `PLOT_POINTS` evenly spaced steps (the last step included), for plots. */
  lossCurve: { step: number; loss: number }[];
  epochs: RunEpoch[];
  /** Every test-set evaluation (each epoch's end, and every `evalEvery` steps). */
  tests: TestPoint[];
  /** First step whose smoothed training loss is ≤ `targetLoss`; null if none was. */
  stepsToTargetLoss: number | null;
  /** Steps done at the first evaluation with test accuracy ≥ `targetAccuracy`; null if none had it. */
  stepsToTargetAccuracy: number | null;
  /** Of the model as training left it (also when it diverged). */
  finalTestAccuracy: number;
  finalTestLoss: number | null;
  steps: number;
  /** Wall time of the training and evaluations, in seconds. */
  seconds: number;
  diverged: false | { step: number; loss: number | null };
}

/** What a worker reports while a run trains. */
export interface RunProgress {
  momentum: number;
  seed: number;
  epoch: number;
  epochs: number;
  step: number;
  totalSteps: number;
  loss: number | null;
  /** True for the report made at the end of an epoch (`loss` is then the epoch's mean training loss). */
  endOfEpoch: boolean;
}

/** Mean and spread of one metric over the seeds of a setting that have it. */
export interface Stat {
  mean: number;
  std: number;
  min: number;
  max: number;
  /** How many seeds have the metric (e.g. reached the target). */
  n: number;
}

/** One momentum's runs (one per seed), summarised. */
export interface SettingSummary {
  momentum: number;
  lr: number;
  seeds: number[];
  /** How many of the seeds diverged, and the first step at which one did. */
  diverged: number;
  firstDivergedStep: number | null;
  stepsToTargetLoss: Stat | null;
  stepsToTargetAccuracy: Stat | null;
  finalTestAccuracy: Stat | null;
  seconds: Stat | null;
}

/** A sweep's resolved configuration, as recorded in sweep.json. */
export interface SweepConfig extends TrainingSettings {
  momenta: number[];
  /** The learning rate asked for: with `normalizeLr`, each run uses lr × (1 − momentum). */
  lr: number;
  normalizeLr: boolean;
  seeds: number[];
  workers: number;
}

/** Everything a sweep measured: what sweep.json holds. */
export interface SweepResult {
  library: { name: 'heavyball'; version: string };
  config: SweepConfig;
  data: { source: string; train: number; test: number };
  startedAt: string;
  seconds: number;
  /** True when the sweep was stopped (signal) before every run finished; `runs` holds those that did. */
  aborted: boolean;
  runs: RunResult[];
  settings: SettingSummary[];
  /** A paragraph computed from the numbers above. */
  conclusion: string;
}

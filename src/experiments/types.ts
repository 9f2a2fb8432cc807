import type { LrScheduleName } from './lr-schedule.js';
import type { ModelName } from './network.js';

/** The optimizer whose momentum a study varies: SGD's `momentum` (plain or Nesterov) or Adam's `betas[0]`. */
export type SweepOptimizer = 'sgd' | 'nesterov' | 'adam';

/**
 * Which images a run trains, validates and tests on. `sha256` identifies the pool of training images and
 * the test images (their bytes and labels); `validation` images are drawn from the pool by `splitSeed`, and
 * the run trains on the first `trainSize` of the rest (in their original order).
 */
export interface DataSpec {
  name: string;
  sha256: string;
  validation: number;
  splitSeed: number;
  trainSize: number;
}

/**
 * One training run, fully specified: plain JSON with every choice made and nothing left to a default, no
 * file path. Its stable hash (`runId`) names its stored result; the same config gives the same bits.
 */
export interface RunConfig {
  /** The library version that trains it (a different version may round differently). */
  heavyball: string;
  data: DataSpec;
  /** The network: an MLP of `layers`, or the default CNN for MNIST (`mnistCnn()`). */
  model: ModelName;
  /** The MLP's layer widths, input first: [784, 256, 128, 10] is 784→256→ReLU→128→ReLU→10; absent for the CNN. */
  layers?: number[];
  optimizer: SweepOptimizer;
  momentum: number;
  lr: number;
  /** The lr at every step (`constant`, every study's run), or annealed from `lr` to 0 over the run (`cosine`). */
  schedule: LrScheduleName;
  epochs: number;
  batchSize: number;
  /** Seeds the initial weights and the batch order: runs with the same seed differ only in lr and momentum. */
  seed: number;
  /** Evaluate on the validation set before training, every this many steps, and after the last step. */
  evalEvery: number;
  /** The last this many evaluations also evaluate the test set; final accuracy is their mean. */
  finalEvaluations: number;
  backend: 'wasm' | 'js';
  simd: 'standard' | 'relaxed';
}

/** Accuracy and mean loss on one dataset (a loss that was NaN or infinite is null). */
export interface Score {
  loss: number | null;
  accuracy: number;
}

/** One evaluation after `step` updates (`epoch` = step / steps per epoch). */
export interface Evaluation {
  step: number;
  epoch: number;
  validation: Score;
  /** Only at the last `finalEvaluations` evaluations (and where a diverged run stopped). */
  test: Score | null;
}

/** What one run measured: the raw record that the run store keeps. */
export interface RunRecord {
  config: RunConfig;
  /** The training loss of step 1, 2, … (one minibatch each); null where it was NaN or infinite. */
  loss: (number | null)[];
  evaluations: Evaluation[];
  /** Updates made (fewer than planned when the run diverged). */
  steps: number;
  stepsPerEpoch: number;
  /** The step whose loss was NaN/∞ or above 1000 × the first (training stopped there, before its update). */
  diverged: false | { step: number; loss: number | null };
  /** Wall time of training and evaluations (the only field that differs between two runs of one config). */
  seconds: number;
}

export type Status = 'ok' | 'diverged' | 'stalled';

/** A run's or a setting's outcome: `step` is where it went wrong (null when ok). */
export interface StatusReport {
  status: Status;
  reason: string;
  step: number | null;
}

/** What the analysis derives from one run's record. */
export interface RunAnalysis extends StatusReport {
  /** Steps to the validation-accuracy target, interpolated between evaluations; null if never reached. */
  stepsToTarget: number | null;
  /** Mean validation accuracy of the last `finalEvaluations` evaluations. */
  finalValidationAccuracy: number;
  bestValidationAccuracy: { accuracy: number; step: number };
  /** Mean test accuracy of the last `finalEvaluations` evaluations; only for the settings a study reports. */
  finalTestAccuracy: number | null;
}

/** One stored run in a study's result: its id (hash of the config), record and analysis. */
export interface RunEntry {
  id: string;
  record: RunRecord;
  analysis: RunAnalysis;
}

/** Mean over seeds with its 95% Student-t confidence interval (sd and interval are null for n = 1). */
export interface Estimate {
  n: number;
  mean: number;
  sd: number | null;
  low: number | null;
  high: number | null;
}

/** One setting (momentum and lr) over its seeds. */
export interface SettingSummary {
  momentum: number;
  lr: number;
  /** lr / (1 − μ) for SGD and Nesterov; null for Adam, whose step does not grow with β1. */
  effectiveStep: number | null;
  seeds: number[];
  runs: string[];
  /** ok only when every seed is ok; otherwise the worst outcome, how many seeds had it, and the first step. */
  status: StatusReport & { failed: number };
  /** How many seeds reached the target; the estimate only when all did. */
  stepsToTarget: { reached: number; of: number; estimate: Estimate | null };
  finalValidationAccuracy: Estimate;
  bestValidationAccuracy: Estimate;
  /** The step of each seed's best validation accuracy, over the seeds. */
  bestStep: Estimate;
  /** Only for the settings a part reports (never for the tuned part's other lrs). */
  finalTestAccuracy: Estimate | null;
  seconds: number;
}

export type PartKind = 'fixed' | 'same-step' | 'tuned';

/** The three parts: at one lr; at one effective step lr / (1 − μ); each μ at its best lr from a grid. */
export type PartSpec =
  | { kind: 'fixed'; lr: number }
  | { kind: 'same-step'; step: number }
  | { kind: 'tuned'; lrs: number[] };

export interface PartResult {
  spec: PartSpec;
  /** Every (μ, lr) setting of the part, by μ then lr. */
  settings: SettingSummary[];
  /** One per μ: the setting the part reports (tuned: the best lr on validation, or none if every lr failed). */
  reported: SettingSummary[];
  /** Tuned part: the lr chosen for each μ, null when every lr failed, and whether it is at the grid's edge. */
  choices?: { momentum: number; lr: number | null; atEdge: boolean }[];
  conclusion: string;
}

/** What a study (or a sweep, one part) analyses, besides its runs. */
export interface AnalysisSettings {
  /** Validation accuracy in (0, 1] whose first crossing measures speed. */
  targetAccuracy: number;
  /** Factor of the exponential moving average of the training loss (plots and the status rules). */
  smoothing: number;
}

/** A resolved study: every run's settings are derived from it. */
export interface StudyConfig extends AnalysisSettings {
  optimizer: SweepOptimizer;
  momenta: number[];
  parts: PartSpec[];
  seeds: number[];
  /** The network every run trains (see RunConfig). */
  model: ModelName;
  /** The MLP's layer widths (absent for the CNN). */
  layers?: number[];
  epochs: number;
  batchSize: number;
  evalEvery: number;
  finalEvaluations: number;
  validation: number;
  splitSeed: number;
  /** Training images per run (at most the pool minus the validation images). */
  trainSize: number;
  backend: 'wasm' | 'js';
  simd: 'standard' | 'relaxed';
  /** Runs trained at once (worker threads here). */
  workers: number;
  /**
   * Threads each run's engine uses (default: `threadsPerRun`). Not part of a run's config or its hash:
   * every thread count gives the same bits.
   */
  threads: number;
}

/** Everything a study measured: what study.json (or sweep.json) holds. */
export interface StudyResult {
  kind: 'study' | 'sweep';
  library: { name: 'heavyball'; version: string };
  config: StudyConfig;
  data: { source: string; sha256: string; train: number; validation: number; test: number };
  startedAt: string;
  seconds: number;
  runsPlanned: number;
  /** Runs trained now, and runs whose stored result was reused. */
  runsTrained: number;
  runsReused: number;
  /** True when stopped before every run finished; everything then covers the finished runs only. */
  aborted: boolean;
  parts: PartResult[];
  /** A paragraph computed from the numbers, for a reader who reads nothing else. */
  answer: string;
  runs: RunEntry[];
  /** Queued runs whose jobs failed (a worker refused or could not train them), with the reason; absent if none. */
  failures?: { id: string; reason: string }[];
}

/** What a run reports while it trains. */
export interface RunProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  epochs: number;
  loss: number | null;
}

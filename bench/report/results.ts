import type { Ceiling } from '../ceiling/ceiling-suite.js';
import type { RevectorizedCeiling } from '../ceiling/revectorized-reply.js';
import type { CnnResults } from '../cnn/cnn-suite.js';
import type { GemmRow } from '../gemm/gemm-suite.js';
import type { Machine } from '../harness/machine.js';
import type { Settings } from '../harness/settings.js';
import type { OptimRow } from '../optim/optim-suite.js';
import type { ThreadsResults } from '../threads/threads-suite.js';
import type { TrainingResults } from '../training/training-suite.js';

/** A target of the issue "Speed": pass is null when its figures were not measured in this run. */
export interface TargetCheck {
  target: string;
  measured: string;
  pass: boolean | null;
}

/** Everything one run measured: written as `bench/results/latest.json`, rendered as docs/benchmarks.md. */
export interface BenchResults {
  machine: Machine;
  mode: 'quick' | 'full';
  settings: Settings;
  seconds: number;
  tfjs: { version: string; simd: boolean; threads: boolean } | null;
  ceiling: Ceiling | null;
  gemm: GemmRow[] | null;
  /** Node 24 with the revectorizer (measured with the gemm suite); absent from results written before it was. */
  revectorizedCeiling?: RevectorizedCeiling | null;
  optim: OptimRow[] | null;
  training: TrainingResults | null;
  cnn?: CnnResults | null;
  threads?: ThreadsResults | null;
  targets: TargetCheck[];
}

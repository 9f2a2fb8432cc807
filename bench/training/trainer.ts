import type { Breakdown, RunResult } from './protocol.js';

/** One training configuration inside a child process. */
export interface Trainer {
  /** Why it is unavailable, or what it is (backend details). */
  available: boolean;
  note: string;
  /** Trains `steps` batches of 128 with `fit`/`model.fit` (the full set when steps ≥ an epoch); wall time. */
  run(steps: number): Promise<RunResult>;
  /** Accuracy on the MNIST test set, or null where not measured. */
  evaluate(): number | null;
  /** Per-step time of each class of kernel call, if this trainer was built to time them. */
  breakdown?(warmupSteps: number, steps: number): Promise<Breakdown>;
}

import type { Parameter } from '../engine/parameter.js';

/**
 * What `fit`, the schedules and the checkpoints need of an optimizer. `momentum` is SGD's and RMSprop's
 * momentum and Adam's betas[0]; `lr` and `momentum` may be changed between steps.
 */
export interface Optimizer {
  readonly params: readonly Parameter[];
  lr: number;
  momentum: number;
  /** One fused update over every parameter, from their current gradients. */
  step(): void;
  zeroGrad(): void;
  /** Everything needed to continue exactly: hyperparameters, step counts, state buffers (copies). */
  state(): OptimizerState;
  loadState(state: OptimizerState): void;
}

export interface OptimizerState {
  kind: string;
  hyperparameters: Record<string, number | boolean | number[]>;
  step: number;
  /** State tensors by kind (e.g. 'momentum_buffer', 'exp_avg'), one flat copy over all parameters. */
  buffers: Record<string, Float32Array>;
}

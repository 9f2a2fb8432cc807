import type { Parameter } from '../engine/parameter.js';

/**
 * What `fit`, the schedules and the checkpoints need of an optimizer. `momentum` is SGD's and RMSprop's
 * momentum and Adam's betas[0]; `lr` and `momentum` may be changed between steps. With param groups,
 * reading them gives the first group's value and setting them sets every group's.
 */
export interface Optimizer {
  readonly params: readonly Parameter[];
  /** Each param group's parameters, in order (`params` is them all). */
  readonly paramGroups: readonly (readonly Parameter[])[];
  lr: number;
  momentum: number;
  /** One fused update over every parameter, from their current gradients. */
  step(): void;
  zeroGrad(): void;
  /** Everything needed to continue exactly: hyperparameters, step counts, state buffers (copies). */
  state(): OptimizerState;
  loadState(state: OptimizerState): void;
}

export type Hyperparameters = Record<string, number | boolean | number[]>;

export interface OptimizerState {
  /** 'SGD', 'Adam', 'AdamW' or 'RMSprop'. */
  kind: string;
  /** Steps taken (Adam's t). */
  step: number;
  /** One entry per param group, in order. */
  groups: GroupState[];
  /** State tensors by PyTorch's name (e.g. 'momentum_buffer', 'exp_avg'), one flat copy over all params. */
  buffers: Record<string, Float32Array>;
}

export interface GroupState {
  /** Floats in the group's parameters. */
  size: number;
  hyperparameters: Hyperparameters;
  /** SGD: whether the momentum buffer holds anything yet (PyTorch's buffer is None before). */
  momentumBufferStarted?: boolean;
}

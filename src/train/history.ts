/** One optimizer step: its loss on the batch (before the update) and the hyperparameters it used. */
export interface StepRecord {
  step: number;
  loss: number;
  lr: number;
  momentum: number;
}

/** One completed pass over the training set. Train figures are running means over its batches (dropout on). */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  /** On `validation` in eval mode after the epoch; null without one. */
  testLoss: number | null;
  testAccuracy: number | null;
  /** Wall time of the epoch, its validation included. */
  seconds: number;
}

export interface History {
  steps: StepRecord[];
  epochs: EpochRecord[];
  /** The step whose loss was NaN/±Inf or above 1000 × the first step's loss (training stopped there). */
  diverged: false | { step: number; loss: number };
}

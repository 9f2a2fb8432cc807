import type { Batch } from '../nn/batch.js';
import type { Sequential } from '../nn/sequential.js';
import type { Optimizer } from '../optim/optimizer.js';

export interface StepResult {
  /** The batch's mean loss before the update. */
  loss: number;
  /** Rows whose label is the argmax of this forward's outputs. */
  correct: number;
  rows: number;
  /** False when `accept` refused the update. */
  updated: boolean;
}

/**
 * One training step on the rows `batch` holds (default: the model's own, filled by `batch.gather`):
 * gradients zeroed, forward + loss + backward in training mode, the correct predictions counted from
 * that forward, then the optimizer's update unless `accept(loss)` says no (fit refuses a diverged one).
 * After it returns the model is free: evaluating it in between steps disturbs nothing.
 */
export function trainStep(model: Sequential, optimizer: Optimizer, batch: Batch = model.batch,
  accept?: (loss: number) => boolean): StepResult {
  optimizer.zeroGrad();
  const loss = model.train().lossAndBackward(batch);
  const correct = model.correctCount(batch);
  const updated = accept?.(loss) ?? true;
  if (updated) optimizer.step();
  return { loss, correct, rows: batch.rows, updated };
}

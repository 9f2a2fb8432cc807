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
  // Zeroing then adding gives the bits of writing over, which skips a pass over every gradient (on two
  // threads that pass also pulls back the lines the other core wrote). Only when the optimizer's
  // parameters are exactly the model's: any other parameter's gradient keeps accumulating, as in PyTorch.
  const overwrite = updatesExactly(optimizer, model);
  if (!overwrite) optimizer.zeroGrad();
  const loss = model.train().lossAndBackward(batch, overwrite ? 'overwrite' : 'accumulate');
  const correct = model.correctCount(batch);
  const updated = accept?.(loss) ?? true;
  if (updated) optimizer.step();
  return { loss, correct, rows: batch.rows, updated };
}

/** Per optimizer and model, whether the two hold exactly the same parameters (neither's ever change). */
const sameParameters = new WeakMap<Optimizer, WeakMap<Sequential, boolean>>();

function updatesExactly(optimizer: Optimizer, model: Sequential): boolean {
  let byModel = sameParameters.get(optimizer);
  if (!byModel) sameParameters.set(optimizer, (byModel = new WeakMap()));
  let same = byModel.get(model);
  if (same === undefined) {
    const own = model.parameters(), updated = new Set(optimizer.params);
    same = updated.size === own.length && own.every((p) => updated.has(p));
    byModel.set(model, same);
  }
  return same;
}

import { checkInteger } from '../check.js';
import type { History } from './history.js';

/** What fixes fit's batches: a run resumes only with the same. */
export interface BatchOrder {
  /** Examples in the training set. */
  count: number;
  batchSize: number;
  seed: number;
  shuffle: boolean;
  dropLast: boolean;
}

/** Where `fit` stands inside a run: enough, with the step and history, for its next epoch record to come out as if never paused. */
export interface FitProgress {
  /** The epoch under way, 1-based. */
  epoch: number;
  /** Batches of it done. */
  batch: number;
  /** Over those batches: Σ loss × rows, correct predictions, rows. */
  lossSum: number;
  correct: number;
  seen: number;
  order: BatchOrder;
}

/** What `fit` continues from (`loadCheckpoint` returns it): the global step, and the history and progress when saved by fit. */
export interface Resume {
  step: number;
  history?: History;
  progress?: FitProgress;
}

/**
 * The step, epoch and batch at which `fit`, training with `order`, continues `resume`, and the running
 * sums of that epoch (0 without a saved progress). Throws a RangeError naming what differs when the run
 * was saved with another batch order.
 */
export function resumePoint(resume: Resume | undefined, order: BatchOrder): Omit<FitProgress, 'order'> & { step: number } {
  const step = checkInteger('resume.step', resume?.step ?? 0, 0);
  const stepsPerEpoch = order.dropLast ? Math.floor(order.count / order.batchSize) : Math.ceil(order.count / order.batchSize);
  const progress = resume?.progress;
  if (progress === undefined) {
    return { step, epoch: Math.floor(step / stepsPerEpoch) + 1, batch: step % stepsPerEpoch, lossSum: 0, correct: 0, seen: 0 };
  }
  const differences = (Object.keys(order) as (keyof BatchOrder)[])
    .filter((key) => progress.order[key] !== order[key])
    .map((key) => `${key === 'count' ? 'train.count' : key} ${progress.order[key]} then, ${order[key]} now`);
  if (differences.length > 0) {
    throw new RangeError(`the run was saved with another batch order (${differences.join('; ')}): resume it with the options it was trained with`);
  }
  const { order: _, ...position } = progress;
  if (position.batch > stepsPerEpoch || (position.epoch - 1) * stepsPerEpoch + position.batch !== step) {
    throw new RangeError(`resume.step ${step} is not batch ${position.batch} of epoch ${position.epoch} with ${stepsPerEpoch} batches an epoch`);
  }
  return { step, ...position };
}

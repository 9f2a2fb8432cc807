import { checkInteger } from '../check.js';
import { batchRanges, shuffledIndices } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import { gatherSource, ResidentDataset } from '../nn/resident-dataset.js';
import type { Sequential } from '../nn/sequential.js';
import type { Optimizer } from '../optim/optimizer.js';
import { applySchedule, type Schedule } from '../optim/schedules.js';
import { Random } from '../random.js';
import { checkBatchSize, checkData } from './check-data.js';
import { evaluate } from './evaluate.js';
import { type FitProgress, resumePoint, type Resume } from './fit-progress.js';
import type { EpochRecord, History, StepRecord } from './history.js';
import { trainStep } from './train-step.js';

export interface FitOptions {
  /** Passes over the training set (default 1). */
  epochs?: number;
  /** Rows per step, at most the model's maxBatch (default maxBatch). */
  batchSize?: number;
  /** Seeds the per-epoch shuffles (default 0). */
  seed?: number;
  /** Reshuffle every epoch (default true). */
  shuffle?: boolean;
  /** Skip the last, smaller batch of an epoch (default false). */
  dropLast?: boolean;
  /** Evaluated in eval mode after every epoch (testLoss, testAccuracy). */
  validation?: Dataset;
  /** Sets the optimizer's lr/momentum before every step from the global step (0-based, counted across epochs). */
  schedule?: Schedule;
  /** After each step's update (and its accuracy count): the model may be evaluated here. */
  onStep?: (record: StepRecord) => void;
  onEpoch?: (record: EpochRecord) => void | Promise<void>;
  /** Training stops between steps once aborted; the history so far is returned. */
  signal?: AbortSignal;
  /** Continues a run where `loadCheckpoint` (its result) left it; give the options the run was started with. */
  resume?: Resume;
  /**
   * Every `every` steps, and when aborted, `save` gets what saveCheckpoint takes (read it before
   * awaiting: training goes on after). In Node, `checkpointFile(path)` saves to a file atomically.
   */
  checkpoint?: CheckpointOption;
}

/** What `fit` hands a checkpoint's `save`: the fields of saveCheckpoint's input. */
export interface FitCheckpoint {
  model: Sequential;
  optimizer: Optimizer;
  history: History;
  step: number;
  progress: FitProgress;
}

export interface CheckpointOption {
  every: number;
  save: (input: FitCheckpoint) => void | Promise<void>;
}

/** How often `fit` lets the event loop run (timers, abort signals, progress output). */
const YIELD_EVERY_MS = 50;
/** A step whose loss exceeds this multiple of the first step's loss counts as diverged. */
export const DIVERGENCE_FACTOR = 1e3;

/**
 * Trains `model` on `train` with `optimizer`: per step, a batch gathered into `model.batch`, then
 * `trainStep`. On an engine with threads the training images are copied into its memory for the call
 * (a ResidentDataset, see `gatherSource`): changes to `train.images` while it runs are not seen. Asynchronous: it yields to
 * the event loop every ~50 ms so signals and progress callbacks run, and otherwise allocates nothing per
 * step. Divergence (a loss that is NaN/±Inf or above 1000 × the first loss) stops training before that
 * step's update and is reported in `diverged`, not thrown. The model's train/eval mode is restored on return.
 */
export async function fit(model: Sequential, optimizer: Optimizer, train: Dataset, options: FitOptions = {}): Promise<History> {
  const {
    epochs = 1, batchSize = model.maxBatch, seed = 0, shuffle = true, dropLast = false,
    validation, schedule, onStep, onEpoch, signal, resume, checkpoint,
  } = options;
  checkData(model, train, 'train');
  if (validation !== undefined) checkData(model, validation, 'validation');
  if (typeof optimizer?.step !== 'function' || typeof optimizer.zeroGrad !== 'function') {
    throw new TypeError('optimizer must have step() and zeroGrad() (e.g. new SGD(model.parameters(), { lr: 0.05 }))');
  }
  checkInteger('epochs', epochs, 0);
  checkBatchSize(model, batchSize);
  const rng = new Random(seed);
  const order = new Uint32Array(train.count).map((_, i) => i);
  const ranges = batchRanges(train.count, batchSize, dropLast);
  if (ranges.length === 0) throw new RangeError(`train has ${train.count} examples: no batch of ${batchSize}${dropLast ? ' (dropLast)' : ''}`);
  const saveTo = checkpoint && checkSaver(checkpoint);
  const batchOrder = { count: train.count, batchSize, seed, shuffle, dropLast };
  const start = resumePoint(resume, batchOrder);
  const history: History = resume?.history ? structuredClone(resume.history) : { steps: [], epochs: [], diverged: false };
  const wasTraining = model.training;
  const images = gatherSource(model.engine, train);
  let lastYield = performance.now();
  let step = start.step;
  let firstLoss = history.steps[0]?.loss ?? NaN;

  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const epochRng = shuffle ? rng.fork() : undefined;
      if (epoch < start.epoch) continue;
      if (epochRng) shuffledIndices(train.count, epochRng, order);
      const resuming = epoch === start.epoch;
      const started = performance.now();
      let lossSum = resuming ? start.lossSum : 0;
      let correct = resuming ? start.correct : 0;
      let seen = resuming ? start.seen : 0;
      const save = (batch: number) => saveTo?.({ model, optimizer, history, step, progress: { epoch, batch, lossSum, correct, seen, order: batchOrder } });
      for (let batch = resuming ? start.batch : 0; batch < ranges.length; batch++) {
        if (performance.now() - lastYield > YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
        if (signal?.aborted) {
          if (step % (checkpoint?.every ?? 1) !== 0) await save(batch);
          return history;
        }
        model.batch.gather(images, order, ranges[batch]!.start, ranges[batch]!.end);
        if (schedule) applySchedule(schedule, optimizer, step);
        const result = trainStep(model, optimizer, model.batch, (loss) => {
          if (step === 0) firstLoss = loss;
          return Number.isFinite(loss) && loss <= DIVERGENCE_FACTOR * firstLoss;
        });
        const record = { step, loss: result.loss, lr: optimizer.lr, momentum: optimizer.momentum };
        history.steps.push(record);
        if (!result.updated) {
          history.diverged = { step, loss: result.loss };
          onStep?.(record);
          return history;
        }
        onStep?.(record);
        lossSum += result.loss * result.rows;
        correct += result.correct;
        seen += result.rows;
        step++;
        if (checkpoint && step % checkpoint.every === 0) await save(batch + 1);
      }
      const test = validation === undefined ? undefined : evaluate(model, validation);
      const record: EpochRecord = {
        epoch,
        trainLoss: lossSum / seen,
        trainAccuracy: correct / seen,
        testLoss: test?.loss ?? null,
        testAccuracy: test?.accuracy ?? null,
        seconds: (performance.now() - started) / 1000,
      };
      history.epochs.push(record);
      await onEpoch?.(record);
    }
    return history;
  } finally {
    model.train(wasTraining);
    if (images instanceof ResidentDataset) images.dispose();
  }
}

function checkSaver(checkpoint: CheckpointOption): CheckpointOption['save'] {
  const { every, save } = checkpoint;
  if (!(Number.isSafeInteger(every) && every >= 1)) throw new RangeError(`checkpoint.every must be an integer ≥ 1, got ${every}`);
  if (typeof save !== 'function') throw new TypeError(`checkpoint.save must be a function, got ${typeof save}`);
  return save;
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (globalThis.setImmediate ?? setTimeout)(resolve));
}

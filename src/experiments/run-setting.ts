import type { Resume } from '../train/fit-progress.js';
import type { CheckpointInput } from '../checkpoint/save-checkpoint.js';
import type { Dataset } from '../data/dataset.js';
import { createEngine } from '../engine/engine.js';
import type { Parameter } from '../engine/parameter.js';
import { type LayerSpec, linear, relu } from '../nn/layers.js';
import { type Sequential, sequential } from '../nn/sequential.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { SGD } from '../optim/sgd.js';
import { evaluate } from '../train/evaluate.js';
import { fit } from '../train/fit.js';
import { finiteOrNull, summarizeRun } from './metrics.js';
import type { RunConfig, RunProgress, RunResult, TestPoint } from './types.js';

/** Rows per forward pass of the mid-epoch evaluations (it divides MNIST's 10 000 test images). */
const EVAL_BATCH = 500;
/** At most this often a run reports progress (and at every epoch's end). */
const PROGRESS_EVERY_MS = 100;

/** 784-256-128-10 → linear(784, 256), relu(), linear(256, 128), relu(), linear(128, 10). */
export function mlp(widths: readonly number[]): LayerSpec[] {
  return widths.slice(1).flatMap((out, i) => {
    const layer = linear(widths[i]!, out);
    return i < widths.length - 2 ? [layer, relu()] : [layer];
  });
}

export function createOptimizer(config: RunConfig, params: Parameter[]): Optimizer {
  const { optimizer, lr, momentum } = config;
  if (optimizer === 'adam') return new Adam(params, { lr, betas: [momentum, 0.999] });
  // Nesterov with μ = 0 is plain SGD (and PyTorch refuses nesterov without momentum).
  return new SGD(params, { lr, momentum, nesterov: optimizer === 'nesterov' && momentum > 0 });
}

export interface RunHooks {
  onProgress?: (progress: RunProgress) => void;
  /** Stops training between steps; the run then returns null. */
  signal?: AbortSignal;
  /** Reads and writes the checkpoint files of `config.resume` and `config.checkpoint` (Node: the sweep worker's). */
  checkpointFiles?: {
    load(path: string, into: { model: Sequential; optimizer: Optimizer }): Promise<Resume>;
    save(path: string, input: CheckpointInput): Promise<void>;
  };
}

/**
 * Trains one setting on its own engine and measures it. The weights and the batch order come from
 * `config.seed` alone, so two runs with the same seed differ only in their optimizer settings.
 * A run that diverges is a result (its `diverged` says where); only an aborted run returns null.
 */
export async function runSetting(
  config: RunConfig,
  data: { train: Dataset; test: Dataset },
  hooks: RunHooks = {},
): Promise<RunResult | null> {
  const { train, test } = data;
  const { epochs, batchSize, seed, evalEvery } = config;
  const engine = await createEngine({ backend: config.backend, simd: config.simd, threads: config.backend === 'js' ? 1 : config.threads });
  try {
    const layers = mlp(config.layers);
    const model = sequential(engine, layers, { seed, maxBatch: batchSize });
    const optimizer = createOptimizer(config, model.parameters());
    const files = hooks.checkpointFiles;
    if ((config.resume || config.checkpoint) && !files) throw new Error('checkpoint files need the Node sweep worker');
    const resume = config.resume ? await files!.load(config.resume, { model, optimizer }) : undefined;
    const checkpoint = config.checkpoint;
    const evalModel = evalEvery > 0 ? sequential(engine, layers, { seed, maxBatch: EVAL_BATCH }) : undefined;
    const stepsPerEpoch = Math.ceil(train.count / batchSize);
    const totalSteps = epochs * stepsPerEpoch;
    const tests: TestPoint[] = [];
    let lastReport = -Infinity;
    const report = (step: number, epoch: number, loss: number, endOfEpoch: boolean) => {
      lastReport = performance.now();
      hooks.onProgress?.({
        momentum: config.momentum, seed, epoch, epochs, step, totalSteps, loss: finiteOrNull(loss), endOfEpoch,
      });
    };

    const started = performance.now();
    const history = await fit(model, optimizer, train, {
      epochs,
      batchSize,
      seed,
      validation: test,
      signal: hooks.signal,
      resume,
      checkpoint: checkpoint && { every: checkpoint.every, save: (c) => files!.save(checkpoint.path, c) },
      // Called after a batch's backward pass, before its update: `step` updates have been made.
      onStep: ({ step, loss }) => {
        if (evalModel && step > 0 && step % evalEvery === 0 && step % stepsPerEpoch !== 0) {
          tests.push({ step, epoch: step / stepsPerEpoch, ...evaluateCopy(model, evalModel, test) });
        }
        if (performance.now() - lastReport >= PROGRESS_EVERY_MS) report(step + 1, Math.floor(step / stepsPerEpoch) + 1, loss, false);
      },
      onEpoch: (e) => {
        tests.push({ step: e.epoch * stepsPerEpoch, epoch: e.epoch, loss: finiteOrNull(e.testLoss!), accuracy: e.testAccuracy! });
        report(e.epoch * stepsPerEpoch, e.epoch, e.trainLoss, true);
      },
    });
    if (hooks.signal?.aborted) return null;
    const completed = !history.diverged && history.epochs.length === epochs;
    const last = history.epochs[history.epochs.length - 1];
    const final = completed && last ? { loss: last.testLoss!, accuracy: last.testAccuracy! } : evaluate(model, test);
    const seconds = (performance.now() - started) / 1000;
    return summarizeRun(config, {
      loss: history.steps.map((s) => s.loss),
      epochs: history.epochs.map((e) => ({
        ...e,
        step: e.epoch * stepsPerEpoch,
        trainLoss: finiteOrNull(e.trainLoss),
        testLoss: finiteOrNull(e.testLoss!),
        testAccuracy: e.testAccuracy!,
      })),
      tests,
      finalTestAccuracy: final.accuracy,
      finalTestLoss: final.loss,
      seconds,
      // fit counts steps from 0; here step n is the n-th minibatch.
      diverged: history.diverged && { step: history.diverged.step + 1, loss: history.diverged.loss },
    });
  } finally {
    engine.dispose();
  }
}

/** Evaluates a copy of `model`'s weights, so the training model's buffers (its last batch's outputs) stay untouched. */
function evaluateCopy(model: Sequential, copy: Sequential, test: Dataset): { loss: number | null; accuracy: number } {
  const from = model.parameters();
  copy.parameters().forEach((p, i) => p.data.set(from[i]!.data));
  const { loss, accuracy } = evaluate(copy, test);
  return { loss: finiteOrNull(loss), accuracy };
}

import type { Resume } from '../train/fit-progress.js';
import type { CheckpointInput } from '../checkpoint/save-checkpoint.js';
import type { Dataset } from '../data/dataset.js';
import { createEngine } from '../engine/engine.js';
import type { Parameter } from '../engine/parameter.js';
import { type Sequential, sequential } from '../nn/sequential.js';
import { Adam } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { SGD } from '../optim/sgd.js';
import { evaluate } from '../train/evaluate.js';
import { fit } from '../train/fit.js';
import { runSchedule } from './lr-schedule.js';
import { finiteOrNull } from './metrics.js';
import { networkLayers } from './network.js';
import type { Evaluation, RunConfig, RunProgress, RunRecord, Score } from './types.js';

/**
 * Rows per forward pass of the evaluations: the CNN's activations take 30 times the MLP's memory per row
 * (103 MiB at 500 rows, 22 MiB at 100), so it evaluates fewer rows at once.
 */
const EVAL_BATCH = { mlp: 500, cnn: 100 };
/** The checkpoint metadata entry that names a run's lr schedule, so that a resume cannot silently switch it. */
const SCHEDULE_KEY = 'heavyball-train.schedule';
/** At most this often a run reports progress. */
const PROGRESS_EVERY_MS = 100;

export function createOptimizer(config: RunConfig, params: Parameter[]): Optimizer {
  const { optimizer, lr, momentum } = config;
  if (optimizer === 'adam') return new Adam(params, { lr, betas: [momentum, 0.999] });
  // Nesterov with μ = 0 is plain SGD (and PyTorch refuses nesterov without momentum).
  return new SGD(params, { lr, momentum, nesterov: optimizer === 'nesterov' && momentum > 0 });
}

/** The images of one run: it trains on `train`, is judged on `validation`, and only reports `test`. */
export interface RunData {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
}

/** What only a single `heavyball train` run has: checkpoint files (Node). Never part of a study's run. */
export interface SingleRunFiles {
  /** Save the run to `path` every `every` steps. */
  checkpoint?: { path: string; every: number; save(path: string, input: CheckpointInput): Promise<void> };
  /** Continue the run saved in `path` (evaluations before it are not in the checkpoint, so not in the record). */
  resume?: {
    path: string;
    load(path: string, into: { model: Sequential; optimizer: Optimizer }): Promise<Resume & { metadata?: Record<string, string> }>;
  };
}

export interface RunHooks {
  /** Threads the run's engine uses (default: the engine's, all cores); any count gives the same bits. */
  threads?: number;
  onProgress?: (progress: RunProgress) => void;
  /** Stops training between steps; the run then returns null. */
  signal?: AbortSignal;
  files?: SingleRunFiles;
}

/**
 * Trains one configuration on its own engine and records it. The weights and the batch order come from
 * `config.seed` alone, so two runs with the same seed differ only in their optimizer settings, and the
 * same config gives the same bits. The validation set is evaluated before training, every `evalEvery`
 * updates and after the last; the test set only at the last `finalEvaluations` of those (and where a
 * diverged run stopped). A run that diverges is a record (its `diverged` says where); an aborted one is null.
 */
export async function runSetting(config: RunConfig, data: RunData, hooks: RunHooks = {}): Promise<RunRecord | null> {
  const { train, validation, test } = data;
  const { epochs, batchSize, seed, evalEvery, finalEvaluations } = config;
  const engine = await createEngine({ backend: config.backend, simd: config.simd, threads: hooks.threads });
  try {
    const layers = networkLayers(config);
    // The images' rows × cols: [rows·cols] into the MLP, [1, rows, cols] into the CNN.
    // Room for the evaluations' batches too: they run on the training model itself, between its steps.
    const evalBatch = EVAL_BATCH[config.model];
    const model = sequential(engine, layers, { seed, maxBatch: Math.max(batchSize, evalBatch), inputShape: train });
    const optimizer = createOptimizer(config, model.parameters());
    const stepsPerEpoch = Math.ceil(train.count / batchSize);
    const totalSteps = epochs * stepsPerEpoch;
    const evalSteps = evaluationSteps(totalSteps, evalEvery);
    // The final evaluations never include the one before training.
    const testFrom = evalSteps[Math.max(1, evalSteps.length - finalEvaluations)]!;
    const evaluations: Evaluation[] = [];
    const evaluateAt = (step: number, withTest: boolean) => {
      evaluations.push({
        step,
        epoch: step / stepsPerEpoch,
        validation: score(model, validation, evalBatch),
        test: withTest ? score(model, test, evalBatch) : null,
      });
    };

    const resume = hooks.files?.resume && (await hooks.files.resume.load(hooks.files.resume.path, { model, optimizer }));
    const savedSchedule = resume?.metadata?.[SCHEDULE_KEY];
    if (savedSchedule !== undefined && savedSchedule !== config.schedule) {
      throw new RangeError(`${hooks.files!.resume!.path} was trained with --schedule ${savedSchedule}: resume it with the same schedule, not ${config.schedule}`);
    }
    let updates = resume?.step ?? 0;
    if (updates === 0) evaluateAt(0, false);
    // Evaluating right after an update, whatever fit's onStep timing: the optimizer is wrapped.
    const counted = afterEachStep(optimizer, () => {
      updates++;
      if (updates % evalEvery === 0 || updates === totalSteps) evaluateAt(updates, updates >= testFrom);
    });
    let lastReport = -Infinity;
    const started = performance.now();
    const checkpoint = hooks.files?.checkpoint;
    const history = await fit(model, counted, train, {
      epochs,
      batchSize,
      seed,
      // A pure function of the global step, so a resumed run continues it from the checkpoint's step.
      schedule: runSchedule(config, totalSteps),
      signal: hooks.signal,
      resume,
      checkpoint: checkpoint && {
        every: checkpoint.every,
        save: (c) => checkpoint.save(checkpoint.path, { ...c, metadata: { [SCHEDULE_KEY]: config.schedule } }),
      },
      onStep: ({ step, loss }) => {
        if (performance.now() - lastReport < PROGRESS_EVERY_MS && step + 1 < totalSteps) return;
        lastReport = performance.now();
        hooks.onProgress?.({
          step: step + 1, totalSteps, epoch: Math.floor(step / stepsPerEpoch) + 1, epochs, loss: finiteOrNull(loss),
        });
      },
    });
    if (hooks.signal?.aborted) return null;
    if (history.diverged && evaluations.at(-1)?.step !== updates) evaluateAt(updates, true);
    return {
      config,
      loss: history.steps.map((s) => finiteOrNull(s.loss)),
      evaluations,
      steps: updates,
      stepsPerEpoch,
      // fit counts steps from 0; here step n is the n-th minibatch.
      diverged: history.diverged && { step: history.diverged.step + 1, loss: finiteOrNull(history.diverged.loss) },
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    engine.dispose();
  }
}

/** The update counts after which a run evaluates: 0, every `evalEvery`, and the last. */
export function evaluationSteps(totalSteps: number, evalEvery: number): number[] {
  const steps = [];
  for (let s = 0; s < totalSteps; s += evalEvery) steps.push(s);
  steps.push(totalSteps);
  return steps;
}

/** `optimizer` with `after` called right after each of its updates. */
function afterEachStep(optimizer: Optimizer, after: () => void): Optimizer {
  return {
    get params() { return optimizer.params; },
    get paramGroups() { return optimizer.paramGroups; },
    get lr() { return optimizer.lr; },
    set lr(value) { optimizer.lr = value; },
    get momentum() { return optimizer.momentum; },
    set momentum(value) { optimizer.momentum = value; },
    step() {
      optimizer.step();
      after();
    },
    zeroGrad: () => optimizer.zeroGrad(),
    state: () => optimizer.state(),
    loadState: (state) => optimizer.loadState(state),
  };
}

function score(model: Sequential, data: Dataset, batchSize: number): Score {
  const { loss, accuracy } = evaluate(model, data, { batchSize });
  return { loss: finiteOrNull(loss), accuracy };
}

import { batchRanges, gatherBatch, shuffledIndices } from '../../src/data/batches.js';
import { type Dataset, subset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist-node.js';
import { createEngine } from '../../src/engine/engine.js';
import { linear, relu, sequential } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/sgd.js';
import { Random } from '../../src/random.js';
import { evaluate } from '../../src/train/evaluate.js';
import { fit } from '../../src/train/fit.js';
import { type KernelTimer, type LayerDims, timeKernels } from './kernel-timer.js';
import { BATCH, type Breakdown, HIDDEN, LR, MOMENTUM, STEPS_PER_EPOCH, type TrainerName } from './protocol.js';
import type { Trainer } from './trainer.js';

/**
 * The reference MLP on heavyball, trained with `fit` exactly as a user would. With `timed`, every kernel
 * call is timed through the engine's instrumentation hook.
 */
export async function heavyballTrainer(name: Exclude<TrainerName, 'tf.js wasm'>, timed: boolean): Promise<Trainer> {
  // One thread: these rows are the one-core figures (the threads suite measures more).
  const engine = await createEngine(name === 'js' ? { backend: 'js' } : { simd: name === 'wasm relaxed' ? 'relaxed' : 'standard', threads: 1 });
  if (name === 'wasm relaxed' && engine.simd !== 'relaxed') {
    return { available: false, note: 'no relaxed SIMD here', run: () => Promise.reject(new Error('unavailable')), evaluate: () => null };
  }
  const { train, test } = await loadMnist();
  const widths = [train.rows * train.cols, ...HIDDEN, 10];
  const layers: LayerDims = widths.slice(1).map((out, i) => [widths[i]!, out] as const);
  let timer: KernelTimer | undefined;
  if (timed) timer = timeKernels(engine, layers);
  const model = sequential(engine, layers.flatMap(([i, o], l) => (l < layers.length - 1 ? [linear(i, o), relu()] : [linear(i, o)])),
    { seed: 1, maxBatch: BATCH });
  const optimizer = new SGD(model.parameters(), { lr: LR, momentum: MOMENTUM });
  let runs = 0;

  const run = async (steps: number) => {
    const data = steps >= STEPS_PER_EPOCH ? train : subset(train, 0, Math.min(train.count, steps * BATCH));
    const start = performance.now();
    const history = await fit(model, optimizer, data, { epochs: 1, batchSize: BATCH, seed: ++runs });
    const seconds = (performance.now() - start) / 1000;
    return { seconds, samples: data.count, loss: history.epochs[0]?.trainLoss ?? NaN };
  };

  const breakdown = async (warmupSteps: number, steps: number): Promise<Breakdown> => {
    if (!timer) throw new Error('this trainer was not built with timed kernels');
    await run(warmupSteps);
    timer.reset();
    const { seconds, samples } = await run(steps);
    const stepCount = Math.ceil(samples / BATCH);
    const gatherMs = timeGather(steps >= STEPS_PER_EPOCH ? train : subset(train, 0, samples), model.stagedImages, model.stagedLabels);
    const parts = [...timer.totals].map(([part, ms]) => ({ name: part, msPerStep: ms / stepCount }));
    parts.push({ name: 'batch preparation: gather rows (JS, timed apart)', msPerStep: gatherMs / stepCount });
    const msPerStep = (seconds * 1000) / stepCount;
    const accounted = parts.reduce((sum, p) => sum + p.msPerStep, 0);
    parts.push({ name: 'rest of the fit loop (shuffle, bookkeeping, calls)', msPerStep: msPerStep - accounted });
    return { steps: stepCount, msPerStep, parts };
  };

  return {
    available: true,
    note: name === 'js' ? 'plain TypeScript kernels' : `WebAssembly ${engine.simd} SIMD`,
    run,
    evaluate: () => evaluate(model, test).accuracy,
    ...(timed ? { breakdown } : {}),
  };
}

/** Milliseconds `fit`'s own batch gathering takes over one shuffled pass of `data` (it is not a kernel). */
function timeGather(data: Dataset, images: Uint8Array, labels: Uint8Array): number {
  const order = shuffledIndices(data.count, new Random(7));
  const start = performance.now();
  for (const range of batchRanges(data.count, BATCH)) gatherBatch(data, order, range.start, range.end, images, labels);
  return performance.now() - start;
}

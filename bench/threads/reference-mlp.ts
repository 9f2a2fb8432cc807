import type { Dataset } from '../../src/data/dataset.js';
import { subset } from '../../src/data/dataset.js';
import { createEngine } from '../../src/engine/engine.js';
import { linear, relu, sequential } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/sgd.js';
import { fit } from '../../src/train/fit.js';
import { BATCH, HIDDEN, LR, MOMENTUM } from '../training/protocol.js';

/** The reference MLP and its SGD on a fresh engine, warmed up by 40 steps of `train` (its code compiled, its memory grown). */
export async function referenceMlp(train: Dataset, threads: number, simd: 'standard' | 'relaxed') {
  const engine = await createEngine({ threads, simd });
  const model = sequential(engine, [linear(784, HIDDEN[0]), relu(), linear(HIDDEN[0], HIDDEN[1]), relu(), linear(HIDDEN[1], 10)],
    { seed: 1, maxBatch: BATCH });
  const optimizer = new SGD(model.parameters(), { lr: LR, momentum: MOMENTUM });
  await fit(model, optimizer, subset(train, 0, 40 * BATCH), { epochs: 1, batchSize: BATCH, seed: 2 });
  return { engine, model, optimizer };
}

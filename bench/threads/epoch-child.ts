// One timed run of the reference MLP on heavyball in its own process, so that each Node version and
// thread count starts from a fresh V8 with its own flags: `node threads-epoch.mjs <threads> <steps>`.
// Prints one JSON line: EpochReply.
import { subset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist-node.js';
import { createEngine } from '../../src/engine/engine.js';
import { usesRevectorizer } from '../../src/engine/features.js';
import { linear, relu, sequential } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/sgd.js';
import { evaluate } from '../../src/train/evaluate.js';
import { fit } from '../../src/train/fit.js';
import { BATCH, HIDDEN, LR, MOMENTUM, STEPS_PER_EPOCH } from '../training/protocol.js';

export interface EpochReply {
  node: string;
  threads: number;
  revectorizer: boolean;
  /** Seconds of the timed run scaled to one epoch of 60 000 images. */
  secondsPerEpoch: number;
  testAccuracy: number;
}

const [threads, steps] = process.argv.slice(2).map(Number) as [number, number];
const engine = await createEngine({ threads });
const { train, test } = await loadMnist();
const model = sequential(engine, [linear(784, HIDDEN[0]), relu(), linear(HIDDEN[0], HIDDEN[1]), relu(), linear(HIDDEN[1], 10)],
  { seed: 1, maxBatch: BATCH });
const optimizer = new SGD(model.parameters(), { lr: LR, momentum: MOMENTUM });
await fit(model, optimizer, subset(train, 0, 40 * BATCH), { epochs: 1, batchSize: BATCH, seed: 2 });
const data = steps >= STEPS_PER_EPOCH ? train : subset(train, 0, steps * BATCH);
const start = performance.now();
await fit(model, optimizer, data, { epochs: 1, batchSize: BATCH, seed: 1 });
const seconds = (performance.now() - start) / 1000;
const reply: EpochReply = {
  node: process.versions.node,
  threads: engine.threads,
  revectorizer: await usesRevectorizer(),
  secondsPerEpoch: (seconds * train.count) / data.count,
  testAccuracy: evaluate(model, test).accuracy,
};
console.log(JSON.stringify(reply));
engine.dispose();

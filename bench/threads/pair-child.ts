// Two 1-thread runs of the reference MLP at once, against one alone, the way a study runs them side by
// side: `node threads-pair.mjs <which: 0|1> <start-at ms> <slot pairs>`, started twice at once (which = 0
// and 1). From start-at (Date.now()'s clock) time is cut in slots of SLOT_MS: in even slots run 0 trains
// alone, in odd slots both train; each trains only within its slots. Alternating every SLOT_MS, alone
// and together see the same machine. Prints one JSON line: PairReply.
import { batchRanges, shuffledIndices } from '../../src/data/batches.js';
import { loadMnist } from '../../src/data/mnist-node.js';
import { gatherSource } from '../../src/nn/resident-dataset.js';
import { Random } from '../../src/random.js';
import { trainStep } from '../../src/train/train-step.js';
import { BATCH } from '../training/protocol.js';
import { referenceMlp } from './reference-mlp.js';

export interface PairReply {
  node: string;
  /** Steps per second while training alone (run 0 only; 0 for run 1). */
  alone: number;
  /** Steps per second while both train. */
  together: number;
}

export const SLOT_MS = 250;
/** No step starts this close to a slot's end, so that one run's step does not reach into the other's slot. */
const MARGIN_MS = 15;

const [which, startAt, slotPairs] = process.argv.slice(2).map(Number) as [number, number, number];
const { train } = await loadMnist();
const order = shuffledIndices(train.count, new Random(1));
const ranges = batchRanges(train.count, BATCH);
const { engine, model, optimizer } = await referenceMlp(train, 1, 'standard');
// As fit gathers its batches.
const images = gatherSource(engine, train);
const sleep = new Int32Array(new SharedArrayBuffer(4));
const rates = { alone: { steps: 0, ms: 0 }, together: { steps: 0, ms: 0 } };
let next = 0;
for (let slot = 0; slot < 2 * slotPairs; slot++) {
  const together = slot % 2 === 1;
  if (!together && which !== 0) continue;
  const from = startAt + slot * SLOT_MS, to = from + SLOT_MS - MARGIN_MS;
  if (Date.now() < from) Atomics.wait(sleep, 0, 0, from - Date.now());
  const rate = together ? rates.together : rates.alone;
  const began = performance.now();
  while (Date.now() < to) {
    const { start, end } = ranges[next++ % ranges.length]!;
    model.batch.gather(images, order, start, end);
    trainStep(model, optimizer);
    rate.steps++;
  }
  rate.ms += performance.now() - began;
}
const perSecond = ({ steps, ms }: { steps: number; ms: number }) => (ms > 0 ? (1000 * steps) / ms : 0);
const reply: PairReply = { node: process.versions.node, alone: perSecond(rates.alone), together: perSecond(rates.together) };
console.log(JSON.stringify(reply));
engine.dispose();

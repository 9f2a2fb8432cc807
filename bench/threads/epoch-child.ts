// The reference MLP's epoch on heavyball, one engine per thread count and SIMD flavour in one process (its
// own V8 flags: one process per Node version): `node threads-epoch.mjs <steps> <threads>[:relaxed]…`
// (`2:relaxed`: 2 threads, simd 'relaxed'; plain counts are the standard build). The engines train the same
// seeded model on the same batches in short chunks, taking turns, so every thread count sees the same
// machine; each engine's time is the sum of its chunks. Prints one JSON line: EpochReply.
import { batchRanges, shuffledIndices } from '../../src/data/batches.js';
import { subset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist-node.js';
import { usesRevectorizer } from '../../src/engine/features.js';
import type { WorkerCalls } from '../../src/engine/threads/pool.js';
import { gatherSource } from '../../src/nn/resident-dataset.js';
import { Random } from '../../src/random.js';
import { evaluate } from '../../src/train/evaluate.js';
import { trainStep } from '../../src/train/train-step.js';
import { BATCH, STEPS_PER_EPOCH } from '../training/protocol.js';
import { referenceMlp } from './reference-mlp.js';

export interface EpochReply {
  node: string;
  revectorizer: boolean;
  rows: {
    threads: number;
    simd: 'standard' | 'relaxed';
    /** Whether its GEMM ran 4×16 tiles (where the revectorizer is on). */
    wideTiles: boolean;
    /** Seconds of this engine's chunks scaled to one epoch of 60 000 images. */
    secondsPerEpoch: number;
    /** Milliseconds of each of its chunks: chunk k is the same batches on every engine, run in turns. */
    chunkMs: number[];
    testAccuracy: number;
    /** Kernel calls posted to the engine's workers over its chunks, and how many of them the caller ran itself. */
    workerCalls: WorkerCalls;
  }[];
}

/** Steps an engine trains before the next one takes its turn: short, so drift reaches all alike. */
const CHUNK_STEPS = 40;

const [steps, ...asked] = process.argv.slice(2) as [string, ...string[]];
const { train, test } = await loadMnist();
const data = Number(steps) >= STEPS_PER_EPOCH ? train : subset(train, 0, Number(steps) * BATCH);
const order = shuffledIndices(data.count, new Random(1));
const ranges = batchRanges(data.count, BATCH);

const trainers = [];
for (const setup of new Set(asked)) {
  const [threads, simd = 'standard'] = setup.split(':');
  if (simd !== 'standard' && simd !== 'relaxed') throw new RangeError(`unknown SIMD flavour in ${setup}`);
  const trainer = await referenceMlp(train, Number(threads), simd);
  // As fit gathers its batches.
  trainers.push({ ...trainer, images: gatherSource(trainer.engine, data), milliseconds: 0, chunkMs: [] as number[],
    callsBefore: trainer.engine.workerCalls });
}

for (let chunk = 0; chunk * CHUNK_STEPS < ranges.length; chunk++) {
  const batches = ranges.slice(chunk * CHUNK_STEPS, (chunk + 1) * CHUNK_STEPS);
  // Each chunk starts with another engine, so none is always the one that runs right after another's.
  for (let turn = 0; turn < trainers.length; turn++) {
    const trainer = trainers[(chunk + turn) % trainers.length]!;
    const start = performance.now();
    for (const { start: from, end } of batches) {
      trainer.model.batch.gather(trainer.images, order, from, end);
      trainStep(trainer.model, trainer.optimizer);
    }
    const ms = performance.now() - start;
    trainer.milliseconds += ms;
    trainer.chunkMs[chunk] = ms;
  }
}

const reply: EpochReply = {
  node: process.versions.node,
  revectorizer: await usesRevectorizer(),
  rows: trainers.map(({ engine, model, milliseconds, chunkMs, callsBefore }) => {
    const calls = engine.workerCalls;
    return {
      threads: engine.threads,
      simd: engine.simd as 'standard' | 'relaxed',
      wideTiles: engine.wideTiles,
      secondsPerEpoch: (milliseconds / 1000) * (train.count / data.count),
      chunkMs,
      workerCalls: { posted: calls.posted - callsBefore.posted, takenOver: calls.takenOver - callsBefore.takenOver },
      testAccuracy: evaluate(model, test).accuracy,
    };
  }),
};
console.log(JSON.stringify(reply));
for (const { engine } of trainers) engine.dispose();

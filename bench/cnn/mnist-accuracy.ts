// The default MNIST CNN trained as the README states: 10 epochs of SGD (momentum 0.9, batch 128) with a
// cosine lr schedule, on the full 60 000 training images, the 10 000 test images evaluated after every
// epoch; prints each epoch and the process's peak RSS (VmHWM). Run: `node bench/run.js cnn-accuracy`.
import { readFileSync } from 'node:fs';
import { loadMnist } from '../../src/data/mnist-node.js';
import { createEngine } from '../../src/engine/engine.js';
import { mnistCnn, sequential } from '../../src/nn/index.js';
import { schedules } from '../../src/optim/schedules.js';
import { SGD } from '../../src/optim/sgd.js';
import { fit } from '../../src/train/fit.js';

export const CNN_TRAINING = { epochs: 10, batchSize: 128, lr: 0.05, momentum: 0.9, seed: 1 } as const;

/** The process's peak resident set (VmHWM) in MiB; Linux only, null elsewhere. */
export function peakRssMiB(): number | null {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    return kib === undefined ? null : Number(kib) / 1024;
  } catch {
    return null;
  }
}

export async function runCnnAccuracy(): Promise<void> {
  const { epochs, batchSize, lr, momentum, seed } = CNN_TRAINING;
  const engine = await createEngine();
  const { train, test } = await loadMnist();
  const model = sequential(engine, mnistCnn(), { seed, maxBatch: batchSize, inputShape: train });
  const optimizer = new SGD(model.parameters(), { lr, momentum });
  const totalSteps = epochs * Math.ceil(train.count / batchSize);
  console.log(`default CNN, SGD lr ${lr} (cosine over ${totalSteps} steps) momentum ${momentum}, batch ${batchSize}, seed ${seed}, ${engine.simd} SIMD`);
  const history = await fit(model, optimizer, train, {
    epochs, batchSize, seed, validation: test, schedule: schedules.cosine({ lr, tMax: totalSteps }),
    onEpoch: (e) => console.log(`epoch ${e.epoch}: train loss ${e.trainLoss.toFixed(4)}, test accuracy ${(100 * e.testAccuracy!).toFixed(2)}%, `
      + `${e.seconds.toFixed(1)} s, peak RSS ${peakRssMiB()?.toFixed(0)} MiB`),
  });
  const best = Math.max(...history.epochs.map((e) => e.testAccuracy!));
  console.log(`final test accuracy ${(100 * history.epochs.at(-1)!.testAccuracy!).toFixed(2)}% (best ${(100 * best).toFixed(2)}%), peak RSS ${peakRssMiB()?.toFixed(0)} MiB`);
}

// trainStep, the step fit is a loop over: called by hand it reproduces fit bit for bit; it is zeroGrad,
// backward and step, whether its optimizer updates all the model's parameters or some; it takes any
// Batch of the model's shape; evaluating the model from fit's onStep (after the update) disturbs nothing,
// so no copy of the model is needed; and a CNN trained by fit on real MNIST digits learns them.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { batchRanges } from '../src/data/batches.js';
import { type Dataset, subset } from '../src/data/dataset.js';
import { loadMnist } from '../src/data/mnist-node.js';
import { createEngine, type Engine } from '../src/engine/index.js';
import { Batch, conv2d, flatten, linear, maxPool2d, relu, type Sequential, sequential } from '../src/nn/index.js';
import { SGD } from '../src/optim/sgd.js';
import { evaluate } from '../src/train/evaluate.js';
import { fit } from '../src/train/fit.js';
import { trainStep } from '../src/train/train-step.js';

let train: Dataset;
let test: Dataset;
let engine: Engine;
beforeAll(async () => {
  ({ train, test } = await loadMnist({ limit: 300 }));
  engine = await createEngine();
});

const BATCH = 32;
const smallCnn = () => [conv2d(1, 4, 3, { stride: 2 }), relu(), maxPool2d(2), flatten(), linear(4 * 6 * 6, 10)];
const make = () => {
  const model = sequential(engine, smallCnn(), { seed: 3, maxBatch: BATCH, inputShape: train });
  return { model, optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }) };
};
const bits = (m: Sequential) => m.parameters().map((p) => Buffer.from(p.data.slice().buffer).toString('base64')).join();

describe('trainStep', () => {
  it('called by hand over gathered batches is what fit does (unshuffled), bit for bit', async () => {
    const viaFit = make();
    const history = await fit(viaFit.model, viaFit.optimizer, train, { batchSize: BATCH, shuffle: false });
    const byHand = make();
    const order = Uint32Array.from({ length: train.count }, (_, i) => i);
    const losses = batchRanges(train.count, BATCH).map(({ start, end }) => {
      byHand.model.batch.gather(train, order, start, end);
      return trainStep(byHand.model, byHand.optimizer).loss;
    });
    expect(losses).toEqual(history.steps.map((s) => s.loss));
    expect(bits(byHand.model)).toBe(bits(viaFit.model));
  });

  it('takes a Batch of its own as well as the model\'s, and reports the rows it ran and their correct count', () => {
    const own = make();
    const other = make();
    const batch = new Batch(engine, other.model.inputShape, BATCH);
    for (let step = 0; step < 4; step++) {
      const images = train.images.subarray(step * BATCH * 784, (step + 1) * BATCH * 784);
      const labels = train.labels.subarray(step * BATCH, (step + 1) * BATCH);
      // No dropout here, so the training forward predicts what eval mode does with the weights before the update.
      const correctBefore = [...own.model.eval().predict(images)].filter((c, i) => c === labels[i]).length;
      own.model.loadBatch(images, labels, BATCH);
      batch.load(images, labels, BATCH);
      const a = trainStep(own.model, own.optimizer);
      const b = trainStep(other.model, other.optimizer, batch);
      expect(b).toEqual(a);
      expect(a).toMatchObject({ rows: BATCH, updated: true, correct: correctBefore });
    }
    expect(bits(other.model)).toBe(bits(own.model));
    expect(() => trainStep(other.model, other.optimizer, new Batch(engine, [784], 4))).toThrow(/the batch holds \[784\] examples, the model takes \[1, 28, 28\]/);
    batch.dispose();
  });

  it("is zeroGrad, backward, step: for an optimizer over all the model's parameters, or some (the others' gradients add up)", () => {
    const gradBits = (m: Sequential) => m.parameters().map((p) => Buffer.from(p.grad.slice().buffer).toString('hex')).join();
    for (const some of [false, true]) {
      const [stepped, byHand] = [make(), make()].map(({ model }) => {
        // The conv layer's weight and bias left out, or not.
        const params = some ? model.parameters().slice(2) : model.parameters();
        return { model, optimizer: new SGD(params, { lr: 0.05, momentum: 0.9 }) };
      });
      // Whatever a gradient holds before a step: zeroGrad clears the optimizer's, the others add onto it.
      for (const m of [stepped!.model, byHand!.model]) m.parameters().forEach((p) => p.grad.fill(NaN));
      const convGrads: string[] = [];
      // With every parameter in the optimizer there is no pass over the gradients: the backward writes over them.
      const zeroGrad = vi.spyOn(stepped!.optimizer, 'zeroGrad');
      for (let step = 0; step < 3; step++) {
        const images = train.images.subarray(step * BATCH * 784, (step + 1) * BATCH * 784);
        const labels = train.labels.subarray(step * BATCH, (step + 1) * BATCH);
        stepped!.model.loadBatch(images, labels, BATCH);
        trainStep(stepped!.model, stepped!.optimizer);
        byHand!.model.loadBatch(images, labels, BATCH);
        byHand!.optimizer.zeroGrad();
        byHand!.model.train().lossAndBackward();
        byHand!.optimizer.step();
        expect(gradBits(stepped!.model), `step ${step}`).toBe(gradBits(byHand!.model));
        expect(bits(stepped!.model), `step ${step}`).toBe(bits(byHand!.model));
        convGrads.push(Buffer.from(stepped!.model.parameters()[0]!.grad.slice().buffer).toString('hex'));
      }
      // Left out of the optimizer, the conv weight's gradient was NaN from the start and stays NaN (it only adds up);
      // updated, it is the step's own.
      expect(stepped!.model.parameters()[0]!.grad.every(Number.isNaN)).toBe(some);
      expect(new Set(convGrads).size).toBe(some ? 1 : 3);
      expect(zeroGrad).toHaveBeenCalledTimes(some ? 3 : 0);
    }
  });

  it('fit: evaluating the model from onStep (after each update) leaves training unchanged and sees the updated weights', async () => {
    const plain = make();
    const without = await fit(plain.model, plain.optimizer, train, { batchSize: BATCH, seed: 2, epochs: 2, validation: test });
    const probed = make();
    const seen: { step: number; accuracy: number; weights: string }[] = [];
    const withEvaluation = await fit(probed.model, probed.optimizer, train, {
      batchSize: BATCH, seed: 2, epochs: 2, validation: test,
      onStep: ({ step }) => {
        if (step % 4 === 0) seen.push({ step, accuracy: evaluate(probed.model, test).accuracy, weights: bits(probed.model) });
      },
    });
    const times = (h: typeof without) => h.epochs.map(({ seconds: _, ...e }) => e);
    expect(withEvaluation.steps).toEqual(without.steps);
    expect(times(withEvaluation)).toEqual(times(without));
    expect(bits(probed.model)).toBe(bits(plain.model));
    // Each evaluation saw the weights after that step's update: a fresh model with them scores the same.
    expect(seen.length).toBeGreaterThan(3);
    for (const { step, accuracy, weights } of seen.slice(0, 3)) {
      const fresh = make();
      const saved = weights.split(',').map((b64) => new Float32Array(new Uint8Array(Buffer.from(b64, 'base64')).buffer));
      fresh.model.parameters().forEach((p, i) => p.data.set(saved[i]!));
      expect(evaluate(fresh.model, test).accuracy, `step ${step}`).toBe(accuracy);
    }
    expect(seen[1]!.weights).not.toBe(seen[0]!.weights);
  });
});

describe('a CNN on real MNIST digits', () => {
  it('learns them: fit for 3 epochs on 2000 training images, then over 90% of 500 test images right', async () => {
    const { train: big, test: held } = await loadMnist({ limit: 2000 });
    const model = sequential(engine, [conv2d(1, 8, 5, { padding: 2 }), relu(), maxPool2d(2), conv2d(8, 16, 5, { padding: 2 }), relu(),
      maxPool2d(2), flatten(), linear(16 * 7 * 7, 10)], { seed: 1, maxBatch: 64, inputShape: big });
    const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    const history = await fit(model, optimizer, big, { epochs: 3, batchSize: 64, seed: 1 });
    expect(history.diverged).toBe(false);
    expect(history.epochs[2]!.trainLoss).toBeLessThan(history.epochs[0]!.trainLoss);
    expect(evaluate(model, subset(held, 0, 500)).accuracy).toBeGreaterThan(0.9);
  });
});

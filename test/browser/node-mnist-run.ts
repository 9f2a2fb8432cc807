import { createEngine, fit, linear, mnistCnn, relu, SGD, sequential, type Dataset } from 'heavyball';

export interface MnistRunSettings {
  /** Default: the MLP. */
  model?: 'mlp' | 'cnn';
  momentum: number;
  nesterov: boolean;
  lr: number;
  steps: number;
  batchSize: number;
  seed: number;
}

/**
 * The demo's training run done in Node with heavyball's Node build, written from the public API alone:
 * the MLP 784-256-128-10 (or the CNN mnistCnn) seeded with `seed`, SGD, `fit` shuffling with `seed`, stopped after `steps` steps.
 * Returns each step's loss.
 */
export async function nodeMnistRun(train: Dataset, settings: MnistRunSettings): Promise<number[]> {
  const { model: network = 'mlp', momentum, nesterov, lr, steps, batchSize, seed } = settings;
  const engine = await createEngine();
  try {
    const layers = network === 'cnn' ? mnistCnn() : [linear(784, 256), relu(), linear(256, 128), relu(), linear(128, 10)];
    const model = sequential(engine, layers, { seed, maxBatch: batchSize, inputShape: train });
    const optimizer = new SGD(model.parameters(), { lr, momentum, nesterov });
    const stop = new AbortController();
    const losses: number[] = [];
    await fit(model, optimizer, train, {
      epochs: Math.ceil(steps / Math.ceil(train.count / batchSize)),
      batchSize,
      seed,
      signal: stop.signal,
      onStep: ({ loss }) => {
        losses.push(loss);
        if (losses.length === steps) stop.abort();
      },
    });
    return losses;
  } finally {
    engine.dispose();
  }
}

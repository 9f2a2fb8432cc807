import type { Evaluation, RunConfig, RunRecord } from '../../src/experiments/types.js';

export const BASE_CONFIG: RunConfig = {
  heavyball: 'test',
  data: { name: 'synthetic', sha256: '0', validation: 100, splitSeed: 0, trainSize: 1000 },
  model: 'mlp',
  layers: [784, 10],
  optimizer: 'sgd',
  momentum: 0.9,
  lr: 0.1,
  schedule: 'constant',
  epochs: 1,
  batchSize: 10,
  seed: 1,
  evalEvery: 10,
  finalEvaluations: 3,
  backend: 'wasm',
  simd: 'standard',
};

/**
 * A synthetic record: the loss of every step from `loss(step)`, validation accuracy every `evalEvery`
 * steps (and at 0 and the end) from `accuracy(step)`, test accuracy at the last three evaluations.
 */
export function syntheticRecord(
  steps: number,
  loss: (step: number) => number | null,
  accuracy: (step: number) => number,
  config: Partial<RunConfig> = {},
  diverged: RunRecord['diverged'] = false,
): RunRecord {
  const full = { ...BASE_CONFIG, ...config };
  const points: number[] = [];
  for (let s = 0; s < steps; s += full.evalEvery) points.push(s);
  points.push(steps);
  const evaluations: Evaluation[] = points.map((step, i) => ({
    step,
    epoch: step / 100,
    validation: { loss: null, accuracy: accuracy(step) },
    test: i >= points.length - full.finalEvaluations ? { loss: null, accuracy: accuracy(step) - 0.01 } : null,
  }));
  return {
    config: full,
    loss: Array.from({ length: steps }, (_, i) => loss(i + 1)),
    evaluations,
    steps: diverged ? diverged.step - 1 : steps,
    stepsPerEpoch: 100,
    diverged,
    seconds: 1,
  };
}

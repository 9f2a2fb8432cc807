import type { DataSpec, PartSpec, RunConfig, StudyConfig } from './types.js';

/** One (momentum, lr) setting of a part. */
export interface PlannedSetting {
  momentum: number;
  lr: number;
}

/**
 * lr × (1 − μ) to 12 significant digits, so that 1 × (1 − 0.9) is 0.1 (not 0.09999999999999998) and the
 * same-step part shares its runs with the other parts wherever the lr is the same.
 */
export function sameStepLr(step: number, momentum: number): number {
  return Number((step * (1 - momentum)).toPrecision(12));
}

/** The settings of a part, by momentum then lr. */
export function partSettings(part: PartSpec, momenta: readonly number[]): PlannedSetting[] {
  switch (part.kind) {
    case 'fixed': return momenta.map((momentum) => ({ momentum, lr: part.lr }));
    case 'same-step': return momenta.map((momentum) => ({ momentum, lr: sameStepLr(part.step, momentum) }));
    case 'tuned': return momenta.flatMap((momentum) => part.lrs.map((lr) => ({ momentum, lr })));
  }
}

/** The fully specified run of one setting and seed. */
export function runConfig(config: StudyConfig, data: DataSpec, setting: PlannedSetting, seed: number, version: string): RunConfig {
  return {
    heavyball: version,
    data,
    model: config.model,
    ...(config.model === 'mlp' && { layers: config.layers }),
    optimizer: config.optimizer,
    momentum: setting.momentum,
    lr: setting.lr,
    // A study's parts set each run's step size: its lr holds for the whole run.
    schedule: 'constant',
    epochs: config.epochs,
    batchSize: config.batchSize,
    seed,
    evalEvery: config.evalEvery,
    finalEvaluations: config.finalEvaluations,
    backend: config.backend,
    simd: config.simd,
  };
}

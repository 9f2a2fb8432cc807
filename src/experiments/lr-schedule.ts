// The learning-rate schedule a run names: its lr throughout, or the library's cosine annealing to 0.
import { type Schedule, schedules } from '../optim/schedules.js';
import type { RunConfig } from './types.js';

/**
 * `constant`: the run's lr at every step. `cosine`: `schedules.cosine({ lr, tMax })` with tMax the run's
 * planned steps, so the lr falls from the run's lr to 0 at its last step.
 */
export const LR_SCHEDULES = ['constant', 'cosine'] as const;
export type LrScheduleName = (typeof LR_SCHEDULES)[number];

/** The schedule `fit` takes for a run of `totalSteps` steps; none for a constant lr (the optimizer keeps its own). */
export function runSchedule(config: Pick<RunConfig, 'schedule' | 'lr'>, totalSteps: number): Schedule | undefined {
  return config.schedule === 'cosine' ? schedules.cosine({ lr: config.lr, tMax: totalSteps }) : undefined;
}

/** How a run's lr is shown: `lr 0.1`, or `lr 0.1 (cosine to 0)`. */
export function lrLabel(config: Pick<RunConfig, 'schedule' | 'lr'>, show: (lr: number) => string = String): string {
  return `lr ${show(config.lr)}${config.schedule === 'cosine' ? ' (cosine to 0)' : ''}`;
}

import { count, percent, round } from './labels.js';
import { finalMean, smoothLoss } from './metrics.js';
import { classCount } from './network.js';
import type { RunRecord, StatusReport } from './types.js';

/**
 * A final validation accuracy within this fraction of the way from chance (1 / classes) to 100% means the
 * run did not learn: below 19% for 10 classes, 55% for 2.
 */
export const NEAR_CHANCE = 0.1;
/** The smoothed loss exploded when it rose above this multiple of its start (healthy runs stay near 1×). */
export const EXPLOSION_FACTOR = 2;
/** The smoothed loss was climbing away when it ended above this multiple of its lowest (healthy: ≈ 1.1×). */
export const RISE_FACTOR = 1.5;

/**
 * Whether a run trained, and if not, why and from which step:
 * - `diverged`: training stopped on a NaN/∞ loss or one above 1000 × the first (fit's rule); or the smoothed
 *   loss exploded past 2 × its start; or it ended above 1.5 × its lowest (the run was falling apart);
 * - `stalled`: it did not learn: its final validation accuracy (mean of the last evaluations) is near
 *   chance, or its smoothed training loss never fell below its first value;
 * - `ok`: otherwise.
 */
export function runStatus(record: RunRecord, smoothing: number): StatusReport {
  if (record.diverged) {
    const { step, loss } = record.diverged;
    const first = record.loss[0];
    const why = loss === null
      ? 'the loss was not finite (NaN or ∞)'
      : `the loss reached ${round(loss)}, over 1000 × the first step's ${round(first ?? NaN)}`;
    return { status: 'diverged', reason: `${why} at step ${step}`, step };
  }
  const smoothed = smoothLoss(record.loss, smoothing);
  const start = smoothed[0] ?? null;
  if (start !== null) {
    const explosion = smoothed.findIndex((x) => x !== null && x > EXPLOSION_FACTOR * start);
    if (explosion >= 0) {
      const peak = Math.max(...smoothed.filter((x): x is number => x !== null));
      return {
        status: 'diverged',
        reason: `the smoothed loss exploded past ${EXPLOSION_FACTOR} × its start ${round(start)} at step ${explosion + 1} (peak ${round(peak)})`,
        step: explosion + 1,
      };
    }
    const lowest = smoothed.reduce<number>((a, x, i) => (x !== null && x < smoothed[a]! ? i : a), 0);
    const end = smoothed[smoothed.length - 1];
    if (end !== null && end !== undefined && end > RISE_FACTOR * smoothed[lowest]!) {
      const from = smoothed.findIndex((x, i) => i > lowest && x !== null && x > RISE_FACTOR * smoothed[lowest]!);
      return {
        status: 'diverged',
        reason: `the smoothed loss rose from its lowest, ${round(smoothed[lowest]!)} at step ${lowest + 1}, `
          + `to ${round(end)} at the end (${round(end / smoothed[lowest]!, 2)}×), past ${RISE_FACTOR}× from step ${from + 1}`,
        step: from + 1,
      };
    }
  }
  const chance = 1 / classCount(record.config);
  const chanceLevel = chance + NEAR_CHANCE * (1 - chance);
  const accuracy = finalMean(record.evaluations, record.config.finalEvaluations, (e) => e.validation.accuracy) ?? 0;
  const nearChance = accuracy < chanceLevel;
  const fell = start !== null && smoothed.some((x) => x !== null && x < start);
  if (!nearChance && fell) return { status: 'ok', reason: 'trained', step: null };
  const symptom = nearChance
    ? `final validation accuracy ${percent(accuracy, 1)}, near chance (${percent(chance, 0)})`
    : `the smoothed training loss never fell below its start, ${round(start ?? NaN)}`;
  const step = nearChance ? stuckFrom(record, chanceLevel) : record.steps;
  return { status: 'stalled', reason: `${symptom}, from step ${step} on (${count(record.steps, 'step')} in all)`, step };
}

/** The first evaluation step from which every validation accuracy stays below `level`. */
function stuckFrom(record: RunRecord, level: number): number {
  let step = record.steps;
  for (let i = record.evaluations.length - 1; i >= 0 && record.evaluations[i]!.validation.accuracy < level; i--) {
    step = record.evaluations[i]!.step;
  }
  return step;
}

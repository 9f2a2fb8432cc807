import type { Evaluation } from './types.js';

/** How many points a plotted loss curve keeps at most. */
export const PLOT_POINTS = 200;

/** `x` when it is a finite number, else null (NaN and ±Infinity become null, as JSON would make them). */
export function finiteOrNull(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}

/**
 * The bias-corrected exponential moving average s_t = β·s_{t−1} + (1 − β)·x_t, reported as s_t / (1 − β^t)
 * (so the first value is x_1, not (1 − β)·x_1). Once a value is null (not finite) every later one is.
 */
export function smoothLoss(loss: readonly (number | null)[], beta: number): (number | null)[] {
  const out: (number | null)[] = [];
  let average = 0;
  let weight = 0;
  for (const x of loss) {
    if (x === null || !Number.isFinite(average)) {
      average = NaN;
      out.push(null);
      continue;
    }
    average = beta * average + (1 - beta) * x;
    weight = beta * weight + (1 - beta);
    out.push(finiteOrNull(average / weight));
  }
  return out;
}

/** `curve[i]` is the value at step i + 1: keeps evenly spaced finite points, the last step always included. */
export function downsample(curve: readonly (number | null)[], maxPoints = PLOT_POINTS): { step: number; loss: number }[] {
  const stride = Math.max(1, Math.ceil(curve.length / maxPoints));
  const points: { step: number; loss: number }[] = [];
  for (let step = curve.length; step >= 1; step -= stride) {
    const loss = curve[step - 1];
    if (loss !== null && loss !== undefined) points.push({ step, loss });
  }
  return points.reverse();
}

/**
 * Steps to the first validation accuracy ≥ `target`, interpolated linearly between that evaluation and the
 * one before it (evaluations start at step 0), so that it does not jump in whole evaluation intervals; null
 * if no evaluation reached it.
 */
export function stepsToAccuracy(evaluations: readonly Evaluation[], target: number): number | null {
  const index = evaluations.findIndex((e) => e.validation.accuracy >= target);
  if (index < 0) return null;
  const after = evaluations[index]!;
  const before = evaluations[index - 1];
  if (before === undefined) return after.step;
  const a = before.validation.accuracy;
  const b = after.validation.accuracy;
  return before.step + ((target - a) / (b - a)) * (after.step - before.step);
}

/**
 * The mean of `score` over the last `k` evaluations after training began (fewer if there are fewer; the one
 * at step 0 only when there is no other), or null when none has it.
 */
export function finalMean(evaluations: readonly Evaluation[], k: number, score: (e: Evaluation) => number | null): number | null {
  const trained = evaluations.filter((e) => e.step > 0);
  const values = (trained.length > 0 ? trained : evaluations).slice(-k).map(score).filter((x): x is number => x !== null);
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The highest validation accuracy and the step of its first occurrence. */
export function bestAccuracy(evaluations: readonly Evaluation[]): { accuracy: number; step: number } {
  let best = evaluations[0] ?? { step: 0, validation: { accuracy: 0 } };
  for (const e of evaluations) if (e.validation.accuracy > best.validation.accuracy) best = e;
  return { accuracy: best.validation.accuracy, step: best.step };
}

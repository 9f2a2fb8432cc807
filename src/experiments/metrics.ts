import type { RunConfig, RunEpoch, RunResult, TestPoint } from './types.js';

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

/** The first step (1-based) whose value is at or below `target`, or null. */
export function firstStepAtOrBelow(curve: readonly (number | null)[], target: number): number | null {
  const index = curve.findIndex((x) => x !== null && x <= target);
  return index < 0 ? null : index + 1;
}

/** Steps done at the first evaluation whose accuracy is at or above `target`, or null. */
export function firstStepWithAccuracy(tests: readonly TestPoint[], target: number): number | null {
  return tests.find((t) => t.accuracy >= target)?.step ?? null;
}

/** What a run produced, before the metrics are derived from it. */
export interface RunRecord {
  loss: number[];
  epochs: RunEpoch[];
  tests: TestPoint[];
  finalTestAccuracy: number;
  finalTestLoss: number;
  seconds: number;
  diverged: false | { step: number; loss: number };
}

export function summarizeRun(config: RunConfig, record: RunRecord): RunResult {
  const loss = record.loss.map(finiteOrNull);
  const smoothedLoss = smoothLoss(loss, config.smoothing);
  const tests = [...record.tests].sort((a, b) => a.step - b.step);
  return {
    config,
    loss,
    smoothedLoss,
    lossCurve: downsample(smoothedLoss),
    epochs: record.epochs,
    tests,
    stepsToTargetLoss: firstStepAtOrBelow(smoothedLoss, config.targetLoss),
    stepsToTargetAccuracy: firstStepWithAccuracy(tests, config.targetAccuracy),
    finalTestAccuracy: record.finalTestAccuracy,
    finalTestLoss: finiteOrNull(record.finalTestLoss),
    steps: loss.length,
    seconds: record.seconds,
    diverged: record.diverged && { step: record.diverged.step, loss: finiteOrNull(record.diverged.loss) },
  };
}

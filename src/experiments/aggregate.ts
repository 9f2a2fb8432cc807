import type { RunResult, SettingSummary, Stat } from './types.js';

/** Mean, sample standard deviation (0 for one value), min and max of `values`; null when there are none. */
export function stat(values: readonly number[]): Stat | null {
  const n = values.length;
  if (n === 0) return null;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? values.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(variance), min: Math.min(...values), max: Math.max(...values), n };
}

function numbers(values: readonly (number | null)[]): number[] {
  return values.filter((x): x is number => x !== null);
}

/** One summary per momentum, in increasing momentum, over that momentum's seeds. */
export function summarizeSettings(runs: readonly RunResult[]): SettingSummary[] {
  const byMomentum = new Map<number, RunResult[]>();
  for (const run of runs) {
    const group = byMomentum.get(run.config.momentum) ?? [];
    group.push(run);
    byMomentum.set(run.config.momentum, group);
  }
  return [...byMomentum.entries()]
    .sort(([a], [b]) => a - b)
    .map(([momentum, group]) => {
      const divergedSteps = group.flatMap((r) => (r.diverged ? [r.diverged.step] : []));
      return {
        momentum,
        lr: group[0]!.config.lr,
        seeds: group.map((r) => r.config.seed).sort((a, b) => a - b),
        diverged: divergedSteps.length,
        firstDivergedStep: divergedSteps.length > 0 ? Math.min(...divergedSteps) : null,
        stepsToTargetLoss: stat(numbers(group.map((r) => r.stepsToTargetLoss))),
        stepsToTargetAccuracy: stat(numbers(group.map((r) => r.stepsToTargetAccuracy))),
        finalTestAccuracy: stat(group.map((r) => r.finalTestAccuracy)),
        seconds: stat(group.map((r) => r.seconds)),
      };
    });
}

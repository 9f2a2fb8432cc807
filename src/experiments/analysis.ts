import { count } from './labels.js';
import { bestAccuracy, finalMean, stepsToAccuracy } from './metrics.js';
import { partSettings, type PlannedSetting } from './plan.js';
import { estimate } from './statistics.js';
import { runStatus } from './status.js';
import type {
  AnalysisSettings, PartResult, PartSpec, RunAnalysis, RunEntry, RunRecord, SettingSummary, StatusReport, SweepOptimizer,
} from './types.js';

/** Status, speed and accuracy of one run, from its record. */
export function analyzeRun(record: RunRecord, settings: AnalysisSettings): RunAnalysis {
  const k = record.config.finalEvaluations;
  return {
    ...runStatus(record, settings.smoothing),
    stepsToTarget: stepsToAccuracy(record.evaluations, settings.targetAccuracy),
    finalValidationAccuracy: finalMean(record.evaluations, k, (e) => e.validation.accuracy) ?? 0,
    bestValidationAccuracy: bestAccuracy(record.evaluations),
    finalTestAccuracy: finalMean(record.evaluations, k, (e) => e.test?.accuracy ?? null),
  };
}

/** ok when every seed is; otherwise the worse of diverged and stalled, with how many seeds and the first. */
export function settingStatus(runs: readonly { seed: number; analysis: StatusReport }[]): StatusReport & { failed: number } {
  const failing = runs.filter((r) => r.analysis.status !== 'ok');
  if (failing.length === 0) return { status: 'ok', reason: `all ${count(runs.length, 'seed')} trained`, step: null, failed: 0 };
  const status = failing.some((r) => r.analysis.status === 'diverged') ? 'diverged' : 'stalled';
  const first = failing.filter((r) => r.analysis.status === status)
    .reduce((a, b) => ((b.analysis.step ?? Infinity) < (a.analysis.step ?? Infinity) ? b : a));
  const share = runs.length === 1 ? '' : `${failing.length} of ${runs.length} seeds failed; `;
  return { status, reason: `${share}seed ${first.seed}: ${first.analysis.reason}`, step: first.analysis.step, failed: failing.length };
}

/** One setting over its seeds; test accuracy only when `reportTest` (the settings a part reports). */
export function summarizeSetting(optimizer: SweepOptimizer, entries: readonly RunEntry[], reportTest: boolean): SettingSummary {
  const { momentum, lr } = entries[0]!.record.config;
  const analyses = entries.map((e) => e.analysis);
  const reached = analyses.map((a) => a.stepsToTarget).filter((s): s is number => s !== null);
  const tests = analyses.map((a) => a.finalTestAccuracy).filter((t): t is number => t !== null);
  return {
    momentum,
    lr,
    effectiveStep: optimizer === 'adam' ? null : Number((lr / (1 - momentum)).toPrecision(12)),
    seeds: entries.map((e) => e.record.config.seed),
    runs: entries.map((e) => e.id),
    status: settingStatus(entries.map((e) => ({ seed: e.record.config.seed, analysis: e.analysis }))),
    stepsToTarget: {
      reached: reached.length,
      of: entries.length,
      // The mean over the seeds that got there would flatter the setting: it is given only when all did.
      estimate: reached.length === entries.length ? estimate(reached) : null,
    },
    finalValidationAccuracy: estimate(analyses.map((a) => a.finalValidationAccuracy)),
    bestValidationAccuracy: estimate(analyses.map((a) => a.bestValidationAccuracy.accuracy)),
    bestStep: estimate(analyses.map((a) => a.bestValidationAccuracy.step)),
    finalTestAccuracy: reportTest && tests.length === entries.length ? estimate(tests) : null,
    seconds: entries.reduce((a, e) => a + e.record.seconds, 0) / entries.length,
  };
}

/** Looks up the finished run of a setting and seed (undefined when it did not finish). */
export type RunLookup = (setting: PlannedSetting, seed: number) => RunEntry | undefined;

/**
 * A part's settings over the seeds that finished, and the one it reports per momentum: every setting for
 * the fixed and same-step parts; for the tuned part, each μ's lr with the best final validation accuracy
 * among those where every seed is ok (none when every lr failed).
 */
export function analyzePart(
  spec: PartSpec,
  optimizer: SweepOptimizer,
  momenta: readonly number[],
  seeds: readonly number[],
  lookup: RunLookup,
): Omit<PartResult, 'conclusion'> {
  const planned = partSettings(spec, momenta);
  const finished = planned
    .map((setting) => seeds.map((seed) => lookup(setting, seed)).filter((e): e is RunEntry => e !== undefined))
    .filter((entries) => entries.length > 0);
  if (spec.kind !== 'tuned') {
    const settings = finished.map((entries) => summarizeSetting(optimizer, entries, true));
    return { spec, settings, reported: settings };
  }
  const grid = finished.map((entries) => summarizeSetting(optimizer, entries, false));
  const choices = momenta.map((momentum) => {
    const candidates = grid.filter((s) => s.momentum === momentum && s.status.status === 'ok' && s.seeds.length === seeds.length);
    const best = candidates.reduce<SettingSummary | null>(
      (a, b) => (a === null || b.finalValidationAccuracy.mean > a.finalValidationAccuracy.mean ? b : a), null);
    const lr = best?.lr ?? null;
    return { momentum, lr, atEdge: lr !== null && (lr === spec.lrs[0] || lr === spec.lrs[spec.lrs.length - 1]) };
  });
  const reported = finished
    .filter((entries) => choices.some((c) => c.momentum === entries[0]!.record.config.momentum && c.lr === entries[0]!.record.config.lr))
    .map((entries) => summarizeSetting(optimizer, entries, true));
  return { spec, settings: grid, reported, choices };
}

import { accuracyRanking, momentaLabel, speedRanking } from './conclusion.js';
import { accuracyPercent, count, momentumSymbol, optimizerName, percent, round, wholeSteps, withInterval } from './labels.js';
import { networkName } from './network.js';
import type { PartResult, SettingSummary, StudyConfig, StudyResult } from './types.js';

export interface AnswerInput {
  config: StudyConfig;
  parts: PartResult[];
  data: StudyResult['data'];
  finished: number;
  planned: number;
}

function setup({ config, data }: AnswerInput): string {
  const epochs = count(config.epochs, 'epoch');
  return `${optimizerName(config.optimizer)}, ${networkName(config)}, ${epochs} of ${data.train} MNIST images `
    + `(batch ${config.batchSize}), ${count(config.seeds.length, 'seed')} per setting; speed is the steps to `
    + `${percent(config.targetAccuracy, 1)} accuracy on ${data.validation} held-out validation images, ± the 95% interval.`;
}

/** How the best μ compares with plain SGD in one part: "μ = 0.8 and 0.9 … 2.9× faster than plain SGD". */
function momentumVersusSgd(config: StudyConfig, part: PartResult, where: string): string {
  const mu = momentumSymbol(config.optimizer);
  const ranking = speedRanking(part);
  const best = ranking.ranked[0];
  if (!best) return `${where}, no setting reached the target in every seed.`;
  const steps = (s: SettingSummary) => `${withInterval(s.stepsToTarget.estimate!, wholeSteps)} steps`;
  const group = (ranking.winner ? [ranking.winner] : ranking.tied).sort((a, b) => a.momentum - b.momentum);
  const momenta = group.filter((s) => s.momentum !== 0);
  const sgd = part.reported.find((s) => s.momentum === 0);
  const seeds = count(config.seeds.length, 'seed');
  if (momenta.length === 0) return `${where}, plain SGD was the fastest (${steps(best)}), its interval separate from every ${mu} > 0.`;
  if (sgd && group.includes(sgd)) {
    return `${where}, plain SGD (${steps(sgd)}) was as fast as the fastest momenta: ${momentaLabel(config.optimizer, momenta)} and plain SGD `
      + `are indistinguishable at ${seeds} (best ${mu} = ${best.momentum}, ${steps(best)}), so no advantage for momentum shows.`;
  }
  const were = momenta.length > 1
    ? `${momentaLabel(config.optimizer, momenta)} were the fastest, indistinguishable from each other at ${seeds}`
    : `${mu} = ${momenta[0]!.momentum} was the fastest`;
  const lead = `${where}, ${were} (best ${mu} = ${best.momentum}, ${steps(best)})`;
  if (!sgd) return `${lead}.`;
  if (sgd.status.status !== 'ok') return `${lead}; plain SGD ${sgd.status.status}.`;
  const sgdSteps = sgd.stepsToTarget.estimate;
  if (!sgdSteps) {
    const { reached, of } = sgd.stepsToTarget;
    return `${lead}; plain SGD ${reached === 0 ? 'never reached the target' : `reached it in only ${reached} of ${of} seeds`}.`;
  }
  const ratio = round(sgdSteps.mean / best.stepsToTarget.estimate!.mean, 2);
  return `${lead}, ${ratio}× faster than plain SGD (${steps(sgd)}; the intervals separate).`;
}

/**
 * Where instability starts, in effective steps lr / (1 − μ) over every setting of the study. A failure
 * counts as instability only above an lr at which the same μ trained (a too small lr that stalls is slow,
 * not unstable).
 */
function instability(config: StudyConfig, parts: readonly PartResult[]): string {
  const all = new Map<string, SettingSummary>();
  for (const part of parts) for (const s of part.settings) all.set(`${s.momentum}|${s.lr}`, s);
  const settings = [...all.values()];
  const ok = settings.filter((s) => s.status.status === 'ok');
  const unstable = settings.filter((s) => s.status.status !== 'ok' && ok.some((o) => o.momentum === s.momentum && o.lr < s.lr));
  if (unstable.length === 0) return 'No setting of the study became unstable (none diverged or stalled above an lr that trained).';
  const mu = momentumSymbol(config.optimizer);
  if (config.optimizer === 'adam') return `${count(unstable.length, 'setting')} failed above an lr that trained (see the tables).`;
  const firstFailure = unstable.reduce((a, b) => (b.effectiveStep! < a.effectiveStep! ? b : a));
  const largestOk = ok.reduce((a, b) => (b.effectiveStep! > a.effectiveStep! ? b : a));
  const what = (s: SettingSummary) => `${mu} = ${s.momentum} at lr ${s.lr}`;
  const failedText = `${unstable.filter((s) => s.status.status === 'diverged').length} diverged and ${unstable.filter((s) => s.status.status === 'stalled').length} stalled`;
  if (largestOk.effectiveStep! < firstFailure.effectiveStep!) {
    return `Instability is set by the effective step: every setting with lr / (1 − ${mu}) ≤ ${round(largestOk.effectiveStep!)} trained, `
      + `every one from ${round(firstFailure.effectiveStep!)} on failed (${failedText}; the first, ${what(firstFailure)}).`;
  }
  return `Instability starts at an effective step lr / (1 − ${mu}) of ${round(firstFailure.effectiveStep!)} (${what(firstFailure)}, ${firstFailure.status.status}), `
    + `though ${what(largestOk)} trained at ${round(largestOk.effectiveStep!)} (${failedText} in all).`;
}

/** Accuracy at each μ's best lr: whether momentum costs (or buys) any. */
function accuracyCost(config: StudyConfig, tuned: PartResult): string {
  const ranking = accuracyRanking(tuned);
  if (ranking.ranked.length === 0) return '';
  const best = ranking.ranked[0]!;
  const mu = momentumSymbol(config.optimizer);
  const acc = (s: SettingSummary) => withInterval(s.finalValidationAccuracy, accuracyPercent);
  const test = best.finalTestAccuracy ? ` (test ${withInterval(best.finalTestAccuracy, accuracyPercent)})` : '';
  const top = `At their best lrs, the highest final validation accuracy was ${mu} = ${best.momentum}'s, ${acc(best)}${test}`;
  if (ranking.winner && ranking.ranked.length > 1) return `${top}, beyond the seed spread of every other ${mu}.`;
  const byMomentum = (list: SettingSummary[]) => [...list].sort((a, b) => a.momentum - b.momentum);
  const below = byMomentum(ranking.ranked.filter((s) => !ranking.tied.includes(s)));
  const others = byMomentum(ranking.tied.filter((s) => s !== best));
  const tied = `${momentaLabel(config.optimizer, others)} ${others.length === 1 ? 'is' : 'are'} indistinguishable from it at ${count(config.seeds.length, 'seed')}`;
  if (below.length === 0) return `${top}; ${tied}: no cost in accuracy shows.`;
  return `${top}; ${tied}; ${below.map((s) => `${mu} = ${s.momentum} (${acc(s)})`).join(', ')} ${below.length === 1 ? 'is' : 'are'} lower beyond the seed spread.`;
}

/** The study's answer, for a reader who reads nothing else; a sweep's is its one part's conclusion. */
export function studyAnswer(input: AnswerInput): string {
  const { config, parts, finished, planned } = input;
  const stopped = finished < planned ? ` Stopped early: ${finished} of ${planned} runs finished, and this covers only those.` : '';
  if (finished === 0) return `${setup(input)} Stopped before any run finished, so there is nothing to compare.`;
  const fixed = parts.find((p) => p.spec.kind === 'fixed');
  const same = parts.find((p) => p.spec.kind === 'same-step');
  const tuned = parts.find((p) => p.spec.kind === 'tuned');
  if (parts.length === 1) return `${setup(input)} ${parts[0]!.conclusion}${stopped}`;
  const sentences = [setup(input)];
  if (fixed?.spec.kind === 'fixed') sentences.push(momentumVersusSgd(config, fixed, `At a fixed lr of ${fixed.spec.lr}`));
  if (same?.spec.kind === 'same-step') {
    sentences.push(momentumVersusSgd(config, same, `With the same effective step lr / (1 − ${momentumSymbol(config.optimizer)}) = ${same.spec.step}`));
  }
  if (tuned) sentences.push(momentumVersusSgd(config, tuned, 'With each μ at its own best lr'));
  sentences.push('The published result to test against: for small lr, SGD with momentum μ at lr behaves like plain SGD at lr / (1 − μ) '
    + '(Yuan, Ying & Sayed 2016; Wang et al., ICLR 2024), so an advantage at a fixed lr that vanishes at the same effective step is step size, not momentum.');
  sentences.push(instability(config, parts));
  if (tuned) sentences.push(accuracyCost(config, tuned));
  return sentences.filter((s) => s !== '').join(' ') + stopped;
}

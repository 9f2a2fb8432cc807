import {
  accuracyPercent, count, listing, momentumSymbol, percent, round, wholeSteps, withInterval,
} from './labels.js';
import { rank, type Ranking } from './statistics.js';
import type { Estimate, PartResult, PartSpec, SettingSummary, StudyConfig, SweepOptimizer } from './types.js';

type Part = Omit<PartResult, 'conclusion'>;

/** "μ = 0.8, 0.9 and 0.99" */
export function momentaLabel(optimizer: SweepOptimizer, settings: readonly SettingSummary[]): string {
  return `${momentumSymbol(optimizer)} = ${listing(settings.map((s) => String(s.momentum)))}`;
}

export function partTitle(spec: PartSpec, optimizer: SweepOptimizer = 'sgd'): string {
  switch (spec.kind) {
    case 'fixed': return `Fixed lr ${spec.lr}`;
    case 'same-step': return `Same effective step lr / (1 − μ) = ${spec.step}`;
    case 'tuned': return `Each ${momentumSymbol(optimizer)} at its best lr of ${spec.lrs.join(', ')}`;
  }
}

/** The reported settings that reached the target in every seed, ranked by steps (fewest first). */
export function speedRanking(part: Part): Ranking<SettingSummary> {
  const complete = part.reported.filter((s) => s.status.status === 'ok' && s.stepsToTarget.estimate !== null);
  return rank(complete, (s) => s.stepsToTarget.estimate!, 'lower');
}

/** The reported settings whose every seed is ok, ranked by final validation accuracy (highest first). */
export function accuracyRanking(part: Part): Ranking<SettingSummary> {
  return rank(part.reported.filter((s) => s.status.status === 'ok'), (s) => s.finalValidationAccuracy, 'higher');
}

const stepsOf = (e: Estimate) => `${withInterval(e, wholeSteps)} steps`;

/** Who reached the validation target first (or which settings cannot be told apart), and who did not. */
function speedSentence(config: StudyConfig, part: Part): string {
  const { optimizer, targetAccuracy, seeds } = config;
  const mu = (s: SettingSummary) => `${momentumSymbol(optimizer)} = ${s.momentum}`;
  const target = `${percent(targetAccuracy, 1)} validation accuracy`;
  const ranking = speedRanking(part);
  const sentences: string[] = [];
  if (ranking.ranked.length === 0) sentences.push(`No setting reached ${target} in every seed.`);
  else if (ranking.winner && ranking.ranked.length === 1) {
    sentences.push(`Only ${mu(ranking.winner)} reached ${target} in every seed, in ${stepsOf(ranking.winner.stepsToTarget.estimate!)}.`);
  } else if (ranking.winner) {
    const w = ranking.winner;
    const second = ranking.ranked[1]!;
    sentences.push(`${mu(w)} reached ${target} first, in ${stepsOf(w.stepsToTarget.estimate!)}; its interval separates from the `
      + `runner-up's, ${mu(second)} (${stepsOf(second.stepsToTarget.estimate!)}).`);
  } else {
    const tied = ranking.tied;
    sentences.push(`${momentaLabel(optimizer, tied)} reached ${target} fastest (${tied.map((s) => withInterval(s.stepsToTarget.estimate!, wholeSteps)).join(', ')} steps), `
      + `indistinguishable at ${count(seeds.length, 'seed')}.`);
  }
  const baseline = ranking.ranked.find((s) => s.momentum === 0);
  const best = ranking.ranked[0];
  if (optimizer !== 'adam' && baseline && best && best !== baseline) {
    sentences.push(`Plain SGD took ${stepsOf(baseline.stepsToTarget.estimate!)}, `
      + `${round(baseline.stepsToTarget.estimate!.mean / best.stepsToTarget.estimate!.mean, 2)}× as many as ${mu(best)}.`);
  }
  const partial = part.reported.filter((s) => s.stepsToTarget.reached > 0 && s.stepsToTarget.reached < s.stepsToTarget.of);
  for (const s of partial) sentences.push(`${mu(s)} reached it in only ${s.stepsToTarget.reached} of ${s.stepsToTarget.of} seeds.`);
  const never = part.reported.filter((s) => s.stepsToTarget.reached === 0);
  if (never.length > 0) sentences.push(`${momentaLabel(optimizer, never)} never reached it.`);
  return sentences.join(' ');
}

function accuracySentence(config: StudyConfig, part: Part): string {
  const { optimizer, seeds, finalEvaluations } = config;
  const mu = (s: SettingSummary) => `${momentumSymbol(optimizer)} = ${s.momentum}`;
  const ranking = accuracyRanking(part);
  if (ranking.ranked.length === 0) return '';
  const what = `final validation accuracy (mean of the last ${count(finalEvaluations, 'evaluation')})`;
  const acc = (s: SettingSummary) => withInterval(s.finalValidationAccuracy, accuracyPercent);
  const test = (s: SettingSummary) => (s.finalTestAccuracy ? `; its test accuracy ${withInterval(s.finalTestAccuracy, accuracyPercent)}` : '');
  if (ranking.winner && ranking.ranked.length > 1) {
    return `The best ${what} was ${mu(ranking.winner)}'s, ${acc(ranking.winner)}, separate from the runner-up's${test(ranking.winner)}.`;
  }
  if (ranking.winner) return `Its ${what} was ${acc(ranking.winner)}${test(ranking.winner)}.`;
  const worst = ranking.ranked[ranking.ranked.length - 1]!;
  const best = ranking.ranked[0]!;
  return `By ${what}, ${momentaLabel(optimizer, ranking.tied)} were the best and indistinguishable at ${count(seeds.length, 'seed')} `
    + `(${acc(best)} at ${mu(best)}${test(best)})${worst === best || ranking.tied.includes(worst) ? '' : `; the lowest was ${acc(worst)} at ${mu(worst)}`}.`;
}

function statusSentence(config: StudyConfig, part: Part): string {
  const mu = (s: SettingSummary) => `${momentumSymbol(config.optimizer)} = ${s.momentum}`;
  const settings = part.spec.kind === 'tuned' ? part.settings : part.reported;
  const failed = settings.filter((s) => s.status.status !== 'ok');
  if (failed.length === 0) return `Every setting trained (status ok in every seed).`;
  const where = (s: SettingSummary) => (part.spec.kind === 'tuned' ? ` at lr ${s.lr}` : '');
  if (part.spec.kind === 'tuned') {
    return `${count(failed.length, 'setting')} of the grid failed (${failed.filter((s) => s.status.status === 'diverged').length} diverged, `
      + `${failed.filter((s) => s.status.status === 'stalled').length} stalled); the heatmap marks them.`;
  }
  return failed.map((s) => `${mu(s)}${where(s)} ${s.status.status} (${s.status.reason}).`).join(' ');
}

function tuningSentence(config: StudyConfig, part: Part): string {
  const mu = `${momentumSymbol(config.optimizer)} =`;
  const choices = part.choices ?? [];
  const chosen = choices.filter((c) => c.lr !== null);
  const parts = [`Chosen on validation accuracy: ${chosen.map((c) => `${mu} ${c.momentum} at lr ${c.lr}`).join(', ')}.`];
  const none = choices.filter((c) => c.lr === null);
  if (none.length > 0) parts.push(`No lr of the grid trained ${mu} ${listing(none.map((c) => String(c.momentum)))} in every seed.`);
  const edge = chosen.filter((c) => c.atEdge);
  if (edge.length > 0) {
    parts.push(`For ${mu} ${listing(edge.map((c) => String(c.momentum)))} the best lr is at the grid's edge, so a better one may lie beyond it.`);
  }
  return parts.join(' ');
}

/** A part's paragraph, computed from its numbers. */
export function partConclusion(config: StudyConfig, part: Part): string {
  if (part.settings.length === 0) return 'No run of this part finished, so there is nothing to compare.';
  return [
    part.spec.kind === 'tuned' ? tuningSentence(config, part) : '',
    speedSentence(config, part),
    accuracySentence(config, part),
    statusSentence(config, part),
  ].filter((s) => s !== '').join(' ');
}

import { listing, momentumLabel, optimizerName, percent, steps } from './labels.js';
import type { SettingSummary, Stat, SweepConfig } from './types.js';

export interface ConclusionInput {
  config: SweepConfig;
  settings: SettingSummary[];
  data: { train: number };
  runsFinished: number;
  runsPlanned: number;
}

/** One paragraph that says what the numbers say: who reached the targets first, who ended best, who diverged. */
export function conclude(input: ConclusionInput): string {
  const { config, settings, runsFinished, runsPlanned } = input;
  const sentences = [setup(input)];
  if (settings.length === 0) {
    sentences.push('The sweep was stopped before any run finished, so there is nothing to compare.');
    return sentences.join(' ');
  }
  const label = (s: SettingSummary) => momentumLabel(config.optimizer, s.momentum);
  const averaged = config.seeds.length > 1 ? ' on average' : '';

  sentences.push(race(settings, (s) => s.stepsToTargetLoss, label, {
    reached: (who, n) => `${who} brought the smoothed training loss down to ${config.targetLoss} first, after ${n} steps${averaged}`,
    never: `No setting brought the smoothed training loss down to ${config.targetLoss}.`,
  }));
  sentences.push(race(settings, (s) => s.stepsToTargetAccuracy, label, {
    reached: (who, n) => `${who} reached ${percent(config.targetAccuracy, 1)} test accuracy first, after ${n} steps${averaged}`,
    never: `No setting reached ${percent(config.targetAccuracy, 1)} test accuracy.`,
  }));
  sentences.push(best(settings, label));
  sentences.push(divergence(settings, label, config.seeds.length));
  if (runsFinished < runsPlanned) {
    sentences.push(`The sweep was stopped early: ${runsFinished} of ${runsPlanned} runs finished, and this covers only those.`);
  }
  return sentences.join(' ');
}

function setup({ config, data }: ConclusionInput): string {
  const lr = config.normalizeLr ? `lr ${config.lr} × (1 − μ)` : `lr ${config.lr}`;
  const seeds = config.seeds.length === 1 ? `seed ${config.seeds[0]}` : `${config.seeds.length} seeds each`;
  const epochs = `${config.epochs} epoch${config.epochs === 1 ? '' : 's'}`;
  return `${optimizerName(config.optimizer)} (${lr}, batch ${config.batchSize}, ${seeds}) trained a `
    + `${config.layers.join('-')} network for ${epochs} of ${data.train} MNIST images.`;
}

/**
 * Who got to a target in the fewest steps (ties named together), compared with the slowest that got there
 * and with the settings that never did. A setting counts as reaching it when at least one seed did.
 */
function race(
  settings: SettingSummary[],
  metric: (s: SettingSummary) => Stat | null,
  label: (s: SettingSummary) => string,
  say: { reached: (who: string, steps: string) => string; never: string },
): string {
  const reached = settings.filter((s) => metric(s) !== null).sort((a, b) => metric(a)!.mean - metric(b)!.mean);
  if (reached.length === 0) return say.never;
  const fastest = metric(reached[0]!)!.mean;
  const winners = reached.filter((s) => metric(s)!.mean === fastest);
  let sentence = say.reached(listing(winners.map(label)), steps(fastest));
  const slowest = reached[reached.length - 1]!;
  const slowestMean = metric(slowest)!.mean;
  if (slowestMean > fastest) {
    sentence += `; ${label(slowest)} took ${steps(slowestMean)} (${(slowestMean / fastest).toFixed(1)}× as many)`;
  }
  const never = settings.filter((s) => metric(s) === null);
  if (never.length > 0) sentence += `; ${listing(never.map(label))} never did`;
  return `${sentence}.`;
}

function best(settings: SettingSummary[], label: (s: SettingSummary) => string): string {
  const ranked = settings
    .filter((s) => s.diverged === 0 && s.finalTestAccuracy !== null)
    .sort((a, b) => b.finalTestAccuracy!.mean - a.finalTestAccuracy!.mean);
  if (ranked.length === 0) return 'Every setting diverged in at least one seed.';
  const top = ranked[0]!;
  const bottom = ranked[ranked.length - 1]!;
  let sentence = `The best final test accuracy was ${accuracy(top.finalTestAccuracy!)} at ${label(top)}`;
  if (bottom !== top) sentence += `, the lowest ${accuracy(bottom.finalTestAccuracy!)} at ${label(bottom)}`;
  return `${sentence}.`;
}

function accuracy(s: Stat): string {
  return s.n > 1 ? `${percent(s.mean)} ± ${percent(s.std)}` : percent(s.mean);
}

function divergence(settings: SettingSummary[], label: (s: SettingSummary) => string, seeds: number): string {
  const diverged = settings.filter((s) => s.diverged > 0);
  if (diverged.length === 0) return 'No setting diverged.';
  const parts = diverged.map((s) => {
    const share = seeds > 1 ? ` in ${s.diverged} of ${s.seeds.length} seeds` : '';
    return `${label(s)} diverged${share} (at step ${s.firstDivergedStep})`;
  });
  return `${listing(parts)}.`;
}

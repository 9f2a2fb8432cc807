import { partTitle } from './conclusion.js';
import { count, momentumLabel, momentumSymbol, optimizerName, percent } from './labels.js';
import { networkDescription } from './network.js';
import { EXPLOSION_FACTOR, NEAR_CHANCE, RISE_FACTOR } from './status.js';
import { tableHeader, tableRows } from './results-table.js';
import type { PartResult, PartSpec, StudyConfig, StudyResult, SweepOptimizer } from './types.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2.2em; border-bottom: 1px solid #ddd; } h3 { font-size: 1.02em; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 0.92em; }
th, td { padding: 0.3em 0.6em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; white-space: nowrap; }
td.failed { color: #c92a2a; }
figure { margin: 1em 0; } svg { max-width: 100%; height: auto; }
.answer, .conclusion { background: #f5f7fa; padding: 0.8em 1em; border-left: 4px solid #1c7ed6; }
.answer { font-size: 1.05em; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.1em 1em; } dt { color: #666; }
`;

/** What each part controls for, for the reader of the report and of the README. */
export function partPurpose(spec: PartSpec, optimizer: SweepOptimizer = 'sgd'): string {
  if (optimizer === 'adam') {
    return spec.kind === 'tuned'
      ? `Every β1 with every lr of ${spec.lrs.join(', ')}; each β1 is reported at the lr with the best final validation accuracy among those where every seed trained.`
      : `Every β1 at lr ${spec.kind === 'fixed' ? spec.lr : spec.step}. Adam's first moment is an average of gradients, so β1 changes how much it smooths, not the step length.`;
  }
  switch (spec.kind) {
    case 'fixed':
      return `Every μ at lr ${spec.lr}: the experiment as usually posed. Momentum multiplies the effective step lr / (1 − μ) `
        + '(2× at μ = 0.5, 10× at 0.9, 100× at 0.99), so this part mixes two effects: a longer step and the averaging of gradients.';
    case 'same-step':
      return `Every μ at lr = ${spec.step} × (1 − μ), so that lr / (1 − μ) = ${spec.step} for all: this controls for step size. `
        + 'What remains is what momentum does beyond lengthening the step: averaging over about 1 / (1 − μ) gradients, and reacting that late.';
    case 'tuned':
      return `Every μ with every lr of ${spec.lrs.join(', ')}; each μ is reported at the lr with the best final validation `
        + 'accuracy among those where every seed trained: this controls for the lr a practitioner would tune, and compares each μ at its best.';
  }
}

function readingGuide(config: StudyConfig, result: StudyResult): string {
  const n = config.seeds.length;
  const k = config.finalEvaluations;
  return `<ul>
<li><b>±</b> is half the width of the 95% confidence interval of the mean over the ${count(n, 'seed')} (Student t with ${count(n - 1, 'degree')} of freedom: mean ± t · sd / √n). With one seed there is no interval. A winner is named only when its interval does not overlap the runner-up's; otherwise the settings are called indistinguishable at ${count(n, 'seed')}.</li>
<li><b>Steps to ${percent(config.targetAccuracy, 1)} val.</b>: updates until the validation accuracy first reached ${percent(config.targetAccuracy, 1)}, interpolated linearly between evaluations (every ${count(config.evalEvery, 'step')}). The mean is given only when every seed got there; otherwise "k of n seeds".</li>
<li><b>Validation and test kept apart</b>: ${result.data.validation} validation images are held out of the training images (split seed ${config.splitSeed}); every choice (the best lr, the fastest setting) uses them. The ${result.data.test} test images only report, for the settings a part reports.</li>
<li><b>Final accuracy</b>: the mean of the last ${count(k, 'evaluation')}${finalWindow(result)}, so one noisy evaluation cannot decide it; <b>best</b> is the highest single evaluation, at the mean step its seeds reached it.</li>
<li><b>Status</b>: <i>diverged</i> when a loss was NaN/∞ or above 1000 × the first (training stops there), when the smoothed loss exploded past ${EXPLOSION_FACTOR} × its start, or when it ended above ${RISE_FACTOR} × its lowest (falling apart); <i>stalled</i> when it did not learn. Did not learn: final validation accuracy less than ${NEAR_CHANCE * 100}% of the way from chance to 100% (19% for 10 classes), or a smoothed training loss that never fell below its start. A setting is ok only when every seed is.</li>
<li><b>Curves</b>: lines are the mean over seeds, bands span the lowest to the highest seed; the x axis is in epochs (fractions of a pass over the ${result.data.train} training images). Colours are fixed per μ across reports.</li>
</ul>`;
}

/** " (steps 125 to 157)": where the final evaluations of a full run lie. */
function finalWindow(result: StudyResult): string {
  const full = result.runs.find((r) => !r.record.diverged)?.record;
  if (!full) return '';
  const trained = full.evaluations.filter((e) => e.step > 0);
  const window = trained.slice(-full.config.finalEvaluations);
  return window.length > 1 ? ` (steps ${window[0]!.step} to ${window[window.length - 1]!.step})` : '';
}

function configList(result: StudyResult): string {
  const c = result.config;
  const items: [string, string][] = [
    ['optimizer', optimizerName(c.optimizer)],
    [c.optimizer === 'adam' ? 'β1 values' : 'momenta', c.momenta.join(', ')],
    ['parts', c.parts.map((part) => partTitle(part, c.optimizer)).join('; ')],
    ['network', networkDescription(c)],
    ['training', `${count(c.epochs, 'epoch')} of ${result.data.train} images, batch ${c.batchSize}`],
    ['seeds', c.seeds.join(', ')],
    ['data', `${result.data.train} training, ${result.data.validation} validation (held out, split seed ${c.splitSeed}) and ${result.data.test} test images from ${result.data.source}; sha256 ${result.data.sha256.slice(0, 16)}…`],
    ['evaluations', `validation every ${count(c.evalEvery, 'step')}; final accuracy = mean of the last ${count(c.finalEvaluations, 'evaluation')}`],
    ['engine', `${c.backend}${c.backend === 'wasm' ? ` (${c.simd} SIMD)` : ''}, ${count(c.workers, 'worker')}`],
    ['runs', `${result.runsPlanned} planned: ${result.runsTrained} trained now, ${result.runsReused} reused from the run store`],
    ['library', `${result.library.name} ${result.library.version}`],
    ['started', `${result.startedAt} (${result.seconds.toFixed(1)} s in all)`],
  ];
  return `<dl>${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function table(config: StudyConfig, part: PartResult, settings = part.settings, withTest = part.spec.kind !== 'tuned'): string {
  const head = `<tr>${tableHeader(config, withTest).map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const statusColumn = config.optimizer === 'adam' ? 2 : 3;
  const rows = tableRows(config, settings, withTest).map((cells, r) => `<tr>${cells.map((c, i) => {
    const failed = i === statusColumn && settings[r]!.status.status !== 'ok';
    return failed ? `<td class="failed" title="${escapeHtml(settings[r]!.status.reason)}">${escapeHtml(c)}</td>` : `<td>${escapeHtml(c)}</td>`;
  }).join('')}</tr>`);
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}

function failures(config: StudyConfig, part: PartResult): string {
  const failed = part.settings.filter((s) => s.status.status !== 'ok');
  if (failed.length === 0) return '';
  return `<ul>${failed.map((s) => `<li>${escapeHtml(momentumLabel(config.optimizer, s.momentum))}, lr ${s.lr}: `
    + `<b>${s.status.status}</b>: ${escapeHtml(s.status.reason)}</li>`).join('')}</ul>`;
}

export interface PartCharts {
  loss: string;
  accuracy: string;
  heatmap?: string;
}

function partSection(result: StudyResult, part: PartResult, charts: PartCharts): string {
  const config = result.config;
  const tuned = part.spec.kind === 'tuned';
  return `<h2>${escapeHtml(partTitle(part.spec, config.optimizer))}</h2>
<p>${escapeHtml(partPurpose(part.spec, config.optimizer))}</p>
<p class="conclusion">${escapeHtml(part.conclusion)}</p>
${charts.heatmap ? `<figure>${charts.heatmap}<figcaption>Validation steps to the target for every cell of the grid; grey cells failed (status) or did not reach it in every seed; outlined: the lr chosen for each ${momentumSymbol(config.optimizer)}.</figcaption></figure>` : ''}
${tuned ? `<h3>At the chosen lrs</h3>\n${table(config, part, part.reported, true)}` : ''}
<figure>${charts.loss}<figcaption>The loss of each minibatch, smoothed (bias-corrected exponential moving average, factor ${config.smoothing})${tuned ? ', at the chosen lrs' : ''}.</figcaption></figure>
<figure>${charts.accuracy}<figcaption>On the ${result.data.validation} validation images${tuned ? ', at the chosen lrs' : ''}; dashed: the target.</figcaption></figure>
${tuned ? '<h3>Every cell of the grid (validation only)</h3>' : ''}
${table(config, part)}
${failures(config, part)}`;
}

/** A self-contained page (no script, no external resource): the charts are inline SVG. */
export function reportHtml(result: StudyResult, charts: { answer?: string; parts: PartCharts[] }): string {
  const what = result.kind === 'study' ? 'Momentum study' : 'Momentum sweep';
  const title = `${what}: ${optimizerName(result.config.optimizer)} on MNIST`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
${result.aborted ? `<p><b>Stopped early</b>: ${result.runs.length} of ${result.runsPlanned} runs finished; the finished runs are stored, so the same command continues where this one stopped.</p>` : ''}
<p class="answer">${escapeHtml(result.answer)}</p>
${charts.answer ? `<figure>${charts.answer}<figcaption>Each point is the mean over seeds, the bar its 95% interval; settings that failed or did not reach the target in every seed are named instead.</figcaption></figure>` : ''}
<h2>How to read this report</h2>
${readingGuide(result.config, result)}
${result.parts.map((part, i) => partSection(result, part, charts.parts[i]!)).join('\n')}
<h2>Configuration</h2>
${configList(result)}
<p>Everything above, with every run's loss at every step and every evaluation, is in the JSON file beside this page.</p>
</body>
</html>
`;
}

import { count, momentumLabel, optimizerName, percent } from './labels.js';
import { lrLabel } from './lr-schedule.js';
import { networkDescription } from './network.js';
import { escapeHtml, STYLE } from './report-html.js';
import type { RunAnalysis, RunRecord } from './types.js';

export function trainTitle(record: RunRecord): string {
  return `Training run: ${optimizerName(record.config.optimizer)}, ${momentumLabel(record.config.optimizer, record.config.momentum)}, ${lrLabel(record.config)}, on MNIST`;
}

/** One paragraph on one run: its status, accuracy and length. */
export function trainSummary(record: RunRecord, analysis: RunAnalysis): string {
  const k = record.config.finalEvaluations;
  const status = analysis.status === 'ok' ? 'It trained (status ok)' : `It ${analysis.status}: ${analysis.reason}`;
  const test = analysis.finalTestAccuracy === null ? '' : `, final test accuracy ${percent(analysis.finalTestAccuracy)}`;
  return `${status}. After ${count(record.steps, 'step')} of the ${record.config.epochs * record.stepsPerEpoch} planned (${count(record.config.epochs, 'epoch')}), `
    + `final validation accuracy ${percent(analysis.finalValidationAccuracy)} (mean of the last ${count(k, 'evaluation')})${test}; `
    + `best validation accuracy ${percent(analysis.bestValidationAccuracy.accuracy)} at step ${analysis.bestValidationAccuracy.step}; `
    + `${record.seconds.toFixed(1)} s.`;
}

/** The single-run page of `heavyball train`: self-contained, charts inline. */
export function trainReportHtml(record: RunRecord, analysis: RunAnalysis, charts: { loss: string; accuracy: string }): string {
  const c = record.config;
  const items: [string, string][] = [
    ['network', networkDescription(c)],
    ['training', `${count(c.epochs, 'epoch')} of ${c.data.trainSize} images, batch ${c.batchSize}, seed ${c.seed}`],
    ['validation', `${c.data.validation} images held out of the training images (split seed ${c.data.splitSeed}), every ${count(c.evalEvery, 'step')}`],
    ['engine', `${c.backend}${c.backend === 'wasm' ? ` (${c.simd} SIMD)` : ''}`],
    ['library', `heavyball ${c.heavyball}`],
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(trainTitle(record))}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(trainTitle(record))}</h1>
<p class="conclusion">${escapeHtml(trainSummary(record, analysis))}</p>
<figure>${charts.loss}<figcaption>The loss of each minibatch, smoothed (bias-corrected exponential moving average).</figcaption></figure>
<figure>${charts.accuracy}<figcaption>Validation accuracy at each evaluation.</figcaption></figure>
<h2>Configuration</h2>
<dl>${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>
<p>The loss of every step and every evaluation are in train.json beside this page.</p>
</body>
</html>
`;
}

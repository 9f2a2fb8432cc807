import { optimizerName, percent } from './labels.js';
import { TABLE_HEADER, tableRows } from './results-table.js';
import type { SweepResult } from './types.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body { font: 15px/1.5 system-ui, sans-serif; max-width: 980px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 2em; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 0.3em 0.7em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; white-space: nowrap; }
figure { margin: 1em 0; } svg { max-width: 100%; height: auto; }
.conclusion { font-size: 1.05em; background: #f5f7fa; padding: 0.8em 1em; border-left: 4px solid #4c78a8; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.1em 1em; } dt { color: #666; }
`;

function configList(result: SweepResult): string {
  const c = result.config;
  const items: [string, string][] = [
    ['optimizer', optimizerName(c.optimizer)],
    ['momenta', c.momenta.join(', ')],
    ['learning rate', c.normalizeLr ? `${c.lr} × (1 − μ), so that lr / (1 − μ) = ${c.lr}` : String(c.lr)],
    ['network', `${c.layers.join('-')} (ReLU between layers)`],
    ['epochs × batch', `${c.epochs} × ${c.batchSize}`],
    ['seeds', c.seeds.join(', ')],
    ['data', `${result.data.train} training and ${result.data.test} test images from ${result.data.source}`],
    ['loss target', `smoothed training loss ≤ ${c.targetLoss} (EMA factor ${c.smoothing})`],
    ['accuracy target', `test accuracy ≥ ${percent(c.targetAccuracy, 1)}`],
    ['engine', `${c.backend}${c.backend === 'wasm' ? ` (${c.simd} SIMD)` : ''}, ${c.workers} worker${c.workers === 1 ? '' : 's'}`],
    ['library', `${result.library.name} ${result.library.version}`],
    ['started', `${result.startedAt} (${result.seconds.toFixed(1)} s in all)`],
  ];
  return `<dl>${items.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

function table(result: SweepResult): string {
  const head = `<tr>${TABLE_HEADER.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const rows = tableRows(result.config, result.settings)
    .map((cells) => `<tr>${cells.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`);
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${rows.join('\n')}\n</tbody>\n</table>`;
}

/** A self-contained page (no script, no external resource): the charts are inline SVG. */
export function reportHtml(result: SweepResult, charts: { loss: string; accuracy: string }): string {
  const title = `Momentum sweep: ${optimizerName(result.config.optimizer)} on MNIST`;
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
<p class="conclusion">${escapeHtml(result.conclusion)}</p>
<h2>Training loss</h2>
<figure>${charts.loss}
<figcaption>The loss of each minibatch, smoothed (exponential moving average, factor ${result.config.smoothing}); dashed: the target.</figcaption></figure>
<h2>Test accuracy</h2>
<figure>${charts.accuracy}
<figcaption>On the ${result.data.test} test images, after each epoch${result.config.evalEvery > 0 ? ` and every ${result.config.evalEvery} steps` : ''}; dashed: the target.</figcaption></figure>
<h2>Metrics</h2>
${table(result)}
<h2>Configuration</h2>
${configList(result)}
<p>Everything above, with the loss of every step, is in sweep.json beside this page.</p>
</body>
</html>
`;
}

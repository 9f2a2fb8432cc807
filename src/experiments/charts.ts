import type { TopLevelSpec } from 'vega-lite';
import { momentumLabel, momentumSymbol } from './labels.js';
import type { RunResult, SweepOptimizer } from './types.js';

const WIDTH = 640;
const HEIGHT = 320;

/** The colour legend lists the momenta in increasing order. */
function colour(optimizer: SweepOptimizer, runs: readonly RunResult[]) {
  const momenta = [...new Set(runs.map((r) => r.config.momentum))].sort((a, b) => a - b);
  return {
    field: 'setting',
    type: 'nominal',
    title: momentumSymbol(optimizer),
    legend: { symbolOpacity: 1 },
    scale: { domain: momenta.map((m) => momentumLabel(optimizer, m)), scheme: 'category10' },
  } as const;
}

/**
 * The smoothed training loss against the step on a log axis, one line per momentum: the mean over seeds,
 * with a band from the lowest to the highest seed when there are several.
 */
export function lossChartSpec(optimizer: SweepOptimizer, runs: readonly RunResult[], targetLoss?: number): TopLevelSpec {
  const values = runs.flatMap((run) => run.lossCurve.map(({ step, loss }) => ({
    setting: momentumLabel(optimizer, run.config.momentum),
    seed: run.config.seed,
    step,
    loss,
  })));
  const x = { field: 'step', type: 'quantitative', title: 'step' } as const;
  const color = colour(optimizer, runs);
  const line = {
    mark: { type: 'line', strokeWidth: 1.5, clip: true },
    encoding: {
      x,
      y: { aggregate: 'mean', field: 'loss', type: 'quantitative', title: 'loss (log)', scale: { type: 'log' } },
      color,
    },
  } as const;
  const severalSeeds = new Set(runs.map((r) => r.config.seed)).size > 1;
  const band = {
    mark: { type: 'errorband', extent: 'min-max', opacity: 0.25, clip: true },
    encoding: { x, y: { field: 'loss', type: 'quantitative', title: 'loss (log)', scale: { type: 'log' } }, color },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Training loss (smoothed)',
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    data: { values },
    layer: [...(severalSeeds ? [band] : []), line, ...targetRule(targetLoss)],
  } as TopLevelSpec;
}

/** A dashed horizontal line at the target, when there is one. */
function targetRule(target: number | undefined) {
  if (target === undefined) return [];
  // Its own one-row data: with the chart's, it would draw one rule per row.
  return [{
    data: { values: [{}] },
    mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
    encoding: { y: { datum: target } },
  }] as const;
}

/**
 * Test accuracy against the epoch, one line per momentum (mean over seeds): a point at each evaluation,
 * every epoch's end and every `evalEvery` steps in between (fractional epochs).
 */
export function accuracyChartSpec(optimizer: SweepOptimizer, runs: readonly RunResult[], targetAccuracy?: number): TopLevelSpec {
  const values = runs.flatMap((run) => run.tests.map((t) => ({
    setting: momentumLabel(optimizer, run.config.momentum),
    seed: run.config.seed,
    epoch: t.epoch,
    accuracy: t.accuracy,
  })));
  const line = {
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { aggregate: 'mean', field: 'accuracy', type: 'quantitative', title: 'test accuracy', axis: { format: '.0%' }, scale: { zero: false } },
      color: colour(optimizer, runs),
    },
  } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Test accuracy',
    width: WIDTH,
    height: HEIGHT,
    background: 'white',
    data: { values },
    layer: [line, ...targetRule(targetAccuracy)],
  } as TopLevelSpec;
}

/** Renders a Vega-Lite spec to a standalone SVG string with vega's headless renderer (no DOM, no canvas). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

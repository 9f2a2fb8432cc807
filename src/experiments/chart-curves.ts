import type { TopLevelSpec } from 'vega-lite';
import { momentumColourEncoding, SCHEMA } from './chart-colours.js';
import { momentumLabel } from './labels.js';
import { downsample, smoothLoss } from './metrics.js';
import type { RunRecord, SweepOptimizer } from './types.js';

const WIDTH = 640;
const HEIGHT = 300;
/** Epoch ticks as fractions: 0.25, not 0.250000001. */
const EPOCH_AXIS = { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { format: '.2~f' } } as const;

/** Lines (the mean over seeds) and, with several seeds, a band from the lowest to the highest seed. */
function meanAndBand(y: Record<string, unknown>, colour: object, severalSeeds: boolean) {
  const line = { mark: { type: 'line', strokeWidth: 1.6, clip: true }, encoding: { x: EPOCH_AXIS, y: { aggregate: 'mean', ...y }, color: colour } };
  const band = { mark: { type: 'errorband', extent: 'min-max', opacity: 0.2, clip: true }, encoding: { x: EPOCH_AXIS, y, color: colour } };
  return severalSeeds ? [band, line] : [line];
}

/**
 * The smoothed training loss against the (fractional) epoch on a log axis fitted to the data: from the
 * lowest value to a little above the highest starting loss, so an exploding run is clipped, not the scale.
 */
export function lossChartSpec(optimizer: SweepOptimizer, runs: readonly RunRecord[], smoothing: number, title = 'Training loss (smoothed)'): TopLevelSpec {
  const values = runs.flatMap((run) => downsample(smoothLoss(run.loss, smoothing)).map(({ step, loss }) => ({
    setting: momentumLabel(optimizer, run.config.momentum), seed: run.config.seed, epoch: step / run.stepsPerEpoch, loss,
  })));
  const losses = values.map((v) => v.loss);
  const starts = runs.map((r) => r.loss[0]).filter((x): x is number => x !== null && x !== undefined);
  const domain = losses.length === 0 ? undefined : [Math.min(...losses) * 0.9, Math.max(...starts, Math.min(...losses)) * 1.15];
  const y = { field: 'loss', type: 'quantitative', title: 'training loss (log)', scale: { type: 'log', domain, nice: false } };
  const colour = momentumColourEncoding(optimizer, runs.map((r) => r.config.momentum));
  return {
    $schema: SCHEMA, title, width: WIDTH, height: HEIGHT, background: 'white',
    data: { values },
    layer: meanAndBand(y, colour, new Set(runs.map((r) => r.config.seed)).size > 1),
  } as TopLevelSpec;
}

/**
 * Validation accuracy at each evaluation against the (fractional) epoch; the axis starts at the lowest
 * value the settings that trained reached after a quarter of the run, so a collapsed run is clipped.
 */
export function accuracyChartSpec(
  optimizer: SweepOptimizer, runs: readonly RunRecord[], trained: (run: RunRecord) => boolean, target: number | undefined,
  title = 'Validation accuracy',
): TopLevelSpec {
  const values = runs.flatMap((run) => run.evaluations.map((e) => ({
    setting: momentumLabel(optimizer, run.config.momentum), seed: run.config.seed, epoch: e.epoch, accuracy: e.validation.accuracy,
  })));
  const late = runs.filter(trained).flatMap((run) => run.evaluations.filter((e) => e.step >= run.steps / 4).map((e) => e.validation.accuracy));
  const low = late.length === 0 ? 0 : Math.floor(Math.min(...late) * 50) / 50;
  const high = Math.min(1, Math.ceil(Math.max(low + 0.02, target ?? 0, ...late) * 100) / 100);
  const y = { field: 'accuracy', type: 'quantitative', title: 'validation accuracy', axis: { format: '.0%' }, scale: { domain: [low, high], nice: false } };
  const colour = momentumColourEncoding(optimizer, runs.map((r) => r.config.momentum));
  const rule = target === undefined ? [] : [{
    // Its own one-row data: with the chart's, it would draw one rule per row.
    data: { values: [{}] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#888', clip: true }, encoding: { y: { datum: target } },
  }];
  return {
    $schema: SCHEMA, title, width: WIDTH, height: HEIGHT, background: 'white',
    data: { values },
    layer: [...meanAndBand(y, colour, new Set(runs.map((r) => r.config.seed)).size > 1), ...rule],
  } as TopLevelSpec;
}

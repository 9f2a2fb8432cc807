import type { TopLevelSpec } from 'vega-lite';
import { SCHEMA } from './chart-colours.js';
import { momentumSymbol, wholeSteps, withInterval } from './labels.js';
import type { PartResult, SweepOptimizer } from './types.js';

/**
 * The tuned part's grid: one cell per μ and lr, coloured by the mean steps to the validation target (all
 * seeds reached it), grey with the status or "k of n" where not; the lr chosen for each μ is outlined.
 */
export function heatmapSpec(optimizer: SweepOptimizer, part: PartResult, targetLabel: string): TopLevelSpec {
  const chosen = new Set((part.choices ?? []).map((c) => `${c.momentum}|${c.lr}`));
  const values = part.settings.map((s) => {
    const e = s.stepsToTarget.estimate;
    const failed = s.status.status !== 'ok';
    const text = failed ? s.status.status
      : e ? withInterval(e, wholeSteps)
        : s.stepsToTarget.reached === 0 ? 'never' : `${s.stepsToTarget.reached} of ${s.stepsToTarget.of}`;
    return {
      momentum: String(s.momentum), lr: String(s.lr), lrValue: s.lr, momentumValue: s.momentum,
      steps: failed || !e ? null : e.mean, text, chosen: chosen.has(`${s.momentum}|${s.lr}`), failed,
    };
  });
  const x = { field: 'lr', type: 'ordinal', title: 'lr', sort: { field: 'lrValue' } } as const;
  const y = { field: 'momentum', type: 'ordinal', title: momentumSymbol(optimizer), sort: { field: 'momentumValue', order: 'descending' } } as const;
  return {
    $schema: SCHEMA,
    title: `Steps to ${targetLabel} (mean ± 95% interval), by ${momentumSymbol(optimizer)} and lr`,
    width: { step: 78 }, height: { step: 30 }, background: 'white',
    data: { values },
    encoding: { x, y },
    layer: [
      { transform: [{ filter: 'datum.steps === null' }], mark: { type: 'rect', color: '#e9ecef' } },
      {
        transform: [{ filter: 'datum.steps !== null' }],
        mark: { type: 'rect' },
        encoding: { color: { field: 'steps', type: 'quantitative', title: 'steps', scale: { range: ['#69db7c', '#fff3bf'] } } },
      },
      { transform: [{ filter: 'datum.chosen' }], mark: { type: 'rect', fill: null, stroke: '#000', strokeWidth: 2.5 } },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { field: 'text' },
          color: { condition: { test: 'datum.failed', value: '#c92a2a' }, value: '#111' },
        },
      },
    ],
  } as TopLevelSpec;
}

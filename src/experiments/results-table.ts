import { momentumLabel, percent, steps } from './labels.js';
import type { SettingSummary, Stat, SweepConfig } from './types.js';

export const TABLE_HEADER = [
  'setting', 'lr', 'lr / (1 − μ)', 'steps to loss target', 'steps to accuracy target', 'final test accuracy', 'seconds', 'diverged',
];

function short(x: number): string {
  return String(Number(x.toPrecision(4)));
}

function stepsCell(s: Stat | null, seeds: number): string {
  if (s === null) return 'never';
  const spread = s.n > 1 ? ` ± ${steps(s.std)}` : '';
  const share = s.n < seeds ? ` (${s.n} of ${seeds} seeds)` : '';
  return `${steps(s.mean)}${spread}${share}`;
}

function accuracyCell(s: Stat | null): string {
  if (s === null) return '—';
  return s.n > 1 ? `${percent(s.mean)} ± ${percent(s.std)}` : percent(s.mean);
}

function divergedCell(s: SettingSummary): string {
  if (s.diverged === 0) return 'no';
  const at = `at step ${s.firstDivergedStep}`;
  return s.seeds.length > 1 ? `${s.diverged} of ${s.seeds.length} seeds, first ${at}` : at;
}

/** The metrics table as text cells, one row per momentum: the HTML report and the CLI print the same. */
export function tableRows(config: SweepConfig, settings: readonly SettingSummary[]): string[][] {
  return settings.map((s) => [
    momentumLabel(config.optimizer, s.momentum),
    short(s.lr),
    config.optimizer === 'adam' ? '—' : short(s.lr / (1 - s.momentum)),
    stepsCell(s.stepsToTargetLoss, s.seeds.length),
    stepsCell(s.stepsToTargetAccuracy, s.seeds.length),
    accuracyCell(s.finalTestAccuracy),
    s.seconds === null ? '—' : s.seconds.mean.toFixed(1),
    divergedCell(s),
  ]);
}

/** Fixed-width text columns, for a terminal. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

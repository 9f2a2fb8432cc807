import { formatSummary, percent, table } from '../report/format.js';
import type { CnnResults } from './cnn-suite.js';

/** The CNN suite as markdown: conv GEMMs against the ceiling, the epoch against PyTorch, the step breakdown. */
export function cnnReport(c: CnnResults | null | undefined): string {
  if (!c) return '';
  const gemms = c.convGemms.map((r) => [r.layer, r.pass, r.gflopPerCall.toFixed(3), formatSummary(r.gflops), percent(r.ofCeiling)]);
  const threads = (n: number) => `${n} thread${n === 1 ? '' : 's'}`;
  const epochRows = c.epochs.flatMap((e) => [
    [`heavyball, wasm standard SIMD, ${threads(e.threads)}`, formatSummary(e.heavyball, 1)],
    [`${e.torchNote}, ${threads(e.threads)}`, e.torch ? formatSummary(e.torch, 1) : '—'],
  ]);
  const ratios = c.epochs.map((e) => e.ratio === null
    ? `${threads(e.threads)}: PyTorch did not run, so there is no ratio.`
    : `${threads(e.threads)}: ${e.ratio.toFixed(2)}×`);
  const b = c.breakdown;
  const parts = b.parts.map((p) => [p.name, p.msPerStep.toFixed(2), percent(p.msPerStep / b.msPerStep)]);
  parts.push(['**step**', b.msPerStep.toFixed(2), '100%']);
  return [
    `### CNN: the default MNIST CNN's conv layers, batch 128 (GEMM GFLOP/s; mul+add ceiling ${formatSummary(c.ceiling)} in the same rounds)`,
    '',
    table(['layer', 'pass', 'GFLOP per call', 'GFLOP/s', 'of ceiling'], gemms),
    '',
    `### CNN: seconds per MNIST epoch (469 steps of 128, SGD momentum 0.9), from ${c.epochs[0]!.steps}-step runs interleaved heavyball / PyTorch on the same threads`,
    '',
    table(['trainer', 's/epoch'], epochRows),
    '',
    `heavyball ÷ PyTorch (the median of the rounds' ratios, each pair run back to back): ${ratios.join('; ')}.`,
    '',
    `### Where a CNN training step's time goes (${b.steps} steps, every kernel call timed; the input-gradient GEMM runs inside convInputGrad)`,
    '',
    table(['part', 'ms/step', 'share'], parts),
  ].join('\n');
}

import { revectorizedCeilingReport } from '../ceiling/revectorized-report.js';
import { cnnReport } from '../cnn/cnn-report.js';
import { threadsMarkdown } from '../threads/threads-suite.js';
import { gemmBackends } from '../gemm/gemm-suite.js';
import { formatSummary, percent, ratio, table } from './format.js';
import type { BenchResults } from './results.js';

/** The run as markdown: machine, targets, then one table per suite. */
export function markdownReport(r: BenchResults): string {
  return [header(r), targets(r), ceiling(r), gemm(r), revectorizedCeilingReport(r.revectorizedCeiling), optim(r), training(r), breakdowns(r), cnnReport(r.cnn),
    r.threads ? threadsMarkdown(r.threads) : '']
    .filter((s) => s !== '').join('\n\n') + '\n';
}

function header({ machine: m, mode, seconds, tfjs, settings }: BenchResults): string {
  const tf = tfjs ? `TensorFlow.js ${tfjs.version} wasm backend (${tfjs.simd ? 'SIMD' : 'no SIMD'}, ${tfjs.threads ? 'threads' : 'one thread'})` : 'TensorFlow.js not measured';
  return [
    `## heavyball benchmark, ${m.date.slice(0, 10)} (${mode} run, ${(seconds / 60).toFixed(1)} min)`,
    '',
    `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}; Node ${m.node} (V8 ${m.v8}); ${tf}. `
      + `Load average at the start: ${m.loadAverage.toFixed(1)}${m.loadAverage > 0.5 * m.cores ? ' (busy: other work disturbed these figures)' : ''}.`,
    `Medians of up to ${settings.samples} interleaved samples (at least ${settings.minSamples}; training: ${settings.trainingSamples} runs), min–max in brackets.`,
  ].join('\n');
}

function targets({ targets: checks }: BenchResults): string {
  if (checks.length === 0) return '';
  const mark = (pass: boolean | null) => (pass === null ? 'not measured' : pass ? 'pass' : '**FAIL**');
  const passed = checks.filter((c) => c.pass === true).length;
  return `### Targets (${passed} of ${checks.length} pass)\n\n${table(['target', 'measured', ''], checks.map((c) => [c.target, c.measured, mark(c.pass)]))}`;
}

function ceiling({ ceiling: c }: BenchResults): string {
  if (!c) return '';
  const rows = [['f32x4 mul + add', c.mulAdd.name, formatSummary(c.mulAdd.gflops)]];
  rows.push(c.fma ? ['f32x4 relaxed FMA', c.fma.name, formatSummary(c.fma.gflops)] : ['f32x4 relaxed FMA', 'unsupported', '—']);
  const all = c.variants.map((v) => `${v.name} ${v.gflops.median.toFixed(1)}`).join(', ');
  return `### Arithmetic ceiling of WebAssembly SIMD (one core, this run)\n\n${table(['kind', 'best variant', 'GFLOP/s'], rows)}\n\n`
    + `All variants (median GFLOP/s): ${all}. The GEMM table samples the two best again, in the rounds of all its products.`;
}

function gemm({ gemm: rows }: BenchResults): string {
  if (!rows) return '';
  const body = rows.map((row) => {
    const cell = (b: (typeof gemmBackends)[number]) => formatSummary(row.gflops[b]);
    return [
      row.shape, row.transpose, row.role ?? '',
      `${cell('wasm standard')} · ${percent(row.ofCeiling.standard)}`,
      row.gflops['wasm relaxed'] ? `${cell('wasm relaxed')} · ${percent(row.ofCeiling.relaxed)}` : '—',
      cell('js'), cell('tf.js wasm'),
      ratio(row.gflops['wasm standard']?.median, row.gflops['tf.js wasm']?.median),
      `${row.ceiling.mulAdd.median.toFixed(1)} / ${row.ceiling.fma?.median.toFixed(1) ?? '—'}`,
    ];
  });
  return `### GEMM, GFLOP/s (· % of the ceiling sampled in the same rounds: mul+add for standard, FMA for relaxed)\n\n${
    table(['m×n×k', 'op', 'training role', 'wasm standard', 'wasm relaxed', 'js', 'tf.js wasm', 'standard ÷ tf.js', 'ceilings mul+add / FMA'], body)}`;
}

function optim({ optim: rows }: BenchResults): string {
  if (!rows) return '';
  const body = rows.map((row) => {
    const wasm = row.mparams['wasm standard']?.median;
    return [
      row.update, row.params.toLocaleString('en-US'), String(row.bytesPerParam),
      formatSummary(row.mparams['wasm standard'], 0), formatSummary(row.gbps['wasm standard']),
      formatSummary(row.gbps['memory.copy']),
      percent((row.gbps['wasm standard']?.median ?? NaN) / (row.gbps['memory.copy']?.median ?? NaN)),
      formatSummary(row.gbps['v128 copy loop']),
      percent((row.gbps['wasm standard']?.median ?? NaN) / (row.gbps['v128 copy loop']?.median ?? NaN)),
      formatSummary(row.mparams['sqrt+div bound'], 0),
      row.mparams['sqrt+div bound'] ? percent((wasm ?? NaN) / row.mparams['sqrt+div bound'].median) : '—',
      formatSummary(row.mparams.js, 0), ratio(wasm, row.mparams.js?.median),
      formatSummary(row.mparams['tf.js wasm'], 0), ratio(wasm, row.mparams['tf.js wasm']?.median),
    ];
  });
  return `### Optimizer updates (one fused pass over the parameters)\n\n${table([
    'update', 'params', 'bytes/param', 'wasm Mparam/s', 'wasm GB/s', 'memory.copy GB/s', 'of memory.copy', 'v128 copy loop GB/s',
    'of v128 loop', 'sqrt+div bound Mparam/s', 'of bound', 'js Mparam/s', 'wasm ÷ js',
    'tf.js Mparam/s', 'wasm ÷ tf.js'], body)}`;
}

function training({ training: t }: BenchResults): string {
  if (!t) return '';
  const body = t.rows.map((row) => [
    row.name, row.note,
    row.error ? `failed: ${row.error.split('\n')[0]}` : formatSummary(row.secondsPerEpoch, 2),
    formatSummary(row.samplesPerSecond, 0),
    row.fullEpoch ? 'full epochs' : `${row.steps} steps, scaled`,
    row.peakRssMiB === null ? '—' : row.peakRssMiB.toFixed(0),
    row.lastLoss === null ? '—' : row.lastLoss.toFixed(3),
    row.testAccuracy === null ? '—' : `${(row.testAccuracy * 100).toFixed(1)}%`,
  ]);
  return `### Training: MNIST, 784-256-128-10, batch 128, SGD momentum 0.9 (each configuration in its own process)\n\n${
    table(['configuration', 'backend', 's/epoch', 'samples/s', 'measured on', 'peak RSS MiB', 'train loss (last run)', 'test accuracy'], body)}`;
}

function breakdowns({ training: t }: BenchResults): string {
  if (!t || t.breakdowns.length === 0) return '';
  return t.breakdowns.map((b) => {
    const parts = [...b.parts].sort((x, y) => y.msPerStep - x.msPerStep);
    const body = parts.map((p) => [p.name, p.msPerStep.toFixed(3), percent(p.msPerStep / b.msPerStep)]);
    body.push(['**step**', b.msPerStep.toFixed(3), '100%']);
    return `### Where a training step's time goes: ${b.name} (${b.steps} steps, every kernel call timed)\n\n${table(['part', 'ms/step', 'share'], body)}`;
  }).join('\n\n');
}

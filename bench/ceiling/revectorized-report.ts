import { formatSummary, percent, ratio, table } from '../report/format.js';
import type { RevectorizedCeiling, SampledVariant } from './revectorized-reply.js';

/** The Node 24 ceilings, 128-bit and paired, and the GEMM against them; '' for results without them. */
export function revectorizedCeilingReport(measured: RevectorizedCeiling | null | undefined): string {
  if (!measured) return '';
  const title = '### Arithmetic ceiling on Node 24 with the revectorizer (one core)';
  const errors = measured.errors.map((e) => `- not measured: ${e.split('\n')[0]}`);
  const r = measured.reply;
  if (!r) return [title, '', ...errors].join('\n');
  const row = (kind: string, narrow: SampledVariant | null, paired: SampledVariant | null) => [
    kind, narrow?.name ?? '—', formatSummary(narrow?.gflops), paired?.name ?? '—', formatSummary(paired?.gflops),
    ratio(paired?.gflops.median, narrow?.gflops.median),
  ];
  const ceilings = table(['kind', '128-bit chains', 'GFLOP/s', 'paired chains', 'GFLOP/s', 'paired ÷ 128-bit'], [
    row('f32x4 mul + add', r.mulAdd, r.pairedMulAdd),
    row('f32x4 relaxed FMA', r.fma, r.pairedFma),
  ]);
  const tiles = r.wideTiles === undefined ? '' : r.wideTiles ? ', 4×16 tiles' : ', 4×8 tiles';
  const ofBuild = (simd: 'standard' | 'relaxed') => r.gemm.filter((g) => (g.simd ?? 'standard') === simd);
  const gemm = table([`GEMM, standard build${tiles} (training shape)`, 'training role', 'GFLOP/s', 'of paired mul+add', 'of 128-bit mul+add'],
    ofBuild('standard').map((g) => [`${g.shape} ${g.transpose}`, g.role, formatSummary(g.gflops),
      percent(g.gflops.median / r.pairedMulAdd.gflops.median), percent(g.gflops.median / r.mulAdd.gflops.median)]));
  const fma = r.pairedFma, relaxedRows = ofBuild('relaxed');
  const relaxedGemm = fma && r.fma && relaxedRows.length
    ? ['', table([`GEMM, relaxed build${tiles} (training shape)`, 'training role', 'GFLOP/s', 'of paired FMA', 'of 128-bit FMA'],
      relaxedRows.map((g) => [`${g.shape} ${g.transpose}`, g.role, formatSummary(g.gflops),
        percent(g.gflops.median / fma.gflops.median), percent(g.gflops.median / r.fma!.gflops.median)]))]
    : [];
  const all = r.variants.map((v) => `${v.name} ${v.gflops.median.toFixed(1)}`).join(', ');
  return [title, '',
    `Node ${r.node}, revectorizer ${r.revectorizer ? 'on' : '**off** (the library turned it off)'}, in a child process: `
      + 'the best variant of each kind and the one-thread GEMMs sampled in the same rounds. Paired chains store '
      + 'their results side by side, which the revectorizer fuses into 256-bit operations, as it does the GEMM.',
    '', ceilings, '', gemm, ...relaxedGemm, '', `All variants (median GFLOP/s): ${all}.`,
    ...(errors.length ? ['', ...errors] : [])].join('\n');
}

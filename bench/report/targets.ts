import { transposes } from '../gemm/gemm-shapes.js';
import type { BenchResults, TargetCheck } from './results.js';
import { percent } from './format.js';
import { epochSpeedup, simdOf, type ThreadsResults, times } from '../threads/threads-suite.js';

export const TARGETS = {
  gemmOfCeiling: 0.85,
  transposeSpread: 0.1,
  optimOfCopy: 0.8,
  optimOverJs: 10,
  epochSeconds: 2.5,
  peakRssMiB: 150,
  cnnOverTorch: 1.5,
  gemmTwoThreads: 1.8,
  epochTwoThreads: 1.7,
  allCoresOverNumpy: 1.0,
} as const;

/** The issue's targets, judged on medians. */
export function checkTargets(r: BenchResults): TargetCheck[] {
  return [...gemmTargets(r), ...optimTargets(r), ...trainingTargets(r), ...cnnTargets(r), ...threadsTargets(r)];
}

function gemmTargets({ gemm, ceiling }: BenchResults): TargetCheck[] {
  if (!gemm || !ceiling) return [];
  const checks: TargetCheck[] = [];
  const roles = gemm.filter((row) => row.training && row.role);
  for (const row of roles) {
    const of = row.ofCeiling.standard;
    checks.push({
      target: `GEMM standard, ${row.role} (${row.transpose} ${row.shape}) ≥ ${percent(TARGETS.gemmOfCeiling)} of mul+add ceiling`,
      measured: `${row.gflops['wasm standard']?.median.toFixed(1)} GFLOP/s = ${percent(of)}`,
      pass: of === null ? null : of >= TARGETS.gemmOfCeiling,
    });
  }
  // Compared as fractions of the ceiling sampled beside each product, so a moment of load on the
  // machine during one transpose's rounds does not pass for a slow transpose.
  for (const shape of new Set(gemm.filter((row) => row.training).map((row) => row.shape))) {
    const byTranspose = transposes.map((t) => gemm.find((row) => row.shape === shape && row.transpose === t));
    const fractions = byTranspose.map((row) => row?.ofCeiling.standard ?? NaN);
    const spread = fractions.every(Number.isFinite) ? Math.max(...fractions) / Math.min(...fractions) - 1 : null;
    const measured = transposes.map((t, i) => `${t} ${byTranspose[i]?.gflops['wasm standard']?.median.toFixed(1) ?? '—'} (${percent(fractions[i])})`);
    checks.push({
      target: `GEMM standard ${shape}: no transpose > ${percent(TARGETS.transposeSpread)} slower than another`,
      measured: `${measured.join(', ')}: ${spread === null ? '—' : `spread ${percent(spread)}`}`,
      pass: spread === null ? null : spread <= TARGETS.transposeSpread,
    });
  }
  if (ceiling.fma) {
    for (const row of roles) {
      const of = row.ofCeiling.relaxed;
      checks.push({
        target: `GEMM relaxed, ${row.role} (${row.transpose} ${row.shape}) ≥ ${percent(TARGETS.gemmOfCeiling)} of FMA ceiling`,
        measured: of === null ? '—' : `${row.gflops['wasm relaxed']?.median.toFixed(1)} GFLOP/s = ${percent(of)}`,
        pass: of === null ? null : of >= TARGETS.gemmOfCeiling,
      });
    }
  }
  return checks;
}

function optimTargets({ optim }: BenchResults): TargetCheck[] {
  if (!optim) return [];
  return optim.flatMap((row) => {
    const label = `${row.update}, ${row.params.toExponential(0).replace('e+', 'e')} params`;
    const wasm = row.gbps['wasm standard']?.median;
    const copy = row.gbps['memory.copy']?.median;
    const js = row.mparams.js?.median;
    const wasmM = row.mparams['wasm standard']?.median;
    const ofCopy = wasm !== undefined && copy ? wasm / copy : null;
    const bound = row.mparams['sqrt+div bound']?.median;
    const ofBound = bound && wasmM !== undefined ? `; ${percent(wasmM / bound)} of its sqrt+div bound` : '';
    const overJs = wasmM !== undefined && js ? wasmM / js : null;
    return [
      {
        target: `${label}: ≥ ${percent(TARGETS.optimOfCopy)} of memory.copy bandwidth`,
        measured: `${wasm?.toFixed(1)} of ${copy?.toFixed(1)} GB/s = ${percent(ofCopy)}${ofBound}`,
        pass: ofCopy === null ? null : ofCopy >= TARGETS.optimOfCopy,
      },
      {
        target: `${label}: ≥ ${TARGETS.optimOverJs}× the js backend`,
        measured: overJs === null ? '—' : `${overJs.toFixed(1)}×`,
        pass: overJs === null ? null : overJs >= TARGETS.optimOverJs,
      },
    ];
  });
}

function trainingTargets({ training }: BenchResults): TargetCheck[] {
  if (!training) return [];
  return training.rows.filter((row) => row.name === 'wasm standard' || row.name === 'wasm relaxed').flatMap((row) => {
    const seconds = row.secondsPerEpoch?.median;
    return [
      {
        target: `training ${row.name}: MNIST epoch ≤ ${TARGETS.epochSeconds} s${row.fullEpoch ? '' : ' (scaled from a subset)'}`,
        measured: seconds === undefined ? (row.error ? 'failed' : '—') : `${seconds.toFixed(2)} s`,
        pass: seconds === undefined ? null : seconds <= TARGETS.epochSeconds,
      },
      {
        target: `training ${row.name}: peak RSS ≤ ${TARGETS.peakRssMiB} MiB`,
        measured: row.peakRssMiB === null ? '—' : `${row.peakRssMiB.toFixed(0)} MiB`,
        pass: row.peakRssMiB === null ? null : row.peakRssMiB <= TARGETS.peakRssMiB,
      },
    ];
  });
}

function cnnTargets({ cnn }: BenchResults): TargetCheck[] {
  if (!cnn) return [];
  const checks: TargetCheck[] = cnn.convGemms.map((row) => ({
    target: `CNN ${row.layer} ${row.pass}: ≥ ${percent(TARGETS.gemmOfCeiling)} of mul+add ceiling`,
    measured: `${row.gflops.median.toFixed(1)} GFLOP/s = ${percent(row.ofCeiling)}`,
    pass: row.ofCeiling >= TARGETS.gemmOfCeiling,
  }));
  const one = cnn.epochs.find((e) => e.threads === 1);
  if (one) {
    checks.push({
      target: `CNN epoch, 1 thread: ≤ ${TARGETS.cnnOverTorch}× PyTorch's`,
      measured: one.ratio === null ? one.torchNote : `${one.heavyball.median.toFixed(1)} s vs ${one.torch!.median.toFixed(1)} s = ${one.ratio.toFixed(2)}×`,
      pass: one.ratio === null ? null : one.ratio <= TARGETS.cnnOverTorch,
    });
  }
  return checks;
}

function threadsTargets({ threads }: BenchResults): TargetCheck[] {
  if (!threads) return [];
  const checks: TargetCheck[] = threads.gemm.map((row) => ({
    target: `GEMM ${row.transpose} ${row.shape}: 2 threads ≥ ${TARGETS.gemmTwoThreads}× one`,
    measured: `${row.speedup.toFixed(2)}× (two independent ones at once: ${times(row.twoAtOnce)})`,
    pass: row.speedup >= TARGETS.gemmTwoThreads,
  }));
  const atOnce = threads.gemm.map((row) => row.twoAtOnce).filter((ratio) => ratio !== undefined);
  const gemmsGive = atOnce.length ? ` (two independent training GEMMs at once: ${times(Math.min(...atOnce))}–${times(Math.max(...atOnce))})` : '';
  // The default build's speedup; the relaxed build's is in the threads table.
  for (const node of new Set(threads.epochs.map((e) => e.node))) {
    const speedup = epochSpeedup(threads, node);
    const epochsGive = threads.epochsAtOnce?.find((a) => a.node === node)?.gain.median;
    const takenOver = threads.epochs.find((e) => e.node === node && e.threads === 2 && simdOf(e) === 'standard')?.takenOver?.median;
    const callsTaken = takenOver === undefined ? '' : `; worker calls the caller ran: ${(takenOver * 100).toFixed(1)}%`;
    const coresGive = epochsGive === undefined ? gemmsGive : ` (two 1-thread runs at once: ${times(epochsGive)}${callsTaken})`;
    checks.push({
      target: `MLP epoch on Node ${node}, standard SIMD: 2 threads ≥ ${TARGETS.epochTwoThreads}× one`,
      measured: speedup === null ? '—' : `${speedup.toFixed(2)}×${coresGive}`,
      pass: speedup === null ? null : speedup >= TARGETS.epochTwoThreads,
    });
  }
  // heavyball's fastest way on Node 24 with every core: relaxed SIMD's FMA where it is faster, as numpy's BLAS uses FMA.
  const allCores = threads.epochs.filter((e) => e.node.startsWith('24.') && e.threads === threads.cores)
    .reduce<ThreadsResults['epochs'][number] | undefined>((best, e) =>
      (best === undefined || e.secondsPerEpoch.median < best.secondsPerEpoch.median ? e : best), undefined);
  const numpy = threads.peers.find((p) => /^numpy/.test(p.label) && /openblas/i.test(p.label));
  checks.push({
    target: `MLP epoch on Node 24, all ${threads.cores} cores (its fastest SIMD): ≤ ${TARGETS.allCoresOverNumpy}× numpy on one OpenBLAS thread`,
    measured: allCores && numpy
      ? `${simdOf(allCores)} SIMD ${allCores.secondsPerEpoch.median.toFixed(2)} s vs ${numpy.secondsPerEpoch.median.toFixed(2)} s = ${(allCores.secondsPerEpoch.median / numpy.secondsPerEpoch.median).toFixed(2)}×`
      : `${allCores ? '' : 'no Node 24 run'}${!allCores && !numpy ? '; ' : ''}${numpy ? '' : 'no numpy on OpenBLAS'}`,
    pass: allCores && numpy ? allCores.secondsPerEpoch.median / numpy.secondsPerEpoch.median <= TARGETS.allCoresOverNumpy : null,
  });
  return checks;
}

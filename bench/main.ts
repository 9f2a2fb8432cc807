import { join } from 'node:path';
import { createEngine } from '../src/engine/engine.js';
import { type Ceiling, measureCeiling } from './ceiling/ceiling-suite.js';
import type { RevectorizedCeiling } from './ceiling/revectorized-reply.js';
import { measureRevectorizedCeiling } from './ceiling/revectorized-suite.js';
import { type CnnResults, measureCnn } from './cnn/cnn-suite.js';
import { type GemmRow, measureGemm } from './gemm/gemm-suite.js';
import { progress } from './harness/log.js';
import { describeMachine } from './harness/machine.js';
import { compileWasmOptimizedOnly } from './harness/optimizing-tier.js';
import { parseOptions } from './harness/options.js';
import { measureOptimizers, type OptimRow } from './optim/optim-suite.js';
import { markdownReport } from './report/markdown-report.js';
import type { BenchResults } from './report/results.js';
import { readResults, writeBenchmarkDocs, writeResults } from './report/write-results.js';
import { checkTargets } from './report/targets.js';
import { loadTfjsWasm, tfjsWasmFlags } from './tfjs/load-tfjs.js';
import { measureThreads } from './threads/threads-suite.js';
import { measureTraining, type TrainingResults } from './training/training-suite.js';

/**
 * Runs the suites asked for in `argv`, replaces `<outDir>/latest.json` and docs/benchmarks.md with this
 * run's figures and prints the markdown report; with --report, only regenerates the page from latest.json.
 */
export async function runBench(root: string, argv: readonly string[]): Promise<void> {
  const started = performance.now();
  const options = parseOptions(argv, join(root, 'bench', 'results'));
  if (options.report) {
    progress(`written: ${await writeBenchmarkDocs(await readResults(options.outDir), root)}`);
    return;
  }
  compileWasmOptimizedOnly();
  const { settings, suites } = options;
  const machine = describeMachine();
  progress(`heavyball bench (${settings.quick ? 'quick' : 'full'}) on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}`);

  const needsEngines = suites.has('gemm') || suites.has('optim');
  const engines = needsEngines ? {
    // One thread: these suites measure the kernels against the one-core ceiling (threads: the threads suite).
    standard: await createEngine({ simd: 'standard', threads: 1 }),
    relaxed: await createEngine({ simd: 'relaxed', threads: 1 }).then((e) => (e.simd === 'relaxed' ? e : null)),
    js: await createEngine({ backend: 'js' }),
  } : null;
  const tf = needsEngines ? await loadTfjsWasm() : null;

  const ceiling: Ceiling | null = suites.has('ceiling') ? measureCeiling(settings) : null;
  const gemm: GemmRow[] | null = suites.has('gemm') && engines && ceiling ? measureGemm(settings, engines, tf, ceiling) : null;
  // Node 24's ceilings and GEMM, in a child of their own (its V8 flags), compared with each other there.
  const revectorizedCeiling: RevectorizedCeiling | null = suites.has('gemm')
    ? await measureRevectorizedCeiling(settings, root, new URL('./ceiling-child.mjs', import.meta.url)) : null;
  const optim: OptimRow[] | null = suites.has('optim') && engines ? measureOptimizers(settings, engines, tf) : null;
  const training: TrainingResults | null = suites.has('training')
    ? await measureTraining(settings, new URL('./training-child.mjs', import.meta.url)) : null;
  const cnn: CnnResults | null = suites.has('cnn') && ceiling ? await measureCnn(settings, ceiling, root) : null;

  const threads = suites.has('threads') ? await measureThreads(settings, root, new URL('./threads-epoch.mjs', import.meta.url),
    new URL('./threads-pair.mjs', import.meta.url)) : null;

  const results: BenchResults = {
    machine,
    mode: settings.quick ? 'quick' : 'full',
    settings,
    seconds: (performance.now() - started) / 1000,
    tfjs: tf ? { version: tf.version.tfjs, ...(await tfjsWasmFlags(tf)) } : null,
    ceiling,
    gemm,
    revectorizedCeiling,
    optim,
    training,
    cnn,
    threads,
    targets: [],
  };
  results.targets = checkTargets(results);
  const file = await writeResults(results, options.outDir);
  const docs = await writeBenchmarkDocs(results, root);
  process.stdout.write(markdownReport(results));
  progress(`results: ${file} and ${docs} (${results.seconds.toFixed(0)} s)`);
}

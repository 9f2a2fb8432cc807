import { availableParallelism } from 'node:os';
import { type Dataset, subset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist-node.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { mnistCnn, sequential } from '../../src/nn/index.js';
import { SGD } from '../../src/optim/sgd.js';
import { fit } from '../../src/train/fit.js';
import { type Ceiling, ceilingContender } from '../ceiling/ceiling-suite.js';
import type { DisposableContender } from '../harness/interleave.js';
import { progress } from '../harness/log.js';
import { SessionSamples } from '../harness/sessions.js';
import type { Settings } from '../harness/settings.js';
import { rates, type Summary, summarize } from '../harness/stats.js';
import { timeKernels } from '../training/kernel-timer.js';
import type { Breakdown } from '../training/protocol.js';
import { startTorchTrainer } from './torch-trainer.js';

const BATCH = 128;
const STEPS_PER_EPOCH = Math.ceil(60_000 / BATCH);

/** The default CNN's conv layers (mnistCnn) at batch 128: input [c, h, w], outC, k, padding. */
const convLayers = [
  { name: 'conv 1 (1→16, 5×5, 28×28)', inC: 1, inH: 28, inW: 28, outC: 16, k: 5, pad: 2, inputGrad: false },
  { name: 'conv 2 (16→32, 5×5, 14×14)', inC: 16, inH: 14, inW: 14, outC: 32, k: 5, pad: 2, inputGrad: true },
] as const;

export interface ConvGemmRow {
  layer: string;
  /** forward, weight grad or input grad. */
  pass: string;
  /** GEMM work per call: batch × 2·outC·(inC·k²)·(outH·outW). */
  gflopPerCall: number;
  gflops: Summary;
  /** Median GFLOP/s ÷ the mul+add ceiling's median over the same rounds. */
  ofCeiling: number;
}

/** The CNN's epoch, heavyball against PyTorch on the same number of threads. */
export interface CnnEpoch {
  threads: number;
  steps: number;
  /** Seconds per epoch (469 steps of 128), from interleaved samples of `steps` steps. */
  heavyball: Summary;
  torch: Summary | null;
  /** PyTorch's version, or why it did not run. */
  torchNote: string;
  /** The median over the rounds of heavyball ÷ PyTorch, each round's pair measured back to back. */
  ratio: number | null;
}

export interface CnnResults {
  convGemms: ConvGemmRow[];
  ceiling: Summary;
  /** One thread, then all cores (when there are more than one). */
  epochs: CnnEpoch[];
  breakdown: Breakdown;
}

/**
 * The CNN suite: each conv layer's GEMM passes of a training step against the in-run mul+add ceiling
 * (interleaved, one thread), the default CNN's training time against PyTorch's on one thread and on all
 * cores (interleaved runs of the same steps, both on the same number of threads), and where a one-thread
 * heavyball step's time goes.
 */
export async function measureCnn(settings: Settings, ceiling: Ceiling, root: string): Promise<CnnResults> {
  const engine = await createEngine({ simd: 'standard', threads: 1 });
  const convs = convComparison(engine, ceiling);
  const { train } = await loadMnist();
  const cores = availableParallelism();
  // The conv passes are sampled in three sessions, before, between and after the epoch comparisons: the
  // host's memory system is at times contended from outside for a minute or so, which slows the passes
  // but not the register-only ceiling, and one session would take its ratio from one such minute.
  convs.session(settings, 1);
  const epochs = [await compareWithTorch(settings, train, root, 1)];
  convs.session(settings, 2);
  if (cores > 1) epochs.push(await compareWithTorch(settings, train, root, cores));
  convs.session(settings, 3);
  const { convGemms, ceiling: ceilingRate } = convs.results();
  engine.dispose();
  const breakdown = await stepBreakdown(settings, train);
  return { convGemms, ceiling: ceilingRate, epochs, breakdown };
}

const CONV_SESSIONS = 3;

/** The conv passes and the mul+add ceiling as contenders, sampled in CONV_SESSIONS sessions (SessionSamples). */
function convComparison(engine: Engine, ceiling: Ceiling) {
  const k = engine.kernels;
  const mulAdd = ceilingContender('mul+add ceiling', ceiling.mulAdd.name);
  const rows: { layer: string; pass: string; gflopPerCall: number; contender: DisposableContender }[] = [];
  for (const l of convLayers) {
    const outH = l.inH + 2 * l.pad - l.k + 1, outW = l.inW + 2 * l.pad - l.k + 1;
    const K = l.inC * l.k * l.k;
    const floats = {
      x: BATCH * l.inC * l.inH * l.inW, w: l.outC * K, y: BATCH * l.outC * outH * outW,
      cols: k.convInputGradScratchBytes(l.inC, l.inH, l.inW, l.k, l.k, 1, l.pad) / 4,
      padded: l.inC * (l.inH + 2 * l.pad) * (l.inW + 2 * l.pad),
    };
    const ptr = Object.fromEntries(Object.entries(floats).map(([name, n]) => {
      const p = engine.alloc(n * 4);
      engine.f32(p, n).forEach((_, i, a) => (a[i] = Math.sin(i) * 0.5));
      return [name, p];
    })) as Record<keyof typeof floats, number>;
    const bias = engine.alloc(l.outC * 4);
    const geometry = [BATCH, l.inC, l.inH, l.inW, l.outC, l.k, l.k, 1, l.pad] as const;
    const gflopPerCall = (2 * BATCH * l.outC * K * outH * outW) / 1e9;
    const passes: [string, () => void][] = [
      ['forward (+bias, ReLU)', () => k.convForward(...geometry, ptr.x, ptr.w, bias, ptr.y, 1, engine.workspace, ptr.padded)],
      ['weight grad', () => k.convWeightGrad(...geometry, ptr.x, ptr.y, ptr.w, engine.workspace, ptr.padded)],
    ];
    if (l.inputGrad) passes.push(['input grad (GEMM + tap sums)', () => k.convInputGrad(...geometry, ptr.y, ptr.w, ptr.x, engine.workspace, ptr.cols)]);
    for (const [pass, call] of passes) {
      rows.push({
        layer: l.name, pass, gflopPerCall,
        contender: { name: `${l.name} ${pass}`, run: (reps) => { for (let r = 0; r < reps; r++) call(); }, dispose() {} },
      });
    }
  }
  const samples = new SessionSamples([mulAdd, ...rows.map((r) => r.contender)], CONV_SESSIONS);
  return {
    session(settings: Settings, session: number): void {
      progress(`cnn: ${rows.length} conv GEMM passes and the ceiling, interleaved (session ${session} of ${CONV_SESSIONS})`);
      samples.take(settings);
    },
    results(): { convGemms: ConvGemmRow[]; ceiling: Summary } {
      const ceilingRate = rates(samples.of(mulAdd.name), mulAdd.gflopsPerRun);
      const convGemms = rows.map(({ layer, pass, gflopPerCall, contender }) => {
        const gflops = rates(samples.of(contender.name), gflopPerCall);
        return { layer, pass, gflopPerCall, gflops, ofCeiling: gflops.median / ceilingRate.median };
      });
      return { convGemms, ceiling: ceilingRate };
    },
  };
}

async function heavyballRunner(train: Dataset, threads: number) {
  const engine = await createEngine({ simd: 'standard', threads });
  const model = sequential(engine, mnistCnn(), { seed: 1, maxBatch: BATCH, inputShape: train });
  const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  let runs = 0;
  return {
    engine,
    model,
    optimizer,
    async run(steps: number): Promise<number> {
      const offset = (runs++ * steps * BATCH) % (train.count - steps * BATCH);
      const start = performance.now();
      await fit(model, optimizer, subset(train, offset, offset + steps * BATCH), { batchSize: BATCH, seed: runs });
      return (performance.now() - start) / 1000;
    },
  };
}

async function compareWithTorch(settings: Settings, train: Dataset, root: string, threads: number): Promise<CnnEpoch> {
  const steps = settings.quick ? 10 : 40;
  const heavyball = await heavyballRunner(train, threads);
  const torch = await startTorchTrainer(root, threads);
  const hb: number[] = [];
  const pt: number[] = [];
  await heavyball.run(3);
  if ('run' in torch) await torch.run(3);
  // More rounds than the MLP's: each is only a few seconds, and the host's speed swings within a run.
  const rounds = settings.quick ? settings.trainingSamples : 2 * settings.trainingSamples - 1;
  for (let round = 1; round <= rounds; round++) {
    progress(`cnn: ${threads} thread(s), training round ${round} of ${rounds} (${steps} steps each, heavyball${'run' in torch ? ' then PyTorch' : ''})`);
    hb.push(await heavyball.run(steps));
    if ('run' in torch) pt.push(await torch.run(steps));
  }
  heavyball.engine.dispose();
  if ('run' in torch) torch.close();
  const perEpoch = (seconds: number[]) => summarize(seconds.map((s) => (s / steps) * STEPS_PER_EPOCH));
  const heavyballEpoch = perEpoch(hb);
  const torchEpoch = 'run' in torch ? perEpoch(pt) : null;
  return {
    threads,
    steps,
    heavyball: heavyballEpoch,
    torch: torchEpoch,
    torchNote: 'run' in torch ? `PyTorch ${torch.version}` : `PyTorch not run: ${torch.missing}`,
    ratio: torchEpoch ? summarize(hb.map((seconds, i) => seconds / pt[i]!)).median : null,
  };
}

async function stepBreakdown(settings: Settings, train: Dataset): Promise<Breakdown> {
  const steps = settings.quick ? 10 : 30;
  const engine = await createEngine({ simd: 'standard', threads: 1 });
  const timer = timeKernels(engine, [[1568, 128], [128, 10]]);
  const model = sequential(engine, mnistCnn(), { seed: 1, maxBatch: BATCH, inputShape: train });
  const optimizer = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  await fit(model, optimizer, subset(train, 0, 3 * BATCH), { batchSize: BATCH });
  timer.reset();
  const start = performance.now();
  await fit(model, optimizer, subset(train, 3 * BATCH, (3 + steps) * BATCH), { batchSize: BATCH });
  const msPerStep = (performance.now() - start) / steps;
  engine.dispose();
  const parts = [...timer.totals].map(([name, ms]) => ({ name, msPerStep: ms / steps })).sort((a, b) => b.msPerStep - a.msPerStep);
  parts.push({ name: 'rest (gather, bookkeeping, calls)', msPerStep: msPerStep - parts.reduce((s, p) => s + p.msPerStep, 0) });
  return { steps, msPerStep, parts };
}

import { progress } from '../harness/log.js';
import type { Settings } from '../harness/settings.js';
import { summarize, type Summary } from '../harness/stats.js';
import { BATCH, type Breakdown, MNIST_TRAIN, STEPS_PER_EPOCH, type TrainerName, trainerNames } from './protocol.js';
import { TrainingChild } from './training-child-process.js';

export interface TrainingRow {
  name: TrainerName;
  note: string;
  /** Batches per timed run: a full epoch, or a subset scaled to one. */
  steps: number;
  fullEpoch: boolean;
  secondsPerEpoch: Summary | null;
  samplesPerSecond: Summary | null;
  /** Peak RSS of this configuration's process (all of it: Node, the data, the model, the runs). */
  peakRssMiB: number | null;
  /** Mean training loss of the last timed run, and test accuracy after all runs (heavyball only). */
  lastLoss: number | null;
  testAccuracy: number | null;
  error?: string;
}

export interface TrainingResults {
  rows: TrainingRow[];
  breakdowns: ({ name: TrainerName } & Breakdown)[];
}

/**
 * Batches in the warm-up run and in each timed run: wasm trains full epochs (a quarter with --quick);
 * the slow configurations train as many batches as fit in a few seconds, at the warm-up's pace.
 */
function plan(name: TrainerName, settings: Settings): { warmup: number; steps: (secondsPerStep: number) => number } {
  const quick = settings.quick;
  if (name === 'wasm standard' || name === 'wasm relaxed') {
    const steps = quick ? Math.ceil(STEPS_PER_EPOCH / 4) : STEPS_PER_EPOCH;
    return { warmup: quick ? 20 : 60, steps: () => steps };
  }
  const runSeconds = quick ? 1 : 4;
  return {
    warmup: quick ? 3 : 6,
    steps: (secondsPerStep) => Math.min(STEPS_PER_EPOCH, Math.max(MIN_STEPS, Math.round(runSeconds / secondsPerStep))),
  };
}

const MIN_STEPS = 4;

/**
 * One child process per configuration, all started first; after a warm-up run each, the timed runs
 * go round-robin (A B C D, A B C D, ...) so they share the machine's state. Then each reports its
 * peak RSS and exits. The breakdowns run afterwards in their own processes (timing every kernel call
 * costs a little and is kept out of the timings and the RSS).
 */
export async function measureTraining(settings: Settings, script: URL): Promise<TrainingResults> {
  const rows: TrainingRow[] = [];
  const children: { row: TrainingRow; child: TrainingChild; times: number[] }[] = [];
  try {
    for (const name of trainerNames) {
      const { steps, warmup } = plan(name, settings);
      const row: TrainingRow = {
        name, note: '', steps: 0, fullEpoch: false, secondsPerEpoch: null, samplesPerSecond: null,
        peakRssMiB: null, lastLoss: null, testAccuracy: null,
      };
      rows.push(row);
      progress(`training: starting ${name}`);
      let child: TrainingChild | undefined;
      try {
        const started = await TrainingChild.start(script, name, 'time');
        child = started.child;
        row.note = started.ready.note;
        if (!started.ready.available) {
          await child.exit();
          continue;
        }
        const warm = await child.request({ type: 'run', steps: warmup }, 'ran');
        row.steps = steps(warm.seconds / Math.ceil(warm.samples / BATCH));
        row.fullEpoch = row.steps >= STEPS_PER_EPOCH;
        children.push({ row, child, times: [] });
      } catch (error) {
        row.error = (error as Error).message;
        child?.kill();
      }
    }
    for (let round = 0; round < settings.trainingSamples; round++) {
      for (const entry of children) {
        if (entry.row.error) continue;
        progress(`training: ${entry.row.name}, run ${round + 1} of ${settings.trainingSamples} (${entry.row.steps} steps)`);
        try {
          const ran = await entry.child.request({ type: 'run', steps: entry.row.steps }, 'ran');
          entry.times.push(ran.seconds / ran.samples);
          entry.row.lastLoss = ran.loss;
        } catch (error) {
          entry.row.error = (error as Error).message;
        }
      }
    }
    for (const { row, child, times } of children) {
      if (row.error) continue;
      row.secondsPerEpoch = summarize(times.map((perSample) => perSample * MNIST_TRAIN));
      row.samplesPerSecond = summarize(times.map((perSample) => 1 / perSample));
      row.testAccuracy = (await child.request({ type: 'evaluate' }, 'evaluated')).accuracy;
      row.peakRssMiB = (await child.exit()) / 2 ** 20;
    }
  } finally {
    for (const { child } of children) child.kill();
  }
  const breakdowns: TrainingResults['breakdowns'] = [];
  for (const name of ['wasm standard', 'wasm relaxed'] as const) {
    const row = rows.find((r) => r.name === name);
    if (!row || row.error || row.secondsPerEpoch === null) continue;
    progress(`training: breakdown of ${name}`);
    const { child } = await TrainingChild.start(script, name, 'breakdown');
    try {
      const reply = await child.request({ type: 'breakdown', warmupSteps: plan(name, settings).warmup, steps: row.steps }, 'breakdown');
      breakdowns.push({ name, steps: reply.steps, msPerStep: reply.msPerStep, parts: reply.parts });
      await child.exit();
    } finally {
      child.kill();
    }
  }
  return { rows, breakdowns };
}

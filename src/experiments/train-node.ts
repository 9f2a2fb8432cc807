// Node-only: `heavyball train`: one run in a worker thread, with its checkpoint files, and its analysis.
import { availableParallelism } from 'node:os';
import { version } from '../../package.json';
import { loadMnist } from '../data/mnist-node.js';
import { checkOneOf } from '../check.js';
import { analyzeRun } from './analysis.js';
import { dataFingerprint } from './data-fingerprint-node.js';
import { LR_SCHEDULES, type LrScheduleName } from './lr-schedule.js';
import { checkNetworkFits } from './network.js';
import { runConfig } from './plan.js';
import { runData } from './run-data.js';
import { resolveStudyConfig } from './study-config.js';
import type { StudyOptions } from './study-node.js';
import type { RunAnalysis, RunConfig, RunProgress, RunRecord } from './types.js';
import { runJobs } from './worker-pool-node.js';
import { sweepWorkerUrl } from './worker-script-node.js';

export interface TrainOptions extends Omit<StudyOptions, 'momenta' | 'seeds' | 'lrs' | 'sameStep' | 'step' | 'store' | 'onPlan' | 'onResult' | 'onStart' | 'onProgress'> {
  momentum?: number;
  seed?: number;
  /** The lr at every step (default), or cosine annealing from `lr` to 0 over the run's steps. */
  schedule?: LrScheduleName;
  /** Save the run to this safetensors file every `every` steps. */
  checkpoint?: { path: string; every: number };
  /** Continue the run saved in this checkpoint file. */
  resume?: string;
  onStart?: (config: RunConfig) => void;
  onProgress?: (config: RunConfig, progress: RunProgress) => void;
}

/** Trains one network (momentum 0.9, seed 1 by default); null when stopped by `signal`. */
export async function trainRun(options: TrainOptions = {}): Promise<{ record: RunRecord; analysis: RunAnalysis } | null> {
  const { data: given, dataDir, limit, signal, momentum = 0.9, seed = 1, schedule = 'constant', checkpoint, resume, onStart, onProgress, ...settings } = options;
  checkOneOf('schedule', schedule, LR_SCHEDULES);
  const loaded = given ?? (await loadMnist({ dir: dataDir, limit }));
  const config = resolveStudyConfig({ ...settings, momenta: [momentum], seeds: [seed] }, 'sweep', availableParallelism(), loaded.train.count);
  checkNetworkFits(config, loaded.train);
  const part = config.parts[0]!;
  const lr = part.kind === 'fixed' ? part.lr : NaN;
  const dataSpec = {
    name: given ? 'given' : 'mnist', sha256: dataFingerprint(loaded.train, loaded.test),
    validation: config.validation, splitSeed: config.splitSeed, trainSize: config.trainSize,
  };
  const run: RunConfig = { ...runConfig(config, dataSpec, { momentum, lr }, seed, version), schedule };
  let record: RunRecord | null = null;
  await runJobs(await sweepWorkerUrl(), runData(loaded.train, loaded.test, dataSpec), [{ config: run, threads: config.threads, checkpoint, resume }], 1, signal, {
    onStart: () => onStart?.(run),
    onProgress: (_, progress) => onProgress?.(run, progress),
    onResult: (_, result) => void (record = result),
  });
  if (record === null) return null;
  return { record, analysis: analyzeRun(record, config) };
}

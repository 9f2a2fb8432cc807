import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { version } from '../../package.json';
import { resolveSweepConfig } from '../experiments/sweep-options.js';
import type { SweepOptions } from '../experiments/sweep-node.js';
import { addCommonOptions, type CommonFlags, commonSweepOptions } from './options.js';
import { MnistFilesNotFoundError } from '../data/mnist-node.js';
import { existingFile, integer, listOf, momentum, positiveInteger } from './parse-values.js';
import { type CliIo, runAndReport } from './run-report.js';

/** Exit code of a bad flag or value. */
export const USAGE_ERROR = 2;

interface SweepFlags extends CommonFlags {
  momenta?: number[];
  normalizeLr: boolean;
  seeds: number[];
  workers: number;
}

interface TrainFlags extends CommonFlags {
  momentum: number;
  seed: number;
  checkpoint?: string;
  checkpointEvery: number;
  resume?: string;
}

/** Checks the settings together (what one flag alone cannot say), reporting a problem as a usage error. */
function checked(command: Command, options: SweepOptions): SweepOptions {
  try {
    resolveSweepConfig(options, 1);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    // The library names its settings as in code (batchSize); here they are flags (--batch-size).
    const message = error.message.replace(/^[a-z][A-Za-z]*/, (name) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
    command.error(`error: ${message}`, { exitCode: USAGE_ERROR, code: 'heavyball.invalidSettings' });
  }
  return options;
}

function program(io: CliIo, done: (code: number) => void): Command {
  const root = new Command('heavyball')
    .description('Momentum sweeps and training runs on MNIST, with WebAssembly SIMD kernels.')
    .version(version)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    });

  const sweepCommand = root.command('sweep')
    .description('train one network per momentum (and seed) in worker threads; report which trained fastest and best')
    .option('--momenta <list>', 'momenta to compare, comma-separated (default: 0,0.5,0.6,0.7,0.8,0.9,0.99)', listOf(momentum))
    .option('--normalize-lr', 'use lr × (1 − μ), so that the effective step lr / (1 − μ) is the same for every μ', false)
    .addOption(new Option('--seeds <list>', 'seeds, comma-separated: each setting runs once per seed (mean and spread)')
      .argParser(listOf(integer)).default([1], '1'))
    .addOption(new Option('--workers <n>', 'worker threads').argParser(positiveInteger)
      .default(availableParallelism(), `the number of cores, ${availableParallelism()}`));
  addCommonOptions(sweepCommand).action(async (flags: SweepFlags, command: Command) => {
    const options = checked(command, {
      ...commonSweepOptions(flags),
      momenta: flags.momenta,
      normalizeLr: flags.normalizeLr,
      seeds: flags.seeds,
      workers: flags.workers,
    });
    done(await runAndReport(options, flags.out, 'sweep', io));
  });

  const trainCommand = root.command('train')
    .description('train one network and report its loss curve and final test accuracy')
    .option('--momentum <μ>', 'momentum (adam: betas[0])', momentum, 0.9)
    .option('--seed <n>', 'seed of the initial weights and the batch order', integer, 1)
    .option('--checkpoint <file>', 'save the run to this safetensors file every --checkpoint-every steps')
    .option('--checkpoint-every <steps>', 'steps between checkpoints', positiveInteger, 500)
    .option('--resume <file>', 'continue the run saved in this checkpoint (give the flags it was started with)', existingFile);
  addCommonOptions(trainCommand).action(async (flags: TrainFlags, command: Command) => {
    if (flags.checkpoint === undefined && command.getOptionValueSource('checkpointEvery') === 'cli') {
      command.error('error: --checkpoint-every needs --checkpoint <file>', { exitCode: USAGE_ERROR, code: 'heavyball.invalidSettings' });
    }
    const options = checked(command, {
      ...commonSweepOptions(flags), momenta: [flags.momentum], seeds: [flags.seed], workers: 1,
      checkpoint: flags.checkpoint === undefined ? undefined : { path: resolve(flags.checkpoint), every: flags.checkpointEvery },
      resume: flags.resume === undefined ? undefined : resolve(flags.resume),
    });
    done(await runAndReport(options, flags.out, 'train', io));
  });
  for (const command of [root, sweepCommand, trainCommand]) command.showHelpAfterError(usage(command));
  return root;
}

/** What follows a usage error's one-line message. */
function usage(command: Command): string {
  const path = command.parent ? `${command.parent.name()} ${command.name()}` : command.name();
  return `Usage: ${path} ${command.usage()}
See '${path} --help' for the ${command.parent ? 'options' : 'commands'}.`;
}

/**
 * The `heavyball` command: parses `argv` (the arguments after the program name), runs it, and returns the
 * exit code: 0 done, 2 bad usage (a one-line error, then the usage), 130 stopped by Ctrl-C, 1 failed.
 */
export async function main(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let code = 0;
  try {
    await program(io, (c) => (code = c)).parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      const shownOnRequest = error.code === 'commander.helpDisplayed' || error.code === 'commander.version';
      return shownOnRequest ? 0 : USAGE_ERROR;
    }
    // The library names the data folder `dir`; here it is --data.
    const shown = error instanceof MnistFilesNotFoundError ? error.withOption('--data') : error;
    io.stderr.write(`heavyball: ${shown instanceof Error ? shown.message : String(shown)}\n`);
    return 1;
  }
}

import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { version } from '../../package.json';
import { LR_SCHEDULES, type LrScheduleName } from '../experiments/lr-schedule.js';
import { resolveStudyConfig } from '../experiments/study-config.js';
import type { StudyOptions } from '../experiments/study-node.js';
import { addCommonOptions, addManyRunOptions, type CommonFlags, commonStudyOptions, type ManyRunFlags, manyRunOptions } from './options.js';
import { MnistFilesNotFoundError } from '../data/mnist-node.js';
import { existingFile, integer, listOf, momentum, positiveInteger, positiveNumber } from './parse-values.js';
import { type CliIo, runStudyAndReport, trainAndReport } from './run-report.js';
import { addWorkerCommand } from './worker-command.js';

/** Exit code of a bad flag or value. */
export const USAGE_ERROR = 2;
/** Exit codes of a queue that cannot be reached or refuses the credentials (sysexits' EX_UNAVAILABLE, EX_NOPERM). */
export const QUEUE_UNREACHABLE = 69;
export const QUEUE_REFUSED = 77;

/** With --queue, the study's runs go to a BullMQ queue (loaded only then). */
async function withQueue(options: StudyOptions, flags: ManyRunFlags, io: CliIo): Promise<StudyOptions> {
  if (flags.queue === undefined) return options;
  const { queueExecutor } = await import('../experiments/queue/coordinator-node.js');
  const log = (message: string) => void io.stdout.write(`[queue] ${message}\n`);
  return { ...options, executor: queueExecutor({ url: flags.queue, limit: flags.limit ?? null, log }) };
}

interface StudyFlags extends ManyRunFlags {
  step?: number;
}

interface SweepFlags extends ManyRunFlags {
  sameStep: boolean;
}

interface TrainFlags extends CommonFlags {
  momentum: number;
  seed: number;
  schedule: LrScheduleName;
  checkpoint?: string;
  checkpointEvery: number;
  resume?: string;
}

/** Checks the settings together (what one flag alone cannot say), reporting a problem as a usage error. */
function checked<T extends StudyOptions>(command: Command, kind: 'study' | 'sweep', options: T): T {
  try {
    resolveStudyConfig(options, kind, 1, options.limit ?? 60_000);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    // The library names its settings as in code (batchSize); here they are flags (--batch-size).
    const flag = (name: string) => ({ validation: 'validation-size', sameStep: 'same-step' }[name] ?? name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
    const message = error.message.replace(/^[a-z][A-Za-z]*/, (name) => `--${flag(name)}`);
    command.error(`error: ${message}`, { exitCode: USAGE_ERROR, code: 'heavyball.invalidSettings' });
  }
  return options;
}

function program(io: CliIo, done: (code: number) => void): Command {
  const root = new Command('heavyball')
    .description('The momentum study on MNIST, its parts as sweeps, and single training runs, on WebAssembly SIMD kernels.')
    .version(version)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
    });

  const studyCommand = root.command('study')
    .description('the momentum study: every μ at a fixed lr, at the same effective step lr / (1 − μ), and at its own best lr, on the same seeds; one report')
    .option('--lr <rate>', 'the fixed-lr part\'s lr', positiveNumber, 0.1)
    .option('--step <s>', 'the same-step part\'s effective step: lr = s × (1 − μ)', positiveNumber, 1)
    .option('--lrs <list>', 'the tuned part\'s lr grid, comma-separated (default: 0.01,0.03,0.1,0.3,1,3)', listOf(positiveNumber));
  addManyRunOptions(studyCommand).action(async (flags: StudyFlags, command: Command) => {
    const options = await withQueue(checked(command, 'study', { ...manyRunOptions(flags), step: flags.step }), flags, io);
    done(await runStudyAndReport('study', options, flags.out, flags.runs, io));
  });

  const sweepCommand = root.command('sweep')
    .description('one part of the study: every μ at --lr; with --same-step at --lr × (1 − μ); with --lrs each μ at its best lr of the grid')
    .option('--lr <rate>', 'learning rate, or with --same-step the effective step lr / (1 − μ) (default: 0.1 for sgd and nesterov, 0.001 for adam)', positiveNumber)
    .option('--same-step', 'use lr × (1 − μ), so that the effective step lr / (1 − μ) is --lr for every μ', false)
    .option('--normalize-lr', 'the same as --same-step')
    .option('--lrs <list>', 'an lr grid, comma-separated: each μ is reported at its best lr (on validation accuracy)', listOf(positiveNumber));
  addManyRunOptions(sweepCommand).action(async (flags: SweepFlags & { normalizeLr?: boolean }, command: Command) => {
    const options = await withQueue(checked(command, 'sweep', { ...manyRunOptions(flags), sameStep: flags.sameStep || flags.normalizeLr === true }), flags, io);
    done(await runStudyAndReport('sweep', options, flags.out, flags.runs, io));
  });

  const trainCommand = root.command('train')
    .description('train one network and write its single-run report (loss, validation accuracy, test accuracy)')
    .option('--lr <rate>', 'learning rate (default: 0.1 for sgd and nesterov, 0.001 for adam)', positiveNumber)
    .option('--momentum <μ>', 'momentum (adam: betas[0])', momentum, 0.9)
    .option('--seed <n>', 'seed of the initial weights and the batch order', integer, 1)
    .addOption(new Option('--schedule <name>', 'the lr schedule: constant (--lr at every step) or cosine (annealed from --lr to 0 over the run\'s steps); study and sweep keep a constant lr, as their parts set the step size')
      .choices(LR_SCHEDULES).default('constant'))
    .option('--checkpoint <file>', 'save the run to this safetensors file every --checkpoint-every steps')
    .option('--checkpoint-every <steps>', 'steps between checkpoints', positiveInteger, 500)
    .option('--resume <file>', 'continue the run saved in this checkpoint (give the flags it was started with)', existingFile);
  addCommonOptions(trainCommand).action(async (flags: TrainFlags, command: Command) => {
    if (flags.checkpoint === undefined && command.getOptionValueSource('checkpointEvery') === 'cli') {
      command.error('error: --checkpoint-every needs --checkpoint <file>', { exitCode: USAGE_ERROR, code: 'heavyball.invalidSettings' });
    }
    const common = commonStudyOptions(flags);
    checked(command, 'sweep', { ...common, momenta: [flags.momentum], seeds: [flags.seed] });
    done(await trainAndReport({
      ...common,
      momentum: flags.momentum,
      seed: flags.seed,
      schedule: flags.schedule,
      checkpoint: flags.checkpoint === undefined ? undefined : { path: resolve(flags.checkpoint), every: flags.checkpointEvery },
      resume: flags.resume === undefined ? undefined : resolve(flags.resume),
    }, flags.out, io));
  });
  const workerCommand = addWorkerCommand(root, io, done);
  for (const command of [root, studyCommand, sweepCommand, trainCommand, workerCommand]) command.showHelpAfterError(usage(command));
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
 * exit code: 0 done, 2 bad usage (a one-line error, then the usage), 130 stopped by Ctrl-C, 69 no Redis at the
 * queue's URL, 77 Redis refused the credentials, 1 failed.
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
    if (error instanceof Error && error.name === 'RedisUrlError') return USAGE_ERROR;
    if (error instanceof Error && error.name === 'QueueConnectionError') {
      return (error as Error & { reason: string }).reason === 'auth' ? QUEUE_REFUSED : QUEUE_UNREACHABLE;
    }
    return 1;
  }
}

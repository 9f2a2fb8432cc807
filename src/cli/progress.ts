import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { momentumLabel, percent } from '../experiments/labels.js';
import type { RunConfig, RunProgress, RunResult, SweepOptimizer } from '../experiments/types.js';

/** Where the command prints: a stream, which may be a terminal. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Shows the runs while they train: one line of progress per worker. */
export interface ProgressView {
  start(config: RunConfig, worker: number): void;
  update(progress: RunProgress, worker: number): void;
  finish(result: RunResult, worker: number): void;
  /** Also writes a message above the bars (or as a plain line). */
  log(message: string): void;
  stop(): void;
}

function runName(optimizer: SweepOptimizer, momentum: number, seed: number): string {
  return `${momentumLabel(optimizer, momentum)}, seed ${seed}`;
}

function loss(value: number | null): string {
  return value === null ? 'NaN' : value.toFixed(4);
}

export function outcome(result: RunResult): string {
  const time = `${result.seconds.toFixed(1)} s`;
  if (result.diverged) return `diverged at step ${result.diverged.step} (${time})`;
  return `test accuracy ${percent(result.finalTestAccuracy)} after ${result.steps} steps (${time})`;
}

/** Progress bars (cli-progress, one per worker) on a terminal; otherwise a plain line per event worth a line. */
export function progressView(out: Output, optimizer: SweepOptimizer): ProgressView {
  return out.isTTY ? new BarsView(out, optimizer) : new LinesView(out, optimizer);
}

class LinesView implements ProgressView {
  constructor(private readonly out: Output, private readonly optimizer: SweepOptimizer) {}

  start(config: RunConfig, worker: number): void {
    this.line(worker, `${runName(this.optimizer, config.momentum, config.seed)}: started (lr ${config.lr})`);
  }

  update(p: RunProgress, worker: number): void {
    if (!p.endOfEpoch) return;
    this.line(worker, `${runName(this.optimizer, p.momentum, p.seed)}: epoch ${p.epoch}/${p.epochs}, `
      + `step ${p.step}/${p.totalSteps}, mean training loss ${loss(p.loss)}`);
  }

  finish(result: RunResult, worker: number): void {
    this.line(worker, `${runName(this.optimizer, result.config.momentum, result.config.seed)}: ${outcome(result)}`);
  }

  log(message: string): void {
    this.out.write(`${message}\n`);
  }

  stop(): void {}

  private line(worker: number, text: string): void {
    this.out.write(`[worker ${worker + 1}] ${text}\n`);
  }
}

class BarsView implements ProgressView {
  private readonly bars = new Map<number, SingleBar>();
  private readonly multibar: MultiBar;

  constructor(out: Output, private readonly optimizer: SweepOptimizer) {
    this.multibar = new MultiBar({
      stream: out as NodeJS.WritableStream,
      format: ' {run} |{bar}| epoch {epoch}/{epochs}  step {value}/{total}  loss {loss}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    }, Presets.shades_classic);
  }

  start(config: RunConfig, worker: number): void {
    const payload = { run: runName(this.optimizer, config.momentum, config.seed).padEnd(20), epoch: 1, epochs: config.epochs, loss: '…' };
    const bar = this.bars.get(worker);
    if (bar) bar.start(1, 0, payload);
    else this.bars.set(worker, this.multibar.create(1, 0, payload));
  }

  update(p: RunProgress, worker: number): void {
    const bar = this.bars.get(worker);
    bar?.setTotal(p.totalSteps);
    bar?.update(p.step, { epoch: p.epoch, epochs: p.epochs, loss: loss(p.loss) });
  }

  finish(result: RunResult, worker: number): void {
    const bar = this.bars.get(worker);
    if (!result.diverged) bar?.update(result.steps, { loss: loss(result.loss.at(-1) ?? null) });
    this.log(`${runName(this.optimizer, result.config.momentum, result.config.seed)}: ${outcome(result)}`);
  }

  log(message: string): void {
    this.multibar.log(`${message}\n`);
  }

  stop(): void {
    this.multibar.stop();
  }
}

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

/** Where a run resumed from a checkpoint stands: its global step, and the epoch under way when fit saved it. */
export interface ResumedAt {
  step: number;
  epoch?: number;
}

function runName(optimizer: SweepOptimizer, momentum: number, seed: number): string {
  return `${momentumLabel(optimizer, momentum)}, seed ${seed}`;
}

/** A loss to 4 decimals, or 5 significant digits once it is large (a diverging run's). */
export function loss(value: number | null): string {
  if (value === null) return 'NaN';
  return Math.abs(value) < 1000 ? value.toFixed(4) : String(Number(value.toPrecision(5)));
}

/** A learning rate without float noise: lr × (1 − μ) = 0.005000000000000001 shows as 0.005. */
export function rate(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/** "1 step", "6 steps". */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function outcome(result: RunResult): string {
  const time = `${result.seconds.toFixed(1)} s`;
  if (result.diverged) return `diverged at step ${result.diverged.step} (${time})`;
  return `test accuracy ${percent(result.finalTestAccuracy)} after ${count(result.steps, 'step')} (${time})`;
}

/** Progress bars (cli-progress, one per worker) on a terminal; otherwise a plain line per event worth a line. */
export function progressView(out: Output, optimizer: SweepOptimizer, resumed?: ResumedAt): ProgressView {
  return out.isTTY ? new BarsView(out, optimizer, resumed) : new LinesView(out, optimizer, resumed);
}

class LinesView implements ProgressView {
  constructor(private readonly out: Output, private readonly optimizer: SweepOptimizer, private readonly resumed?: ResumedAt) {}

  start(config: RunConfig, worker: number): void {
    const where = this.resumed
      ? `resumed at step ${this.resumed.step}${this.resumed.epoch === undefined ? '' : `, epoch ${this.resumed.epoch}/${config.epochs}`}`
      : 'started';
    this.line(worker, `${runName(this.optimizer, config.momentum, config.seed)}: ${where} (lr ${rate(config.lr)})`);
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

  constructor(out: Output, private readonly optimizer: SweepOptimizer, private readonly resumed?: ResumedAt) {
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
    const payload = {
      run: runName(this.optimizer, config.momentum, config.seed).padEnd(20), epoch: this.resumed?.epoch ?? 1, epochs: config.epochs, loss: '…',
    };
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

import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { count, momentumLabel, percent } from '../experiments/labels.js';
import { lrLabel } from '../experiments/lr-schedule.js';
import type { RunConfig, RunEntry, RunProgress, SweepOptimizer } from '../experiments/types.js';

/** Where the command prints: a stream, which may be a terminal. */
export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** What there is to do: runs in all, found in the store, and the steps left to train. */
export interface Plan {
  runs: number;
  reused: number;
  toTrain: number;
  steps: number;
}

/** Shows a study while it trains: its overall progress with an ETA, and one line per worker. */
export interface ProgressView {
  plan(plan: Plan): void;
  start(config: RunConfig, worker: number): void;
  update(config: RunConfig, progress: RunProgress, worker: number): void;
  finish(entry: RunEntry, reused: boolean): void;
  /** Also writes a message above the bars (or as a plain line). */
  log(message: string): void;
  stop(): void;
}

/** Where a run resumed from a checkpoint stands: its global step, and the epoch under way when fit saved it. */
export interface ResumedAt {
  step: number;
  epoch?: number;
}

function runName(optimizer: SweepOptimizer, config: RunConfig): string {
  return `${momentumLabel(optimizer, config.momentum)}, ${lrLabel(config, rate)}, seed ${config.seed}`;
}

/** How a run begins: "started", or where it resumed. */
function beginning(config: RunConfig, resumed: ResumedAt | undefined): string {
  if (!resumed) return 'started';
  return `resumed at step ${resumed.step}${resumed.epoch === undefined ? '' : `, epoch ${resumed.epoch}/${config.epochs}`}`;
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

export function outcome(entry: RunEntry): string {
  const { record, analysis } = entry;
  const time = `${record.seconds.toFixed(1)} s`;
  if (analysis.status !== 'ok') return `${analysis.status}: ${analysis.reason} (${time})`;
  return `final validation accuracy ${percent(analysis.finalValidationAccuracy)} after ${count(record.steps, 'step')} (${time})`;
}

/** "1m 05s" */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '…';
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
}

/**
 * The study's overall progress: steps trained of the steps planned (a diverged run counts its unused steps
 * as done), and the time left at the rate so far.
 */
class Tracker {
  private total = 0;
  private finished = 0;
  private readonly running = new Map<number, number>();
  private runsDone = 0;
  private runsTotal = 0;
  private started = performance.now();

  plan(plan: Plan): void {
    this.total = plan.steps;
    this.runsTotal = plan.toTrain;
    this.started = performance.now();
  }

  update(worker: number, step: number): void {
    this.running.set(worker, step);
  }

  finish(worker: number, stepsPlanned: number): void {
    this.running.delete(worker);
    this.finished += stepsPlanned;
    this.runsDone++;
  }

  get done(): number {
    return this.finished + [...this.running.values()].reduce((a, b) => a + b, 0);
  }

  summary(): string {
    const done = this.done;
    const elapsed = (performance.now() - this.started) / 1000;
    const eta = done > 0 ? ((this.total - done) * elapsed) / done : NaN;
    return `${this.runsDone}/${this.runsTotal} runs trained, ${this.total > 0 ? Math.floor((100 * done) / this.total) : 100}%, ETA ${duration(eta)}`;
  }
}

/** Progress bars (cli-progress) on a terminal; otherwise a plain line per event worth a line. */
export function progressView(out: Output, optimizer: SweepOptimizer, resumed?: ResumedAt): ProgressView {
  return out.isTTY ? new BarsView(out, optimizer, resumed) : new LinesView(out, optimizer, resumed);
}

/** Which worker each run started on (its record comes back as a copy: found by its settings, not by identity). */
class Slots {
  private readonly slots = new Map<string, number>();
  private static key = (c: RunConfig) => `${c.momentum}|${c.lr}|${c.seed}`;
  set(config: RunConfig, slot: number): void {
    this.slots.set(Slots.key(config), slot);
  }
  get(config: RunConfig): number {
    return this.slots.get(Slots.key(config)) ?? 0;
  }
}

class LinesView implements ProgressView {
  private readonly tracker = new Tracker();
  private readonly slotOf = new Slots();

  constructor(private readonly out: Output, private readonly optimizer: SweepOptimizer, private readonly resumed?: ResumedAt) {}

  plan(plan: Plan): void {
    this.tracker.plan(plan);
    this.log(`${count(plan.runs, 'run')}: ${plan.reused} stored already, ${plan.toTrain} to train.`);
  }

  start(config: RunConfig, worker: number): void {
    this.slotOf.set(config, worker);
    this.line(worker, `${runName(this.optimizer, config)}: ${beginning(config, this.resumed)}`);
  }

  update(config: RunConfig, p: RunProgress, worker: number): void {
    this.tracker.update(worker, p.step);
  }

  finish(entry: RunEntry, reused: boolean): void {
    if (reused) return;
    const config = entry.record.config;
    const worker = this.slotOf.get(config);
    this.tracker.finish(worker, config.epochs * entry.record.stepsPerEpoch);
    this.line(worker, `${runName(this.optimizer, config)}: ${outcome(entry)} [${this.tracker.summary()}]`);
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
  private readonly tracker = new Tracker();
  private readonly slotOf = new Slots();
  private readonly bars = new Map<number, SingleBar>();
  private readonly multibar: MultiBar;
  private overall: SingleBar | undefined;

  constructor(out: Output, private readonly optimizer: SweepOptimizer, private readonly resumed?: ResumedAt) {
    this.multibar = new MultiBar({
      stream: out as NodeJS.WritableStream,
      format: ' {run} |{bar}| {value}/{total} {unit}  {info}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      autopadding: true,
    }, Presets.shades_classic);
  }

  plan(plan: Plan): void {
    this.tracker.plan(plan);
    this.log(`${count(plan.runs, 'run')}: ${plan.reused} stored already, ${plan.toTrain} to train.`);
    this.overall = this.multibar.create(Math.max(1, plan.steps), 0, { run: 'study'.padEnd(30), unit: 'steps', info: this.tracker.summary() });
  }

  start(config: RunConfig, worker: number): void {
    this.slotOf.set(config, worker);
    const payload = { run: runName(this.optimizer, config).padEnd(30), unit: 'steps', info: this.resumed ? beginning(config, this.resumed) : '' };
    const bar = this.bars.get(worker);
    if (bar) bar.start(1, 0, payload);
    else this.bars.set(worker, this.multibar.create(1, 0, payload));
  }

  update(config: RunConfig, p: RunProgress, worker: number): void {
    this.tracker.update(worker, p.step);
    const bar = this.bars.get(worker);
    bar?.setTotal(p.totalSteps);
    bar?.update(p.step, { info: `epoch ${p.epoch}/${p.epochs}  loss ${loss(p.loss)}` });
    this.overall?.update(this.tracker.done, { info: this.tracker.summary() });
  }

  finish(entry: RunEntry, reused: boolean): void {
    if (reused) return;
    const config = entry.record.config;
    this.tracker.finish(this.slotOf.get(config), config.epochs * entry.record.stepsPerEpoch);
    this.overall?.update(this.tracker.done, { info: this.tracker.summary() });
    this.log(`${runName(this.optimizer, config)}: ${outcome(entry)}`);
  }

  log(message: string): void {
    this.multibar.log(`${message}\n`);
  }

  stop(): void {
    this.multibar.stop();
  }
}

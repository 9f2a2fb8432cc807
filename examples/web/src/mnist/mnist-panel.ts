import { accuracyChartSpec, lossChartSpec } from './chart-specs';
import { LiveChart } from './live-chart';
import { downloadMnist, type MnistBytes } from './mnist-download';
import { runColour } from './run-colours';
import { fillFromQuery, readRunForm, type RunForm } from './run-form';
import { Smoother } from './smoothing';
import { TrainingRun, type RunListener, type RunState } from './training-run';

export interface MnistPanelElements {
  form: RunForm;
  train: HTMLButtonElement;
  stop: HTMLButtonElement;
  message: HTMLElement;
  lossChart: HTMLElement;
  accuracyChart: HTMLElement;
  results: HTMLTableSectionElement;
}

/**
 * The MNIST panel: trains one run per momentum listed, each in its own worker, and streams their losses
 * and test accuracy into the charts and the results table.
 */
export class MnistPanel {
  runs: TrainingRun[] = [];
  private charts: LiveChart[] = [];
  private smoothers: Smoother[] = [];
  /** The download, kept for the next Train once it has succeeded. */
  private mnist?: Promise<MnistBytes>;

  /** Called after every test-accuracy measurement (the models have moved on). */
  onEvaluation: () => void = () => {};
  /** Threads each run trains on. */
  private threads = 1;

  constructor(private readonly ui: MnistPanelElements, private readonly mnistUrl: string, query: URLSearchParams) {
    fillFromQuery(ui.form, query);
    ui.train.addEventListener('click', () => void this.start());
    ui.stop.addEventListener('click', () => this.runs.forEach((run) => run.stop()));
  }

  get states(): RunState[] {
    return this.runs.map((run) => run.state);
  }

  async start(): Promise<void> {
    const configs = readRunForm(this.ui.form);
    if (typeof configs === 'string') {
      this.ui.message.textContent = configs;
      return;
    }
    this.ui.train.disabled = true;
    this.ui.message.textContent = 'Downloading MNIST (60,000 training and 10,000 test images, 11 MB)…';
    this.mnist ??= downloadMnist(this.mnistUrl);
    let mnist: MnistBytes;
    try {
      mnist = await this.mnist;
    } catch (error) {
      this.mnist = undefined;
      this.ui.message.textContent = error instanceof Error ? error.message : String(error);
      return;
    } finally {
      this.ui.train.disabled = false;
    }
    this.ui.message.textContent = 'Loading MNIST…';
    this.runs.forEach((run) => run.terminate());
    this.charts.forEach((chart) => chart.finalize());
    this.threads = threadsPerRun(configs.length);
    this.runs = configs.map((config) => new TrainingRun({ ...config, threads: this.threads }, mnist,
      (run, change) => this.update(run, change)));
    const lines = this.states.map((run) => ({ label: run.label, colour: runColour(run) }));
    this.charts = [
      new LiveChart(this.ui.lossChart, lossChartSpec(lines, configs[0]!.steps), 'losses'),
      new LiveChart(this.ui.accuracyChart, accuracyChartSpec(lines, configs[0]!.steps), 'accuracy'),
    ];
    this.smoothers = configs.map(() => new Smoother());
    this.renderResults();
  }

  private update(run: RunState, change: Parameters<RunListener>[1]): void {
    const index = this.states.indexOf(run);
    if (change.newLossesFrom !== undefined) {
      const smoother = this.smoothers[index]!;
      const rows = run.losses.slice(change.newLossesFrom).map((loss, i) => ({
        run: run.label, step: change.newLossesFrom! + i, loss, smoothed: smoother.next(loss),
      }));
      this.charts[0]!.append(rows);
    }
    this.renderResults();
    if (change.evaluation) {
      this.charts[1]!.append([{ run: run.label, step: change.evaluation.step, accuracy: change.evaluation.accuracy }]);
      this.onEvaluation();
    }
  }

  private renderResults(): void {
    const states = this.states;
    const training = states.some((run) => run.status === 'loading' || run.status === 'training');
    this.ui.stop.disabled = !training;
    const failed = states.find((run) => run.error);
    const loading = states.some((run) => run.status === 'loading');
    if (failed) this.ui.message.textContent = `${failed.label} failed: ${failed.error}`;
    else if (training && !loading) this.ui.message.textContent = `Training… ${threadsLine(states.length, this.threads)}`;
    else if (!training) this.ui.message.textContent = `${states.some((run) => run.status === 'stopped') ? 'Stopped' : 'Done'}. Draw a digit below.`;
    this.ui.results.replaceChildren(...states.map((run) => resultRow(run, runColour(run))));
  }
}

/**
 * The cores split between the runs, which train at once: threads need a cross-origin-isolated page (the
 * dev and preview servers send the COOP and COEP headers), else every run has one.
 */
function threadsPerRun(runs: number): number {
  return crossOriginIsolated ? Math.max(1, Math.floor(navigator.hardwareConcurrency / runs)) : 1;
}

function threadsLine(runs: number, threads: number): string {
  const isolation = crossOriginIsolated ? '' : ' (this page is not cross-origin isolated, so no more)';
  return `${runs} run${runs === 1 ? '' : 's'} at once on ${threads} thread${threads === 1 ? '' : 's'} each${isolation}.`;
}

function resultRow(run: RunState, colour: string): HTMLTableRowElement {
  const row = document.createElement('tr');
  const last = run.losses.slice(-50);
  const meanLoss = last.length ? last.reduce((a, b) => a + b, 0) / last.length : NaN;
  const accuracy = (run.final ?? run.evaluations.at(-1))?.accuracy;
  const status = run.diverged ? `diverged at step ${run.diverged.step}` : run.status;
  const cells = [
    run.label,
    status,
    String(run.losses.length),
    Number.isNaN(meanLoss) ? '–' : meanLoss.toFixed(4),
    accuracy === undefined ? '–' : `${(accuracy * 100).toFixed(2)} %`,
    run.seconds === undefined ? '–' : `${run.seconds.toFixed(1)} s`,
  ];
  for (const text of cells) row.insertCell().textContent = text;
  row.cells[0]!.style.borderLeft = `4px solid ${colour}`;
  row.dataset.status = run.status;
  return row;
}

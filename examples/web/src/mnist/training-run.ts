import type { MnistBytes } from './mnist-download';
import type { Evaluation, FromWorker, RunConfig, ToWorker } from './protocol';

export type RunStatus = 'loading' | 'training' | 'done' | 'stopped' | 'failed';

/** What the page knows of one run; `losses[i]` is step i's loss, bit for bit as fit reported it. */
export interface RunState {
  label: string;
  config: RunConfig;
  status: RunStatus;
  losses: number[];
  evaluations: Evaluation[];
  final?: Evaluation;
  diverged: false | { step: number; loss: number };
  seconds?: number;
  error?: string;
}

/** Steps are posted in batches; a listener hears of each change (with the new losses' first index). */
export type RunListener = (run: RunState, change: { newLossesFrom?: number; evaluation?: Evaluation }) => void;

export function runLabel(config: RunConfig): string {
  if (config.momentum === 0) return 'SGD (β = 0)';
  return `${config.nesterov ? 'Nesterov' : 'momentum'} β = ${config.momentum}`;
}

/** One run trained in its own Web Worker, which keeps the model afterwards to answer predictions. */
export class TrainingRun {
  readonly state: RunState;
  private readonly worker: Worker;
  private readonly predictions = new Map<number, (p: Float32Array | null) => void>();
  private nextPrediction = 0;

  constructor(config: RunConfig, mnist: MnistBytes, private readonly listener: RunListener) {
    this.state = { label: runLabel(config), config, status: 'loading', losses: [], evaluations: [], diverged: false };
    this.worker = new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module', name: this.state.label });
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    this.worker.onerror = (event) => this.fail(event.message || 'the training worker failed to start');
    this.send({ type: 'train', config, mnist });
  }

  stop(): void {
    this.send({ type: 'stop' });
  }

  /** Class probabilities of a 28×28 image from this run's model as it is now (null before it exists). */
  predict(pixels: Uint8Array): Promise<Float32Array | null> {
    const id = this.nextPrediction++;
    return new Promise((resolve) => {
      this.predictions.set(id, resolve);
      this.send({ type: 'predict', id, pixels });
    });
  }

  terminate(): void {
    this.worker.terminate();
    for (const resolve of this.predictions.values()) resolve(null);
    this.predictions.clear();
  }

  private send(message: ToWorker): void {
    this.worker.postMessage(message);
  }

  private receive(message: FromWorker): void {
    const run = this.state;
    switch (message.type) {
      case 'loaded':
        run.status = 'training';
        this.listener(run, {});
        break;
      case 'losses': {
        const from = run.losses.length;
        for (const loss of message.losses) run.losses.push(loss);
        this.listener(run, { newLossesFrom: from });
        break;
      }
      case 'evaluation':
        run.evaluations.push(message.evaluation);
        this.listener(run, { evaluation: message.evaluation });
        break;
      case 'done':
        run.status = message.steps < run.config.steps && !message.diverged ? 'stopped' : 'done';
        run.diverged = message.diverged;
        run.final = message.final;
        run.seconds = message.seconds;
        run.evaluations.push(message.final);
        this.listener(run, { evaluation: message.final });
        break;
      case 'prediction':
        this.predictions.get(message.id)?.(message.probabilities);
        this.predictions.delete(message.id);
        break;
      case 'error':
        this.fail(message.message);
        break;
    }
  }

  private fail(message: string): void {
    this.state.status = 'failed';
    this.state.error = message;
    this.listener(this.state, {});
  }
}

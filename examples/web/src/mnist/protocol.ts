// The messages between the page and a training worker (one worker trains one run).
import type { MnistBytes } from './mnist-download';

/** The networks the page trains: the reference MLP 784-256-128-10, or heavyball's default CNN (mnistCnn). */
export const MODELS = ['mlp', 'cnn'] as const;
export type Model = (typeof MODELS)[number];

/** One training run: a network trained by SGD on MNIST. */
export interface RunConfig {
  model: Model;
  momentum: number;
  nesterov: boolean;
  lr: number;
  steps: number;
  batchSize: number;
  /** Seeds the initial weights and the shuffles. */
  seed: number;
  /** Test accuracy is measured about every this many steps (at the first pause after). */
  evaluateEvery: number;
  /** Threads the run's engine uses (default: heavyball's, all cores where the page is cross-origin isolated). */
  threads?: number;
}

export type ToWorker =
  /** `mnist`: the four files as the page downloaded them (gzipped), a copy for each worker. */
  | { type: 'train'; config: RunConfig; mnist: MnistBytes }
  | { type: 'stop' }
  | { type: 'predict'; id: number; pixels: Uint8Array };

export interface Evaluation {
  step: number;
  loss: number;
  accuracy: number;
}

export type FromWorker =
  | { type: 'loaded'; trainCount: number; testCount: number; seconds: number }
  /** The losses of steps `start`, `start + 1`, … (float64, exactly as fit reported them). */
  | { type: 'losses'; start: number; losses: Float64Array }
  | { type: 'evaluation'; evaluation: Evaluation }
  | { type: 'done'; steps: number; diverged: false | { step: number; loss: number }; final: Evaluation; seconds: number }
  /** Softmax of the model's outputs for a drawn digit; null before there is a model. */
  | { type: 'prediction'; id: number; probabilities: Float32Array | null }
  | { type: 'error'; message: string };

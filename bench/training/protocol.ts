/** Messages between the training suite (parent) and a training child process, over Node's IPC channel. */

export const trainerNames = ['wasm standard', 'wasm relaxed', 'js', 'tf.js wasm'] as const;
export type TrainerName = (typeof trainerNames)[number];

/** 'time': plain training for the timings and the peak RSS; 'breakdown': every kernel call timed. */
export type ChildMode = 'time' | 'breakdown';

export type Request =
  | { type: 'run'; steps: number }
  | { type: 'breakdown'; warmupSteps: number; steps: number }
  | { type: 'evaluate' }
  | { type: 'exit' };

export interface RunResult {
  seconds: number;
  samples: number;
  /** Mean training loss of the run (a check that it trains). */
  loss: number;
}

export interface BreakdownPart {
  name: string;
  msPerStep: number;
}

export interface Breakdown {
  steps: number;
  msPerStep: number;
  parts: BreakdownPart[];
}

export type Reply =
  | { type: 'ready'; available: boolean; note: string }
  | ({ type: 'ran' } & RunResult)
  | ({ type: 'breakdown' } & Breakdown)
  | { type: 'evaluated'; accuracy: number | null }
  | { type: 'exiting'; maxRssBytes: number }
  | { type: 'error'; message: string };

/** The reference recipe: 784-256-128-10, ReLU, softmax cross-entropy, batch 128, SGD lr 0.05 momentum 0.9. */
export const BATCH = 128;
export const LR = 0.05;
export const MOMENTUM = 0.9;
export const HIDDEN = [256, 128] as const;
export const MNIST_TRAIN = 60_000;
export const STEPS_PER_EPOCH = Math.ceil(MNIST_TRAIN / BATCH);

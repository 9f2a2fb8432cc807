import type { Engine } from '../engine/engine.js';
import type { Parameter } from '../engine/parameter.js';
import type { Random } from '../random.js';

/** The shape of one example, batch dimension left out: [features], or [channels, height, width] (NCHW). */
export type Shape = readonly number[];

export type Alloc = (bytes: number) => number;

/** A layer's output for maxBatch rows: `out` holds n × size floats, `dOut` their gradient (0 on the model input: none). */
export interface Source {
  readonly shape: Shape;
  /** Floats per example: the product of `shape`. */
  readonly size: number;
  readonly out: number;
  readonly dOut: number;
}

/** One layer of a planned model: kernel calls between fixed buffers. */
export interface Node {
  readonly out: number;
  readonly dOut: number;
  forward(n: number, training: boolean): void;
  /**
   * From `dOut`: adds its parameters' gradients into their `grad` (as PyTorch), or with `overwrite` writes
   * them over it without reading what was there (a step whose gradients were due to be zeroed); then
   * overwrites the input's `dOut` (unless 0).
   */
  backward(n: number, overwrite: boolean): void;
}

/** What a layer gets to build its node: its input, its parameters, and the model's allocator. */
export interface BuildContext {
  engine: Engine;
  input: Source;
  maxBatch: number;
  alloc: Alloc;
  /** Its `weight` and `bias` when the plan declared them. */
  weight?: Parameter;
  bias?: Parameter;
  /** The next layer is a ReLU this layer applies itself (only for plans with `fusesRelu`). */
  fuseRelu: boolean;
  /** For a ReLU: the layer before it has applied it already. */
  reluFused: boolean;
  /** A generator of its own (dropout's masks), forked in layer order. */
  random(): Random;
}

/**
 * A layer placed after an input of known shape: all it declares, before anything is allocated, and how
 * to build its node once the model has allocated the parameters.
 */
export interface LayerPlan {
  output: Shape;
  /** Shapes of its `weight` and `bias` (PyTorch's layout), if it has any. */
  params?: { weight: number[]; bias: number[] };
  /** Fills the freshly allocated weight and bias from `rng`. */
  init?(weight: Float32Array, bias: Float32Array, rng: Random): void;
  /** Can apply a ReLU that follows it in its own epilogue. */
  fusesRelu?: boolean;
  build(context: BuildContext): Node;
}

export const sizeOf = (shape: Shape) => shape.reduce((a, b) => a * b, 1);

/** Throws a RangeError naming the layer (`where`) unless `value` is an integer ≥ `min` (0 or 1). */
export function checkInteger(where: string, name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`${where}: ${name} must be a ${min === 0 ? 'non-negative' : 'positive'} integer, got ${value}`);
  }
}

/** Throws a RangeError naming the layer unless the input is [channels, height, width]. */
export function checkImage(where: string, input: Shape): [number, number, number] {
  if (input.length !== 3) {
    throw new RangeError(`${where} takes [channels, height, width] inputs, but the layers before it give [${input.join(', ')}]`);
  }
  return input as [number, number, number];
}

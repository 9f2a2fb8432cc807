import type { Engine } from '../engine/engine.js';
import type { Parameter } from '../engine/parameter.js';
import type { Random } from '../random.js';
import { liveView } from './live-view.js';

/**
 * One layer of a planned model: kernel calls between fixed buffers of maxBatch rows. `out` holds the
 * layer's output (n × width floats), `dOut` its gradient; `dOut` = 0 on the model input (no gradient).
 */
export interface Node {
  readonly width: number;
  readonly out: number;
  readonly dOut: number;
  forward(n: number, training: boolean): void;
  /** From `dOut`: accumulates parameter gradients (beta = 1) and overwrites the input's `dOut`. */
  backward(n: number): void;
}

export type Source = Pick<Node, 'width' | 'out' | 'dOut'>;
export type Alloc = (bytes: number) => number;

/** y = x·Wᵀ + b (GEMM NT), with ReLU fused into the epilogue when `fuseRelu`. */
export function linearNode(engine: Engine, x: Source, weight: Parameter, bias: Parameter, fuseRelu: boolean,
  maxBatch: number, alloc: Alloc): Node {
  const k = engine.kernels;
  const work = engine.workspace;
  const [outF, inF] = weight.shape as [number, number];
  const out = alloc(maxBatch * outF * 4);
  const dOut = alloc(maxBatch * outF * 4);
  return {
    width: outF,
    out,
    dOut,
    forward(n) {
      k.gemm(0, 1, n, outF, inF, 1, x.out, inF, weight.dataPtr, inF, 0, out, outF, bias.dataPtr, fuseRelu ? 1 : 0, work);
    },
    backward(n) {
      k.gemm(1, 0, outF, inF, n, 1, dOut, outF, x.out, inF, 1, weight.gradPtr, inF, 0, 0, work);
      k.biasGrad(n, outF, dOut, bias.gradPtr, 1);
      if (x.dOut !== 0) k.gemm(0, 0, n, inF, outF, 1, dOut, outF, weight.dataPtr, inF, 0, x.dOut, inF, 0, 0, work);
    },
  };
}

/** The ReLU already applied by the linear layer before it: works in place on that layer's buffers. */
export function fusedReluNode(engine: Engine, x: Source): Node {
  const k = engine.kernels;
  return {
    width: x.width,
    out: x.out,
    dOut: x.dOut,
    forward() {},
    backward(n) {
      k.reluBackward(n * x.width, x.out, x.dOut, x.dOut);
    },
  };
}

const activationKernels = {
  relu: ['reluForward', 'reluBackward'],
  tanh: ['tanhForward', 'tanhBackward'],
  sigmoid: ['sigmoidForward', 'sigmoidBackward'],
} as const;

/** An elementwise activation whose backward needs only its output y. */
export function activationNode(engine: Engine, type: keyof typeof activationKernels, x: Source, maxBatch: number,
  alloc: Alloc): Node {
  const k = engine.kernels;
  const [fwd, bwd] = activationKernels[type];
  const width = x.width;
  const out = alloc(maxBatch * width * 4);
  const dOut = alloc(maxBatch * width * 4);
  return {
    width,
    out,
    dOut,
    forward(n) {
      k[fwd](n * width, x.out, out);
    },
    backward(n) {
      if (x.dOut !== 0) k[bwd](n * width, out, dOut, x.dOut);
    },
  };
}

export interface DropoutNode extends Node {
  /** The mask of the last training forward: 0 or 1/(1 − p) per value (live view, maxBatch × width). */
  readonly mask: Float32Array;
}

/** Inverted dropout: a fresh mask from `rng` on every training forward, applied with the `mul` kernel. */
export function dropoutNode(engine: Engine, p: number, x: Source, rng: Random, maxBatch: number,
  alloc: Alloc): DropoutNode {
  const k = engine.kernels;
  const width = x.width;
  const out = alloc(maxBatch * width * 4);
  const dOut = alloc(maxBatch * width * 4);
  const maskPtr = alloc(maxBatch * width * 4);
  const mask = liveView(engine, Float32Array, maskPtr, maxBatch * width);
  const scale = 1 / (1 - p);
  let masked = false;
  return {
    width,
    out,
    dOut,
    get mask() {
      return mask();
    },
    forward(n, training) {
      masked = training && p > 0;
      if (!masked) {
        k.copyBytes(out, x.out, n * width * 4);
        return;
      }
      const m = mask();
      for (let i = 0; i < n * width; i++) m[i] = rng.next() < p ? 0 : scale;
      k.mul(n * width, x.out, maskPtr, out);
    },
    backward(n) {
      if (x.dOut === 0) return;
      if (masked) k.mul(n * width, dOut, maskPtr, x.dOut);
      else k.copyBytes(x.dOut, dOut, n * width * 4);
    },
  };
}

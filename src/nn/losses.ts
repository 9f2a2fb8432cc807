import type { Engine } from '../engine/engine.js';
import { liveView } from './live-view.js';
import type { Alloc } from './nodes.js';

/** 'cross-entropy': fused softmax + cross-entropy on logits (default). 'mse': mean squared error against one-hot labels. */
export type LossName = 'cross-entropy' | 'mse';
export const lossNames: readonly LossName[] = ['cross-entropy', 'mse'];

/** A loss of n rows of `classes` outputs against the u8 labels at `labels`, averaged as PyTorch's reduction 'mean'. */
export interface Loss {
  /** Returns the loss; writes its gradient with respect to the outputs to `dOutputs` unless that is 0. */
  compute(n: number, outputs: number, dOutputs: number): number;
}

export function createLoss(name: LossName, engine: Engine, classes: number, labels: number, maxBatch: number,
  alloc: Alloc): Loss {
  const k = engine.kernels;
  if (name === 'cross-entropy') {
    return { compute: (n, outputs, dOutputs) => k.softmaxCrossEntropy(n, classes, outputs, labels, dOutputs) };
  }
  const targetsPtr = alloc(maxBatch * classes * 4);
  const targets = liveView(engine, Float32Array, targetsPtr, maxBatch * classes);
  const labelView = liveView(engine, Uint8Array, labels, maxBatch);
  return {
    compute(n, outputs, dOutputs) {
      const t = targets();
      const y = labelView();
      t.fill(0, 0, n * classes);
      for (let i = 0; i < n; i++) t[i * classes + y[i]!] = 1;
      return k.mseLoss(n, classes, outputs, targetsPtr, dOutputs);
    },
  };
}

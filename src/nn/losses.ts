import type { Engine } from '../engine/engine.js';
import { liveView } from './live-view.js';
import type { Alloc } from './layer.js';

/** 'cross-entropy': fused softmax + cross-entropy on logits (default). 'mse': mean squared error against one-hot labels. */
export type LossName = 'cross-entropy' | 'mse';
export const lossNames: readonly LossName[] = ['cross-entropy', 'mse'];

/** A loss of n rows of `classes` outputs, averaged as PyTorch's reduction 'mean'. */
export interface Loss {
  /** Returns the loss against the u8 labels at `labels`; writes its gradient with respect to the outputs to `dOutputs` unless that is 0. */
  compute(n: number, outputs: number, labels: number, dOutputs: number): number;
}

export function createLoss(name: LossName, engine: Engine, classes: number, maxBatch: number, alloc: Alloc): Loss {
  const k = engine.kernels;
  if (name === 'cross-entropy') {
    return { compute: (n, outputs, labels, dOutputs) => k.softmaxCrossEntropy(n, classes, outputs, labels, dOutputs) };
  }
  const targetsPtr = alloc(maxBatch * classes * 4);
  const targets = liveView(engine, Float32Array, targetsPtr, maxBatch * classes);
  let bytes = new Uint8Array(0);
  return {
    compute(n, outputs, labels, dOutputs) {
      const t = targets();
      if (bytes.buffer !== engine.buffer) bytes = new Uint8Array(engine.buffer);
      t.fill(0, 0, n * classes);
      for (let i = 0; i < n; i++) t[i * classes + bytes[labels + i]!] = 1;
      return k.mseLoss(n, classes, outputs, targetsPtr, dOutputs);
    },
  };
}

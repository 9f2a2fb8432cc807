import type { LayerPlan, Shape } from '../layer.js';
import { sizeOf } from '../layer.js';

export interface ActivationSpec {
  type: 'relu' | 'tanh' | 'sigmoid';
}

export const relu = (): ActivationSpec => ({ type: 'relu' });
export const tanh = (): ActivationSpec => ({ type: 'tanh' });
export const sigmoid = (): ActivationSpec => ({ type: 'sigmoid' });

const kernels = {
  relu: ['reluForward', 'reluBackward'],
  tanh: ['tanhForward', 'tanhBackward'],
  sigmoid: ['sigmoidForward', 'sigmoidBackward'],
} as const;

/**
 * An elementwise activation on any shape, whose backward needs only its output y. A ReLU the layer before
 * it applied already (its `fusesRelu`) works in place on that layer's buffers: backward only.
 */
export function planActivation(spec: ActivationSpec, input: Shape): LayerPlan {
  const size = sizeOf(input);
  return {
    output: input,
    build({ engine, input: x, maxBatch, alloc, reluFused }) {
      const k = engine.kernels;
      if (reluFused) {
        return { out: x.out, dOut: x.dOut, forward() {}, backward: (n) => k.reluBackward(n * size, x.out, x.dOut, x.dOut) };
      }
      const [fwd, bwd] = kernels[spec.type];
      const out = alloc(maxBatch * size * 4);
      const dOut = alloc(maxBatch * size * 4);
      return {
        out,
        dOut,
        forward: (n) => k[fwd](n * size, x.out, out),
        backward(n) {
          if (x.dOut !== 0) k[bwd](n * size, out, dOut, x.dOut);
        },
      };
    },
  };
}

import { liveView } from '../live-view.js';
import type { LayerPlan, Node, Shape } from '../layer.js';
import { sizeOf } from '../layer.js';

export interface DropoutSpec {
  type: 'dropout';
  p: number;
}

/** Zeroes each value with probability p in training mode and scales the rest by 1/(1 − p); identity in eval mode. Any shape. */
export function dropout(p = 0.5): DropoutSpec {
  const spec: DropoutSpec = { type: 'dropout', p };
  checkDropout(spec, 'layer 0 (dropout)');
  return spec;
}

export function checkDropout(spec: DropoutSpec, where: string): void {
  if (!(spec.p >= 0 && spec.p < 1)) throw new RangeError(`${where}: p must be in [0, 1), got ${spec.p}`);
}

export interface DropoutNode extends Node {
  /** The mask of the last training forward: 0 or 1/(1 − p) per value (live view, maxBatch × size). */
  readonly mask: Float32Array;
}

/** Inverted dropout: a fresh mask from its own generator on every training forward, applied with the `mul` kernel. */
export function planDropout(spec: DropoutSpec, input: Shape): LayerPlan {
  const size = sizeOf(input);
  const { p } = spec;
  return {
    output: input,
    build({ engine, input: x, maxBatch, alloc, random }): DropoutNode {
      const k = engine.kernels;
      const rng = random();
      const out = alloc(maxBatch * size * 4);
      const dOut = alloc(maxBatch * size * 4);
      const maskPtr = alloc(maxBatch * size * 4);
      const mask = liveView(engine, Float32Array, maskPtr, maxBatch * size);
      const scale = 1 / (1 - p);
      let masked = false;
      return {
        out,
        dOut,
        get mask() {
          return mask();
        },
        forward(n, training) {
          masked = training && p > 0;
          if (!masked) {
            k.copyBytes(out, x.out, n * size * 4);
            return;
          }
          const m = mask();
          for (let i = 0; i < n * size; i++) m[i] = rng.next() < p ? 0 : scale;
          k.mul(n * size, x.out, maskPtr, out);
        },
        backward(n) {
          if (x.dOut === 0) return;
          if (masked) k.mul(n * size, dOut, maskPtr, x.dOut);
          else k.copyBytes(x.dOut, dOut, n * size * 4);
        },
      };
    },
  };
}

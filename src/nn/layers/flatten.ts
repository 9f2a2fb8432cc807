import type { LayerPlan, Shape } from '../layer.js';
import { sizeOf } from '../layer.js';

export interface FlattenSpec {
  type: 'flatten';
}

/** [c, h, w] → [c·h·w], as PyTorch's nn.Flatten(): NCHW rows are already contiguous, so it moves nothing. */
export const flatten = (): FlattenSpec => ({ type: 'flatten' });

export function planFlatten(_spec: FlattenSpec, input: Shape): LayerPlan {
  return {
    output: [sizeOf(input)],
    build: ({ input: x }) => ({ out: x.out, dOut: x.dOut, forward() {}, backward() {} }),
  };
}

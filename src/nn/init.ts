import type { Random } from '../random.js';

/** How a layer's weight and bias start. */
export type Init = 'he' | 'pytorch';

/**
 * Fills a layer's weight and bias from `rng`; fanIn is the inputs one output sums (in, or in·k·k).
 * 'he': Kaiming-normal for ReLU nets, weight ~ N(0, 2/fanIn), bias 0.
 * 'pytorch': nn.Linear's and nn.Conv2d's default, weight and bias ~ U(−1/√fanIn, 1/√fanIn).
 */
export function initWeights(init: Init, fanIn: number, weight: Float32Array, bias: Float32Array, rng: Random): void {
  if (init === 'he') {
    const std = Math.sqrt(2 / fanIn);
    for (let i = 0; i < weight.length; i++) weight[i] = rng.normal() * std;
    bias.fill(0);
  } else {
    const bound = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < weight.length; i++) weight[i] = (2 * rng.next() - 1) * bound;
    for (let i = 0; i < bias.length; i++) bias[i] = (2 * rng.next() - 1) * bound;
  }
}

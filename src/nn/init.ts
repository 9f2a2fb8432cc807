import type { Random } from '../random.js';
import type { Init } from './layers.js';

/**
 * Fills a linear layer's weight [out, in] and bias [out] from `rng`.
 * 'he': Kaiming-normal for ReLU nets, weight ~ N(0, 2/in), bias 0.
 * 'pytorch': nn.Linear's default, weight and bias ~ U(−1/√in, 1/√in).
 */
export function initLinear(init: Init, inFeatures: number, weight: Float32Array, bias: Float32Array, rng: Random): void {
  if (init === 'he') {
    const std = Math.sqrt(2 / inFeatures);
    for (let i = 0; i < weight.length; i++) weight[i] = rng.normal() * std;
    bias.fill(0);
  } else {
    const bound = 1 / Math.sqrt(inFeatures);
    for (let i = 0; i < weight.length; i++) weight[i] = (2 * rng.next() - 1) * bound;
    for (let i = 0; i < bias.length; i++) bias[i] = (2 * rng.next() - 1) * bound;
  }
}

import { SGD, type Parameter } from 'heavyball';
import type { Surface } from './surfaces';

export type Method = 'gd' | 'momentum' | 'nesterov';

export const METHODS: readonly { method: Method; label: string; colour: string; dash?: number[] }[] = [
  { method: 'gd', label: 'Gradient descent', colour: '#333333' },
  { method: 'momentum', label: 'Momentum (heavy ball)', colour: '#e6550d' },
  { method: 'nesterov', label: 'Nesterov', colour: '#2ca25f', dash: [7, 4] },
];

export interface Trajectory {
  method: Method;
  /** x₀, y₀, x₁, y₁, …: the start and the point after each step taken. */
  points: number[];
  /** f after the last step taken. */
  final: number;
  /** The step after which the iterate left any sensible region (or became NaN); training stopped there. */
  divergedAt: number | null;
}

export interface TrajectoryOptions {
  lr: number;
  momentum: number;
  steps: number;
  start: [number, number];
}

/** How far outside the plotted region an iterate may wander before the run counts as diverged. */
const ESCAPE = 1e4;

/**
 * Runs heavyball's SGD on the 2-D parameter `point` (from engine.parameter([x, y])), its gradient set by
 * hand from the surface before every step: the same optimizer code that trains the networks.
 * Gradient descent is SGD with momentum 0; Nesterov with momentum 0 is gradient descent.
 */
export function trajectory(point: Parameter, surface: Surface, method: Method, options: TrajectoryOptions): Trajectory {
  const { lr, momentum, steps, start } = options;
  point.data.set(start);
  const optimizer = new SGD([point], {
    lr,
    momentum: method === 'gd' ? 0 : momentum,
    nesterov: method === 'nesterov' && momentum > 0,
  });
  const points = [...start];
  let divergedAt: number | null = null;
  try {
    for (let step = 1; step <= steps; step++) {
      const before = point.data;
      point.grad.set(surface.grad(before[0]!, before[1]!));
      optimizer.step();
      const after = point.data;
      const nx = after[0]!;
      const ny = after[1]!;
      if (!(Math.abs(nx) < ESCAPE && Math.abs(ny) < ESCAPE)) {
        divergedAt = step;
        break;
      }
      points.push(nx, ny);
    }
  } finally {
    optimizer.dispose();
  }
  const n = points.length;
  return { method, points, final: surface.f(points[n - 2]!, points[n - 1]!), divergedAt };
}

/** A 2-D function to minimise, with what the plot and the sliders need. */
export interface Surface {
  name: 'quadratic' | 'rosenbrock';
  title: string;
  f(x: number, y: number): number;
  grad(x: number, y: number): [number, number];
  minimum: [number, number];
  start: [number, number];
  /** The plotted region (3:2, as the canvas). */
  view: { x: [number, number]; y: [number, number] };
  /** Slider defaults and the learning-rate slider's (logarithmic) range. */
  defaults: { lr: number; momentum: number; steps: number };
  lrRange: [number, number];
  /** Goh's best step size and momentum, where the theory gives them. */
  optimal?: { lr: number; momentum: number };
}

// The quadratic: f = ½ (λ₁ u² + λ₂ v²) in coordinates rotated by θ, condition number κ = λ₂ / λ₁ = 100.
const THETA = (15 * Math.PI) / 180;
const COS = Math.cos(THETA);
const SIN = Math.sin(THETA);
const LAMBDA_SHALLOW = 0.01;
const LAMBDA_STEEP = 1;

function rotate(x: number, y: number): [number, number] {
  return [COS * x + SIN * y, -SIN * x + COS * y];
}

/**
 * "Why Momentum Really Works" (Goh, Distill 2017): for a quadratic with eigenvalues λ₁ ≤ … ≤ λₙ, momentum
 * converges fastest with α = (2 / (√λ₁ + √λₙ))² and β = ((√κ − 1) / (√κ + 1))².
 */
export function gohOptimum(lambdaMin: number, lambdaMax: number): { lr: number; momentum: number } {
  const sqrtKappa = Math.sqrt(lambdaMax / lambdaMin);
  return {
    lr: (2 / (Math.sqrt(lambdaMin) + Math.sqrt(lambdaMax))) ** 2,
    momentum: ((sqrtKappa - 1) / (sqrtKappa + 1)) ** 2,
  };
}

export const quadratic: Surface = {
  name: 'quadratic',
  title: 'Ill-conditioned quadratic (κ = 100)',
  f(x, y) {
    const [u, v] = rotate(x, y);
    return 0.5 * (LAMBDA_SHALLOW * u * u + LAMBDA_STEEP * v * v);
  },
  grad(x, y) {
    const [u, v] = rotate(x, y);
    const gu = LAMBDA_SHALLOW * u;
    const gv = LAMBDA_STEEP * v;
    return [COS * gu - SIN * gv, SIN * gu + COS * gv];
  },
  minimum: [0, 0],
  start: [-4, 0.3],
  view: { x: [-4.5, 4.5], y: [-3, 3] },
  defaults: { lr: 1.2, momentum: 0.8, steps: 100 },
  lrRange: [0.01, 4],
  optimal: gohOptimum(LAMBDA_SHALLOW, LAMBDA_STEEP),
};

/** Rosenbrock's banana valley: f = (1 − x)² + 100 (y − x²)², minimum at (1, 1). */
export const rosenbrock: Surface = {
  name: 'rosenbrock',
  title: 'Rosenbrock valley',
  f(x, y) {
    return (1 - x) ** 2 + 100 * (y - x * x) ** 2;
  },
  grad(x, y) {
    return [-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)];
  },
  minimum: [1, 1],
  start: [-1.2, 1],
  view: { x: [-2.1, 2.1], y: [-0.8, 2] },
  defaults: { lr: 0.001, momentum: 0.9, steps: 1000 },
  lrRange: [0.00001, 0.005],
};

export const SURFACES = { quadratic, rosenbrock } as const;

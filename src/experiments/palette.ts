/**
 * One colour per momentum, the same in every report and in the demo: the study's seven momenta get fixed,
 * well-separated colours (plain SGD grey, then warm to cool as μ grows); any other μ in [0, 1) a colour
 * interpolated along the same order, so it too is always the same.
 */
const FIXED: readonly (readonly [number, string])[] = [
  [0, '#7f7f7f'],
  [0.5, '#e6a100'],
  [0.6, '#e8590c'],
  [0.7, '#d6336c'],
  [0.8, '#9c36b5'],
  [0.9, '#1c7ed6'],
  [0.99, '#0ca678'],
];

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

export function momentumColour(momentum: number): string {
  const exact = FIXED.find(([m]) => m === momentum);
  if (exact) return exact[1];
  const upper = FIXED.findIndex(([m]) => m > momentum);
  if (upper <= 0) return upper === 0 ? FIXED[0]![1] : FIXED[FIXED.length - 1]![1];
  const [m0, c0] = FIXED[upper - 1]!;
  const [m1, c1] = FIXED[upper]!;
  const t = (momentum - m0) / (m1 - m0);
  const [a, b] = [rgb(c0), rgb(c1)];
  return `#${a.map((x, i) => Math.round(x + t * (b[i]! - x)).toString(16).padStart(2, '0')).join('')}`;
}

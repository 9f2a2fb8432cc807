/** op(A)·op(B) with op(A) m×k and op(B) k×n; 'TN' means A is transposed, B is not. */
export type Transpose = 'NN' | 'NT' | 'TN' | 'TT';
export const transposes: readonly Transpose[] = ['NN', 'NT', 'TN', 'TT'];

export interface GemmShape {
  m: number;
  n: number;
  k: number;
  /** The products of this size the reference MLP's training step computes, by transpose. */
  roles: Partial<Record<Transpose, string>>;
  /** Counted by the GEMM targets (≥ 85% of the ceiling, transposes within 10%). */
  training: boolean;
}

/**
 * The reference MLP 784-256-128-10 at batch 128: per linear layer y = x·Wᵀ (NT), the weight gradient
 * dW = dyᵀ·x (TN) and the input gradient dx = dy·W (NN). Layer 1's input gradient is not computed in
 * training (the input needs none) but is measured as a shape. Then square sizes.
 */
export const gemmShapes: readonly GemmShape[] = [
  { m: 128, n: 256, k: 784, roles: { NT: 'layer 1 forward' }, training: true },
  { m: 256, n: 784, k: 128, roles: { TN: 'layer 1 weight grad' }, training: true },
  { m: 128, n: 784, k: 256, roles: { NN: 'layer 1 input grad (unused)' }, training: true },
  { m: 128, n: 128, k: 256, roles: { NT: 'layer 2 forward' }, training: true },
  { m: 128, n: 256, k: 128, roles: { NN: 'layer 2 input grad', TN: 'layer 2 weight grad' }, training: true },
  { m: 256, n: 256, k: 256, roles: {}, training: false },
  { m: 512, n: 512, k: 512, roles: {}, training: false },
  { m: 1024, n: 1024, k: 1024, roles: {}, training: false },
];

export const flops = (s: GemmShape) => 2 * s.m * s.n * s.k;

export const shapeLabel = (s: GemmShape) => `${s.m}×${s.n}×${s.k}`;

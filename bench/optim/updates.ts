/** The optimizer updates measured, with PyTorch's defaults where they matter and the bytes each moves. */
export type UpdateName = 'SGD momentum' | 'SGD Nesterov' | 'Adam';

export interface Update {
  name: UpdateName;
  /** f32 arrays the update touches: SGD p, g, buf; Adam p, g, m, v. */
  arrays: number;
  /** Bytes read + written per parameter: SGD reads p, g, buf and writes p, buf; Adam reads p, g, m, v and writes p, m, v. */
  bytesPerParam: number;
}

export const updates: readonly Update[] = [
  { name: 'SGD momentum', arrays: 3, bytesPerParam: 4 * 5 },
  { name: 'SGD Nesterov', arrays: 3, bytesPerParam: 4 * 5 },
  { name: 'Adam', arrays: 4, bytesPerParam: 4 * 7 },
];

/**
 * Bytes the reference copies move for an update of `params`: half the update's footprint, so source +
 * destination occupy as much memory as the update's arrays and sit in the same level of the cache.
 */
export const copyBytesFor = (update: Update, params: number) => (update.arrays * 4 * params) / 2;

export const LR = 0.01;
export const MOMENTUM = 0.9;
export const BETAS = [0.9, 0.999] as const;
export const EPS = 1e-8;
/** Adam's bias corrections are taken at this step (they are scalars the caller passes). */
export const ADAM_STEP = 10;

export const paramCounts = [100_000, 1_000_000, 4_000_000] as const;

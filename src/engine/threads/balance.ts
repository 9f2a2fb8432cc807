// Shares of a kernel's outputs for threads that run at different speeds. On a shared machine one core is
// often slower than another for seconds at a time (a neighbour on it, another tab, an efficiency core),
// and an even cut then waits on the slowest. Shares only move where the outputs are cut, never a sum, so
// the bits stay those of one thread.

/** How much of the newest call's measurement goes into a thread's weight (the rest is the history). */
const NEWEST = 0.3;
/** No thread's weight goes below this share of an even cut, so a slow spell is seen to end. */
const FLOOR = 0.5;

/**
 * Per kind of call (a number the caller derives from its shape), each thread's weight: its share of the
 * work done per millisecond over the last calls, waking included. Thread 0 is the caller.
 */
export class Balance {
  private readonly weights = new Map<number, Float64Array>();

  constructor(readonly threads: number) {}

  /** The weights for calls of kind `kind`, summing to 1 (even, until `record` has seen such calls). */
  of(kind: number): Float64Array {
    let w = this.weights.get(kind);
    if (!w) this.weights.set(kind, (w = new Float64Array(this.threads).fill(1 / this.threads)));
    return w;
  }

  /**
   * After a call cut by `weights`: thread t did `done[t]` units in `ms[t]` milliseconds. Moves each
   * weight toward the thread's share of the units done per millisecond. A thread with no units (or no
   * time) tells nothing: its weight stays, and the others share the rest.
   */
  record(weights: Float64Array, done: ArrayLike<number>, ms: ArrayLike<number>): void {
    const measured = (t: number) => done[t]! > 0 && ms[t]! > 0;
    let rates = 0, mass = 0;
    for (let t = 0; t < this.threads; t++) {
      if (!measured(t)) continue;
      rates += done[t]! / ms[t]!;
      mass += weights[t]!;
    }
    if (rates === 0) return;
    for (let t = 0; t < this.threads; t++) {
      if (measured(t)) weights[t] = (1 - NEWEST) * weights[t]! + NEWEST * ((done[t]! / ms[t]!) / rates) * mass;
    }
    // Raise the weights below the floor to it, and scale the others down to make room.
    const floor = FLOOR / this.threads;
    let raised = 0, others = 0;
    for (let t = 0; t < this.threads; t++) {
      if (weights[t]! < floor) raised += floor;
      else others += weights[t]!;
    }
    for (let t = 0; t < this.threads; t++) weights[t] = weights[t]! < floor ? floor : (weights[t]! * (1 - raised)) / others;
  }
}

/**
 * Where part `part` of `total` starts when it is cut in steps of `unit` by `weights` (parts 0 … length − 1
 * of the weights; part `weights.length` is the end, `total`).
 */
export function weightedStart(total: number, unit: number, weights: ArrayLike<number>, part: number): number {
  if (part >= weights.length) return total;
  let before = 0;
  for (let t = 0; t < part; t++) before += weights[t]!;
  return Math.min(total, Math.round((Math.ceil(total / unit) * before)) * unit);
}

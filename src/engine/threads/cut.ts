import { type Balance, weightedStart } from './balance.js';
import { now, type ThreadPool } from './pool.js';
import { shareStart } from './split.js';

/**
 * One threaded kernel's cut of its outputs: even, or by the kernel's `balance` when every thread has a
 * part; and the measurement that teaches the balance. Per call: `begin`, `start(part)` for each part,
 * post the workers' parts, run part 0, `ownDone()`, join, then `learn()`.
 */
export class Cut {
  private readonly threads: number;
  private readonly done: Float64Array;
  private readonly ms: Float64Array;
  private weights: Float64Array | undefined;
  private total = 0;
  private unit = 1;
  private parts = 1;
  private posted = 0;

  constructor(private readonly pool: ThreadPool, private readonly balance: Balance) {
    this.threads = pool.size + 1;
    this.done = new Float64Array(this.threads);
    this.ms = new Float64Array(this.threads);
  }

  /** A call of kind `kind` cutting `total` in steps of `unit` into `parts` parts (at most the threads). */
  begin(kind: number, total: number, unit: number, parts: number): void {
    this.weights = parts === this.threads ? this.balance.of(kind) : undefined;
    this.total = total;
    this.unit = unit;
    this.parts = parts;
    for (let part = 0; part < parts; part++) this.done[part] = this.start(part + 1) - this.start(part);
    this.posted = now();
  }

  /** Where part `part` starts (part `parts`: the end). */
  start(part: number): number {
    return this.weights
      ? weightedStart(this.total, this.unit, this.weights, part)
      : shareStart(this.total, this.unit, this.parts, part);
  }

  /** The units part `part` has. */
  size(part: number): number {
    return this.done[part]!;
  }

  /** The caller has finished its part. */
  ownDone(): void {
    this.ms[0] = now() - this.posted;
  }

  /**
   * After the join: each worker's time from the post to its finish, and the caller's, into the balance;
   * nothing when the caller ran a worker's part (that worker's speed was not seen).
   */
  learn(): void {
    if (!this.weights) return;
    for (let w = 1; w < this.threads; w++) {
      if (this.pool.ranOnCaller(w - 1)) return;
      this.ms[w] = this.pool.finishedAt(w - 1) - this.posted;
    }
    this.balance.record(this.weights, this.done, this.ms);
  }
}

// A sweep splits the cores: parallel runs first (one per worker, at most one per run), the cores they
// leave over as threads within each run; `threads` (the CLI's --threads) overrides.
import { describe, expect, it } from 'vitest';
import { resolveSweepConfig, runConfigs, threadsPerRun } from '../src/experiments/sweep-options.js';

describe('threads per run', () => {
  it('more runs than cores: one thread each; fewer: the cores shared among them', () => {
    expect(threadsPerRun(2, 2, 7)).toBe(1);
    expect(threadsPerRun(8, 8, 2)).toBe(4);
    expect(threadsPerRun(8, 8, 3)).toBe(2);
    expect(threadsPerRun(8, 1, 7)).toBe(8);
    expect(threadsPerRun(4, 4, 1)).toBe(4);
    expect(threadsPerRun(1, 4, 4)).toBe(1);
  });

  it('a sweep resolves it from its runs and workers, and every run gets it', () => {
    const seven = resolveSweepConfig({}, 8);
    expect(seven.threads).toBe(1);
    const two = resolveSweepConfig({ momenta: [0, 0.9] }, 8);
    expect(two.threads).toBe(4);
    expect(runConfigs(two).map((r) => r.threads)).toEqual([4, 4]);
    expect(resolveSweepConfig({ momenta: [0.9], workers: 1 }, 6).threads).toBe(6);
  });

  it('threads overrides, and must be a positive integer', () => {
    expect(resolveSweepConfig({ threads: 3 }, 8).threads).toBe(3);
    expect(() => resolveSweepConfig({ threads: 0 }, 8)).toThrow(/threads must be a positive integer, got 0/);
  });
});

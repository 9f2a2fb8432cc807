import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stat, summarizeSettings } from '../src/experiments/aggregate.js';
import { conclude } from '../src/experiments/conclusion.js';
import { downsample, firstStepAtOrBelow, firstStepWithAccuracy, smoothLoss, summarizeRun } from '../src/experiments/metrics.js';
import { escapeHtml } from '../src/experiments/report-html.js';
import { formatTable, tableRows } from '../src/experiments/results-table.js';
import { mlp } from '../src/experiments/run-setting.js';
import { resolveSweepConfig, runConfigs } from '../src/experiments/sweep-options.js';
import type { RunConfig, RunResult, SweepConfig } from '../src/experiments/types.js';

const config: SweepConfig = resolveSweepConfig({ momenta: [0, 0.9, 0.99], targetLoss: 0.5, targetAccuracy: 0.9 }, 2);

function run(momentum: number, seed: number, fields: Partial<RunResult>): RunResult {
  const runConfig: RunConfig = runConfigs({ ...config, momenta: [momentum], seeds: [seed] })[0]!;
  return {
    config: runConfig, loss: [], smoothedLoss: [], lossCurve: [], epochs: [], tests: [],
    stepsToTargetLoss: null, stepsToTargetAccuracy: null, finalTestAccuracy: 0.9, finalTestLoss: 0.3,
    steps: 100, seconds: 1, diverged: false, ...fields,
  };
}

describe('smoothLoss', () => {
  it('is the bias-corrected exponential moving average', () => {
    const beta = 0.9;
    const x = [4, 2, 3];
    const s1 = 0.1 * 4;
    const s2 = 0.9 * s1 + 0.1 * 2;
    const s3 = 0.9 * s2 + 0.1 * 3;
    const smoothed = smoothLoss(x, beta);
    expect(smoothed[0]).toBeCloseTo(4, 12);
    expect(smoothed[1]).toBeCloseTo(s2 / (1 - 0.9 ** 2), 12);
    expect(smoothed[2]).toBeCloseTo(s3 / (1 - 0.9 ** 3), 12);
    expect(smoothLoss(x, 0)).toEqual(x);
  });

  it('keeps a constant curve constant, for any factor', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.integer({ min: 1, max: 50 }), (beta, n) => {
      for (const value of smoothLoss(new Array(n).fill(1.5), beta)) expect(value).toBeCloseTo(1.5, 9);
    }));
  });

  it('turns null (NaN, Infinity) and everything after it into null', () => {
    expect(smoothLoss([1, null, 1], 0.5)).toEqual([1, null, null]);
  });
});

describe('downsample', () => {
  it('keeps at most maxPoints evenly spaced finite points, the last step always', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 300 }), (n, maxPoints) => {
      const curve = Array.from({ length: n }, (_, i) => i + 1);
      const points = downsample(curve, maxPoints);
      expect(points.length).toBeLessThanOrEqual(maxPoints);
      expect(points.at(-1)).toEqual({ step: n, loss: n });
      for (const p of points) expect(p.loss).toBe(p.step);
      const gaps = new Set(points.slice(1).map((p, i) => p.step - points[i]!.step));
      expect(gaps.size).toBeLessThanOrEqual(1);
    }));
  });

  it('leaves out the steps whose loss is not finite', () => {
    expect(downsample([3, 2, null, null], 10)).toEqual([{ step: 1, loss: 3 }, { step: 2, loss: 2 }]);
  });
});

describe('steps to a target', () => {
  it('counts steps from 1 and is null when never reached', () => {
    expect(firstStepAtOrBelow([3, 2, 1, 0.5, 0.7], 1)).toBe(3);
    expect(firstStepAtOrBelow([3, null, 2], 1)).toBeNull();
    const tests = [{ step: 10, epoch: 0.5, loss: 1, accuracy: 0.8 }, { step: 20, epoch: 1, loss: 0.5, accuracy: 0.91 }];
    expect(firstStepWithAccuracy(tests, 0.9)).toBe(20);
    expect(firstStepWithAccuracy(tests, 0.95)).toBeNull();
  });

  it('are measured on the smoothed loss and the sorted test points', () => {
    const runConfig = { ...runConfigs(config)[0]!, smoothing: 0, targetLoss: 1, targetAccuracy: 0.5 };
    const result = summarizeRun(runConfig, {
      loss: [2, 1.5, 0.9, Infinity],
      epochs: [],
      tests: [{ step: 4, epoch: 1, loss: 1, accuracy: 0.6 }, { step: 2, epoch: 0.5, loss: 1, accuracy: 0.55 }],
      finalTestAccuracy: 0.1,
      finalTestLoss: NaN,
      seconds: 1,
      diverged: { step: 4, loss: Infinity },
    });
    expect(result.loss).toEqual([2, 1.5, 0.9, null]);
    expect(result.stepsToTargetLoss).toBe(3);
    expect(result.stepsToTargetAccuracy).toBe(2);
    expect(result.finalTestLoss).toBeNull();
    expect(result.diverged).toEqual({ step: 4, loss: null });
    expect(result.steps).toBe(4);
  });
});

describe('stat and summarizeSettings', () => {
  it('gives the mean, sample standard deviation, min, max and count', () => {
    expect(stat([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(5 / 3), min: 1, max: 4, n: 4 });
    expect(stat([7])).toEqual({ mean: 7, std: 0, min: 7, max: 7, n: 1 });
    expect(stat([])).toBeNull();
  });

  it('groups the runs by momentum over their seeds, counting divergences', () => {
    const settings = summarizeSettings([
      run(0.9, 2, { stepsToTargetLoss: 30, finalTestAccuracy: 0.95 }),
      run(0, 1, { stepsToTargetLoss: null }),
      run(0.9, 1, { stepsToTargetLoss: 10, finalTestAccuracy: 0.97 }),
      run(0.99, 1, { diverged: { step: 12, loss: null } }),
      run(0.99, 2, { diverged: { step: 9, loss: 1e9 } }),
    ]);
    expect(settings.map((s) => s.momentum)).toEqual([0, 0.9, 0.99]);
    expect(settings[0]!.stepsToTargetLoss).toBeNull();
    expect(settings[1]).toMatchObject({ seeds: [1, 2], diverged: 0, stepsToTargetLoss: { mean: 20, n: 2 } });
    expect(settings[1]!.finalTestAccuracy!.mean).toBeCloseTo(0.96, 12);
    expect(settings[2]).toMatchObject({ diverged: 2, firstDivergedStep: 9 });
  });
});

describe('conclude', () => {
  const input = (runs: RunResult[], extra: Partial<Parameters<typeof conclude>[0]> = {}) => ({
    config, settings: summarizeSettings(runs), data: { train: 60000 }, runsFinished: runs.length, runsPlanned: runs.length, ...extra,
  });

  it('names the fastest to each target, the best at the end and who diverged', () => {
    const text = conclude(input([
      run(0, 1, { stepsToTargetLoss: 400, stepsToTargetAccuracy: null, finalTestAccuracy: 0.93 }),
      run(0.9, 1, { stepsToTargetLoss: 100, stepsToTargetAccuracy: 200, finalTestAccuracy: 0.97 }),
      run(0.99, 1, { diverged: { step: 37, loss: null }, finalTestAccuracy: 0.098 }),
    ]));
    expect(text).toBe('SGD with momentum (lr 0.05, batch 128, seed 1) trained a 784-256-128-10 network for 2 epochs of 60000 MNIST images. '
      + 'μ = 0.9 brought the smoothed training loss down to 0.5 first, after 100 steps; μ = 0 took 400 (4.0× as many); μ = 0.99 never did. '
      + 'μ = 0.9 reached 90.0% test accuracy first, after 200 steps; μ = 0 and μ = 0.99 never did. '
      + 'The best final test accuracy was 97.00% at μ = 0.9, the lowest 93.00% at μ = 0. '
      + 'μ = 0.99 diverged (at step 37).');
  });

  it('names ties together, says when no one got there, and when the sweep was stopped', () => {
    const text = conclude(input([
      run(0.5, 1, { stepsToTargetAccuracy: 469 }),
      run(0.9, 1, { stepsToTargetAccuracy: 469 }),
    ], { runsPlanned: 3 }));
    expect(text).toContain('No setting brought the smoothed training loss down to 0.5.');
    expect(text).toContain('μ = 0.5 and μ = 0.9 reached 90.0% test accuracy first, after 469 steps.');
    expect(text).toContain('No setting diverged.');
    expect(text).toContain('The sweep was stopped early: 2 of 3 runs finished');
  });

  it('speaks of β1 for Adam, of averages and spreads over several seeds', () => {
    const adam = resolveSweepConfig({ optimizer: 'adam', seeds: [1, 2] }, 2);
    const runs = [1, 2].map((seed) => ({
      ...run(0.9, seed, { stepsToTargetLoss: seed * 100, finalTestAccuracy: 0.9 + seed / 100 }),
      config: { ...runConfigs(adam)[0]!, momentum: 0.9, seed },
    }));
    const text = conclude({ config: adam, settings: summarizeSettings(runs), data: { train: 100 }, runsFinished: 2, runsPlanned: 2 });
    expect(text).toContain('Adam (lr 0.001, batch 128, 2 seeds each)');
    expect(text).toContain('β1 = 0.9 brought the smoothed training loss down to 0.2 first, after 150 steps on average');
    expect(text).toContain(`The best final test accuracy was 91.50% ± ${(Math.SQRT1_2 * 1).toFixed(2)}% at β1 = 0.9`);
  });
});

describe('the metrics table', () => {
  it('formats each setting as the HTML report and the CLI show it', () => {
    const settings = summarizeSettings([
      run(0.9, 1, { stepsToTargetLoss: 100, stepsToTargetAccuracy: null, finalTestAccuracy: 0.9712, seconds: 12.345 }),
      run(0.9, 2, { stepsToTargetLoss: null, stepsToTargetAccuracy: null, finalTestAccuracy: 0.9688, seconds: 11.655, diverged: { step: 50, loss: null } }),
    ]);
    expect(tableRows({ ...config, seeds: [1, 2] }, settings)).toEqual([
      ['μ = 0.9', '0.05', '0.5', '100 (1 of 2 seeds)', 'never', '97.00% ± 0.17%', '12.0', '1 of 2 seeds, first at step 50'],
    ]);
    expect(formatTable(['a', 'bb'], [['xyz', '1']])).toBe('a    bb\n───  ──\nxyz  1');
  });

  it('escapes text for HTML', () => {
    expect(escapeHtml(`<b a="1">&'`)).toBe('&#60;b a=&#34;1&#34;&#62;&#38;&#39;');
  });
});

describe('sweep options', () => {
  it('has the documented defaults and one run per momentum and seed', () => {
    const resolved = resolveSweepConfig({ seeds: [1, 2] }, 3);
    expect(resolved).toMatchObject({
      momenta: [0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99], optimizer: 'sgd', lr: 0.05, normalizeLr: false,
      layers: [784, 256, 128, 10], workers: 3, backend: 'wasm', simd: 'standard',
    });
    expect(runConfigs(resolved).map((r) => [r.momentum, r.seed])).toEqual(
      [0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99].flatMap((m) => [[m, 1], [m, 2]]));
    expect(resolveSweepConfig({ optimizer: 'adam' }, 1).lr).toBe(0.001);
  });

  it('names the setting out of range and its range', () => {
    expect(() => resolveSweepConfig({ momenta: [] }, 1)).toThrow(RangeError);
    expect(() => resolveSweepConfig({ momenta: [0.9, 0.9] }, 1)).toThrow('momenta must be a list without repeats, got [0.9,0.9]');
    expect(() => resolveSweepConfig({ lr: 0 }, 1)).toThrow('lr must be a number > 0, got 0');
    expect(() => resolveSweepConfig({ epochs: 1.5 }, 1)).toThrow('epochs must be a positive integer, got 1.5');
    expect(() => resolveSweepConfig({ targetAccuracy: 97 }, 1)).toThrow('targetAccuracy must be in (0, 1], got 97');
    expect(() => resolveSweepConfig({ optimizer: 'lbfgs' as never }, 1)).toThrow('optimizer must be one of sgd, nesterov, adam');
    expect(() => resolveSweepConfig({ layers: [784] }, 1)).toThrow(/layers must be a list of at least 2/);
  });

  it('builds the network from its widths, ReLU between linear layers', () => {
    expect(mlp([784, 256, 10]).map((l) => (l.type === 'linear' ? `${l.inFeatures}→${l.outFeatures}` : l.type)))
      .toEqual(['784→256', 'relu', '256→10']);
  });
});

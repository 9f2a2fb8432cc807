import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzePart, analyzeRun, summarizeSetting } from '../src/experiments/analysis.js';
import { studyAnswer } from '../src/experiments/answer.js';
import { canonicalJson } from '../src/experiments/canonical-json.js';
import { partConclusion } from '../src/experiments/conclusion.js';
import { count, round, wholeSteps } from '../src/experiments/labels.js';
import { bestAccuracy, downsample, finalMean, smoothLoss, stepsToAccuracy } from '../src/experiments/metrics.js';
import { momentumColour } from '../src/experiments/palette.js';
import { partSettings, sameStepLr } from '../src/experiments/plan.js';
import { escapeHtml } from '../src/experiments/report-html.js';
import { formatTable, tableHeader, tableRows } from '../src/experiments/results-table.js';
import { mlp } from '../src/experiments/network.js';
import { resolveStudyConfig } from '../src/experiments/study-config.js';
import type { Evaluation, RunEntry, RunRecord, StudyConfig } from '../src/experiments/types.js';
import { syntheticRecord } from './helpers/study-records.js';

const config: StudyConfig = resolveStudyConfig({ targetAccuracy: 0.9, smoothing: 0.5 }, 'study', 2);

const evaluations = (points: [number, number][]): Evaluation[] =>
  points.map(([step, accuracy]) => ({ step, epoch: step / 100, validation: { loss: null, accuracy }, test: null }));

/** A run of `momentum`, `lr`, `seed` reaching 90% accuracy at about `reach` steps (never when null). */
function entry(momentum: number, lr: number, seed: number, reach: number | null, final = 0.95, extra: Partial<RunRecord> = {}): RunEntry {
  const record = syntheticRecord(
    200,
    (s) => 2.3 * Math.exp(-s / 50) + 0.1,
    (s) => (reach === null ? Math.min(0.85, 0.1 + s / 100) : Math.min(final, 0.1 + (0.8 * s) / reach)),
    { momentum, lr, seed },
  );
  const full = { ...record, ...extra };
  return { id: `${momentum}|${lr}|${seed}`, record: full, analysis: analyzeRun(full, config) };
}

describe('smoothLoss', () => {
  it('is the bias-corrected exponential moving average', () => {
    const s1 = 0.1 * 4;
    const s2 = 0.9 * s1 + 0.1 * 2;
    const smoothed = smoothLoss([4, 2], 0.9);
    expect(smoothed[0]).toBeCloseTo(4, 12);
    expect(smoothed[1]).toBeCloseTo(s2 / (1 - 0.9 ** 2), 12);
    expect(smoothLoss([4, 2, 3], 0)).toEqual([4, 2, 3]);
  });

  it('keeps a constant curve constant, and turns everything after a null into null', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.integer({ min: 1, max: 50 }), (beta, n) => {
      for (const value of smoothLoss(new Array(n).fill(1.5), beta)) expect(value).toBeCloseTo(1.5, 9);
    }));
    expect(smoothLoss([1, null, 1], 0.5)).toEqual([1, null, null]);
  });
});

describe('downsample', () => {
  it('keeps at most maxPoints evenly spaced points, the last step always, and no null', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 300 }), (n, maxPoints) => {
      const points = downsample(Array.from({ length: n }, (_, i) => i + 1), maxPoints);
      expect(points.length).toBeLessThanOrEqual(maxPoints);
      expect(points.at(-1)).toEqual({ step: n, loss: n });
      expect(new Set(points.slice(1).map((p, i) => p.step - points[i]!.step)).size).toBeLessThanOrEqual(1);
    }));
    expect(downsample([1, null, 3], 10)).toEqual([{ step: 1, loss: 1 }, { step: 3, loss: 3 }]);
  });
});

describe('accuracy metrics', () => {
  const curve = evaluations([[0, 0.1], [10, 0.5], [20, 0.8], [30, 0.95], [40, 0.93], [50, 0.97]]);

  it('interpolates the steps to a target between the evaluations around its first crossing', () => {
    expect(stepsToAccuracy(curve, 0.9)).toBeCloseTo(20 + (0.1 / 0.15) * 10, 12);
    expect(stepsToAccuracy(curve, 0.8)).toBe(20);
    expect(stepsToAccuracy(curve, 0.05)).toBe(0);
    expect(stepsToAccuracy(curve, 0.99)).toBeNull();
  });

  it('takes final accuracy as the mean of the last k evaluations, and the best with its step', () => {
    expect(finalMean(curve, 3, (e) => e.validation.accuracy)).toBeCloseTo((0.95 + 0.93 + 0.97) / 3, 12);
    expect(finalMean(curve, 1, (e) => e.validation.accuracy)).toBe(0.97);
    expect(finalMean(curve, 3, (e) => e.test?.accuracy ?? null)).toBeNull();
    expect(bestAccuracy(curve)).toEqual({ accuracy: 0.97, step: 50 });
  });
});

describe('settings over seeds', () => {
  it('gives the mean steps only when every seed reached the target, else "k of n"', () => {
    const all = summarizeSetting('sgd', [entry(0.9, 0.1, 1, 50), entry(0.9, 0.1, 2, 60), entry(0.9, 0.1, 3, 70)], true);
    expect(all.stepsToTarget.reached).toBe(3);
    expect(all.stepsToTarget.estimate!.mean).toBeCloseTo(60, 9);
    expect(all.effectiveStep).toBe(1);
    expect(all.status).toEqual({ status: 'ok', reason: 'all 3 seeds trained', step: null, failed: 0 });
    expect(all.finalTestAccuracy!.mean).toBeCloseTo(0.94, 12);
    const some = summarizeSetting('sgd', [entry(0.5, 0.1, 1, 50), entry(0.5, 0.1, 2, null), entry(0.5, 0.1, 3, 70)], false);
    expect(some.stepsToTarget).toEqual({ reached: 2, of: 3, estimate: null });
    expect(some.finalTestAccuracy).toBeNull();
  });

  it('is ok only when every seed is, naming how many failed and the first', () => {
    const collapsed = entry(0.99, 0.1, 2, null, 0.95, {});
    const atChance = { ...collapsed, analysis: { ...collapsed.analysis, status: 'stalled' as const, reason: 'stuck', step: 40 } };
    const s = summarizeSetting('sgd', [entry(0.99, 0.1, 1, 50), atChance, entry(0.99, 0.1, 3, 50)], true);
    expect(s.status).toEqual({ status: 'stalled', reason: '1 of 3 seeds failed; seed 2: stuck', step: 40, failed: 1 });
  });

  it('tuned: reports each μ at its lr with the best final validation accuracy among the ok ones, flagging the grid edge', () => {
    const runs = new Map<string, RunEntry>();
    const add = (m: number, lr: number, final: number, failed = false) => {
      for (const seed of [1, 2, 3]) {
        const e = entry(m, lr, seed, 50, final);
        runs.set(`${m}|${lr}|${seed}`, failed ? { ...e, analysis: { ...e.analysis, status: 'diverged', reason: 'x', step: 5 } } : e);
      }
    };
    add(0, 0.1, 0.93); add(0, 1, 0.96);
    add(0.9, 0.1, 0.95); add(0.9, 1, 0.99, true);
    const part = analyzePart({ kind: 'tuned', lrs: [0.1, 1] }, 'sgd', [0, 0.9], [1, 2, 3], (s, seed) => runs.get(`${s.momentum}|${s.lr}|${seed}`));
    expect(part.choices).toEqual([{ momentum: 0, lr: 1, atEdge: true }, { momentum: 0.9, lr: 0.1, atEdge: true }]);
    expect(part.reported.map((s) => [s.momentum, s.lr])).toEqual([[0, 1], [0.9, 0.1]]);
    expect(part.reported.every((s) => s.finalTestAccuracy !== null)).toBe(true);
    expect(part.settings.every((s) => s.finalTestAccuracy === null)).toBe(true);
    const text = partConclusion(config, part);
    expect(text).toContain('Chosen on validation accuracy: μ = 0 at lr 1, μ = 0.9 at lr 0.1.');
    expect(text).toContain("the best lr is at the grid's edge");
    expect(text).toContain('1 setting of the grid failed (1 diverged, 0 stalled)');
  });
});

describe('conclusions', () => {
  const part = (runs: RunEntry[][]) => {
    const settings = runs.map((seeds) => summarizeSetting('sgd', seeds, true));
    return { spec: { kind: 'fixed' as const, lr: 0.1 }, settings, reported: settings };
  };

  it('names a winner only when its interval separates from the runner-up\'s', () => {
    const separated = part([
      [entry(0, 0.1, 1, 150), entry(0, 0.1, 2, 160), entry(0, 0.1, 3, 170)],
      [entry(0.9, 0.1, 1, 50), entry(0.9, 0.1, 2, 50), entry(0.9, 0.1, 3, 60)],
    ]);
    const text = partConclusion(config, separated);
    expect(text).toMatch(/^μ = 0\.9 reached 90\.0% validation accuracy first, in 53 ± 14 steps; its interval separates from the runner-up's, μ = 0 \(160 ± 25 steps\)\./);
    expect(text).toContain('Plain SGD took 160 ± ');
    expect(text).toContain('Plain SGD took 160 ± 25 steps, 3× as many as μ = 0.9.');
  });

  it('says indistinguishable at n seeds when the intervals overlap, and "k of n" for partial settings', () => {
    const tied = part([
      [entry(0.8, 0.1, 1, 50), entry(0.8, 0.1, 2, 70), entry(0.8, 0.1, 3, 60)],
      [entry(0.9, 0.1, 1, 60), entry(0.9, 0.1, 2, 60), entry(0.9, 0.1, 3, 70)],
      [entry(0.5, 0.1, 1, 80), entry(0.5, 0.1, 2, null), entry(0.5, 0.1, 3, 90)],
    ]);
    const text = partConclusion(config, tied);
    expect(text).toMatch(/μ = 0\.8 and 0\.9 reached 90\.0% validation accuracy fastest \(60 ± 25, 63 ± 14 steps\), indistinguishable at 3 seeds\./);
    expect(text).toContain('μ = 0.5 reached it in only 2 of 3 seeds.');
    expect(text).not.toMatch(/μ = 0\.5[^.]*\d+ steps/);
  });

  it('uses whole steps, plurals and rounded numbers', () => {
    expect(count(1, 'step')).toBe('1 step');
    expect(wholeSteps(52.4)).toBe('52');
    expect(count(1, 'seed')).toBe('1 seed');
    expect(count(3, 'seed')).toBe('3 seeds');
    expect(round(0.030000000000000006)).toBe('0.03');
    expect(round(1 / 3, 2)).toBe('0.33');
  });

  it('answers the question across parts: the speed-up at a fixed lr, whether it survives, where instability starts', () => {
    const seeds = (m: number, lr: number, reach: number[] | null, final = 0.95) =>
      [1, 2, 3].map((seed, i) => entry(m, lr, seed, reach ? reach[i]! : null, final));
    const summarize = (groups: RunEntry[][]) => groups.map((g) => summarizeSetting('sgd', g, true));
    const fixed = summarize([seeds(0, 0.1, null), seeds(0.9, 0.1, [50, 50, 60])]);
    const same = summarize([seeds(0, 1, [50, 60, 70]), seeds(0.9, 0.1, [50, 50, 60])]);
    const wild = seeds(0.9, 1, [50, 50, 50]).map((e) => ({ ...e, analysis: { ...e.analysis, status: 'diverged' as const, reason: 'x', step: 9 } }));
    const tuned = summarize([seeds(0, 1, [50, 60, 70]), seeds(0.9, 0.1, [50, 50, 60]), wild]);
    const parts = [
      { spec: { kind: 'fixed' as const, lr: 0.1 }, settings: fixed, reported: fixed, conclusion: '' },
      { spec: { kind: 'same-step' as const, step: 1 }, settings: same, reported: same, conclusion: '' },
      { spec: { kind: 'tuned' as const, lrs: [0.1, 1] }, settings: tuned, reported: tuned.slice(0, 2), conclusion: '' },
    ];
    const answer = studyAnswer({ config, parts, data: { source: 's', sha256: '0', train: 1000, validation: 100, test: 100 }, finished: 27, planned: 27 });
    expect(answer).toContain('At a fixed lr of 0.1, μ = 0.9 was the fastest (best μ = 0.9, 53 ± 14 steps); plain SGD never reached the target.');
    expect(answer).toContain('With the same effective step lr / (1 − μ) = 1, plain SGD (60 ± 25 steps) was as fast as the fastest momenta: '
      + 'μ = 0.9 and plain SGD are indistinguishable at 3 seeds (best μ = 0.9, 53 ± 14 steps), so no advantage for momentum shows.');
    expect(answer).toContain('Yuan, Ying & Sayed 2016');
    expect(answer).toContain('Instability is set by the effective step: every setting with lr / (1 − μ) ≤ 1 trained, every one from 10 on failed (1 diverged and 0 stalled; the first, μ = 0.9 at lr 1).');
    expect(answer).not.toMatch(/\d\.\d{4,}/);
  });

  it('answers a stopped study honestly', () => {
    const answer = studyAnswer({ config, parts: [], data: { source: 's', sha256: '0', train: 10, validation: 5, test: 5 }, finished: 0, planned: 9 });
    expect(answer).toMatch(/Stopped before any run finished, so there is nothing to compare\.$/);
  });
});

describe('the metrics table', () => {
  it('has an effective-step column for SGD and none for Adam, and status before the figures', () => {
    const sgd = summarizeSetting('sgd', [entry(0.9, 0.05, 1, 50)], true);
    expect(tableHeader(config, true)).toEqual([
      'setting', 'lr', 'lr / (1 − μ)', 'status', 'steps to 90.0% val.', 'final val. accuracy', 'best val. accuracy (mean step)', 'final test accuracy', 'seconds',
    ]);
    expect(tableRows(config, [sgd], true)[0]!.slice(0, 5)).toEqual(['μ = 0.9', '0.05', '0.5', 'ok', String(Math.round(sgd.stepsToTarget.estimate!.mean))]);
    expect(tableRows(config, [sgd], true)[0]![6]).toBe(`${(sgd.bestValidationAccuracy.mean * 100).toFixed(2)}% at step ${sgd.bestStep.mean}`);
    const adam = { ...config, optimizer: 'adam' as const };
    expect(tableHeader(adam, false)).not.toContain('lr / (1 − μ)');
    expect(tableRows(adam, [summarizeSetting('adam', [entry(0.9, 0.001, 1, 50)], false)], false)[0]![0]).toBe('β1 = 0.9');
    expect(formatTable(['a', 'bb'], [['xyz', 'w']])).toBe('a    bb\n───  ──\nxyz  w');
  });

  it('escapes text for HTML', () => {
    expect(escapeHtml('<a href="x">&\'</a>')).toBe('&#60;a href=&#34;x&#34;&#62;&#38;&#39;&#60;/a&#62;');
  });
});

describe('study configuration', () => {
  it('has three parts on the default momenta, with an lr grid of at least 5 values', () => {
    expect(config.momenta).toEqual([0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99]);
    expect(config.seeds).toEqual([1, 2, 3]);
    expect(config.parts.map((p) => p.kind)).toEqual(['fixed', 'same-step', 'tuned']);
    const tuned = config.parts[2]!;
    expect(tuned.kind === 'tuned' && tuned.lrs.length).toBeGreaterThanOrEqual(5);
  });

  it('puts a sweep in one part: fixed, same-step or tuned', () => {
    expect(resolveStudyConfig({ lr: 0.2 }, 'sweep', 1).parts).toEqual([{ kind: 'fixed', lr: 0.2 }]);
    expect(resolveStudyConfig({ lr: 0.5, sameStep: true }, 'sweep', 1).parts).toEqual([{ kind: 'same-step', step: 0.5 }]);
    expect(resolveStudyConfig({ lrs: [0.3, 0.1] }, 'sweep', 1).parts).toEqual([{ kind: 'tuned', lrs: [0.1, 0.3] }]);
  });

  it('names the setting out of range and its range', () => {
    expect(() => resolveStudyConfig({ momenta: [0.5, 1] }, 'sweep', 1)).toThrow(/momenta must be a non-empty list of numbers in \[0, 1\)/);
    expect(() => resolveStudyConfig({ sameStep: true, optimizer: 'adam' }, 'sweep', 1)).toThrow(/sameStep applies to SGD momentum only/);
    expect(() => resolveStudyConfig({ optimizer: 'adam' }, 'study', 1)).toThrow(/same-step part applies to SGD momentum only/);
    expect(() => resolveStudyConfig({ validation: 300 }, 'sweep', 1, 300)).toThrow(/validation must be a whole number of images in \[1, 299\]/);
    expect(() => resolveStudyConfig({ trainSize: 500, validation: 100 }, 'sweep', 1, 300)).toThrow(/trainSize must be a whole number in \[1, 200\]/);
    expect(() => resolveStudyConfig({ lrs: [0.1, 0.1] }, 'sweep', 1)).toThrow(/lrs must be a list without repeats/);
    expect(() => resolveStudyConfig({ lrs: [0.1, 0] }, 'sweep', 1)).toThrow(/^lrs must be a list of at least 2 numbers > 0, got \[0\.1,0\]$/);
    expect(() => resolveStudyConfig({ layers: [784] }, 'sweep', 1)).toThrow(/^layers must be a list of at least 2 integers ≥ 1, got \[784\]$/);
    expect(() => resolveStudyConfig({ seeds: [1, 1.5] }, 'sweep', 1)).toThrow(/^seeds must be a non-empty list of integers, got \[1,1\.5\]$/);
    expect(() => resolveStudyConfig({ backend: 'gpu' as 'js' }, 'sweep', 1)).toThrow(/^backend must be one of "wasm", "js", got "gpu"$/);
    expect(() => resolveStudyConfig({ epochs: '2' as unknown as number }, 'sweep', 1)).toThrow(TypeError);
  });

  it('plans the same-step part on lr = s · (1 − μ), rounded so it shares runs with the other parts', () => {
    expect(sameStepLr(1, 0.9)).toBe(0.1);
    expect(sameStepLr(0.3, 0.9)).toBe(0.03);
    expect(partSettings({ kind: 'same-step', step: 1 }, [0, 0.5, 0.99])).toEqual([
      { momentum: 0, lr: 1 }, { momentum: 0.5, lr: 0.5 }, { momentum: 0.99, lr: 0.01 },
    ]);
  });

  it('builds the network from its widths, ReLU between linear layers', () => {
    expect(mlp([784, 256, 10]).map((l) => (l.type === 'linear' ? `${l.inFeatures}→${l.outFeatures}` : l.type)))
      .toEqual(['784→256', 'relu', '256→10']);
  });
});

describe('canonical JSON and colours', () => {
  it('gives the same text whatever the key order, and refuses non-finite numbers', () => {
    expect(canonicalJson({ b: 1, a: [1, { d: 2, c: 'x' }] })).toBe('{"a":[1,{"c":"x","d":2}],"b":1}');
    expect(canonicalJson({ a: [1, { c: 'x', d: 2 }], b: 1 })).toBe(canonicalJson({ b: 1, a: [1, { d: 2, c: 'x' }] }));
    expect(() => canonicalJson({ lr: NaN })).toThrow(/finite/);
  });

  it('gives each momentum one fixed colour, distinct for the study\'s seven', () => {
    const colours = [0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.99].map(momentumColour);
    expect(new Set(colours).size).toBe(7);
    for (const c of colours) expect(c).toMatch(/^#[0-9a-f]{6}$/);
    expect(momentumColour(0.95)).toMatch(/^#[0-9a-f]{6}$/);
    expect(momentumColour(0.95)).toBe(momentumColour(0.95));
    expect(colours).not.toContain(momentumColour(0.95));
  });
});

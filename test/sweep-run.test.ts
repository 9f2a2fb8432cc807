import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../src/data/mnist-node.js';
import { smoothLoss } from '../src/experiments/metrics.js';
import { writeReport } from '../src/experiments/report-node.js';
import { sweep } from '../src/experiments/sweep-node.js';
import type { RunResult, SweepResult } from '../src/experiments/types.js';

// Small slices of the real MNIST: 1000 training images in batches of 50 (20 steps an epoch), 500 test images.
const mnist = await loadMnist({ limit: 1000 });
const data = { train: mnist.train, test: { ...mnist.test, count: 500, images: mnist.test.images.subarray(0, 500 * 784), labels: mnist.test.labels.subarray(0, 500) } };
const small = { data, epochs: 2, batchSize: 50, evalEvery: 5, smoothing: 0.5, targetLoss: 1, targetAccuracy: 0.7 } as const;

function percent(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}

/** The table row of the HTML report whose first cell is `label`, as text cells. */
function htmlRow(html: string, label: string): string[] {
  const rows = [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<td>(.*?)<\/td>/g)].map((c) => c[1]!));
  const row = rows.find((cells) => cells[0] === label);
  if (!row) throw new Error(`no row ${label}`);
  return row;
}

describe('a small sweep (2 momenta, 2 workers) and its report', () => {
  let result: SweepResult;
  let dir: string;
  const streamed: RunResult[] = [];
  const progressed = new Set<number>();

  beforeAll(async () => {
    result = await sweep({
      ...small,
      momenta: [0, 0.9],
      workers: 2,
      onProgress: (_, worker) => progressed.add(worker),
      onResult: (run) => streamed.push(run),
    });
    dir = await mkdtemp(join(tmpdir(), 'heavyball-sweep-'));
    await writeReport(result, dir);
  });

  it('streams each run as it finishes, from both workers', () => {
    expect(streamed.map((r) => r.config.momentum).sort()).toEqual([0, 0.9]);
    expect([...progressed].sort()).toEqual([0, 1]);
    expect(result.aborted).toBe(false);
    expect(result.runs).toHaveLength(2);
  });

  it('measures every step, with a smoothed curve, epochs and test points', () => {
    for (const run of result.runs) {
      expect(run.steps).toBe(40);
      expect(run.loss).toHaveLength(40);
      expect(run.smoothedLoss).toEqual(smoothLoss(run.loss, run.config.smoothing));
      expect(run.lossCurve.at(-1)).toEqual({ step: 40, loss: run.smoothedLoss[39] });
      expect(run.epochs.map((e) => [e.epoch, e.step])).toEqual([[1, 20], [2, 40]]);
      expect(run.tests.map((t) => t.step)).toEqual([5, 10, 15, 20, 25, 30, 35, 40]);
      expect(run.finalTestAccuracy).toBe(run.epochs[1]!.testAccuracy);
      expect(run.diverged).toBe(false);
      const reached = run.smoothedLoss.findIndex((x) => x !== null && x <= 1);
      expect(run.stepsToTargetLoss).toBe(reached < 0 ? null : reached + 1);
      expect(run.stepsToTargetAccuracy).toBe(run.tests.find((t) => t.accuracy >= 0.7)?.step ?? null);
    }
  });

  it('writes sweep.json with everything: configuration, library version, backend, seeds', async () => {
    const json = JSON.parse(await readFile(join(dir, 'sweep.json'), 'utf8'));
    expect(json).toEqual(JSON.parse(JSON.stringify(result)));
    expect(json.library).toEqual({ name: 'heavyball', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(json.config).toMatchObject({ momenta: [0, 0.9], optimizer: 'sgd', backend: 'wasm', seeds: [1], workers: 2 });
    expect(json.data).toEqual({ source: 'the datasets given', train: 1000, test: 500 });
  });

  it('writes an offline sweep.html whose table matches the JSON and whose conclusion follows from it', async () => {
    const html = await readFile(join(dir, 'sweep.html'), 'utf8');
    const json = JSON.parse(await readFile(join(dir, 'sweep.json'), 'utf8')) as SweepResult;
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(html.match(/<svg/g)).toHaveLength(2);
    for (const run of json.runs) {
      const row = htmlRow(html, `μ = ${run.config.momentum}`);
      expect(row[1]).toBe(String(run.config.lr));
      expect(row[3]).toBe(run.stepsToTargetLoss === null ? 'never' : String(run.stepsToTargetLoss));
      expect(row[4]).toBe(run.stepsToTargetAccuracy === null ? 'never' : String(run.stepsToTargetAccuracy));
      expect(row[5]).toBe(percent(run.finalTestAccuracy));
      expect(row[7]).toBe('no');
    }
    const reached = json.runs.filter((r) => r.stepsToTargetLoss !== null);
    expect(reached.length).toBeGreaterThan(0);
    const first = reached.reduce((a, b) => (b.stepsToTargetLoss! < a.stepsToTargetLoss! ? b : a));
    expect(json.conclusion).toContain(`μ = ${first.config.momentum} brought the smoothed training loss down to 1 first, after ${first.stepsToTargetLoss} steps`);
    const best = json.runs.reduce((a, b) => (b.finalTestAccuracy > a.finalTestAccuracy ? b : a));
    expect(json.conclusion).toContain(`The best final test accuracy was ${percent(best.finalTestAccuracy)} at μ = ${best.config.momentum}`);
    expect(json.conclusion).toContain('No setting diverged.');
    expect(html).toContain(json.conclusion);
  });

  it('writes sweep.svg: the loss curves, one line per momentum, on a log axis', async () => {
    const svg = await readFile(join(dir, 'sweep.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('μ = 0');
    expect(svg).toContain('μ = 0.9');
    expect(svg).toContain('loss (log)');
    expect(svg.match(/class="mark-line role-mark/g)).toHaveLength(2);
    const targetRule = svg.match(/<g class="mark-rule role-mark[^"]*"[^>]*>(.*?)<\/g>/);
    expect(targetRule![1]!.match(/<line/g)).toHaveLength(1);
    expect(svg.match(/<path [^>]*stroke="#(1f77b4|ff7f0e)"/g)?.length).toBeGreaterThanOrEqual(2);
  });
});

describe('sweep', () => {
  it('reports a diverging setting as diverged, and still finishes', async () => {
    const result = await sweep({ ...small, epochs: 1, momenta: [0, 0.99], lr: 20, workers: 2 });
    const [calm, wild] = result.runs;
    expect(wild!.config.momentum).toBe(0.99);
    expect(wild!.diverged).toMatchObject({ step: expect.any(Number) });
    const { step } = wild!.diverged as { step: number };
    expect(wild!.steps).toBe(step);
    expect(result.settings[1]).toMatchObject({ momentum: 0.99, diverged: 1, firstDivergedStep: step });
    expect(result.conclusion).toContain(`μ = 0.99 diverged (at step ${step})`);
    expect(calm!.config.momentum).toBe(0);
    expect(result.aborted).toBe(false);
  });

  it('gives the same curves for the same seed, and different ones for another seed', async () => {
    const options = { ...small, epochs: 1, momenta: [0.5], seeds: [1, 2], workers: 2 };
    const [a, b] = await Promise.all([sweep(options), sweep(options)]);
    expect(a.runs.map((r) => r.loss)).toEqual(b.runs.map((r) => r.loss));
    expect(a.runs.map((r) => r.tests)).toEqual(b.runs.map((r) => r.tests));
    expect(a.runs[0]!.loss).not.toEqual(a.runs[1]!.loss);
    expect(a.settings[0]!.seeds).toEqual([1, 2]);
    expect(a.settings[0]!.finalTestAccuracy!.n).toBe(2);
  });

  it('scales the learning rate by 1 − momentum with normalizeLr', async () => {
    const result = await sweep({ ...small, epochs: 1, momenta: [0, 0.75], lr: 0.2, normalizeLr: true, workers: 1 });
    expect(result.runs.map((r) => r.config.lr)).toEqual([0.2, 0.05]);
  });

  it('stops on abort and resolves with the runs that finished', async () => {
    const controller = new AbortController();
    const result = await sweep({
      ...small, epochs: 1, momenta: [0, 0.5, 0.9], workers: 1, signal: controller.signal,
      onResult: () => controller.abort(),
    });
    expect(result.aborted).toBe(true);
    expect(result.runs.map((r) => r.config.momentum)).toEqual([0]);
    expect(result.conclusion).toContain('1 of 3 runs finished');
  });

  it('aborted before any run finished, still gives a result and a report', async () => {
    const result = await sweep({ ...small, momenta: [0, 0.9], signal: AbortSignal.abort() });
    expect(result).toMatchObject({ aborted: true, runs: [], settings: [] });
    expect(result.conclusion).toContain('The sweep was stopped before any run finished');
    const dir = await mkdtemp(join(tmpdir(), 'heavyball-sweep-'));
    const paths = await writeReport(result, dir);
    expect(await readFile(paths.svg, 'utf8')).toMatch(/^<svg/);
    expect(await readFile(paths.html, 'utf8')).toContain(result.conclusion);
  });

  it('rejects settings out of range before starting anything', async () => {
    await expect(sweep({ ...small, momenta: [0.5, 1] })).rejects.toThrow(/momenta must be a non-empty list of numbers in \[0, 1\)/);
    await expect(sweep({ ...small, optimizer: 'adam', normalizeLr: true })).rejects.toThrow(/normalizeLr applies to SGD/);
    await expect(sweep({ ...small, layers: [100, 10] })).rejects.toThrow(/layers must start with the image size 28 × 28 = 784, got 100/);
  });
});

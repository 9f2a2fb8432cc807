import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../src/data/mnist-node.js';
import { writeReport } from '../src/experiments/report-node.js';
import { directoryRunStore, runId, RunStoreError } from '../src/experiments/run-store-node.js';
import { study, sweep } from '../src/experiments/study-node.js';
import type { RunEntry, RunRecord, StudyResult } from '../src/experiments/types.js';

// A small slice of the real MNIST: 1200 training images (200 held out for validation, 1000 trained on in
// batches of 50: 20 steps an epoch) and 1200 test images.
const data = await loadMnist({ limit: 1200 });
const small = { data, validation: 200, trainSize: 1000, epochs: 2, batchSize: 50, evalEvery: 5, targetAccuracy: 0.7 } as const;
const temp = () => mkdtemp(join(tmpdir(), 'heavyball-study-'));

/** What training produced: everything but the wall time. */
const measured = (r: RunRecord) => ({ ...r, seconds: 0 });

describe('a small sweep (2 momenta, 2 seeds, 2 workers) and its report', () => {
  let result: StudyResult;
  let dir: string;
  const streamed: RunEntry[] = [];

  beforeAll(async () => {
    dir = await temp();
    result = await sweep({ ...small, momenta: [0, 0.9], seeds: [1, 2], lr: 0.1, workers: 2, onResult: (e) => streamed.push(e) });
    await writeReport(result, dir);
  });

  it('streams each run as it finishes and records every step and evaluation', () => {
    expect(streamed).toHaveLength(4);
    expect(result).toMatchObject({ kind: 'sweep', aborted: false, runsPlanned: 4, runsTrained: 4, runsReused: 0 });
    for (const { record, analysis } of result.runs) {
      expect(record.steps).toBe(40);
      expect(record.loss).toHaveLength(40);
      expect(record.evaluations.map((e) => e.step)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40]);
      expect(record.evaluations.map((e) => e.test !== null)).toEqual([false, false, false, false, false, false, true, true, true]);
      expect(record.config).toMatchObject({ data: { validation: 200, trainSize: 1000, splitSeed: 0 }, evalEvery: 5, finalEvaluations: 3 });
      expect(analysis.status).toBe('ok');
      const last3 = record.evaluations.slice(-3);
      expect(analysis.finalValidationAccuracy).toBeCloseTo(last3.reduce((a, e) => a + e.validation.accuracy, 0) / 3, 12);
      expect(analysis.finalTestAccuracy).toBeCloseTo(last3.reduce((a, e) => a + e.test!.accuracy, 0) / 3, 12);
    }
  });

  it('summarises each momentum over its seeds with a status, and concludes from the numbers', () => {
    const [part] = result.parts;
    expect(part!.spec).toEqual({ kind: 'fixed', lr: 0.1 });
    expect(part!.reported.map((s) => [s.momentum, s.seeds, s.status.status])).toEqual([[0, [1, 2], 'ok'], [0.9, [1, 2], 'ok']]);
    for (const s of part!.reported) {
      const finals = result.runs.filter((r) => r.record.config.momentum === s.momentum).map((r) => r.analysis.finalValidationAccuracy);
      expect(s.finalValidationAccuracy.mean).toBeCloseTo((finals[0]! + finals[1]!) / 2, 12);
      expect(s.finalValidationAccuracy.n).toBe(2);
    }
    expect(result.answer).toContain(part!.conclusion);
    expect(part!.conclusion).toContain('Every setting trained (status ok in every seed).');
  });

  it('writes sweep.json (everything), an offline sweep.html whose table matches it, and sweep.svg', async () => {
    const json = JSON.parse(await readFile(join(dir, 'sweep.json'), 'utf8')) as StudyResult;
    expect(json).toEqual(JSON.parse(JSON.stringify(result)));
    expect(json.library).toEqual({ name: 'heavyball', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    const html = await readFile(join(dir, 'sweep.html'), 'utf8');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain('<title>Momentum sweep: SGD with momentum on MNIST</title>');
    expect(html).toContain('<b>±</b> is half the width of the 95% confidence interval');
    const row = [...html.matchAll(/<tr><td>μ = 0\.9<\/td>(.*?)<\/tr>/g)][0]![1]!;
    const cells = [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]);
    expect(cells.slice(0, 3)).toEqual(['0.1', '1', 'ok']);
    expect(await readFile(join(dir, 'sweep.svg'), 'utf8')).toMatch(/^<svg/);
    expect(html).toContain(escape(json.answer));
  });
});

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

describe('the run store', () => {
  it('resumes a study: the second run trains nothing and gives the same numbers, bit for bit, as fresh runs', async () => {
    const store = await temp();
    const options = { ...small, epochs: 1, momenta: [0, 0.5], seeds: [1, 2, 3], lr: 0.1, step: 0.2, lrs: [0.05, 0.1], workers: 2 };
    const first = await study({ ...options, store });
    // μ = 0 at 0.1 and μ = 0.5 at 0.1 are in all three parts (0.2 × (1 − 0.5) = 0.1): trained once each.
    expect(first.runsPlanned).toBe(3 * 5);
    expect(first.runsTrained).toBe(15);
    expect((await readdir(store)).filter((f) => f.endsWith('.json'))).toHaveLength(15);
    const second = await study({ ...options, store });
    expect(second).toMatchObject({ runsPlanned: 15, runsTrained: 0, runsReused: 15 });
    expect(second.runs.map((r) => r.record)).toEqual(first.runs.map((r) => r.record));
    expect(second.parts).toEqual(first.parts);
    expect(second.answer).toBe(first.answer);
    const fresh = await study({ ...options, store: await temp() });
    expect(fresh.runs.map((r) => measured(r.record))).toEqual(first.runs.map((r) => measured(r.record)));
  });

  it('keeps the runs that finished when a study is stopped, and only trains the rest on the rerun', async () => {
    const store = await temp();
    const options = { ...small, epochs: 1, momenta: [0, 0.5, 0.9], seeds: [1], lr: 0.1, workers: 1 };
    const controller = new AbortController();
    const stopped = await sweep({ ...options, store, signal: controller.signal, onResult: () => controller.abort() });
    expect(stopped).toMatchObject({ aborted: true, runsTrained: 1 });
    expect(stopped.answer).toContain('Stopped early: 1 of 3 runs finished');
    const rerun = await sweep({ ...options, store });
    expect(rerun).toMatchObject({ aborted: false, runsTrained: 2, runsReused: 1 });
    const whole = await sweep({ ...options, store: await temp() });
    expect(rerun.runs.map((r) => measured(r.record))).toEqual(whole.runs.map((r) => measured(r.record)));
  });

  it('names a run by the hash of its whole configuration, and refuses a stored file that does not match', async () => {
    const dir = await temp();
    const store = directoryRunStore(dir);
    const result = await sweep({ ...small, epochs: 1, momenta: [0.5], seeds: [4], lr: 0.1, workers: 1, store });
    const [{ id, record }] = result.runs as [RunEntry];
    expect(id).toBe(runId(record.config));
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(runId({ ...record.config, lr: 0.2 })).not.toBe(id);
    expect(runId(JSON.parse(JSON.stringify(record.config)))).toBe(id);
    expect(await store.has(id)).toBe(true);
    expect(await store.has('0'.repeat(64))).toBe(false);
    expect(await store.get('0'.repeat(64))).toBeUndefined();
    expect(await store.get(id)).toEqual(record);
    await writeFile(join(dir, `${id}.json`), JSON.stringify({ ...record, config: { ...record.config, seed: 5 } }));
    await expect(store.get(id)).rejects.toThrow(RunStoreError);
    await writeFile(join(dir, `${id}.json`), '{"config": ');
    await expect(store.get(id)).rejects.toThrow(/the stored run is not JSON.*delete it to train that run again/);
  });
});

describe('sweeps', () => {
  it('reports a diverging setting as diverged, in the JSON, the table and the conclusion', async () => {
    const result = await sweep({ ...small, epochs: 1, momenta: [0, 0.99], lr: 20, seeds: [1], workers: 2 });
    const wild = result.parts[0]!.reported.find((s) => s.momentum === 0.99)!;
    expect(wild.status).toMatchObject({ status: 'diverged', step: expect.any(Number), failed: 1 });
    expect(result.runs.find((r) => r.record.config.momentum === 0.99)!.analysis.status).toBe('diverged');
    expect(result.parts[0]!.conclusion).toContain(`μ = 0.99 diverged (${wild.status.reason})`);
  });

  it('scales the learning rate by 1 − μ with sameStep, and tunes each μ with lrs', async () => {
    const same = await sweep({ ...small, epochs: 1, momenta: [0, 0.75], lr: 0.2, sameStep: true, seeds: [1], workers: 2 });
    expect(same.runs.map((r) => r.record.config.lr)).toEqual([0.2, 0.05]);
    expect(same.parts[0]!.reported.map((s) => s.effectiveStep)).toEqual([0.2, 0.2]);
    const tuned = await sweep({ ...small, epochs: 1, momenta: [0.5], lrs: [0.01, 0.1, 100], seeds: [1, 2], workers: 2 });
    const part = tuned.parts[0]!;
    expect(part.settings).toHaveLength(3);
    const best = part.settings.filter((s) => s.status.status === 'ok').reduce((a, b) => (b.finalValidationAccuracy.mean > a.finalValidationAccuracy.mean ? b : a));
    expect(part.choices).toEqual([{ momentum: 0.5, lr: best.lr, atEdge: best.lr === 0.01 }]);
    expect(part.settings.find((s) => s.lr === 100)!.status.status).not.toBe('ok');
    // Test figures only for the chosen lr.
    for (const run of tuned.runs) expect(run.analysis.finalTestAccuracy === null).toBe(run.record.config.lr !== best.lr);
  });

  it('rejects settings out of range before starting anything', async () => {
    await expect(sweep({ ...small, momenta: [0.5, 1] })).rejects.toThrow(/momenta must be a non-empty list of numbers in \[0, 1\)/);
    await expect(sweep({ ...small, layers: [100, 10] })).rejects.toThrow(/layers must start with the image size 28 × 28 = 784, got 100/);
    await expect(sweep({ ...small, trainSize: 1100 })).rejects.toThrow(/trainSize must be a whole number in \[1, 1000\]/);
  });
});

describe('reports', () => {
  it('a stopped study writes a partial report beside, never over, an earlier complete one', async () => {
    const dir = await temp();
    const complete = await sweep({ ...small, epochs: 1, momenta: [0], seeds: [1], lr: 0.1, workers: 1 });
    await writeReport(complete, dir);
    const before = await readFile(join(dir, 'sweep.html'), 'utf8');
    const stopped = await sweep({ ...small, epochs: 1, momenta: [0, 0.9], seeds: [2], lr: 0.1, signal: AbortSignal.abort() });
    expect(stopped).toMatchObject({ aborted: true, runs: [] });
    const paths = await writeReport(stopped, dir);
    expect(paths.html).toBe(join(dir, 'sweep-partial.html'));
    expect(await readFile(join(dir, 'sweep.html'), 'utf8')).toBe(before);
    expect(await readFile(paths.html, 'utf8')).toContain('Stopped before any run finished');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await writeReport(complete, dir);
    expect((await readdir(dir)).sort()).toEqual(['sweep.html', 'sweep.json', 'sweep.svg']);
  });
});

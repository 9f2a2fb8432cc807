import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';
import type { StudyResult } from '../src/experiments/types.js';

const run = runCli;

// 600 training images of the real MNIST: 100 held out for validation, 500 trained on (10 steps an epoch).
const small = ['--limit', '600', '--validation-size', '100', '--epochs', '2', '--batch-size', '50', '--eval-every', '4',
  '--target-accuracy', '0.6', '--momenta', '0,0.9,0.99', '--seeds', '1,2', '--lr', '0.3', '--step', '3', '--lrs', '0.03,0.3,3'];

describe('heavyball study, end to end on a small slice of MNIST', () => {
  let out: string;
  let result: StudyResult;
  let stdout: string;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'heavyball-study-cli-'));
    const done = await run(['study', ...small, '--workers', '2', '--out', out]);
    expect(done.stderr).toBe('');
    expect(done.code).toBe(0);
    stdout = done.stdout;
    result = JSON.parse(await readFile(join(out, 'study.json'), 'utf8')) as StudyResult;
  });

  it('runs the three parts on the same seeds, training a run shared by parts once', () => {
    expect(result.kind).toBe('study');
    expect(result.parts.map((p) => p.spec)).toEqual([
      { kind: 'fixed', lr: 0.3 }, { kind: 'same-step', step: 3 }, { kind: 'tuned', lrs: [0.03, 0.3, 3] },
    ]);
    // fixed: 3 settings; same step: μ 0 at 3, 0.9 at 0.3, 0.99 at 0.03 (all in the grid); tuned: 9 cells.
    expect(result.runsPlanned).toBe(9 * 2);
    expect(stdout).toContain('18 runs: 0 stored already, 18 to train.');
    for (const part of result.parts) for (const s of part.settings) expect(s.seeds).toEqual([1, 2]);
  });

  it('gives every run and every setting a status, and fails the settings that blew up', () => {
    for (const run of result.runs) expect(['ok', 'diverged', 'stalled']).toContain(run.analysis.status);
    const tuned = result.parts[2]!;
    const atThree = tuned.settings.filter((s) => s.lr === 3);
    expect(atThree.some((s) => s.status.status !== 'ok')).toBe(true);
    for (const s of tuned.settings) {
      const runs = result.runs.filter((r) => s.runs.includes(r.id));
      expect(s.status.status === 'ok').toBe(runs.every((r) => r.analysis.status === 'ok'));
    }
  });

  it('reports test accuracy for the reported settings only, and the chosen lr per μ', () => {
    const [fixed, , tuned] = result.parts;
    for (const s of fixed!.reported) expect(s.finalTestAccuracy).not.toBeNull();
    for (const s of tuned!.settings) expect(s.finalTestAccuracy).toBeNull();
    for (const choice of tuned!.choices!) {
      if (choice.lr === null) continue;
      const chosen = tuned!.reported.find((s) => s.momentum === choice.momentum)!;
      expect(chosen.lr).toBe(choice.lr);
      const others = tuned!.settings.filter((s) => s.momentum === choice.momentum && s.status.status === 'ok');
      for (const s of others) expect(chosen.finalValidationAccuracy.mean).toBeGreaterThanOrEqual(s.finalValidationAccuracy.mean);
    }
  });

  it('writes one offline report: the answer on top, a section per part, the heatmap, the tables', async () => {
    const html = await readFile(join(out, 'study.html'), 'utf8');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    expect(html).toContain('<title>Momentum study: SGD with momentum on MNIST</title>');
    expect(html.indexOf('class="answer"')).toBeLessThan(html.indexOf('<h2>'));
    for (const title of ['Fixed lr 0.3', 'Same effective step lr / (1 − μ) = 3', 'Each μ at its best lr of 0.03, 0.3, 3']) {
      expect(html).toContain(`<h2>${title}</h2>`);
    }
    expect(html).toContain('Steps to 60.0% validation accuracy (mean ± 95% interval), by μ and lr');
    expect(result.answer).toContain('Yuan, Ying & Sayed 2016');
    expect(html).toContain('Yuan, Ying &#38; Sayed 2016');
    expect(stdout).toContain(result.answer);
    const svg = await readFile(join(out, 'study.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('Steps to 60.0% validation accuracy');
  });

  it('resumes: the same command again trains nothing and writes the same answer', async () => {
    const again = await run(['study', ...small, '--workers', '2', '--out', out]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('18 runs: 18 stored already, 0 to train.');
    const second = JSON.parse(await readFile(join(out, 'study.json'), 'utf8')) as StudyResult;
    expect(second.answer).toBe(result.answer);
    expect(second.parts).toEqual(result.parts);
  });

  it('an interrupted study leaves the earlier complete report intact', async () => {
    const before = await readFile(join(out, 'study.html'), 'utf8');
    const interrupt = new AbortController();
    const stopped = await run(['study', ...small, '--seeds', '3,4', '--workers', '1', '--out', out], interrupt.signal,
      (text) => { if (text.includes('final validation accuracy') || text.includes(': diverged') || text.includes(': stalled')) interrupt.abort(); });
    expect(stopped.code).toBe(130);
    expect(await readFile(join(out, 'study.html'), 'utf8')).toBe(before);
    const partial = JSON.parse(await readFile(join(out, 'study-partial.json'), 'utf8')) as StudyResult;
    expect(partial.aborted).toBe(true);
  });
});

describe('heavyball train with checkpoints', () => {
  it('saves a checkpoint and continues from it to the same losses as one uninterrupted run', async () => {
    const out = await mkdtemp(join(tmpdir(), 'heavyball-train-'));
    const flags = ['--limit', '300', '--validation-size', '50', '--epochs', '1', '--batch-size', '50', '--eval-every', '2', '--momentum', '0.9'];
    const whole = await run(['train', ...flags, '--checkpoint', join(out, 'run.safetensors'), '--checkpoint-every', '2', '--out', out]);
    expect(whole.code).toBe(0);
    const first = JSON.parse(await readFile(join(out, 'train.json'), 'utf8')) as { record: { loss: number[]; steps: number } };
    expect(first.record.steps).toBe(5);
    // The last checkpoint is after step 4: the resumed run trains step 5 alone.
    const resumed = await run(['train', ...flags, '--resume', join(out, 'run.safetensors'), '--out', join(out, 'resumed')]);
    expect(resumed.code).toBe(0);
    const second = JSON.parse(await readFile(join(out, 'resumed', 'train.json'), 'utf8')) as { record: { loss: number[]; steps: number } };
    expect(second.record.steps).toBe(5);
    expect(second.record.loss).toEqual(first.record.loss);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runStatus } from '../src/experiments/status.js';
import type { RunRecord } from '../src/experiments/types.js';
import { syntheticRecord } from './helpers/study-records.js';

/** Runs recorded by test/fixtures/study/record-curves.mjs: 2 epochs of MNIST, seed 1, 10 000 validation images. */
function recorded(name: string): RunRecord {
  return JSON.parse(readFileSync(new URL(`./fixtures/study/${name}.json`, import.meta.url), 'utf8')) as RunRecord;
}

const healthyLoss = (step: number) => 2.3 * Math.exp(-step / 40) + 0.1 + 0.05 * Math.sin(step);
const healthyAccuracy = (step: number) => 0.97 - 0.87 * Math.exp(-step / 30);

describe('run status on recorded curves', () => {
  it('μ = 0.99 at lr 0.1 (the issue\'s collapse to chance) is not ok', () => {
    expect(runStatus(recorded('collapse-mu0.99-lr0.1'), 0.95)).toEqual({
      status: 'diverged',
      reason: 'the smoothed loss rose from its lowest, 0.599 at step 87, to 2.32 at the end (3.9×), past 1.5× from step 167',
      step: 167,
    });
  });

  it('μ = 0.9 at lr 0.5 (ended at chance with loss 2.46 and "diverged: no") is not ok', () => {
    expect(runStatus(recorded('collapse-mu0.9-lr0.5'), 0.95)).toEqual({
      status: 'diverged',
      reason: 'the smoothed loss rose from its lowest, 0.97 at step 72, to 2.31 at the end (2.4×), past 1.5× from step 88',
      step: 88,
    });
  });

  it.each(['healthy-mu0.9-lr0.05', 'healthy-mu0-lr0.05', 'healthy-mu0.99-lr0.003'])('%s trains normally: ok', (name) => {
    expect(runStatus(recorded(name), 0.95)).toEqual({ status: 'ok', reason: 'trained', step: null });
  });
});

describe('run status on synthetic curves', () => {
  it('is ok for a loss that falls and an accuracy that rises, noisy or not', () => {
    expect(runStatus(syntheticRecord(200, healthyLoss, healthyAccuracy), 0.95).status).toBe('ok');
    expect(runStatus(syntheticRecord(200, (s) => 2.3 - s / 1000, () => 0.5), 0.95).status).toBe('ok');
  });

  it('is diverged where training stopped on a NaN loss, at that step', () => {
    const record = syntheticRecord(30, (s) => (s < 30 ? 2.3 : null), () => 0.1, {}, { step: 30, loss: null });
    expect(runStatus(record, 0.95)).toEqual({ status: 'diverged', reason: 'the loss was not finite (NaN or ∞) at step 30', step: 30 });
  });

  it('is diverged where the loss passed 1000 × the first, naming both', () => {
    const record = syntheticRecord(12, (s) => (s < 12 ? 2.3 : 5000), () => 0.1, {}, { step: 12, loss: 5000 });
    expect(runStatus(record, 0.95)).toEqual({ status: 'diverged', reason: "the loss reached 5000, over 1000 × the first step's 2.3 at step 12", step: 12 });
  });

  it('is diverged when the smoothed loss exploded past 2 × its start, even if it came back down', () => {
    const record = syntheticRecord(200, (s) => (s < 50 ? 2.3 - s / 100 : s < 80 ? 40 : 0.5), (s) => (s < 50 ? 0.5 : 0.8));
    const status = runStatus(record, 0.9);
    expect(status.status).toBe('diverged');
    expect(status.step).toBe(50);
    expect(status.reason).toBe('the smoothed loss exploded past 2 × its start 2.29 at step 50 (peak 38.4)');
  });

  it('is diverged when the smoothed loss climbed away from its lowest by the end (a collapse under way)', () => {
    // Falls to 0.5 by step 100, then climbs back to 1.5: still above chance, but falling apart.
    const record = syntheticRecord(200, (s) => (s <= 100 ? 2.3 - (1.8 * s) / 100 : 0.5 + (s - 100) / 100), () => 0.6);
    const status = runStatus(record, 0);
    expect(status.status).toBe('diverged');
    expect(status.reason).toBe('the smoothed loss rose from its lowest, 0.5 at step 100, to 1.5 at the end (3×), past 1.5× from step 125');
    expect(status.step).toBe(125);
  });

  it('is stalled when the accuracy fell to chance without an explosion, from the first evaluation at chance on', () => {
    const record = syntheticRecord(200, (s) => (s < 60 ? 2.3 - s / 400 : 2.2), (s) => (s <= 60 ? 0.6 : 0.098));
    expect(runStatus(record, 0.95)).toEqual({
      status: 'stalled',
      reason: 'final validation accuracy 9.8%, near chance (10%), from step 70 on (200 steps in all)',
      step: 70,
    });
  });

  it('is stalled when the smoothed loss never fell below its start, even above chance', () => {
    const record = syntheticRecord(100, (s) => 2 + s / 1000, () => 0.3);
    expect(runStatus(record, 0.95)).toEqual({
      status: 'stalled',
      reason: 'the smoothed training loss never fell below its start, 2, from step 100 on (100 steps in all)',
      step: 100,
    });
  });

  it('judges chance by the number of classes: below 55% is near chance for 2, below 19% for 10', () => {
    expect(runStatus(syntheticRecord(100, healthyLoss, () => 0.56, { layers: [784, 2] }), 0.95).status).toBe('ok');
    expect(runStatus(syntheticRecord(100, healthyLoss, () => 0.54, { layers: [784, 2] }), 0.95).status).toBe('stalled');
    expect(runStatus(syntheticRecord(100, healthyLoss, () => 0.2, { layers: [784, 10] }), 0.95).status).toBe('ok');
    const poor = syntheticRecord(100, healthyLoss, () => 0.18, { layers: [784, 10] });
    expect(runStatus(poor, 0.95).status).toBe('stalled');
  });
});

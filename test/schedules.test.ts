// Schedule values at chosen steps, worked out by hand from PyTorch's closed forms (StepLR,
// ExponentialLR, LinearLR, CosineAnnealingLR, OneCycleLR) and Sutskever et al. (2013). All arithmetic
// is float64 on both sides, so the only differences are in the last bits: 1e-12 relative.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/index.js';
import { Adam } from '../src/optim/adam.js';
import { RMSprop } from '../src/optim/rmsprop.js';
import { applySchedule, type Schedule, schedules } from '../src/optim/schedules.js';
import { SGD } from '../src/optim/sgd.js';

const close = (actual: number, expected: number) =>
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(1e-12 * Math.max(Math.abs(expected), 1e-3));
const lrs = (s: Schedule, steps: number[]) => steps.map((t) => s.lrAt!(t));
const momenta = (s: Schedule, steps: number[]) => steps.map((t) => s.momentumAt!(t));
const expectAll = (actual: number[], expected: number[]) => actual.forEach((x, i) => close(x, expected[i]));

describe('lr schedules', () => {
  it('constant', () => {
    const s = schedules.constant({ lr: 0.05, momentum: 0.9 });
    expect(lrs(s, [0, 1, 1000])).toEqual([0.05, 0.05, 0.05]);
    expect(momenta(s, [0, 7])).toEqual([0.9, 0.9]);
    expect(schedules.constant({ lr: 0.1 }).momentumAt).toBeUndefined();
  });

  it('step (StepLR): lr·gamma^⌊t/stepSize⌋', () => {
    expectAll(lrs(schedules.step({ lr: 0.1, stepSize: 3, gamma: 0.5 }), [0, 2, 3, 5, 6, 9]),
      [0.1, 0.1, 0.05, 0.05, 0.025, 0.0125]);
    expectAll(lrs(schedules.step({ lr: 0.1, stepSize: 30 }), [29, 30, 60]), [0.1, 0.01, 0.001]); // gamma 0.1
  });

  it('exponential (ExponentialLR): lr·gamma^t', () => {
    expectAll(lrs(schedules.exponential({ lr: 0.2, gamma: 0.9 }), [0, 1, 2, 10]), [0.2, 0.18, 0.162, 0.06973568802]);
  });

  it('linearWarmup (LinearLR): from lr/3 by default, reaching lr at `steps` and staying there', () => {
    expectAll(lrs(schedules.linearWarmup({ lr: 0.3, steps: 4 }), [0, 1, 2, 3, 4, 100]),
      [0.1, 0.15, 0.2, 0.25, 0.3, 0.3]);
    expectAll(lrs(schedules.linearWarmup({ lr: 1, steps: 2, startFactor: 0.5 }), [0, 1, 2]), [0.5, 0.75, 1]);
  });

  it('cosine (CosineAnnealingLR): etaMin + (lr − etaMin)(1 + cos(πt/tMax))/2, rising again after tMax', () => {
    const s = schedules.cosine({ lr: 0.1, tMax: 10, etaMin: 0.001 });
    // cos(π/5) = (1 + √5)/4 = 0.8090169943749474
    expectAll(lrs(s, [0, 2, 5, 10, 15, 20]), [0.1, 0.001 + 0.099 * 0.9045084971874737, 0.0505, 0.001, 0.0505, 0.1]);
    expectAll(lrs(schedules.cosine({ lr: 2, tMax: 4 }), [0, 1, 2, 3, 4]),
      [2, 1 + Math.SQRT1_2, 1, 1 - Math.SQRT1_2, 0]);
  });

  it('cosine with a linear warm-up (SequentialLR of LinearLR and CosineAnnealingLR)', () => {
    const s = schedules.cosine({ lr: 0.1, tMax: 13, etaMin: 0.001, warmupSteps: 3 });
    expectAll(lrs(s, [0, 1, 2, 3, 8, 13]), [0.1 / 3, 0.1 * (5 / 9), 0.1 * (7 / 9), 0.1, 0.0505, 0.001]);
    expectAll(lrs(schedules.cosine({ lr: 1, tMax: 3, warmupSteps: 1, warmupStartFactor: 0.5 }), [0, 1, 2, 3]),
      [0.5, 1, 0.5, 0]);
  });
});

describe('oneCycle (OneCycleLR with PyTorch defaults)', () => {
  // maxLr 0.1, 100 steps: initial lr 0.1/25 = 0.004, final 0.004/1e4 = 4e-7; warm-up ends at step
  // 0.3·100 − 1 = 29; momentum 0.95 → 0.85 → 0.95.
  const s = schedules.oneCycle({ maxLr: 0.1, totalSteps: 100 });

  it('lr and momentum at the start, the end of warm-up, the middle of the annealing and the last step', () => {
    expectAll(lrs(s, [0, 29, 64, 99]), [0.004, 0.1, 0.0500002, 4e-7]);
    expectAll(momenta(s, [0, 29, 64, 99]), [0.95, 0.85, 0.9, 0.95]);
  });

  it('inside the warm-up: cosine annealing from 0.004 to 0.1', () => {
    const pct = 10 / 29;
    close(s.lrAt!(10), 0.1 + ((0.004 - 0.1) / 2) * (Math.cos(Math.PI * pct) + 1));
    close(s.momentumAt!(10), 0.85 + ((0.95 - 0.85) / 2) * (Math.cos(Math.PI * pct) + 1));
  });

  it('linear annealing, epochs × stepsPerEpoch, no momentum cycling', () => {
    const linear = schedules.oneCycle({ maxLr: 0.1, epochs: 4, stepsPerEpoch: 25, annealStrategy: 'linear',
      cycleMomentum: false });
    expectAll(lrs(linear, [0, 10, 29, 64, 99]), [0.004, 0.004 + 0.096 * (10 / 29), 0.1, 0.0500002, 4e-7]);
    expect(linear.momentumAt).toBeUndefined();
  });

  it('three phases: up to maxLr, back to the initial lr, then down to the final lr', () => {
    const three = schedules.oneCycle({ maxLr: 0.1, totalSteps: 100, threePhase: true });
    expectAll(lrs(three, [0, 29, 58, 99]), [0.004, 0.1, 0.004, 4e-7]);
    expectAll(momenta(three, [0, 29, 58, 80, 99]), [0.95, 0.85, 0.95, 0.95, 0.95]);
  });

  it('is defined up to totalSteps, as PyTorch', () => {
    expect(Number.isFinite(s.lrAt!(100))).toBe(true);
    expect(() => s.lrAt!(101)).toThrow(/step 101 is past the one-cycle schedule's totalSteps 100/);
  });
});

describe('momentumWarmup (Sutskever et al. 2013)', () => {
  const literal = (t: number, max: number) => Math.min(1 - 2 ** (-1 - Math.log2(Math.floor(t / 250) + 1)), max);

  it('1/2, 3/4, 5/6, 7/8 … every 250 steps, capped at maxMomentum', () => {
    const s = schedules.momentumWarmup({ maxMomentum: 0.99 });
    expectAll(momenta(s, [0, 249, 250, 500, 750, 1000, 12_250]), [0.5, 0.5, 0.75, 5 / 6, 0.875, 0.9, 0.99]);
    for (let t = 0; t < 20_000; t += 97) close(s.momentumAt!(t), literal(t, 0.99));
    expectAll(momenta(schedules.momentumWarmup({ maxMomentum: 0.8 }), [250, 500]), [0.75, 0.8]);
    expectAll(momenta(schedules.momentumWarmup({ maxMomentum: 0.9, every: 10 }), [9, 10, 20]), [0.5, 0.75, 5 / 6]);
    expect(s.lrAt).toBeUndefined();
  });
});

describe('applySchedule and compose', () => {
  it('sets the lr and momentum of the optimizer for a step; Adam cycles betas[0]', async () => {
    const engine = await createEngine({ backend: 'js' });
    const adam = new Adam([engine.parameter(3)]);
    const cycle = schedules.oneCycle({ maxLr: 0.1, totalSteps: 100 });
    applySchedule(cycle, adam, 29);
    close(adam.lr, 0.1);
    close(adam.momentum, 0.85);
    close((adam.state().groups[0].hyperparameters.betas as number[])[0], 0.85);
    const rms = new RMSprop([engine.parameter(3)]);
    applySchedule(cycle, rms, 0);
    expectAll([rms.lr, rms.momentum], [0.004, 0.95]);
  });

  it('composes an lr schedule with a momentum schedule; a resumed run gets the same values', async () => {
    const engine = await createEngine({ backend: 'js' });
    const s = schedules.compose(schedules.cosine({ lr: 0.1, tMax: 1000 }), schedules.momentumWarmup({ maxMomentum: 0.99 }));
    const sgd = new SGD([engine.parameter(2)], { lr: 1 });
    for (let t = 0; t <= 600; t++) applySchedule(s, sgd, t);
    const resumed = new SGD([engine.parameter(2)], { lr: 1 });
    applySchedule(s, resumed, 600);
    expect([resumed.lr, resumed.momentum]).toEqual([sgd.lr, sgd.momentum]);
    close(sgd.lr, 0.05 * (1 + Math.cos(0.6 * Math.PI)));
    close(sgd.momentum, 5 / 6);
  });

  it('keeps the methods of a user schedule bound to it', () => {
    const mine = { base: 0.2, lrAt(t: number) { return this.base / (t + 1); } };
    expect(schedules.compose(mine, schedules.momentumWarmup({ maxMomentum: 0.9 })).lrAt!(1)).toBe(0.1);
  });

  it('refuses two schedules of the same quantity', () => {
    expect(() => schedules.compose(schedules.exponential({ lr: 1, gamma: 0.9 }), schedules.constant({ lr: 1 })))
      .toThrow(/two of the composed schedules set lr/);
    expect(() => schedules.compose(schedules.oneCycle({ maxLr: 1, totalSteps: 10 }), schedules.momentumWarmup({ maxMomentum: 0.9 })))
      .toThrow(/set momentum/);
  });

  it('an out-of-range value from a schedule is refused by the optimizer', async () => {
    const engine = await createEngine({ backend: 'js' });
    const sgd = new SGD([engine.parameter(2)], { lr: 1 });
    expect(() => applySchedule({ momentumAt: () => 1 }, sgd, 0)).toThrow(/momentum must be in \[0, 1\)/);
  });
});

describe('schedule options', () => {
  it.each([
    ['step: negative', () => schedules.constant({ lr: 1 }).lrAt!(-1), /step must be an integer ≥ 0, got -1/],
    ['step: fractional', () => schedules.step({ lr: 1, stepSize: 2 }).lrAt!(1.5), /step must be an integer ≥ 0/],
    ['constant: nothing', () => schedules.constant({}), /needs lr or momentum/],
    ['constant: momentum 1', () => schedules.constant({ momentum: 1 }), /momentum must be in \[0, 1\)/],
    ['step: stepSize 0', () => schedules.step({ lr: 1, stepSize: 0 }), /stepSize must be an integer ≥ 1, got 0/],
    ['step: gamma 0', () => schedules.step({ lr: 1, stepSize: 2, gamma: 0 }), /gamma must be a finite number > 0/],
    ['exponential: lr < 0', () => schedules.exponential({ lr: -1, gamma: 0.9 }), /lr must be a finite number ≥ 0/],
    ['exponential: gamma missing', () => schedules.exponential({ lr: 1 } as { lr: number; gamma: number }), /gamma must be a number/],
    ['linearWarmup: steps 0', () => schedules.linearWarmup({ lr: 1, steps: 0 }), /steps must be an integer ≥ 1/],
    ['linearWarmup: startFactor 0', () => schedules.linearWarmup({ lr: 1, steps: 5, startFactor: 0 }), /startFactor must be in \(0, 1\]/],
    ['cosine: tMax 0', () => schedules.cosine({ lr: 1, tMax: 0 }), /tMax must be an integer ≥ 1/],
    ['cosine: etaMin < 0', () => schedules.cosine({ lr: 1, tMax: 5, etaMin: -1 }), /etaMin must be a finite number ≥ 0/],
    ['cosine: warmupSteps ≥ tMax', () => schedules.cosine({ lr: 1, tMax: 5, warmupSteps: 5 }), /warmupSteps must be less than tMax \(5\)/],
    ['cosine: warmupStartFactor 2', () => schedules.cosine({ lr: 1, tMax: 5, warmupSteps: 2, warmupStartFactor: 2 }),
      /warmupStartFactor must be in \(0, 1\]/],
    ['oneCycle: no length', () => schedules.oneCycle({ maxLr: 1 }), /needs totalSteps, or epochs and stepsPerEpoch/],
    ['oneCycle: totalSteps 0', () => schedules.oneCycle({ maxLr: 1, totalSteps: 0 }), /totalSteps must be an integer ≥ 1/],
    ['oneCycle: pctStart 1.5', () => schedules.oneCycle({ maxLr: 1, totalSteps: 10, pctStart: 1.5 }), /pctStart must be in \[0, 1\]/],
    ['oneCycle: empty phase', () => schedules.oneCycle({ maxLr: 1, totalSteps: 10, pctStart: 0.1 }), /phase of no steps/],
    ['oneCycle: annealStrategy', () => schedules.oneCycle({ maxLr: 1, totalSteps: 10, annealStrategy: 'exp' as 'cos' }),
      /annealStrategy must be one of "cos", "linear", got "exp"/],
    ['oneCycle: maxMomentum 1', () => schedules.oneCycle({ maxLr: 1, totalSteps: 10, maxMomentum: 1 }), /maxMomentum must be in \[0, 1\)/],
    ['oneCycle: baseMomentum', () => schedules.oneCycle({ maxLr: 1, totalSteps: 10, baseMomentum: -0.1 }), /baseMomentum must be in \[0, 1\)/],
    ['oneCycle: divFactor 0', () => schedules.oneCycle({ maxLr: 1, totalSteps: 10, divFactor: 0 }), /divFactor must be a finite number > 0/],
    ['oneCycle: finalDivFactor', () => schedules.oneCycle({ maxLr: 1, totalSteps: 10, finalDivFactor: -1 }), /finalDivFactor must be/],
    ['oneCycle: PyTorch spelling', () => schedules.oneCycle({ maxLr: 1, total_steps: 10 } as never), /unknown oneCycle schedule option "total_steps"/],
    ['momentumWarmup: maxMomentum 1', () => schedules.momentumWarmup({ maxMomentum: 1 }), /maxMomentum must be in \[0, 1\)/],
    ['momentumWarmup: every 0', () => schedules.momentumWarmup({ maxMomentum: 0.9, every: 0 }), /every must be an integer ≥ 1/],
  ] as [string, () => unknown, RegExp][])('%s', (_, make, message) => {
    expect(make).toThrow(message);
  });
});

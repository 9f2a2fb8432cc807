import { checkBoolean, checkInteger, checkKeys, checkNumber, checkOneOf } from '../check.js';
import type { Optimizer } from './optimizer.js';

/**
 * A schedule is a pure function of the global step (0-based, applied before that step), so a run can
 * resume at any step. It may set the learning rate, the momentum (Adam's betas[0]), or both.
 */
export interface Schedule {
  lrAt?(step: number): number;
  momentumAt?(step: number): number;
}

/** Sets the optimizer's lr and momentum for `step` from `schedule`; call it before that step. */
export function applySchedule(schedule: Schedule, optimizer: Pick<Optimizer, 'lr' | 'momentum'>, step: number): void {
  if (schedule.lrAt) optimizer.lr = schedule.lrAt(step);
  if (schedule.momentumAt) optimizer.momentum = schedule.momentumAt(step);
}

const checkStep = (step: number) => checkInteger('step', step, 0);

/** A fixed lr, a fixed momentum, or both. */
function constant(options: { lr?: number; momentum?: number }): Schedule {
  checkKeys('constant schedule', options, ['lr', 'momentum']);
  const { lr, momentum } = options;
  if (lr === undefined && momentum === undefined) throw new TypeError('a constant schedule needs lr or momentum');
  const schedule: Schedule = {};
  if (lr !== undefined) {
    checkNumber('lr', lr, '≥ 0');
    schedule.lrAt = (step) => (checkStep(step), lr);
  }
  if (momentum !== undefined) {
    checkNumber('momentum', momentum, '[0, 1)');
    schedule.momentumAt = (step) => (checkStep(step), momentum);
  }
  return schedule;
}

/** PyTorch's StepLR: lr·gamma^⌊step / stepSize⌋. */
function step(options: { lr: number; stepSize: number; gamma?: number }): Schedule {
  checkKeys('step schedule', options, ['lr', 'stepSize', 'gamma']);
  const { lr, stepSize, gamma = 0.1 } = options;
  checkNumber('lr', lr, '≥ 0');
  checkInteger('stepSize', stepSize, 1);
  checkNumber('gamma', gamma, '> 0');
  return { lrAt: (t) => lr * gamma ** Math.floor(checkStep(t) / stepSize) };
}

/** PyTorch's ExponentialLR: lr·gamma^step. */
function exponential(options: { lr: number; gamma: number }): Schedule {
  checkKeys('exponential schedule', options, ['lr', 'gamma']);
  const { lr, gamma } = options;
  checkNumber('lr', lr, '≥ 0');
  checkNumber('gamma', gamma, '> 0');
  return { lrAt: (t) => lr * gamma ** checkStep(t) };
}

/** PyTorch's LinearLR as a warm-up: lr·(startFactor + (1 − startFactor)·min(step, steps)/steps). */
function linearWarmup(options: { lr: number; steps: number; startFactor?: number }): Schedule {
  checkKeys('linearWarmup schedule', options, ['lr', 'steps', 'startFactor']);
  const { lr, steps, startFactor = 1 / 3 } = options;
  checkNumber('lr', lr, '≥ 0');
  checkInteger('steps', steps, 1);
  checkNumber('startFactor', startFactor, '(0, 1]');
  return { lrAt: (t) => lr * (startFactor + ((1 - startFactor) * Math.min(checkStep(t), steps)) / steps) };
}

/**
 * PyTorch's CosineAnnealingLR: etaMin + (lr − etaMin)·(1 + cos(π·step/tMax))/2, which, as in PyTorch,
 * rises again after tMax. With `warmupSteps` W, a linearWarmup over the first W steps, then the cosine
 * over the remaining tMax − W (PyTorch's SequentialLR of LinearLR and CosineAnnealingLR), so the lr
 * reaches etaMin at step tMax either way.
 */
function cosine(options: { lr: number; tMax: number; etaMin?: number; warmupSteps?: number;
  warmupStartFactor?: number }): Schedule {
  checkKeys('cosine schedule', options, ['lr', 'tMax', 'etaMin', 'warmupSteps', 'warmupStartFactor']);
  const { lr, tMax, etaMin = 0, warmupSteps = 0, warmupStartFactor = 1 / 3 } = options;
  checkNumber('lr', lr, '≥ 0');
  checkInteger('tMax', tMax, 1);
  checkNumber('etaMin', etaMin, '≥ 0');
  checkInteger('warmupSteps', warmupSteps, 0);
  checkNumber('warmupStartFactor', warmupStartFactor, '(0, 1]');
  if (warmupSteps >= tMax) throw new RangeError(`warmupSteps must be less than tMax (${tMax}), got ${warmupSteps}`);
  const warmup = warmupSteps > 0 ? linearWarmup({ lr, steps: warmupSteps, startFactor: warmupStartFactor }) : undefined;
  const period = tMax - warmupSteps;
  return {
    lrAt(t) {
      checkStep(t);
      if (warmup && t < warmupSteps) return warmup.lrAt!(t);
      return etaMin + ((lr - etaMin) * (1 + Math.cos((Math.PI * (t - warmupSteps)) / period))) / 2;
    },
  };
}

export interface OneCycleOptions {
  maxLr: number;
  /** The run's length; or give epochs and stepsPerEpoch. */
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
}

/**
 * PyTorch's OneCycleLR (Smith & Topin), with its defaults and formulas: the lr climbs from maxLr/divFactor
 * to maxLr over pctStart of the run while the momentum falls from maxMomentum to baseMomentum, then
 * both anneal back, the lr to maxLr/(divFactor·finalDivFactor). Defined for steps 0 … totalSteps.
 */
function oneCycle(options: OneCycleOptions): Schedule {
  checkKeys('oneCycle schedule', options, ['maxLr', 'totalSteps', 'epochs', 'stepsPerEpoch', 'pctStart',
    'annealStrategy', 'cycleMomentum', 'baseMomentum', 'maxMomentum', 'divFactor', 'finalDivFactor', 'threePhase']);
  const { maxLr, pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true, baseMomentum = 0.85,
    maxMomentum = 0.95, divFactor = 25, finalDivFactor = 1e4, threePhase = false } = options;
  const totalSteps = oneCycleLength(options);
  checkNumber('maxLr', maxLr, '≥ 0');
  checkNumber('pctStart', pctStart, '[0, 1]');
  checkOneOf('annealStrategy', annealStrategy, ['cos', 'linear'] as const);
  checkBoolean('cycleMomentum', cycleMomentum);
  checkNumber('baseMomentum', baseMomentum, '[0, 1)');
  checkNumber('maxMomentum', maxMomentum, '[0, 1)');
  checkNumber('divFactor', divFactor, '> 0');
  checkNumber('finalDivFactor', finalDivFactor, '> 0');
  checkBoolean('threePhase', threePhase);

  const initialLr = maxLr / divFactor;
  const minLr = initialLr / finalDivFactor;
  const warm = pctStart * totalSteps - 1;
  // [end step, start lr, end lr, start momentum, end momentum], as PyTorch's _schedule_phases.
  const phases: [number, number, number, number, number][] = threePhase
    ? [[warm, initialLr, maxLr, maxMomentum, baseMomentum],
      [2 * pctStart * totalSteps - 2, maxLr, initialLr, baseMomentum, maxMomentum],
      [totalSteps - 1, initialLr, minLr, maxMomentum, maxMomentum]]
    : [[warm, initialLr, maxLr, maxMomentum, baseMomentum],
      [totalSteps - 1, maxLr, minLr, baseMomentum, maxMomentum]];
  phases.reduce((start, [end]) => {
    if (end === start) {
      throw new RangeError(`pctStart ${pctStart} with totalSteps ${totalSteps} gives a one-cycle phase of no steps`);
    }
    return end;
  }, 0);
  const anneal = annealStrategy === 'cos'
    ? (from: number, to: number, pct: number) => to + ((from - to) / 2) * (Math.cos(Math.PI * pct) + 1)
    : (from: number, to: number, pct: number) => (to - from) * pct + from;
  const at = (t: number, value: (phase: (typeof phases)[number], pct: number) => number): number => {
    checkStep(t);
    if (t > totalSteps) throw new RangeError(`step ${t} is past the one-cycle schedule's totalSteps ${totalSteps}`);
    let start = 0;
    for (let i = 0; i < phases.length; i++) {
      const end = phases[i][0];
      if (t <= end || i === phases.length - 1) return value(phases[i], (t - start) / (end - start));
      start = end;
    }
    throw new Error('unreachable');
  };
  const schedule: Schedule = { lrAt: (t) => at(t, ([, from, to], pct) => anneal(from, to, pct)) };
  if (cycleMomentum) schedule.momentumAt = (t) => at(t, ([, , , from, to], pct) => anneal(from, to, pct));
  return schedule;
}

function oneCycleLength({ totalSteps, epochs, stepsPerEpoch }: OneCycleOptions): number {
  if (totalSteps !== undefined) return checkInteger('totalSteps', totalSteps, 1);
  if (epochs === undefined || stepsPerEpoch === undefined) {
    throw new TypeError('a oneCycle schedule needs totalSteps, or epochs and stepsPerEpoch');
  }
  return checkInteger('epochs', epochs, 1) * checkInteger('stepsPerEpoch', stepsPerEpoch, 1);
}

/**
 * Sutskever et al. (2013): μ_t = min(1 − 2^(−1 − log2(⌊t/every⌋ + 1)), maxMomentum), i.e. 1/2, 3/4, 5/6, 7/8 …
 * in blocks of `every` steps (250 in the paper), capped at maxMomentum.
 */
function momentumWarmup(options: { maxMomentum: number; every?: number }): Schedule {
  checkKeys('momentumWarmup schedule', options, ['maxMomentum', 'every']);
  const { maxMomentum, every = 250 } = options;
  checkNumber('maxMomentum', maxMomentum, '[0, 1)');
  checkInteger('every', every, 1);
  return { momentumAt: (t) => Math.min(1 - 1 / (2 * (Math.floor(checkStep(t) / every) + 1)), maxMomentum) };
}

/** One schedule from several: e.g. a cosine lr with a momentum warm-up. At most one may set each of lr, momentum. */
function compose(...parts: Schedule[]): Schedule {
  const schedule: Schedule = {};
  for (const part of parts) {
    for (const key of ['lrAt', 'momentumAt'] as const) {
      if (!part[key]) continue;
      if (schedule[key]) throw new RangeError(`two of the composed schedules set ${key === 'lrAt' ? 'lr' : 'momentum'}`);
      schedule[key] = part[key].bind(part);
    }
  }
  return schedule;
}

export const schedules = { constant, step, exponential, linearWarmup, cosine, oneCycle, momentumWarmup, compose };

// Every hyperparameter out of range is a RangeError naming it and its range; a wrong type a TypeError.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../src/engine/index.js';
import { Parameter } from '../src/engine/parameter.js';
import { Adam, AdamW } from '../src/optim/adam.js';
import { RMSprop } from '../src/optim/rmsprop.js';
import { SGD } from '../src/optim/sgd.js';

const engine = await createEngine({ backend: 'js' });
const p = engine.parameter([1, 2, 3]);

type Case = [string, () => unknown, ErrorConstructor, RegExp];
const cases = (...list: Case[]) => list;

describe('SGD options', () => {
  it.each(cases(
    ['lr missing', () => new SGD([p], {} as { lr: number }), TypeError, /SGD needs an lr/],
    ['lr < 0', () => new SGD([p], { lr: -0.1 }), RangeError, /lr must be a finite number ≥ 0, got -0.1/],
    ['lr NaN', () => new SGD([p], { lr: NaN }), RangeError, /lr must be a finite number ≥ 0, got NaN/],
    ['lr infinite', () => new SGD([p], { lr: Infinity }), RangeError, /lr must be a finite number ≥ 0/],
    ['lr a string', () => new SGD([p], { lr: '0.1' as unknown as number }), TypeError, /lr must be a number, got "0.1"/],
    ['momentum < 0', () => new SGD([p], { lr: 0.1, momentum: -0.5 }), RangeError, /momentum must be in \[0, 1\), got -0.5/],
    ['momentum = 1', () => new SGD([p], { lr: 0.1, momentum: 1 }), RangeError, /momentum must be in \[0, 1\), got 1/],
    ['dampening > 1', () => new SGD([p], { lr: 0.1, dampening: 1.5 }), RangeError, /dampening must be in \[0, 1\], got 1.5/],
    ['dampening < 0', () => new SGD([p], { lr: 0.1, dampening: -1 }), RangeError, /dampening must be in \[0, 1\]/],
    ['weightDecay < 0', () => new SGD([p], { lr: 0.1, weightDecay: -1e-4 }), RangeError, /weightDecay must be a finite number ≥ 0/],
    ['nesterov without momentum', () => new SGD([p], { lr: 0.1, nesterov: true }), RangeError,
      /nesterov needs momentum > 0 and dampening = 0, got momentum 0 and dampening 0/],
    ['nesterov with dampening', () => new SGD([p], { lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true }), RangeError,
      /nesterov needs momentum > 0 and dampening = 0, got momentum 0.9 and dampening 0.1/],
    ['nesterov not a boolean', () => new SGD([p], { lr: 0.1, nesterov: 1 as unknown as boolean }), TypeError,
      /nesterov must be true or false, got 1/],
    ['maximize not a boolean', () => new SGD([p], { lr: 0.1, maximize: 'no' as unknown as boolean }), TypeError, /maximize/],
    ["PyTorch's spelling", () => new SGD([p], { lr: 0.1, weight_decay: 0.1 } as { lr: number }), TypeError,
      /unknown SGD option "weight_decay"; the options are lr, momentum, dampening, nesterov, weightDecay, maximize/],
    ['a bad group override', () => new SGD([{ params: [p], momentum: 2 }], { lr: 0.1 }), RangeError, /momentum must be in \[0, 1\)/],
  ))('%s', (_, make, type, message) => {
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });

  it('an lr given by every group suffices, as in PyTorch', () => {
    expect(new SGD([{ params: [p], lr: 0.3 }], undefined as unknown as { lr: number }).lr).toBe(0.3);
  });
});

describe('Adam and AdamW options', () => {
  it.each(cases(
    ['lr < 0', () => new Adam([p], { lr: -1 }), RangeError, /lr must be a finite number ≥ 0, got -1/],
    ['betas[0] = 1', () => new Adam([p], { betas: [1, 0.999] }), RangeError, /betas\[0\] must be in \[0, 1\), got 1/],
    ['betas[1] < 0', () => new Adam([p], { betas: [0.9, -0.1] }), RangeError, /betas\[1\] must be in \[0, 1\), got -0.1/],
    ['betas[1] = 1', () => new AdamW([p], { betas: [0.9, 1] }), RangeError, /betas\[1\] must be in \[0, 1\)/],
    ['betas not a pair', () => new Adam([p], { betas: [0.9] as unknown as [number, number] }), TypeError,
      /betas must be a pair \[beta1, beta2\]/],
    ['eps = 0', () => new Adam([p], { eps: 0 }), RangeError, /eps must be a finite number > 0, got 0/],
    ['eps < 0', () => new AdamW([p], { eps: -1e-8 }), RangeError, /eps must be a finite number > 0/],
    ['weightDecay < 0', () => new AdamW([p], { weightDecay: -0.01 }), RangeError, /weightDecay must be a finite number ≥ 0/],
    ['amsgrad not a boolean', () => new Adam([p], { amsgrad: 0 as unknown as boolean }), TypeError, /amsgrad must be true or false/],
    ['unknown option', () => new Adam([p], { beta1: 0.9 } as object), TypeError, /unknown Adam option "beta1"/],
  ))('%s', (_, make, type, message) => {
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });
});

describe('RMSprop options', () => {
  it.each(cases(
    ['lr < 0', () => new RMSprop([p], { lr: -1 }), RangeError, /lr must be a finite number ≥ 0/],
    ['alpha = 1', () => new RMSprop([p], { alpha: 1 }), RangeError, /alpha must be in \[0, 1\), got 1/],
    ['alpha < 0', () => new RMSprop([p], { alpha: -0.1 }), RangeError, /alpha must be in \[0, 1\)/],
    ['eps = 0', () => new RMSprop([p], { eps: 0 }), RangeError, /eps must be a finite number > 0/],
    ['momentum = 1', () => new RMSprop([p], { momentum: 1 }), RangeError, /momentum must be in \[0, 1\)/],
    ['weightDecay < 0', () => new RMSprop([p], { weightDecay: -1 }), RangeError, /weightDecay must be a finite number ≥ 0/],
    ['centered not a boolean', () => new RMSprop([p], { centered: null as unknown as boolean }), TypeError, /centered/],
  ))('%s', (_, make, type, message) => {
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });
});

describe('params', () => {
  it.each(cases(
    ['empty', () => new SGD([], { lr: 0.1 }), RangeError, /no parameters/],
    ['empty groups', () => new Adam([{ params: [] }]), RangeError, /no parameters/],
    ['duplicated', () => new SGD([p, engine.parameter(2), p], { lr: 0.1 }), RangeError, /appears more than once/],
    ['duplicated across groups', () => new Adam([{ params: [p] }, { params: [p] }]), RangeError, /appears more than once/],
    ['overlapping', () => new SGD([p, new Parameter(engine, p.dataPtr + 4, engine.alloc(8), [2])], { lr: 0.1 }),
      RangeError, /overlap in memory/],
    ['a mix of parameters and groups', () => new SGD([p, { params: [] }] as never, { lr: 0.1 }), TypeError,
      /array of Parameters or of param groups/],
    ['not parameters', () => new SGD([{ params: [1, 2] }] as never, { lr: 0.1 }), TypeError, /must hold Parameters/],
  ))('%s', (_, make, type, message) => {
    expect(make).toThrow(type);
    expect(make).toThrow(message);
  });

  it('from different engines', async () => {
    const other = await createEngine({ backend: 'js' });
    expect(() => new RMSprop([p, other.parameter(1)])).toThrow(RangeError);
    expect(() => new RMSprop([p, other.parameter(1)])).toThrow(/different engines/);
  });

  it('from a disposed engine', async () => {
    const gone = await createEngine({ backend: 'js' });
    const q = gone.parameter(1);
    const opt = new SGD([q], { lr: 0.1 });
    gone.dispose();
    expect(() => opt.step()).toThrow(/engine of this SGD has been disposed/);
    expect(() => new SGD([q], { lr: 0.1 })).toThrow(/disposed/);
  });
});

describe('setting lr and momentum validates and, on error, changes nothing', () => {
  it.each([
    ['SGD lr', () => new SGD([p], { lr: 0.1, momentum: 0.5 }), 'lr', -1, /lr must be a finite number ≥ 0/],
    ['SGD momentum', () => new SGD([p], { lr: 0.1, momentum: 0.5 }), 'momentum', 1, /momentum must be in \[0, 1\)/],
    ['SGD Nesterov momentum 0', () => new SGD([p], { lr: 0.1, momentum: 0.5, nesterov: true }), 'momentum', 0,
      /nesterov needs momentum > 0/],
    ['Adam momentum (betas[0])', () => new Adam([p]), 'momentum', 1.2, /betas\[0\] must be in \[0, 1\), got 1.2/],
    ['RMSprop lr', () => new RMSprop([p]), 'lr', NaN, /lr must be a finite number ≥ 0/],
    ['RMSprop momentum', () => new RMSprop([p]), 'momentum', -0.1, /momentum must be in \[0, 1\)/],
  ] as const)('%s', (_, make, key, value, message) => {
    const opt = make();
    const before = opt.state();
    expect(() => (opt[key] = value)).toThrow(RangeError);
    expect(() => (opt[key] = value)).toThrow(message);
    expect(opt.state()).toEqual(before);
  });
});

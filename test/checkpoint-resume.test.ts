// Train N steps, save, load into a fresh engine + model + optimizer, train M more: bit-identical to N + M straight.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../src/checkpoint/load-checkpoint.js';
import { saveCheckpoint } from '../src/checkpoint/save-checkpoint.js';
import { batchRanges, gatherBatch, shuffledIndices } from '../src/data/batches.js';
import type { Dataset } from '../src/data/dataset.js';
import { loadMnist } from '../src/data/mnist-node.js';
import { createEngine } from '../src/engine/index.js';
import { dropout, linear, relu, tanh } from '../src/nn/layers.js';
import { type Sequential, sequential } from '../src/nn/sequential.js';
import { Adam, AdamW } from '../src/optim/adam.js';
import type { Optimizer } from '../src/optim/optimizer.js';
import { RMSprop } from '../src/optim/rmsprop.js';
import { applySchedule, type Schedule, schedules } from '../src/optim/schedules.js';
import { SGD } from '../src/optim/sgd.js';
import { Random } from '../src/random.js';
import { fit } from '../src/train/fit.js';
import type { History, StepRecord } from '../src/train/history.js';

const BATCH = 32;
const SEED = 7;
let train: Dataset;
beforeAll(async () => {
  ({ train } = await loadMnist({ limit: 256 }));
});
const stepsPerEpoch = () => Math.ceil(train.count / BATCH);

const layers = [linear(784, 24), relu(), linear(24, 16), tanh(), linear(16, 10)];

interface Setting {
  name: string;
  optimizer: (model: Sequential) => Optimizer;
  schedule?: () => Schedule;
}

const settings: Setting[] = [
  { name: 'SGD with momentum', optimizer: (m) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9 }) },
  { name: 'SGD Nesterov with weight decay', optimizer: (m) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }) },
  { name: 'Adam', optimizer: (m) => new Adam(m.parameters(), { lr: 3e-3 }) },
  { name: 'AdamW with AMSGrad', optimizer: (m) => new AdamW(m.parameters(), { lr: 3e-3, amsgrad: true }) },
  { name: 'RMSprop centered with momentum', optimizer: (m) => new RMSprop(m.parameters(), { lr: 1e-3, momentum: 0.5, centered: true }) },
  {
    name: 'SGD with a one-cycle schedule (lr and momentum cycled)',
    optimizer: (m) => new SGD(m.parameters(), { lr: 0.01, momentum: 0.9 }),
    schedule: () => schedules.oneCycle({ maxLr: 0.1, totalSteps: 24 }),
  },
  {
    name: 'Adam with a one-cycle schedule (betas[0] cycled)',
    optimizer: (m) => new Adam(m.parameters(), { lr: 1e-3 }),
    schedule: () => schedules.oneCycle({ maxLr: 5e-3, totalSteps: 24, threePhase: true }),
  },
];

/** fit's batch order: epoch e (1-based) is shuffled by the e-th fork of Random(seed). */
function epochOrder(epoch: number): Uint32Array {
  const rng = new Random(SEED);
  for (let e = 1; e < epoch; e++) rng.fork();
  return shuffledIndices(train.count, rng.fork());
}

/** Global steps `from` … `to` − 1 as fit takes them: gather, schedule, zero, forward/backward, update. */
function trainSteps(model: Sequential, optimizer: Optimizer, schedule: Schedule | undefined, from: number, to: number, history: History): void {
  const ranges = batchRanges(train.count, BATCH);
  for (let step = from; step < to; step++) {
    const { start, end } = ranges[step % ranges.length]!;
    const n = gatherBatch(train, epochOrder(Math.floor(step / ranges.length) + 1), start, end, model.stagedImages, model.stagedLabels);
    model.loadStaged(n);
    if (schedule) applySchedule(schedule, optimizer, step);
    optimizer.zeroGrad();
    const loss = model.lossAndBackward(n);
    optimizer.step();
    history.steps.push({ step, loss, lr: optimizer.lr, momentum: optimizer.momentum });
  }
}

const emptyHistory = (): History => ({ steps: [], epochs: [], diverged: false });

/** The first parameter whose bits differ between the models, as 'name[index]: a vs b', or 'none' (cheap to print on failure). */
function firstDifference(a: Sequential, b: Sequential): string {
  const [pa, pb] = [a.parameters(), b.parameters()];
  for (let k = 0; k < pa.length; k++) {
    const [x, y] = [new Uint32Array(pa[k]!.data.slice().buffer), new Uint32Array(pb[k]!.data.slice().buffer)];
    const i = x.findIndex((bits, j) => bits !== y[j]);
    if (i >= 0 || x.length !== y.length) return `${pa[k]!.name}[${i}]: ${pa[k]!.data[i]} vs ${pb[k]!.data[i]}`;
  }
  return 'none';
}

describe.each(['js', 'wasm'] as const)('exact resume from a checkpoint (%s backend)', (backend) => {
  it.each(settings)('$name: N steps, save, load into a fresh engine, M more = N + M straight', async (setting) => {
    const [N, M] = [11, 13]; // mid-epoch (8 batches an epoch), across two epoch boundaries
    const straightEngine = await createEngine({ backend });
    const straight = sequential(straightEngine, layers, { seed: 1, maxBatch: BATCH });
    const straightOpt = setting.optimizer(straight);
    const straightHistory = emptyHistory();
    trainSteps(straight, straightOpt, setting.schedule?.(), 0, N + M, straightHistory);

    const firstEngine = await createEngine({ backend });
    const first = sequential(firstEngine, layers, { seed: 1, maxBatch: BATCH });
    const firstOpt = setting.optimizer(first);
    const firstHistory = emptyHistory();
    const schedule = setting.schedule?.();
    trainSteps(first, firstOpt, schedule, 0, N, firstHistory);
    const bytes = saveCheckpoint({ model: first, optimizer: firstOpt, history: firstHistory, step: N });
    firstEngine.dispose();

    // A fresh engine, other initial weights: everything must come from the checkpoint.
    const engine = await createEngine({ backend });
    const model = sequential(engine, layers, { seed: 99, maxBatch: BATCH });
    const optimizer = setting.optimizer(model);
    const resumed = loadCheckpoint(bytes, { model, optimizer });
    expect(resumed.step).toBe(N);
    const history = resumed.history!;
    expect(history).toEqual(firstHistory);
    trainSteps(model, optimizer, setting.schedule?.(), resumed.step, N + M, history);

    expect(firstDifference(model, straight)).toBe('none');
    expect(history.steps.map((s: StepRecord) => s.loss)).toEqual(straightHistory.steps.map((s) => s.loss));
    expect(history).toEqual(straightHistory);
    const [state, expected] = [optimizer.state(), straightOpt.state()];
    expect({ ...state, buffers: undefined }).toEqual({ ...expected, buffers: undefined });
    for (const name of Object.keys(expected.buffers)) {
      expect(Buffer.compare(Buffer.from(state.buffers[name]!.buffer), Buffer.from(expected.buffers[name]!.buffer)), name).toBe(0);
    }
    expect(stepsPerEpoch()).toBe(8);
  });
});

describe.each(['js', 'wasm'] as const)('exact resume with dropout (%s backend)', (backend) => {
  const withDropout = [linear(784, 24), relu(), dropout(0.3), linear(24, 16), tanh(), dropout(0.2), linear(16, 10)];
  const make = async (seed: number) => {
    const model = sequential(await createEngine({ backend }), withDropout, { seed, maxBatch: BATCH });
    return { model, optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }) };
  };

  it('the dropout generators are saved and restored: N steps, save, load into a fresh engine, M more = N + M straight', async () => {
    const [N, M] = [11, 13];
    const straight = await make(1);
    const straightHistory = emptyHistory();
    trainSteps(straight.model, straight.optimizer, undefined, 0, N + M, straightHistory);

    const first = await make(1);
    const firstHistory = emptyHistory();
    trainSteps(first.model, first.optimizer, undefined, 0, N, firstHistory);
    const bytes = saveCheckpoint({ ...first, history: firstHistory, step: N });
    const saved = first.model.randomState();
    expect(saved).toHaveLength(2);
    expect(JSON.parse(loadCheckpoint(bytes, await make(5)).metadata['heavyball.random']!)).toEqual(saved);
    first.model.engine.dispose();

    // Other seed: other weights and other dropout generators, all to come from the checkpoint.
    const resumed = await make(99);
    expect(resumed.model.randomState()).not.toEqual(saved);
    const { history } = loadCheckpoint(bytes, resumed);
    trainSteps(resumed.model, resumed.optimizer, undefined, N, N + M, history!);
    expect(firstDifference(resumed.model, straight.model)).toBe('none');
    expect(history!.steps.map((s) => s.loss)).toEqual(straightHistory.steps.map((s) => s.loss));
    expect(resumed.model.randomState()).toEqual(straight.model.randomState());
  });

  it('a model without dropout saves no generator states, and its checkpoint loads into one without', async () => {
    const engine = await createEngine({ backend });
    const model = sequential(engine, layers, { seed: 3, maxBatch: BATCH });
    expect(model.randomState()).toEqual([]);
    const bytes = saveCheckpoint({ model });
    const copy = sequential(engine, layers, { seed: 4, maxBatch: BATCH });
    expect(loadCheckpoint(bytes, { model: copy }).metadata).not.toHaveProperty(['heavyball.random']);
    expect(firstDifference(copy, model)).toBe('none');
  });
});

describe('exact resume through fit', () => {
  it('fit for an epoch, save, load, fit another = fit for two epochs: losses, weights, epoch records', async () => {
    const E = stepsPerEpoch();
    const oneCycle = schedules.oneCycle({ maxLr: 0.1, totalSteps: 2 * E });
    const options = { batchSize: BATCH, seed: SEED, shuffle: false };
    const make = async (seed: number) => {
      const model = sequential(await createEngine({ backend: 'wasm' }), layers, { seed, maxBatch: BATCH });
      return { model, optimizer: new SGD(model.parameters(), { lr: 0.01, momentum: 0.9, nesterov: true }) };
    };

    const straight = await make(1);
    const whole = await fit(straight.model, straight.optimizer, train, { ...options, epochs: 2, schedule: oneCycle });

    const first = await make(1);
    const before = await fit(first.model, first.optimizer, train, { ...options, epochs: 1, schedule: oneCycle });
    const bytes = saveCheckpoint({ ...first, history: before });

    const second = await make(2);
    const { step, history } = loadCheckpoint(bytes, second);
    expect(step).toBe(E);
    // Without fit's resume option, the second fit counts its steps from 0: shift the schedule to the global step.
    const shifted = { lrAt: (t: number) => oneCycle.lrAt!(t + step), momentumAt: (t: number) => oneCycle.momentumAt!(t + step) };
    const after = await fit(second.model, second.optimizer, train, { ...options, epochs: 1, schedule: shifted });

    expect(firstDifference(second.model, straight.model)).toBe('none');
    expect([...history!.steps, ...after.steps].map(({ loss, lr, momentum }) => ({ loss, lr, momentum })))
      .toEqual(whole.steps.map(({ loss, lr, momentum }) => ({ loss, lr, momentum })));
    const { seconds: _, ...lastEpoch } = after.epochs[0]!;
    const { seconds: __, ...expected } = whole.epochs[1]!;
    expect({ ...lastEpoch, epoch: 2 }).toEqual(expected);
  });
});

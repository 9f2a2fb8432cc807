// `heavyball train --schedule cosine` on a small slice of the real MNIST: the library's cosine schedule over
// the run's steps, as fit takes it; it resumes where it stopped; a constant lr's run keeps the id it had
// before runs named a schedule; a schedule the CLI does not know is a usage error.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { version } from '../package.json';
import { loadMnist } from '../src/data/mnist-node.js';
import { createEngine } from '../src/engine/engine.js';
import { canonicalJson } from '../src/experiments/canonical-json.js';
import { runConfig } from '../src/experiments/plan.js';
import { JOB_FORMAT, validateRunJob } from '../src/experiments/queue/job-schema.js';
import { runData } from '../src/experiments/run-data.js';
import { directoryRunStore, runId } from '../src/experiments/run-store-node.js';
import { resolveStudyConfig } from '../src/experiments/study-config.js';
import { trainRun } from '../src/experiments/train-node.js';
import type { RunConfig, RunRecord } from '../src/experiments/types.js';
import { syntheticRecord } from './helpers/study-records.js';
import { mlp } from '../src/experiments/network.js';
import { mnistCnn } from '../src/nn/mnist-cnn.js';
import { sequential } from '../src/nn/sequential.js';
import { type Schedule, schedules } from '../src/optim/schedules.js';
import { SGD } from '../src/optim/sgd.js';
import { fit } from '../src/train/fit.js';
import { runCli } from './helpers/run-cli.js';

// 300 training images: 50 held out for validation, 250 trained on in batches of 50: 5 steps an epoch, 10 in all.
const LAYERS = [784, 32, 10];
const slice = ['--limit', '300', '--validation-size', '50', '--batch-size', '50', '--eval-every', '2', '--lr', '0.2'];
const small = [...slice, '--epochs', '2', '--layers', LAYERS.join(',')];
const TOTAL_STEPS = 10;
const temp = () => mkdtemp(join(tmpdir(), 'heavyball-schedule-'));
const readRecord = async (dir: string) => (JSON.parse(await readFile(join(dir, 'train.json'), 'utf8')) as { record: RunRecord }).record;

/** The same run written with the library: the CLI's data split, network, optimizer, seed, and `schedule`. */
async function libraryLosses(schedule?: Schedule, layers = mlp(LAYERS), epochs = 2): Promise<{ loss: number[]; lr: number[] }> {
  const { train, test } = await loadMnist({ limit: 300 });
  const data = runData(train, test, { validation: 50, splitSeed: 0, trainSize: 250 });
  const engine = await createEngine();
  try {
    const model = sequential(engine, layers, { seed: 1, maxBatch: 50, inputShape: data.train });
    const history = await fit(model, new SGD(model.parameters(), { lr: 0.2, momentum: 0.9 }), data.train, { epochs, batchSize: 50, seed: 1, schedule });
    return { loss: history.steps.map((s) => s.loss), lr: history.steps.map((s) => s.lr) };
  } finally {
    engine.dispose();
  }
}

describe('heavyball train --schedule cosine', () => {
  it('trains with schedules.cosine({ lr, tMax: the run\'s steps }): the losses of the library\'s fit, bit for bit', async () => {
    const out = await temp();
    const { code, stdout, stderr } = await runCli(['train', ...small, '--schedule', 'cosine', '--out', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\[worker 1\] μ = 0\.9, lr 0\.2 \(cosine to 0\), seed 1: started$/m);
    expect(stdout).toContain(`After ${TOTAL_STEPS} steps of the ${TOTAL_STEPS} planned (2 epochs)`);
    const record = await readRecord(out);
    expect(record.config.schedule).toBe('cosine');

    const cosine = await libraryLosses(schedules.cosine({ lr: 0.2, tMax: TOTAL_STEPS }));
    expect(cosine.lr[0]).toBe(0.2);
    expect(cosine.lr.at(-1)).toBeLessThan(0.01);
    expect(record.loss).toEqual(cosine.loss);
    // The schedule changed the run: a constant lr gives other losses after the first steps.
    const constant = await libraryLosses();
    expect(record.loss.slice(2)).not.toEqual(constant.loss.slice(2));
    expect(await readFile(join(out, 'train.html'), 'utf8')).toContain('<title>Training run: SGD with momentum, μ = 0.9, lr 0.2 (cosine to 0), on MNIST</title>');
  });

  it('on the CNN too (docs/cnn.md\'s recipe): the losses of fit with the cosine over the run\'s 5 steps', async () => {
    const out = await temp();
    const { code, stderr } = await runCli(['train', '--model', 'cnn', ...slice, '--epochs', '1', '--schedule', 'cosine', '--out', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect((await readRecord(out)).loss).toEqual((await libraryLosses(schedules.cosine({ lr: 0.2, tMax: 5 }), mnistCnn(), 1)).loss);
  });

  it('without --schedule (or with constant) trains at --lr throughout, as before', async () => {
    const out = await temp();
    expect((await runCli(['train', ...small, '--schedule', 'constant', '--out', out])).code).toBe(0);
    const record = await readRecord(out);
    expect(record.config.schedule).toBe('constant');
    expect(record.loss).toEqual((await libraryLosses()).loss);
    expect((await runCli(['train', ...small, '--out', join(out, 'default')])).code).toBe(0);
    expect(await readRecord(join(out, 'default'))).toMatchObject({ config: record.config, loss: record.loss });
  });

  it('resumed from a checkpoint, continues the schedule where it stopped: the losses of one uninterrupted run', async () => {
    const out = await temp();
    const checkpoint = join(out, 'cosine.safetensors');
    const whole = await runCli(['train', ...small, '--schedule', 'cosine', '--checkpoint', checkpoint, '--checkpoint-every', '6', '--out', out]);
    expect(whole.code).toBe(0);
    const resumed = await runCli(['train', ...small, '--schedule', 'cosine', '--resume', checkpoint, '--out', join(out, 'resumed')]);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/^\[worker 1\] μ = 0\.9, lr 0\.2 \(cosine to 0\), seed 1: resumed at step 6, epoch 2\/2$/m);
    const first = await readRecord(out);
    const second = await readRecord(join(out, 'resumed'));
    expect(second.steps).toBe(TOTAL_STEPS);
    expect(second.loss).toEqual(first.loss);
    // The checkpoint names its schedule: resuming it at a constant lr would silently be another run.
    const atConstantLr = await runCli(['train', ...small, '--resume', checkpoint, '--out', join(out, 'constant')]);
    expect(atConstantLr.code).toBe(1);
    expect(atConstantLr.stderr).toContain(`${checkpoint} was trained with --schedule cosine: resume it with the same schedule, not constant`);
  });

  it('refuses a schedule it does not know as a usage error naming the option; study and sweep have none', async () => {
    const bad = await runCli(['train', '--schedule', 'linear']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toBe("error: option '--schedule <name>' argument 'linear' is invalid. Allowed choices are constant, cosine.");
    for (const command of ['study', 'sweep']) {
      const refused = await runCli([command, '--schedule', 'cosine']);
      expect(refused.code).toBe(2);
      expect(refused.stderr.split('\n')[0]).toBe("error: unknown option '--schedule'");
    }
    const help = await runCli(['train', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain('--schedule <name> the lr schedule: constant (--lr at every step) or cosine (annealed from --lr to 0 '
      + 'over the run\'s steps); study and sweep keep a constant lr, as their parts set the step size (choices: "constant", "cosine", default: "constant")');
    // The library's trainRun says the same as a RangeError.
    await expect(trainRun({ schedule: 'linear' as 'cosine' })).rejects.toThrow('schedule must be one of "constant", "cosine", got "linear"');
  });
});

describe('a run\'s schedule in its id and its job', () => {
  const data = { name: 'mnist', sha256: 'ab'.repeat(32), validation: 5000, splitSeed: 0, trainSize: 20_000 };
  const plan = (): RunConfig =>
    runConfig(resolveStudyConfig({ momenta: [0.9], seeds: [1] }, 'sweep', 1), data, { momentum: 0.9, lr: 0.1 }, 1, version);

  it('a constant lr\'s run keeps the id it had before runs named a schedule; a cosine run is hashed with it', () => {
    // The canonical JSON of the default run as it was stored before there were schedules: sorted keys, no model, no schedule.
    const before = '{"backend":"wasm","batchSize":128,"data":{"name":"mnist","sha256":"' + 'ab'.repeat(32) + '","splitSeed":0,'
      + `"trainSize":20000,"validation":5000},"epochs":1,"evalEvery":25,"finalEvaluations":3,"heavyball":"${version}",`
      + '"layers":[784,256,128,10],"lr":0.1,"momentum":0.9,"optimizer":"sgd","seed":1,"simd":"standard"}';
    const constant = plan();
    expect(constant.schedule).toBe('constant');
    expect(runId(constant)).toBe(createHash('sha256').update(before).digest('hex'));

    const cosine: RunConfig = { ...constant, schedule: 'cosine' };
    const { model: _, ...withoutModel } = cosine;
    expect(runId(cosine)).toBe(createHash('sha256').update(canonicalJson(withoutModel)).digest('hex'));
    expect(canonicalJson(withoutModel)).toContain('"schedule":"cosine"');
    expect(runId(cosine)).not.toBe(runId(constant));
  });

  it('a run stored before runs named a schedule is read back as a constant lr\'s', async () => {
    const dir = await temp();
    const record = syntheticRecord(10, () => 1, () => 0.5);
    const { schedule: _, ...config } = record.config;
    const id = runId(record.config);
    await writeFile(join(dir, `${id}.json`), JSON.stringify({ ...record, config }));
    expect(await directoryRunStore(dir).get(id)).toEqual(record);
  });

  it('is carried by a queued job, and a schedule the worker does not know is refused', () => {
    const job = (schedule: unknown) => ({ format: JOB_FORMAT, config: { ...plan(), data: { ...data }, schedule }, limit: null });
    expect(validateRunJob(job('cosine'), version).config.schedule).toBe('cosine');
    expect(validateRunJob(job('constant'), version).config.schedule).toBe('constant');
    expect(() => validateRunJob(job('linear'), version)).toThrow('malformed job: config.schedule is out of range: "linear"');
    const { schedule: __, ...unnamed } = plan();
    expect(() => validateRunJob({ format: JOB_FORMAT, config: unnamed, limit: null }, version)).toThrow('malformed job: config.schedule is missing');
  });
});

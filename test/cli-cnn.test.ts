// `--model cnn` end to end on a small slice of the real MNIST: `heavyball train` trains the default CNN
// (mnistCnn) as the library's own fit does, writes checkpoints in PyTorch's nn.Sequential layout that resume;
// `heavyball study` runs it under run ids of its own, while an MLP's run keeps the id it had before there was a model.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpointInfo, saveCheckpoint } from '../src/checkpoint/index.js';
import { loadMnist } from '../src/data/mnist-node.js';
import { createEngine } from '../src/engine/engine.js';
import { canonicalJson } from '../src/experiments/canonical-json.js';
import { runConfig } from '../src/experiments/plan.js';
import { runData } from '../src/experiments/run-data.js';
import { runId } from '../src/experiments/run-store-node.js';
import { resolveStudyConfig } from '../src/experiments/study-config.js';
import { study, sweep } from '../src/experiments/study-node.js';
import type { RunRecord, StudyResult } from '../src/experiments/types.js';
import { mnistCnn } from '../src/nn/mnist-cnn.js';
import { sequential } from '../src/nn/sequential.js';
import { SGD } from '../src/optim/sgd.js';
import { fit } from '../src/train/fit.js';
import { runCli } from './helpers/run-cli.js';

// 300 training images: 50 held out for validation, 250 trained on in batches of 50 (5 steps an epoch).
const small = ['--limit', '300', '--validation-size', '50', '--epochs', '1', '--batch-size', '50', '--eval-every', '2'];
const temp = () => mkdtemp(join(tmpdir(), 'heavyball-cnn-'));
const readJson = async <T>(path: string) => JSON.parse(await readFile(path, 'utf8')) as T;

/** A safetensors file's tensors (name → shape), in the file's order, without its metadata. */
function tensorShapes(bytes: Uint8Array): Record<string, number[]> {
  const length = Number(Buffer.from(bytes).readBigUInt64LE(0));
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + length)).toString('utf8')) as Record<string, { shape: number[] }>;
  return Object.fromEntries(Object.entries(header).filter(([name]) => name !== '__metadata__').map(([name, t]) => [name, t.shape]));
}

/**
 * The state dict of mnistCnn's PyTorch twin, `{k: list(v.shape) for k, v in net.state_dict().items()}` for
 * nn.Sequential(Conv2d(1, 16, 5, padding=2), ReLU(), MaxPool2d(2), Conv2d(16, 32, 5, padding=2), ReLU(),
 * MaxPool2d(2), Flatten(), Linear(1568, 128), ReLU(), Linear(128, 10)).
 */
const TORCH_STATE_DICT = {
  '0.weight': [16, 1, 5, 5], '0.bias': [16], '3.weight': [32, 16, 5, 5], '3.bias': [32],
  '7.weight': [128, 1568], '7.bias': [128], '9.weight': [10, 128], '9.bias': [10],
};

describe('heavyball train --model cnn', () => {
  it('trains mnistCnn to the losses of the library\'s own fit, and reports the network', async () => {
    const out = await temp();
    const { code, stdout, stderr } = await runCli(['train', '--model', 'cnn', ...small, '--out', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('After 5 steps of the 5 planned (1 epoch)');
    const { record } = await readJson<{ record: RunRecord }>(join(out, 'train.json'));
    expect(record.config.model).toBe('cnn');
    expect(record.config).not.toHaveProperty('layers');

    // The same run written with the library, as docs/cnn.md does: the same bits.
    const { train, test } = await loadMnist({ limit: 300 });
    const data = runData(train, test, { validation: 50, splitSeed: 0, trainSize: 250 });
    const engine = await createEngine();
    const model = sequential(engine, mnistCnn(), { seed: 1, maxBatch: 50, inputShape: [1, 28, 28] });
    const history = await fit(model, new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 }), data.train, { epochs: 1, batchSize: 50, seed: 1 });
    engine.dispose();
    expect(record.loss).toEqual(history.steps.map((s) => s.loss));

    const html = await readFile(join(out, 'train.html'), 'utf8');
    expect(html).toContain('<dt>network</dt><dd>CNN, mnistCnn(): conv2d(1, 16, 5, stride 1, padding 2), relu, maxPool2d(2, 2), ');
  });

  it('writes checkpoints in nn.Sequential\'s layout that resume to the losses of one uninterrupted run', async () => {
    const out = await temp();
    const checkpoint = join(out, 'cnn.safetensors');
    const whole = await runCli(['train', '--model', 'cnn', ...small, '--checkpoint', checkpoint, '--checkpoint-every', '2', '--out', out]);
    expect(whole.code).toBe(0);
    const bytes = new Uint8Array(await readFile(checkpoint));
    const info = readCheckpointInfo(bytes);
    expect(info.step).toBe(4);
    expect(info.architecture!.layers).toEqual(mnistCnn());
    // The weights under PyTorch's names and shapes (load them with strict=True), then SGD's momentum buffers.
    const buffers = Object.fromEntries(Object.entries(TORCH_STATE_DICT).map(([name, shape]) => [`optimizer.momentum_buffer.${name}`, shape]));
    expect(tensorShapes(bytes)).toEqual({ ...TORCH_STATE_DICT, ...buffers });
    // …the layout the library writes for the same model and optimizer, whose PyTorch load test/pytorch-cnn.test.ts checks.
    const engine = await createEngine();
    const model = sequential(engine, mnistCnn(), { inputShape: [1, 28, 28] });
    const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
    model.parameters().forEach((p) => p.grad.fill(0));
    optimizer.step();
    expect(Object.keys(tensorShapes(bytes))).toEqual(Object.keys(tensorShapes(saveCheckpoint({ model, optimizer }))));
    engine.dispose();

    const resumed = await runCli(['train', '--model', 'cnn', ...small, '--resume', checkpoint, '--out', join(out, 'resumed')]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/^\[worker 1\] μ = 0\.9, lr 0\.1, seed 1: resumed at step 4, epoch 1\/1$/m);
    const first = await readJson<{ record: RunRecord }>(join(out, 'train.json'));
    const second = await readJson<{ record: RunRecord }>(join(out, 'resumed', 'train.json'));
    expect(second.record.steps).toBe(5);
    expect(second.record.loss).toEqual(first.record.loss);
  });

  it('refuses an MLP\'s checkpoint, naming the tensor that does not fit, with exit code 1', async () => {
    const out = await temp();
    const checkpoint = join(out, 'mlp.safetensors');
    expect((await runCli(['train', ...small, '--checkpoint', checkpoint, '--checkpoint-every', '4', '--out', out])).code).toBe(0);
    const { code, stderr } = await runCli(['train', '--model', 'cnn', ...small, '--resume', checkpoint, '--out', out]);
    expect(code).toBe(1);
    expect(stderr).toContain(`${checkpoint}: 0.weight: shape [256, 784] in the checkpoint, [16, 1, 5, 5] in the model`);
  });
});

describe('heavyball study --model cnn', () => {
  it('runs the study\'s parts on the CNN (2 runs), stores them under ids of their own, and resumes', async () => {
    const out = await temp();
    // fixed lr 0.1 and same step 1 (lr 1 × (1 − 0.9) = 0.1) share a run; the tuned part adds lr 0.3.
    const flags = ['study', ...small, '--momenta', '0.9', '--seeds', '1', '--lr', '0.1', '--step', '1', '--lrs', '0.1,0.3', '--workers', '2', '--out', out];
    const first = await runCli([...flags, '--model', 'cnn']);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('2 runs: 0 stored already, 2 to train.');
    const result = await readJson<StudyResult>(join(out, 'study.json'));
    expect(result.config.model).toBe('cnn');
    expect(result.config).not.toHaveProperty('layers');
    expect(result.runs.map((r) => [r.record.config.model, r.record.config.lr, r.record.steps])).toEqual([['cnn', 0.1, 5], ['cnn', 0.3, 5]]);
    for (const run of result.runs) {
      expect(run.record.config).not.toHaveProperty('layers');
      expect(run.id).toBe(runId(run.record.config));
    }
    expect(result.answer).toMatch(/^SGD with momentum, CNN \(mnistCnn\), 1 epoch of 250 MNIST images/);
    expect(first.stdout).toContain(result.answer);
    expect(await readFile(join(out, 'study.html'), 'utf8')).toContain('<dd>CNN, mnistCnn(): conv2d(1, 16, 5, stride 1, padding 2), ');
    expect((await readdir(join(out, 'runs'))).sort()).toEqual(result.runs.map((r) => `${r.id}.json`).sort());

    const again = await runCli([...flags, '--model', 'cnn']);
    expect(again.stdout).toContain('2 runs: 2 stored already, 0 to train.');
    // The MLP's runs of the same settings are other runs.
    const mlp = await runCli(flags);
    expect(mlp.stdout).toContain('2 runs: 0 stored already, 2 to train.');
  });
});

describe('run ids', () => {
  const data = { name: 'mnist', sha256: 'ab'.repeat(32), validation: 5000, splitSeed: 0, trainSize: 20_000 };
  const plan = (model?: 'mlp' | 'cnn') =>
    runConfig(resolveStudyConfig({ model, momenta: [0.9], seeds: [1] }, 'sweep', 1), data, { momentum: 0.9, lr: 0.1 }, 1, '0.1.0');

  it('an MLP\'s run keeps the id it had before runs named their model; a CNN\'s run is hashed with its model', () => {
    // The canonical JSON of the default MLP run as it was stored before there were CNNs: sorted keys, no model.
    const before = '{"backend":"wasm","batchSize":128,"data":{"name":"mnist","sha256":"' + 'ab'.repeat(32) + '","splitSeed":0,'
      + '"trainSize":20000,"validation":5000},"epochs":1,"evalEvery":25,"finalEvaluations":3,"heavyball":"0.1.0",'
      + '"layers":[784,256,128,10],"lr":0.1,"momentum":0.9,"optimizer":"sgd","seed":1,"simd":"standard"}';
    const mlp = plan();
    expect(mlp.model).toBe('mlp');
    expect(runId(mlp)).toBe(createHash('sha256').update(before).digest('hex'));

    const cnn = plan('cnn');
    expect(cnn).not.toHaveProperty('layers');
    expect(canonicalJson(cnn)).toContain('"model":"cnn"');
    // Hashed as it was before runs named a schedule: a constant lr's run is hashed without it.
    const { schedule: __, ...cnnBefore } = cnn;
    expect(runId(cnn)).toBe(createHash('sha256').update(canonicalJson(cnnBefore)).digest('hex'));
    expect(runId(cnn)).not.toBe(runId(mlp));
  });

  it('a study half done before runs named their model resumes from its stored runs', async () => {
    const store = await temp();
    const options = { data: await loadMnist({ limit: 300 }), validation: 50, trainSize: 250, epochs: 1, batchSize: 50, evalEvery: 2, momenta: [0, 0.9], seeds: [1], lr: 0.1, workers: 1 };
    const first = await sweep({ ...options, store });
    // Rewrite each stored run as it was stored then: its config without model, under the same file name.
    for (const { id, record } of first.runs) {
      const { model: _, ...config } = record.config;
      await writeFile(join(store, `${id}.json`), JSON.stringify({ ...record, config }));
    }
    const resumed = await sweep({ ...options, store });
    expect(resumed).toMatchObject({ runsTrained: 0, runsReused: 2 });
    expect(resumed.runs.map((r) => r.record)).toEqual(first.runs.map((r) => r.record));
  });
});

describe('settings that do not fit the model', () => {
  it('are refused with a RangeError before anything trains', async () => {
    const small14 = { images: new Uint8Array(100 * 14 * 14), labels: new Uint8Array(100), count: 100, rows: 14, cols: 14 };
    const data = { train: small14, test: small14 };
    await expect(study({ data, validation: 10, model: 'cnn' })).rejects.toThrow("model 'cnn' (mnistCnn) takes 28 × 28 images, the data's are 14 × 14");
    await expect(sweep({ data, validation: 10, model: 'cnn', layers: [196, 10] })).rejects.toThrow(RangeError);
    await expect(sweep({ data, validation: 10, model: 'cnn', layers: [196, 10] }))
      .rejects.toThrow("layers applies to model 'mlp' only; model 'cnn' is mnistCnn(), whose layers are fixed");
    await expect(sweep({ data, validation: 10, model: 'rnn' as 'cnn' })).rejects.toThrow('model must be one of "mlp", "cnn", got "rnn"');
  });
});


import { access, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';
import { loss, rate } from '../src/cli/progress.js';
import { count } from '../src/experiments/labels.js';
import type { RunAnalysis, RunRecord, StudyResult } from '../src/experiments/types.js';

const run = runCli;

// 300 training images: 50 held out for validation, 250 trained on in batches of 50 (5 steps an epoch).
const small = ['--limit', '300', '--validation-size', '50', '--epochs', '1', '--batch-size', '50', '--eval-every', '2'];
const oneSeed = [...small, '--seeds', '1'];

describe('heavyball: usage', () => {
  it('prints the help and the version on request, with exit code 0', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: heavyball \[options\] \[command\]/);
    expect(help.stdout).toMatch(/sweep \[options\]/);
    expect(help.stdout).toMatch(/train \[options\]/);
    const sweepHelp = await run(['sweep', '--help']);
    expect(sweepHelp.code).toBe(0);
    for (const flag of ['--momenta', '--optimizer', '--model', '--layers', '--lr', '--normalize-lr', '--epochs', '--batch-size', '--seeds', '--workers', '--data', '--limit', '--out']) {
      expect(sweepHelp.stdout).toContain(flag);
    }
    const version = await run(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
  });

  it.each([
    [['sweep', '--bogus'], "error: unknown option '--bogus'"],
    [['sweep', '--momenta', '0.5,1.2'], "error: option '--momenta <list>' argument '0.5,1.2' is invalid. A momentum must be a number in [0, 1)."],
    [['sweep', '--momenta', '0.9,0.9'], "error: option '--momenta <list>' argument '0.9,0.9' is invalid. The list has a value twice."],
    [['sweep', '--optimizer', 'rmsprop'], "error: option '--optimizer <name>' argument 'rmsprop' is invalid. Allowed choices are sgd, nesterov, adam."],
    [['sweep', '--workers', '0'], "error: option '--workers <n>' argument '0' is invalid. It must be a whole number ≥ 1."],
    [['sweep', '--epochs', 'two'], "error: option '--epochs <n>' argument 'two' is invalid. It must be a whole number ≥ 1."],
    [['sweep', '--lr', '-1'], "error: option '--lr <rate>' argument '-1' is invalid. It must be a number > 0."],
    [['sweep', '--seeds', '1,x'], "error: option '--seeds <list>' argument '1,x' is invalid. It must be a whole number."],
    [['sweep', '--target-accuracy', '97'], "error: option '--target-accuracy <fraction>' argument '97' is invalid. It must be a number in (0, 1], e.g. 0.97 for 97%."],
    [['sweep', '--lr'], "error: option '--lr <rate>' argument missing"],
    [['sweep', '--optimizer', 'adam', '--normalize-lr'], "error: --same-step applies to SGD momentum only: Adam's first moment is an average, its step does not grow as 1/(1 − β1)"],
    [['sweep', 'now'], "error: too many arguments for 'sweep'. Expected 0 arguments but got 1."],
    [['train', '--momentum', '1'], "error: option '--momentum <μ>' argument '1' is invalid. A momentum must be a number in [0, 1)."],
    [['train', '--layers', '10,10'], "error: option '--layers <widths>' argument '10,10' is invalid. It must go from 784 (an image's 28 × 28 pixels) to 10 (the digits), e.g. 784,128,10."],
    [['train', '--layers', '784,5'], "error: option '--layers <widths>' argument '784,5' is invalid. It must go from 784 (an image's 28 × 28 pixels) to 10 (the digits), e.g. 784,128,10."],
    [['sweep', '--layers', '784'], "error: option '--layers <widths>' argument '784' is invalid. It must go from 784 (an image's 28 × 28 pixels) to 10 (the digits), e.g. 784,128,10."],
    [['study', '--model', 'rnn'], "error: option '--model <name>' argument 'rnn' is invalid. Allowed choices are mlp, cnn."],
    [['train', '--model', 'cnn', '--layers', '784,10'], "error: --layers applies to model 'mlp' only; model 'cnn' is mnistCnn(), whose layers are fixed"],
    [['sweep', '--model', 'cnn', '--layers', '784,64,10'], "error: --layers applies to model 'mlp' only; model 'cnn' is mnistCnn(), whose layers are fixed"],
    [['train', '--resume', join(tmpdir(), 'no-such-checkpoint.safetensors')], `error: option '--resume <file>' argument '${join(tmpdir(), 'no-such-checkpoint.safetensors')}' is invalid. There is no such file.`],
    [['train', '--resume', tmpdir()], `error: option '--resume <file>' argument '${tmpdir()}' is invalid. It is not a file.`],
    [['train', '--checkpoint-every', '5'], 'error: --checkpoint-every needs --checkpoint <file>'],
    [['fly'], "error: unknown command 'fly'"],
  ])('%j: a one-line error, the usage, exit code 2', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    const lines = stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(message);
    const command = argv[0] === 'fly' ? 'heavyball' : `heavyball ${argv[0]}`;
    expect(lines[1]).toBe(`Usage: ${command} [options]${argv[0] === 'fly' ? ' [command]' : ''}`);
    expect(lines).toHaveLength(3);
  });

  it('without a command prints the usage, exit code 2', async () => {
    const { code, stderr } = await run([]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^Usage: heavyball \[options\] \[command\]/);
  });
});

describe('heavyball sweep', () => {
  it('trains in workers, prints progress lines, the table and the report paths', async () => {
    const out = await mkdtemp(join(tmpdir(), 'heavyball-cli-'));
    const { code, stdout, stderr } = await run(['sweep', ...oneSeed, '--momenta', '0,0.9', '--workers', '2', '--out', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('2 runs: 0 stored already, 2 to train.');
    expect(stdout).toMatch(/\[worker [12]\] μ = 0, lr 0\.1, seed 1: started/);
    const report = JSON.parse(await readFile(join(out, 'sweep.json'), 'utf8')) as StudyResult;
    for (const r of report.runs) {
      const accuracy = `${(r.analysis.finalValidationAccuracy * 100).toFixed(2)}%`;
      expect(stdout).toContain(`μ = ${r.record.config.momentum}, lr 0.1, seed 1: final validation accuracy ${accuracy} after 5 steps`);
      expect(stdout).toMatch(new RegExp(`\\nμ = ${r.record.config.momentum} +0\\.1 +[\\d.]+ +ok .* ${accuracy} `));
    }
    expect(stdout).toMatch(/\[2\/2 runs trained, 100%, ETA 0s\]/);
    expect(stdout).toContain(report.answer);
    expect(stdout).toContain(`Report: ${join(out, 'sweep.html')}`);
    await access(join(out, 'sweep.svg'));
    expect((await readdir(join(out, 'runs'))).filter((f) => f.endsWith('.json'))).toHaveLength(2);
  });

  it('on an interrupt stops the workers, keeps the finished runs and writes a partial report, exit code 130', async () => {
    const out = await mkdtemp(join(tmpdir(), 'heavyball-cli-'));
    const interrupt = new AbortController();
    const { code, stdout } = await run(
      ['sweep', ...oneSeed, '--momenta', '0,0.5,0.9', '--workers', '1', '--out', out],
      interrupt.signal,
      (text) => { if (text.includes(': final validation accuracy')) interrupt.abort(); },
    );
    expect(code).toBe(130);
    expect(stdout).toContain('Stopping; finished runs are stored');
    const report = JSON.parse(await readFile(join(out, 'sweep-partial.json'), 'utf8')) as StudyResult;
    expect(report.aborted).toBe(true);
    expect(report.runs.map((r) => r.record.config.momentum)).toEqual([0]);
    expect(report.answer).toContain('1 of 3 runs finished');
    await expect(access(join(out, 'sweep.html'))).rejects.toThrow();
    const resumed = await run(['sweep', ...oneSeed, '--momenta', '0,0.5,0.9', '--workers', '1', '--out', out]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('3 runs: 1 stored already, 2 to train.');
    await access(join(out, 'sweep.html'));
    await expect(access(join(out, 'sweep-partial.html'))).rejects.toThrow();
  });

  it('fails with exit code 1 and the reason when the data is not there', async () => {
    const { code, stderr } = await run(['sweep', '--data', join(tmpdir(), 'no-such-mnist'), '--out', tmpdir()]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^heavyball: MNIST files not found in .*no-such-mnist: train-images-idx3-ubyte, /);
    expect(stderr).toMatch(/ into a folder and pass it as --data\.\n$/);
  });
});

describe('heavyball train', () => {
  it('trains one network and writes its own single-run report', async () => {
    const out = await mkdtemp(join(tmpdir(), 'heavyball-cli-'));
    const { code, stdout } = await run(['train', ...small, '--momentum', '0.9', '--seed', '3', '--out', out]);
    expect(code).toBe(0);
    const { record, analysis } = JSON.parse(await readFile(join(out, 'train.json'), 'utf8')) as { record: RunRecord; analysis: RunAnalysis };
    expect(record.config).toMatchObject({ momentum: 0.9, seed: 3, epochs: 1, batchSize: 50, lr: 0.1 });
    expect(stdout).toContain(`final validation accuracy ${(analysis.finalValidationAccuracy * 100).toFixed(2)}% (mean of the last 3 evaluations)`);
    expect(stdout).toContain('After 5 steps of the 5 planned (1 epoch)');
    const html = await readFile(join(out, 'train.html'), 'utf8');
    expect(html).toContain('<title>Training run: SGD with momentum, μ = 0.9, lr 0.1, on MNIST</title>');
    expect(html).not.toContain('Momentum sweep');
    const svg = await readFile(join(out, 'train.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('μ = 0.9');
  });

  it('counts one step as "1 step"', async () => {
    const out = await mkdtemp(join(tmpdir(), 'heavyball-cli-'));
    const { code, stdout } = await run(['train', '--limit', '100', '--validation-size', '50', '--batch-size', '50', '--epochs', '1', '--out', out]);
    expect(code).toBe(0);
    expect(stdout).toContain('After 1 step of the 1 planned (1 epoch)');
    expect(stdout).not.toMatch(/\b1 (steps|epochs|evaluations)\b/);
  });

  it('says where a resumed run starts: the checkpoint\'s step and epoch', async () => {
    const out = await mkdtemp(join(tmpdir(), 'heavyball-cli-'));
    const checkpoint = join(out, 'run.safetensors');
    const first = await run(['train', ...small, '--checkpoint', checkpoint, '--checkpoint-every', '4', '--out', out]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^\[worker 1\] μ = 0\.9, lr 0\.1, seed 1: started$/m);
    // 5 steps an epoch, a checkpoint every 4: saved at step 4, in epoch 1.
    const twoEpochs = ['--limit', '300', '--validation-size', '50', '--epochs', '2', '--batch-size', '50', '--eval-every', '2'];
    const resumed = await run(['train', ...twoEpochs, '--resume', checkpoint, '--out', out]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/^\[worker 1\] μ = 0\.9, lr 0\.1, seed 1: resumed at step 4, epoch 1\/2$/m);
    expect(resumed.stdout).toContain('After 10 steps of the 10 planned (2 epochs)');
    expect(resumed.stdout).not.toContain('started');
  });

  it('refuses a --resume file that is no checkpoint, naming it, with exit code 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'heavyball-cli-'));
    const file = join(dir, 'notes.txt');
    await writeFile(file, 'hi');
    const { code, stderr } = await run(['train', ...small, '--resume', file, '--out', dir]);
    expect(code).toBe(1);
    expect(stderr).toBe(`heavyball: ${file}: the file is 2 bytes, shorter than the 8-byte header length that starts a safetensors file\n`);
  });
});

describe('numbers in messages', () => {
  it('losses to 4 decimals, or 5 significant digits when large; learning rates without float noise; "1 step"', () => {
    expect(loss(0.123456)).toBe('0.1235');
    expect(loss(5055.590603351593)).toBe('5055.6');
    expect(loss(29603484)).toBe('29603000');
    expect(loss(null)).toBe('NaN');
    expect(rate(0.05 * (1 - 0.9))).toBe('0.005');
    expect(0.05 * (1 - 0.9)).not.toBe(0.005);
    expect(rate(0.001)).toBe('0.001');
    expect([count(1, 'step'), count(0, 'step'), count(6, 'step')]).toEqual(['1 step', '0 steps', '6 steps']);
  });
});

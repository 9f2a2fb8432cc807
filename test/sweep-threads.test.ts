// A study or sweep splits the cores: parallel runs first (one per worker, at most one per run), the cores
// they leave over as threads within each run; `threads` (the CLI's --threads) overrides. Threads are not
// part of a run's config: a run trained on any thread count has the same id and the same bits.
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';
import { loadMnist } from '../src/data/mnist-node.js';
import { runData } from '../src/experiments/run-data.js';
import { runSetting } from '../src/experiments/run-setting.js';
import { resolveStudyConfig, threadsPerRun } from '../src/experiments/study-config.js';
import type { RunConfig, RunRecord, StudyResult } from '../src/experiments/types.js';

describe('threads per run', () => {
  it('more runs than cores: one thread each; fewer: the cores shared among them', () => {
    expect(threadsPerRun(2, 2, 7)).toBe(1);
    expect(threadsPerRun(8, 8, 2)).toBe(4);
    expect(threadsPerRun(8, 8, 3)).toBe(2);
    expect(threadsPerRun(8, 1, 7)).toBe(8);
    expect(threadsPerRun(4, 4, 1)).toBe(4);
    expect(threadsPerRun(1, 4, 4)).toBe(1);
  });

  it('a study or sweep resolves it from its runs and workers', () => {
    // The default study: 7 momenta, 3 seeds, far more runs than cores.
    expect(resolveStudyConfig({}, 'study', 8).threads).toBe(1);
    expect(resolveStudyConfig({ momenta: [0, 0.9], seeds: [1] }, 'sweep', 8).threads).toBe(4);
    expect(resolveStudyConfig({ momenta: [0.9], workers: 1 }, 'sweep', 6).threads).toBe(6);
    // A run two parts share counts once: μ = 0.9 at lr 0.1 is in the fixed, same-step (1 × (1 − 0.9)) and
    // tuned parts, so these are two runs (lr 0.1 and 0.3), not four.
    expect(resolveStudyConfig({ momenta: [0.9], seeds: [1], lrs: [0.1, 0.3] }, 'study', 8).threads).toBe(4);
    expect(resolveStudyConfig({ momenta: [0.9], seeds: [1], backend: 'js' }, 'sweep', 8).threads).toBe(1);
  });

  it('threads overrides, and must be a positive integer (1 on the js backend)', () => {
    expect(resolveStudyConfig({ threads: 3 }, 'study', 8).threads).toBe(3);
    expect(() => resolveStudyConfig({ threads: 0 }, 'study', 8)).toThrow(/threads must be a positive integer, got 0/);
    expect(() => resolveStudyConfig({ threads: 2, backend: 'js' }, 'sweep', 8)).toThrow(/threads must be 1 with the js backend, got 2/);
  });
});

// 300 training images: 50 held out for validation, 250 trained on in batches of 50 (5 steps an epoch).
const small = ['--limit', '300', '--validation-size', '50', '--epochs', '2', '--batch-size', '50', '--eval-every', '2', '--seeds', '1'];

async function cli(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => { stdout += text; return true; }, isTTY: false },
    stderr: { write: (text: string) => { stderr += text; return true; } },
  });
  return { code, stdout, stderr };
}

/** What training produced: everything but the wall time. */
const measured = (r: RunRecord) => ({ ...r, seconds: 0 });

describe('--threads', () => {
  it('a sweep on 3 threads per run stores the runs of 1 thread per run: the same ids and the same bits', async () => {
    const reports: StudyResult[] = [];
    for (const threads of ['1', '3']) {
      const out = await mkdtemp(join(tmpdir(), 'heavyball-threads-'));
      const { code, stderr } = await cli(['sweep', ...small, '--momenta', '0.9', '--threads', threads, '--out', out]);
      expect(stderr).toBe('');
      expect(code).toBe(0);
      reports.push(JSON.parse(await readFile(join(out, 'sweep.json'), 'utf8')) as StudyResult);
    }
    const [one, three] = reports;
    expect([one!.config.threads, three!.config.threads]).toEqual([1, 3]);
    expect(three!.runs.map((r) => r.id)).toEqual(one!.runs.map((r) => r.id));
    expect(three!.runs.map((r) => measured(r.record))).toEqual(one!.runs.map((r) => measured(r.record)));
    expect(one!.runs[0]!.record.loss).toHaveLength(10);
  });

  it('is a usage error when it is not a whole number ≥ 1, or above 1 on the js backend', async () => {
    const zero = await cli(['sweep', '--threads', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr.split('\n')[0]).toBe("error: option '--threads <n>' argument '0' is invalid. It must be a whole number ≥ 1.");
    const js = await cli(['train', '--backend', 'js', '--threads', '2']);
    expect(js.code).toBe(2);
    expect(js.stderr.split('\n')[0]).toBe('error: --threads must be 1 with the js backend, got 2');
  });
});

describe('a run', () => {
  it("trains on the engine threads it is given: a count the engine refuses is the run's error", async () => {
    const { train, test } = await loadMnist({ limit: 300 });
    const spec = { validation: 50, splitSeed: 0, trainSize: 250 };
    const config: RunConfig = {
      heavyball: '0', data: { name: 'mnist', sha256: '', ...spec }, model: 'mlp', layers: [784, 16, 10], optimizer: 'sgd', momentum: 0.9,
      lr: 0.1, schedule: 'constant', epochs: 1, batchSize: 50, seed: 1, evalEvery: 5, finalEvaluations: 1, backend: 'wasm', simd: 'standard',
    };
    await expect(runSetting(config, runData(train, test, spec), { threads: 0 })).rejects.toThrow(/threads must be an integer in \[1, 256\], got 0/);
    const one = await runSetting(config, runData(train, test, spec), { threads: 1 });
    const two = await runSetting(config, runData(train, test, spec), { threads: 2 });
    expect(measured(two!)).toEqual(measured(one!));
  });
});

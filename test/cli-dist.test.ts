import { execFile } from 'node:child_process';
import { access, constants, mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

// The shipped command, as `npm test` builds it first: dist/cli.js starting its workers from dist/sweep-worker.js.
const cli = resolve('dist/cli.js');

function heavyball(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(cli, args, { encoding: 'utf8' }, (error, stdout, stderr) => {
      done({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

describe('the built heavyball command (dist/cli.js)', () => {
  beforeAll(async () => {
    await access(cli).catch(() => {
      throw new Error('dist/cli.js is missing: run `npm run build` first (`npm test` does)');
    });
  });

  it('is an executable node script', async () => {
    expect((await readFile(cli, 'utf8')).split('\n')[0]).toBe('#!/usr/bin/env node');
    expect((await stat(cli)).mode & constants.S_IXUSR).toBeTruthy();
    await access(resolve('dist/sweep-worker.js'));
  });

  it('runs a sweep in worker threads and writes the report', async () => {
    const out = await mkdtemp(join(tmpdir(), 'heavyball-dist-'));
    const { code, stdout, stderr } = await heavyball(
      ['sweep', '--limit', '300', '--validation-size', '50', '--epochs', '1', '--batch-size', '50', '--seeds', '1',
        '--momenta', '0,0.9', '--workers', '2', '--out', out]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('[worker 2]');
    const report = JSON.parse(await readFile(join(out, 'sweep.json'), 'utf8'));
    expect(report.runs.map((r: { record: { config: { momentum: number } } }) => r.record.config.momentum)).toEqual([0, 0.9]);
    await access(join(out, 'sweep.html'));
    await access(join(out, 'sweep.svg'));
  });

  it('ends quietly when its output is piped into a command that stops reading', async () => {
    const out = await mkdtemp(join(tmpdir(), 'heavyball-dist-'));
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((done, fail) => {
      execFile('sh', ['-c', `"${cli}" sweep --limit 300 --validation-size 50 --seeds 1 --epochs 1 --batch-size 50 --momenta 0,0.5,0.9 --workers 1 --out "${out}" | head -n 1`],
        { encoding: 'utf8' }, (error, stdout, stderr) => (error ? fail(error) : done({ stdout, stderr })));
    });
    expect(stdout).toBe('3 runs: 0 stored already, 3 to train.\n');
    expect(stderr).toBe('');
  });

  it('exits 2 with a one-line error and the usage on a bad flag', async () => {
    const { code, stdout, stderr } = await heavyball(['sweep', '--momenta', '2']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.split('\n').slice(0, 2)).toEqual([
      "error: option '--momenta <list>' argument '2' is invalid. A momentum must be a number in [0, 1).",
      'Usage: heavyball sweep [options]',
    ]);
  });
});

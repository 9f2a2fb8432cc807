// No test needs Python: test/setup/no-python.ts refuses to start it in every test file, so `npm test`
// proves on any machine that the suite runs on Node alone.
import { exec, execFile, execFileSync, execSync, spawn, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const refused = /a test must not run Python/;

describe('every test runs with Python refused', () => {
  it.each(['/usr/bin/python3', 'python3', 'python', 'python3.11'])('%s, by every child_process starter', (python) => {
    expect(() => spawnSync(python, ['-c', ''])).toThrow(refused);
    expect(() => spawn(python, ['-c', ''])).toThrow(refused);
    expect(() => execFileSync(python, ['-c', ''])).toThrow(refused);
    expect(() => execFile(python, ['-c', ''], () => {})).toThrow(refused);
    expect(() => execSync(`${python} -c ''`)).toThrow(refused);
    expect(() => exec(`cd /tmp && ${python} -c ''`, () => {})).toThrow(refused);
    expect(() => promisify(execFile)(python, ['-c', ''])).toThrow(refused);
  });

  it('other commands still run', () => {
    expect(spawnSync(process.execPath, ['-e', 'process.stdout.write("node")'], { encoding: 'utf8' }).stdout).toBe('node');
    expect(execSync('echo pythonic-but-not-python', { encoding: 'utf8' })).toBe('pythonic-but-not-python\n');
  });

  it('exec and execFile still promisify to { stdout, stderr }', async () => {
    expect(await promisify(execFile)(process.execPath, ['-e', 'process.stdout.write("node")'])).toEqual({ stdout: 'node', stderr: '' });
    expect(await promisify(exec)('echo shell')).toEqual({ stdout: 'shell\n', stderr: '' });
  });
});

// V8 flags are set only where a probe needs them: Node 20 compiles relaxed SIMD only behind
// --experimental-wasm-relaxed-simd, Node ≥ 22 has it on and prints an error for the flag it no longer knows.
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { withV8Flag } from '../src/engine/features.js';

const v8 = process.getBuiltinModule('node:v8');
afterEach(() => vi.restoreAllMocks());

describe('withV8Flag', () => {
  it('sets no flag where the probe passes', () => {
    const set = vi.spyOn(v8, 'setFlagsFromString').mockImplementation(() => {});
    expect(withV8Flag('--some-flag', () => true)).toBe(true);
    expect(set).not.toHaveBeenCalled();
  });

  it('sets the flag once where the probe fails, and answers with the probe run again', () => {
    const set = vi.spyOn(v8, 'setFlagsFromString').mockImplementation(() => {});
    const answers = [false, true];
    expect(withV8Flag('--some-flag', () => answers.shift()!)).toBe(true);
    expect(set.mock.calls).toEqual([['--some-flag']]);
    expect(withV8Flag('--other-flag', () => false)).toBe(false);
    expect(set.mock.calls).toEqual([['--some-flag'], ['--other-flag']]);
  });

  it('answers false without node:v8 (a browser)', () => {
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined);
    expect(withV8Flag('--some-flag', () => false)).toBe(false);
  });
});

/** A fresh Node (this one) creating a relaxed-SIMD engine from the built library, its V8 flags recorded. */
const child = `
import { readFileSync } from 'node:fs';
const v8 = process.getBuiltinModule('node:v8');
const flags = [];
const set = v8.setFlagsFromString;
v8.setFlagsFromString = (flag) => { flags.push(flag); set(flag); };
const nativeRelaxed = WebAssembly.validate(readFileSync(${JSON.stringify(resolve('build/heavyball-relaxed.wasm'))}));
const { createEngine } = await import(${JSON.stringify(resolve('dist/index.js'))});
const engine = await createEngine({ simd: 'relaxed' });
console.log(JSON.stringify({ nativeRelaxed, flags, simd: engine.simd }));
`;

describe(`an engine in Node ${process.version}`, () => {
  it('runs relaxed SIMD, sets the flag only if this Node lacks it, and prints nothing to stderr', async () => {
    await access(resolve('dist/index.js'));
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((done, fail) => {
      execFile(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' },
        (error, stdout, stderr) => (error ? fail(error) : done({ stdout, stderr })));
    });
    expect(stderr).toBe('');
    const { nativeRelaxed, flags, simd } = JSON.parse(stdout);
    expect(simd).toBe('relaxed');
    expect(flags).toEqual(nativeRelaxed ? [] : ['--experimental-wasm-relaxed-simd']);
  });
});

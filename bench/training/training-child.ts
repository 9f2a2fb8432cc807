// A training child process: one configuration, so its peak RSS is its own. Started by the training
// suite as `training-child.mjs <trainer name> <time|breakdown>`; answers its requests over IPC.
import { readFileSync } from 'node:fs';
import { heavyballTrainer } from './heavyball-trainer.js';
import type { ChildMode, Reply, Request, TrainerName } from './protocol.js';
import { tfjsTrainer } from './tfjs-trainer.js';
import type { Trainer } from './trainer.js';

const name = process.argv[2] as TrainerName;
const mode = process.argv[3] as ChildMode;

function send(reply: Reply): Promise<void> {
  return new Promise((resolve) => process.send!(reply, () => resolve()));
}

async function answer(trainer: Trainer, request: Request): Promise<Reply> {
  switch (request.type) {
    case 'run':
      return { type: 'ran', ...(await trainer.run(request.steps)) };
    case 'breakdown':
      if (!trainer.breakdown) throw new Error(`${name} has no breakdown`);
      return { type: 'breakdown', ...(await trainer.breakdown(request.warmupSteps, request.steps)) };
    case 'evaluate':
      return { type: 'evaluated', accuracy: trainer.evaluate() };
    case 'exit':
      return { type: 'exiting', maxRssBytes: peakRssBytes() };
  }
}

/**
 * This process's own peak resident memory. Linux carries a process's maxRSS across exec, so after fork
 * + exec the child's `resourceUsage().maxRSS` is at least the parent's RSS at the fork (the benchmark
 * process holds every operand by then); VmHWM belongs to the new address space only.
 */
function peakRssBytes(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024; // KiB on Linux and macOS through libuv
}

try {
  const trainer = name === 'tf.js wasm' ? await tfjsTrainer() : await heavyballTrainer(name, mode === 'breakdown');
  let queue = Promise.resolve();
  process.on('message', (request: Request) => {
    queue = queue.then(async () => {
      try {
        await send(await answer(trainer, request));
      } catch (error) {
        await send({ type: 'error', message: (error as Error).stack ?? String(error) });
      }
      if (request.type === 'exit') process.exit(0);
    });
  });
  await send({ type: 'ready', available: trainer.available, note: trainer.note });
} catch (error) {
  await send({ type: 'error', message: (error as Error).stack ?? String(error) });
  process.exit(1);
}

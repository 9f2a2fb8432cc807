// A training child process: one configuration, so its peak RSS is its own. Started by the training
// suite as `training-child.mjs <trainer name> <time|breakdown>`; answers its requests over IPC.
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
      // maxRSS is in KiB (the same on Linux and macOS through libuv).
      return { type: 'exiting', maxRssBytes: process.resourceUsage().maxRSS * 1024 };
  }
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

import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildMode, Reply, Request, TrainerName } from './protocol.js';

/** A training child process and its request/reply channel (one request at a time). */
export class TrainingChild {
  private pending: { resolve(reply: Reply): void; reject(error: Error): void } | null = null;
  private exited: Error | null = null;

  private constructor(readonly name: TrainerName, private readonly child: ChildProcess) {
    child.on('message', (reply: Reply) => {
      const pending = this.pending;
      this.pending = null;
      if (!pending) return;
      if (reply.type === 'error') pending.reject(new Error(`${name}: ${reply.message}`));
      else pending.resolve(reply);
    });
    child.on('exit', (code, signal) => {
      this.exited = new Error(`${name}: the training process exited (${signal ?? `code ${code}`})`);
      this.pending?.reject(this.exited);
      this.pending = null;
    });
  }

  /** Starts `script` for `name` and waits until it has loaded the data and built its model. */
  static async start(script: URL, name: TrainerName, mode: ChildMode): Promise<{ child: TrainingChild; ready: Extract<Reply, { type: 'ready' }> }> {
    // Default V8 flags (no --no-liftoff): training runs as an application would. stdout is the
    // parent's markdown report, so the child's output goes to stderr.
    const child = new TrainingChild(name, fork(fileURLToPath(script), [name, mode], { stdio: ['ignore', 2, 2, 'ipc'], execArgv: [] }));
    const ready = await child.next();
    if (ready.type !== 'ready') throw new Error(`${name}: expected ready, got ${ready.type}`);
    return { child, ready };
  }

  request<T extends Reply['type']>(request: Request, expect: T): Promise<Extract<Reply, { type: T }>> {
    this.child.send(request);
    return this.next().then((reply) => {
      if (reply.type !== expect) throw new Error(`${this.name}: expected ${expect}, got ${reply.type}`);
      return reply as Extract<Reply, { type: T }>;
    });
  }

  /** Asks the child for its peak RSS and to exit. */
  async exit(): Promise<number> {
    const reply = await this.request({ type: 'exit' }, 'exiting');
    return reply.maxRssBytes;
  }

  kill(): void {
    if (!this.exited) this.child.kill();
  }

  private next(): Promise<Reply> {
    if (this.exited) return Promise.reject(this.exited);
    return new Promise((resolve, reject) => (this.pending = { resolve, reject }));
  }
}

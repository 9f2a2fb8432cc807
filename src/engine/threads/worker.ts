// The body of every kernel worker. It runs in another realm (a worker_threads Worker or a Web Worker)
// from its source text (`workerSource`), so it refers to nothing outside itself: no imports, no
// closures; the layout constants repeat those of control.ts (a test checks they agree).

/** Messages a worker posts once, after its first message (the module, memory and its control slot). */
export type WorkerHello = { ready: true } | { ready: false; error: string };

export interface WorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  slot: number;
  kernelNames: readonly string[];
}

function kernelWorker(receive: (handler: (start: WorkerStart) => void) => void, send: (hello: WorkerHello) => void,
  close: () => void): void {
  const SLOT_BYTES = 1024, POSTED = 0, DONE = 1, KERNEL = 2, ARGC = 3, STATUS = 4, MESSAGE_LENGTH = 5, CLAIMED = 6;
  const FINISHED_AT_OFFSET = 32, ARGS_OFFSET = 64, MAX_ARGS = 20, MESSAGE_OFFSET = ARGS_OFFSET + MAX_ARGS * 8;
  const WORKER_POLL_US = 60;
  const MESSAGE_BYTES = SLOT_BYTES - MESSAGE_OFFSET;
  receive(({ module, memory, control, slot, kernelNames }) => {
    let kernels: ((...args: number[]) => unknown)[];
    try {
      const imports: Record<string, Record<string, unknown>> = {};
      for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
        imports[from] ??= {};
        imports[from]![name] = kind === 'memory' ? memory : () => {
          throw new Error(`the kernel module called its import ${from}.${name}`);
        };
      }
      const exports = new WebAssembly.Instance(module, imports as WebAssembly.Imports).exports;
      kernels = kernelNames.map((name) => exports[name] as (...args: number[]) => unknown);
    } catch (error) {
      send({ ready: false, error: String(error) });
      close();
      return;
    }
    const base = slot * SLOT_BYTES;
    const ints = new Int32Array(control, base, ARGS_OFFSET / 4);
    const args = new Float64Array(control, base + ARGS_OFFSET, MAX_ARGS);
    const finishedAt = new Float64Array(control, base + FINISHED_AT_OFFSET, 1);
    const message = new Uint8Array(control, base + MESSAGE_OFFSET, MESSAGE_BYTES);
    const call: number[] = [];
    // Nothing has been posted before the pool hears `ready`, so the first job to wait for is the first
    // after 0 (reading POSTED here instead would race with a job posted as soon as `ready` arrives).
    let seen = 0;
    send({ ready: true });
    for (;;) {
      // The clock read every 64 loads, as in the pool's join: each read may allocate a number.
      for (let spins = 1, until = performance.now() + WORKER_POLL_US / 1000;
        Atomics.load(ints, POSTED) === seen && ((spins++ & 63) !== 0 || performance.now() < until););
      Atomics.wait(ints, POSTED, seen);
      const posted = Atomics.load(ints, POSTED);
      if (posted === seen) continue;
      seen = posted;
      // The caller runs a job itself when it has done its own share before this worker started: claim the
      // job first, and leave it if the caller has (sequence numbers grow, and wrap, as int32).
      const claimed = Atomics.load(ints, CLAIMED);
      if (((posted - claimed) | 0) <= 0 || Atomics.compareExchange(ints, CLAIMED, claimed, posted) !== claimed) continue;
      const kernel = ints[KERNEL]!;
      if (kernel < 0) break;
      call.length = ints[ARGC]!;
      for (let i = 0; i < call.length; i++) call[i] = args[i]!;
      try {
        kernels[kernel]!.apply(undefined, call);
        ints[STATUS] = 0;
      } catch (error) {
        const bytes = new TextEncoder().encode(String(error)).subarray(0, MESSAGE_BYTES);
        message.set(bytes);
        ints[MESSAGE_LENGTH] = bytes.length;
        ints[STATUS] = 1;
      }
      finishedAt[0] = performance.timeOrigin + performance.now();
      Atomics.store(ints, DONE, seen);
      Atomics.notify(ints, DONE);
    }
    close();
  });
}

/** The worker's source text for Node (`new Worker(source, { eval: true })`). */
export function nodeWorkerSource(): string {
  // getBuiltinModule, not require: an eval'd worker inherits the parent's --input-type, which may be module.
  return `const { parentPort } = process.getBuiltinModule('node:worker_threads');
(${kernelWorker.toString()})((handler) => parentPort.once('message', handler), (hello) => parentPort.postMessage(hello),
  () => parentPort.close());`;
}

/** The worker's source text for a Web Worker (started from a Blob URL). */
export function webWorkerSource(): string {
  return `(${kernelWorker.toString()})((handler) => { self.onmessage = (event) => handler(event.data); },
  (hello) => self.postMessage(hello), () => self.close());`;
}

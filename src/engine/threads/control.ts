// The layout of the control block the caller and each worker share (a SharedArrayBuffer outside the
// kernels' memory, so it never moves when that memory grows): one slot of SLOT_BYTES per worker.
// worker.ts repeats these numbers in its own scope, because its source is sent to the worker as text.

export const SLOT_BYTES = 1024;
/** Int32 indices within a slot. */
export const POSTED = 0; // the sequence number of the job last posted to this worker
export const DONE = 1; // the sequence number of the job this worker last finished
export const KERNEL = 2; // the index of the kernel to run, in the engine's kernel list; −1 = exit
export const ARGC = 3;
export const STATUS = 4; // 0 = finished, 1 = threw (the message is at MESSAGE)
export const MESSAGE_LENGTH = 5;
export const CLAIMED = 6; // the sequence number of the job last claimed, by this worker or by the caller (which runs a job its worker has not started)
/** Byte offsets within a slot. */
export const FINISHED_AT_OFFSET = 32; // Float64: when the worker finished its last job (performance.timeOrigin + now(), ms)
export const ARGS_OFFSET = 64; // Float64 × MAX_ARGS
export const MAX_ARGS = 20;
export const MESSAGE_OFFSET = ARGS_OFFSET + MAX_ARGS * 8;
export const MESSAGE_BYTES = SLOT_BYTES - MESSAGE_OFFSET;
/**
 * After a job, how long a worker watches for the next before it sleeps in Atomics.wait (µs): a worker
 * woken from its sleep starts 10–70 µs late, and the longest stretch of a training step the caller runs
 * alone (the reference MLP's last layer and its loss) takes about 30 µs. Short, so that a worker whose
 * caller has gone idle is asleep at once.
 */
export const WORKER_POLL_US = 60;

import type { Engine } from '../engine/engine.js';

type ViewType<T> = new (buffer: ArrayBuffer, byteOffset: number, length: number) => T;

/**
 * A getter for a typed view of `length` elements at byte `ptr` of the engine's memory, re-created only
 * when the memory's buffer has been replaced (it grew), so reading it in a loop allocates nothing.
 */
export function liveView<T extends Float32Array | Int32Array | Uint8Array>(
  engine: Engine, Type: ViewType<T>, ptr: number, length: number,
): () => T {
  let view: T | undefined;
  return () => {
    const buffer = engine.buffer;
    if (view?.buffer !== buffer) view = new Type(buffer, ptr, length);
    return view;
  };
}

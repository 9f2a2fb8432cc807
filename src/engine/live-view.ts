type ViewType<T> = new (buffer: ArrayBuffer, byteOffset: number, length?: number) => T;

/**
 * A getter for a typed view of `length` elements (default: to the end) at byte `ptr` of `memory`'s
 * buffer, re-created only when the buffer has been replaced (the memory grew and the old one detached),
 * so reading it in a loop allocates nothing. Never keep the view itself across an allocation.
 */
export function liveView<T extends Float32Array | Int32Array | Uint32Array | Uint8Array>(
  memory: { readonly buffer: ArrayBuffer }, Type: ViewType<T>, ptr = 0, length?: number,
): () => T {
  let view: T | undefined;
  return () => {
    const buffer = memory.buffer;
    if (view?.buffer !== buffer) view = new Type(buffer, ptr, length);
    return view;
  };
}

import { liveView } from '../live-view.js';

/** Typed views over the JS backend's whole memory, current even after it grew. */
export interface Heap {
  readonly f32: Float32Array;
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
}

export function heapOf(memory: { readonly buffer: ArrayBuffer }): Heap {
  const [f32, i32, u8] = [liveView(memory, Float32Array), liveView(memory, Int32Array), liveView(memory, Uint8Array)];
  return {
    get f32() { return f32(); },
    get i32() { return i32(); },
    get u8() { return u8(); },
  };
}

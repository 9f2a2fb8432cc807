/** Linear memory that can grow; `buffer` may be replaced by a new ArrayBuffer after `grow`. */
export interface GrowableMemory {
  readonly buffer: ArrayBuffer;
  /** Grow to at least `bytes` bytes in total, or throw. */
  growTo(bytes: number): void;
}

const PAGE = 65536;

/** A WebAssembly.Memory, grown page-wise. */
export class WasmMemory implements GrowableMemory {
  constructor(readonly memory: WebAssembly.Memory) {}

  get buffer(): ArrayBuffer {
    return this.memory.buffer;
  }

  growTo(bytes: number): void {
    const pages = Math.ceil(bytes / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (pages > 0) this.memory.grow(pages);
  }
}

/** The js backend's memory: an ArrayBuffer replaced by a larger copy when it grows, as wasm's detaches. */
export class ArrayBufferMemory implements GrowableMemory {
  private current: ArrayBuffer;

  constructor(bytes: number) {
    this.current = new ArrayBuffer(bytes);
  }

  get buffer(): ArrayBuffer {
    return this.current;
  }

  growTo(bytes: number): void {
    if (bytes <= this.current.byteLength) return;
    const next = new ArrayBuffer(Math.ceil(bytes / PAGE) * PAGE);
    new Uint8Array(next).set(new Uint8Array(this.current));
    this.current = next;
  }
}

import type { GrowableMemory } from './memory.js';

export const ALIGN = 16;
/** wasm32 addresses 4 GiB at most. */
export const WASM32_LIMIT = 2 ** 32;

interface FreeBlock {
  ptr: number;
  bytes: number;
}

const alignUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;

/**
 * First-fit arena over a growable linear memory: 16-byte-aligned blocks, a bump pointer at the top and
 * a sorted free list below it whose neighbours coalesce. Every block is zero-filled when handed out.
 */
export class Arena {
  private top: number;
  private readonly free_: FreeBlock[] = [];
  private readonly sizes = new Map<number, number>();

  constructor(private readonly memory: GrowableMemory, base: number, private readonly limit: number) {
    this.top = alignUp(Math.max(base, ALIGN));
  }

  /** Bytes handed out and not yet freed. */
  get bytesInUse(): number {
    let total = 0;
    for (const bytes of this.sizes.values()) total += bytes;
    return total;
  }

  alloc(requested: number): number {
    if (!Number.isSafeInteger(requested) || requested < 0) {
      throw new RangeError(`cannot allocate ${requested} bytes: the size must be a non-negative integer`);
    }
    const bytes = alignUp(Math.max(requested, 1));
    const ptr = this.takeFree(bytes) ?? this.bump(bytes, requested);
    this.sizes.set(ptr, bytes);
    new Uint8Array(this.memory.buffer, ptr, bytes).fill(0);
    return ptr;
  }

  free(ptr: number): void {
    const bytes = this.sizes.get(ptr);
    if (bytes === undefined) throw new Error(`free(${ptr}): not a live block of this arena`);
    this.sizes.delete(ptr);
    this.insertFree({ ptr, bytes });
  }

  sizeOf(ptr: number): number | undefined {
    return this.sizes.get(ptr);
  }

  private takeFree(bytes: number): number | undefined {
    const i = this.free_.findIndex((b) => b.bytes >= bytes);
    if (i < 0) return undefined;
    const block = this.free_[i];
    const ptr = block.ptr;
    if (block.bytes === bytes) this.free_.splice(i, 1);
    else {
      block.ptr += bytes;
      block.bytes -= bytes;
    }
    return ptr;
  }

  private bump(bytes: number, requested: number): number {
    const end = this.top + bytes;
    if (end > this.limit) {
      throw new RangeError(
        `cannot allocate ${requested} bytes: the arena would need ${end} bytes, over its limit of ${this.limit}`);
    }
    if (end > this.memory.buffer.byteLength) {
      const target = Math.min(this.limit, Math.max(end, this.memory.buffer.byteLength * 1.5));
      try {
        this.memory.growTo(target);
      } catch {
        try {
          this.memory.growTo(end);
        } catch (cause) {
          throw new RangeError(`cannot allocate ${requested} bytes: memory could not grow to ${end} bytes`, { cause });
        }
      }
    }
    const ptr = this.top;
    this.top = end;
    return ptr;
  }

  private insertFree(block: FreeBlock): void {
    let i = this.free_.findIndex((b) => b.ptr > block.ptr);
    if (i < 0) i = this.free_.length;
    this.free_.splice(i, 0, block);
    const next = this.free_[i + 1];
    if (next && block.ptr + block.bytes === next.ptr) {
      block.bytes += next.bytes;
      this.free_.splice(i + 1, 1);
    }
    const prev = this.free_[i - 1];
    if (prev && prev.ptr + prev.bytes === block.ptr) {
      prev.bytes += block.bytes;
      this.free_.splice(i, 1);
      block = prev;
    }
    if (block.ptr + block.bytes === this.top) {
      this.top = block.ptr;
      this.free_.pop();
    }
  }
}

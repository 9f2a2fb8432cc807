import type { Engine } from './engine.js';

/**
 * A float32 tensor in the engine's memory with its gradient beside it. `data` and `grad` are live views:
 * re-read them after anything that may allocate, never keep one across an allocation.
 */
export class Parameter {
  private views?: { buffer: ArrayBuffer; data: Float32Array; grad: Float32Array };

  constructor(
    readonly engine: Engine,
    readonly dataPtr: number,
    readonly gradPtr: number,
    readonly shape: readonly number[],
    readonly name = '',
  ) {}

  get size(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  get data(): Float32Array {
    return this.current().data;
  }

  get grad(): Float32Array {
    return this.current().grad;
  }

  private current() {
    const buffer = this.engine.buffer;
    if (this.views?.buffer !== buffer) {
      this.views = {
        buffer,
        data: new Float32Array(buffer, this.dataPtr, this.size),
        grad: new Float32Array(buffer, this.gradPtr, this.size),
      };
    }
    return this.views;
  }
}

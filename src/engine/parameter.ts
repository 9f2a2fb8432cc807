import type { Engine } from './engine.js';

/**
 * A float32 tensor in the engine's memory with its gradient beside it. `data` and `grad` are live views:
 * re-read them after anything that may allocate, never keep one across an allocation.
 */
export class Parameter {
  private views?: { buffer: ArrayBuffer; data: Float32Array; grad: Float32Array };
  private isReleased = false;

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

  /** True once the memory was freed (its model disposed): data, grad and optimizers over it then throw. */
  get released(): boolean {
    return this.isReleased || this.engine.disposed;
  }

  /** Called by the parameter's owner when it frees the memory. */
  release(): void {
    this.isReleased = true;
    this.views = undefined;
  }

  /** Throws if the parameter's memory was freed. */
  assertLive(): void {
    if (this.released) {
      const what = this.name ? `parameter '${this.name}'` : `a parameter [${this.shape.join(', ')}]`;
      throw new Error(`${what} was freed: its ${this.engine.disposed ? 'engine' : 'model'} has been disposed`);
    }
  }

  get data(): Float32Array {
    return this.current().data;
  }

  get grad(): Float32Array {
    return this.current().grad;
  }

  private current() {
    this.assertLive();
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

import type { Engine } from './engine.js';
import { liveView } from './live-view.js';

/**
 * A float32 tensor in the engine's memory with its gradient beside it. `data` and `grad` are live views:
 * re-read them after anything that may allocate, never keep one across an allocation.
 */
export class Parameter {
  private readonly dataView: () => Float32Array;
  private readonly gradView: () => Float32Array;
  private isReleased = false;

  constructor(
    readonly engine: Engine,
    readonly dataPtr: number,
    readonly gradPtr: number,
    readonly shape: readonly number[],
    readonly name = '',
  ) {
    this.dataView = liveView(engine, Float32Array, dataPtr, this.size);
    this.gradView = liveView(engine, Float32Array, gradPtr, this.size);
  }

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
  }

  /** Throws if the parameter's memory was freed. */
  assertLive(): void {
    if (this.released) {
      const what = this.name ? `parameter '${this.name}'` : `a parameter [${this.shape.join(', ')}]`;
      throw new Error(`${what} was freed: its ${this.engine.disposed ? 'engine' : 'model'} has been disposed`);
    }
  }

  get data(): Float32Array {
    this.assertLive();
    return this.dataView();
  }

  get grad(): Float32Array {
    this.assertLive();
    return this.gradView();
  }
}

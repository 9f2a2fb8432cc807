import { checkBatchRange, gatherBatch, gatherLabels } from '../data/batches.js';
import type { Dataset } from '../data/dataset.js';
import type { Engine } from '../engine/engine.js';
import type { Alloc, Shape } from './layer.js';
import { sizeOf } from './layer.js';
import { liveView } from './live-view.js';
import { ResidentDataset } from './resident-dataset.js';

/**
 * Up to `capacity` examples and their labels in the engine's memory, where a model reads them: the
 * float inputs (NCHW rows of `shape`), the u8 labels, and a u8 staging area images are gathered into
 * and scaled from (÷ 255) by a kernel. `rows` is how many it holds now. A model has one (`model.batch`);
 * `new Batch(engine, model.inputShape, capacity)` makes another, for `trainStep` or `model.lossAndBackward`.
 */
export class Batch {
  readonly size: number;
  readonly inputs: number;
  readonly labels: number;
  private readonly staged: number;
  /** The u32 example indices of a batch gathered from a ResidentDataset. */
  private readonly indices: number;
  private heldRows = 0;
  /** The blocks to free on dispose, when the batch allocated them itself. */
  private readonly own: number[] = [];
  private readonly views: { indices: () => Uint32Array; staged: () => Uint8Array; labels: () => Uint8Array; inputs: () => Float32Array };

  constructor(readonly engine: Engine, readonly shape: Shape, readonly capacity: number, alloc?: Alloc) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isSafeInteger(d) && d >= 1)) {
      throw new RangeError(`shape must be a non-empty list of positive integers, got ${JSON.stringify(shape)}`);
    }
    alloc ??= (bytes) => {
      const ptr = engine.alloc(bytes);
      this.own.push(ptr);
      return ptr;
    };
    this.size = sizeOf(shape);
    this.staged = alloc(capacity * this.size);
    this.labels = alloc(capacity);
    this.inputs = alloc(capacity * this.size * 4);
    this.indices = alloc(capacity * 4);
    this.views = {
      indices: liveView(engine, Uint32Array, this.indices, capacity),
      staged: liveView(engine, Uint8Array, this.staged, capacity * this.size),
      labels: liveView(engine, Uint8Array, this.labels, capacity),
      inputs: liveView(engine, Float32Array, this.inputs, capacity * this.size),
    };
  }

  /** Examples held now. */
  get rows(): number {
    return this.heldRows;
  }

  /** Live view of the u8 image staging area (capacity × size); `scaleStaged` turns its first rows into inputs. */
  get stagedImages(): Uint8Array {
    return this.views.staged();
  }

  /** Live view of the u8 labels (capacity). */
  get stagedLabels(): Uint8Array {
    return this.views.labels();
  }

  /** Live view of the float inputs (capacity × size). */
  get inputValues(): Float32Array {
    return this.views.inputs();
  }

  /**
   * Holds the examples `order[start]` … `order[end − 1]` of `data`, scaled to [0, 1]: from a Dataset
   * gathered as bytes, then scaled; from a ResidentDataset (of this engine) gathered and scaled in one
   * kernel, on every thread. Returns the rows.
   */
  gather(data: Dataset | ResidentDataset, order: ArrayLike<number>, start: number, end: number): number {
    if (!(data instanceof ResidentDataset)) {
      const n = gatherBatch(data, order, start, end, this.stagedImages, this.stagedLabels);
      this.scaleStaged(n);
      return n;
    }
    if (data.engine !== this.engine) throw new RangeError('the ResidentDataset was copied into another engine than this batch\'s');
    if (data.disposed) throw new Error('the ResidentDataset has been disposed');
    const { rows, cols } = data.data;
    if (rows * cols !== this.size) throw new RangeError(`the dataset's images have ${rows * cols} values, the batch's rows ${this.size}`);
    checkBatchRange(order, start, end);
    this.checkRows(end - start);
    const n = gatherLabels(data.data, order, start, end, this.stagedLabels, this.views.indices());
    this.engine.kernels.gatherScaleU8(n, this.size, this.indices, data.images, this.inputs, 255);
    this.heldRows = n;
    return n;
  }

  /** Inputs ← the first n staged images / 255, inside linear memory; the batch then holds n rows. */
  scaleStaged(n: number): void {
    this.checkRows(n);
    this.engine.kernels.normalizeU8(n * this.size, this.staged, this.inputs, 255);
    this.heldRows = n;
  }

  /** Holds n rows of `inputs` (u8 images are divided by 255, floats are copied) and their labels. */
  load(inputs: Uint8Array | Float32Array, labels: Uint8Array | undefined, n: number): void {
    this.checkRows(n);
    if (labels !== undefined) {
      if (!(labels instanceof Uint8Array) || labels.length < n) throw new RangeError(`labels must be a Uint8Array of at least ${n} entries`);
      this.stagedLabels.set(labels.subarray(0, n));
    }
    if (inputs instanceof Float32Array) {
      this.inputValues.set(inputs.subarray(0, n * this.size));
      this.heldRows = n;
    } else {
      this.stagedImages.set(inputs.subarray(0, n * this.size));
      this.scaleStaged(n);
    }
  }

  private checkRows(n: number): void {
    if (!Number.isSafeInteger(n) || n < 1 || n > this.capacity) {
      throw new RangeError(`a batch must have 1 to maxBatch = ${this.capacity} rows, got ${n}`);
    }
  }

  /** Frees what the batch allocated itself (a model's own batch goes with the model). */
  dispose(): void {
    if (!this.engine.disposed) for (const ptr of this.own.splice(0)) this.engine.free(ptr);
  }
}

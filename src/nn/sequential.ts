import type { Engine } from '../engine/engine.js';
import { Parameter } from '../engine/parameter.js';
import { checkArray, checkInteger, checkOneOf } from '../check.js';
import { checkState, Random } from '../random.js';
import { Batch } from './batch.js';
import { checkLayer, type LayerSpec, planLayer } from './layers.js';
import type { DropoutNode } from './layers/dropout.js';
import { type Alloc, type LayerPlan, type Node, type Shape, sizeOf, type Source } from './layer.js';
import { liveView } from './live-view.js';
import { createLoss, type Loss, type LossName, lossNames } from './losses.js';

export interface SequentialOptions {
  /** Seeds the initial weights and the dropout masks (default 0). */
  seed?: number;
  /** The most rows one forward/backward pass handles; every buffer is sized for it (default 128). */
  maxBatch?: number;
  /** Default 'cross-entropy' (softmax + cross-entropy on the logits); 'mse' against one-hot labels. */
  loss?: LossName;
  /**
   * The shape of one input: [features], or [channels, height, width] for conv layers; or a dataset,
   * whose rows × cols images give [first conv's inChannels, rows, cols] (or [rows·cols] before a
   * linear layer). Default: [inFeatures] of a first linear layer.
   */
  inputShape?: Shape | { rows: number; cols: number };
}

/**
 * Layers applied in order, as PyTorch's nn.Sequential, over one static memory plan made here: all
 * parameters in one block (0.weight, 0.bias, 2.weight, … packed tightly in layer order, so an
 * optimizer updates them in one fused call), their gradients in a second block in the same order,
 * and the activations, their gradients, the layers' own buffers and the input batch for `maxBatch`
 * rows. Nothing is allocated after construction.
 */
export function sequential(engine: Engine, layers: readonly LayerSpec[], options: SequentialOptions = {}): Sequential {
  return new Sequential(engine, layers, options);
}

export class Sequential {
  /** The layer descriptions (plain data, e.g. for a checkpoint's architecture). */
  readonly layers: readonly LayerSpec[];
  readonly inputShape: Shape;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly maxBatch: number;
  readonly seed: number;
  readonly loss: LossName;
  /** The input batch `fit`, `evaluate` and the step API read and write. */
  readonly batch: Batch;
  private readonly params: Parameter[] = [];
  private readonly nodes: Node[] = [];
  /** The dropout layers' generators, in layer order. */
  private readonly dropoutRngs: Random[] = [];
  private readonly blocks: number[] = [];
  /** The model's input: the batch being run (its inputs pointer is set before each run). */
  private readonly input: { shape: Shape; size: number; out: number; dOut: number };
  private labels = 0;
  private readonly classes: number;
  private readonly lossFn: Loss;
  private readonly views: { output: () => Float32Array; classes: () => Int32Array };
  private isTraining = true;
  private isDisposed = false;

  constructor(readonly engine: Engine, layers: readonly LayerSpec[], options: SequentialOptions = {}) {
    const { seed = 0, maxBatch = 128, loss = 'cross-entropy' } = options;
    const rng = new Random(seed);
    const initRng = rng.fork();
    const dropoutRng = rng.fork();
    checkInteger('maxBatch', maxBatch, 1);
    checkOneOf('loss', loss, lossNames);
    const specs = checkLayers(layers);
    this.layers = specs;
    this.seed = seed;
    this.maxBatch = maxBatch;
    this.loss = loss;
    this.inputShape = Object.freeze([...inputShapeOf(specs, options.inputShape)]);
    this.inputSize = sizeOf(this.inputShape);
    // The plan: every shape checked before anything is allocated.
    const plans: LayerPlan[] = [];
    let shape = this.inputShape;
    specs.forEach((spec, i) => {
      plans.push(planLayer(spec, shape, i));
      shape = plans[i]!.output;
    });
    if (shape.length !== 1) throw new RangeError(`the last layer gives [${shape.join(', ')}] per example; the loss needs [classes] (flatten() it)`);
    this.outputSize = shape[0]!;

    const alloc: Alloc = (bytes) => {
      const ptr = engine.alloc(bytes);
      this.blocks.push(ptr);
      return ptr;
    };
    try {
      this.allocParameters(plans, alloc);
      this.batch = new Batch(engine, this.inputShape, maxBatch, alloc);
      this.classes = alloc(maxBatch * 4);
      this.input = { shape: this.inputShape, size: this.inputSize, out: this.batch.inputs, dOut: 0 };
      this.labels = this.batch.labels;
      let x: Source = this.input;
      let p = 0;
      plans.forEach((plan, i) => {
        const [weight, bias] = plan.params ? [this.params[p++], this.params[p++]] : [];
        const node = plan.build({
          engine, input: x, maxBatch, alloc, weight, bias,
          fuseRelu: plan.fusesRelu === true && specs[i + 1]?.type === 'relu',
          reluFused: specs[i]!.type === 'relu' && plans[i - 1]?.fusesRelu === true,
          random: () => {
            const own = dropoutRng.fork();
            this.dropoutRngs.push(own);
            return own;
          },
        });
        this.nodes.push(node);
        x = { shape: plan.output, size: sizeOf(plan.output), out: node.out, dOut: node.dOut };
      });
      this.lossFn = createLoss(loss, engine, this.outputSize, maxBatch, alloc);
    } catch (error) {
      if (!engine.disposed) for (const ptr of this.blocks) engine.free(ptr);
      throw error;
    }
    let p = 0;
    for (const plan of plans) {
      if (!plan.params) continue;
      plan.init!(this.params[p]!.data, this.params[p + 1]!.data, initRng);
      p += 2;
    }
    this.views = {
      output: liveView(engine, Float32Array, this.last.out, maxBatch * this.outputSize),
      classes: liveView(engine, Int32Array, this.classes, maxBatch),
    };
  }

  /** The weights and biases in layer order, named as PyTorch's state dict ('0.weight', '0.bias', …), adjacent in memory. */
  parameters(): Parameter[] {
    this.assertLive();
    return [...this.params];
  }

  get training(): boolean {
    return this.isTraining;
  }

  /** Training mode (the default): dropout is active. */
  train(mode = true): this {
    this.isTraining = mode;
    return this;
  }

  /** Evaluation mode: dropout is the identity. */
  eval(): this {
    return this.train(false);
  }

  /** Outputs for the first `n` rows of `x` (n × inputSize floats), in the current mode: a new n × outputSize array. */
  forward(x: Float32Array, n = Math.floor(x.length / this.inputSize)): Float32Array {
    this.checkInputs(x, n);
    const result = new Float32Array(n * this.outputSize);
    for (let start = 0; start < n; start += this.maxBatch) {
      const rows = Math.min(this.maxBatch, n - start);
      this.batch.load(x.subarray(start * this.inputSize, (start + rows) * this.inputSize), undefined, rows);
      this.use(rows);
      this.run(rows, this.isTraining);
      result.set(this.views.output().subarray(0, rows * this.outputSize), start * this.outputSize);
    }
    return result;
  }

  /** The class (argmax of the outputs) of each of the first `n` inputs, dropout off; u8 images are divided by 255. */
  predict(inputs: Uint8Array | Float32Array, n = Math.floor(inputs.length / this.inputSize)): Int32Array {
    this.checkInputs(inputs, n);
    const result = new Int32Array(n);
    for (let start = 0; start < n; start += this.maxBatch) {
      const rows = Math.min(this.maxBatch, n - start);
      this.batch.load(inputs.subarray(start * this.inputSize, (start + rows) * this.inputSize), undefined, rows);
      this.use(rows);
      this.run(rows, false);
      this.engine.kernels.argmaxRows(rows, this.outputSize, this.last.out, this.classes);
      result.set(this.views.classes().subarray(0, rows), start);
    }
    return result;
  }

  // The step API `trainStep`, `fit` and `evaluate` use: a batch in `model.batch`, then kernel calls on fixed buffers.

  /** Live view of the batch's u8 image staging area (maxBatch × inputSize); `loadStaged` scales it. */
  get stagedImages(): Uint8Array {
    this.assertLive();
    return this.batch.stagedImages;
  }

  /** Live view of the batch's u8 labels (maxBatch), which the loss and accuracy read. */
  get stagedLabels(): Uint8Array {
    this.assertLive();
    return this.batch.stagedLabels;
  }

  /** Input rows ← staged images / 255, inside linear memory. */
  loadStaged(n: number): void {
    this.assertLive();
    this.batch.scaleStaged(n);
  }

  /** Stages n rows of inputs (u8 images are divided by 255, floats are copied) and their labels. */
  loadBatch(inputs: Uint8Array | Float32Array, labels: Uint8Array, n: number): void {
    this.checkInputs(inputs, n);
    this.batch.load(inputs, labels, n);
  }

  /**
   * Forward on a batch in the current mode, the loss, then the gradients: on all rows `batch` holds, or on
   * the first n rows of `model.batch`. They are added into every parameter's `grad`, as PyTorch; with
   * `gradients: 'overwrite'` they are written over it, as if it had been zeroed first (the same bits,
   * without a pass over the gradients: what `trainStep` uses when its optimizer updates every parameter).
   */
  lossAndBackward(rows: number | Batch = this.batch, gradients: 'accumulate' | 'overwrite' = 'accumulate'): number {
    const n = this.use(rows);
    this.run(n, this.isTraining);
    const loss = this.lossFn.compute(n, this.last.out, this.labels, this.last.dOut);
    const overwrite = gradients === 'overwrite';
    for (let i = this.nodes.length - 1; i >= 0; i--) this.nodes[i]!.backward(n, overwrite);
    return loss;
  }

  /** Forward on a batch (as lossAndBackward) in the current mode and its loss, without gradients. */
  lossOnly(rows: number | Batch = this.batch): number {
    const n = this.use(rows);
    this.run(n, this.isTraining);
    return this.lossFn.compute(n, this.last.out, this.labels, 0);
  }

  /** How many rows of the last forward have their label as argmax (its batch, or its first n rows). */
  correctCount(rows: number | Batch = this.batch): number {
    const n = typeof rows === 'number' ? this.checkRows(rows) : this.checkRows(rows.rows);
    return this.engine.kernels.accuracyCount(n, this.outputSize, this.last.out, this.labels);
  }

  /** The dropout mask of layer `index` from the last training forward (live view; for inspection and tests). */
  dropoutMask(index: number): Float32Array {
    this.assertLive();
    if (this.layers[index]?.type !== 'dropout') throw new RangeError(`layer ${index} is not a dropout layer`);
    return (this.nodes[index] as DropoutNode).mask;
  }

  /** The state of each dropout layer's generator, in layer order (empty without dropout): where its masks go on. */
  randomState(): number[] {
    this.assertLive();
    return this.dropoutRngs.map((rng) => rng.state);
  }

  /** Throws unless `states` fits `setRandomState`: one generator state per dropout layer, as `randomState` gives. */
  checkRandomState(states: unknown): number[] {
    this.assertLive();
    const count = this.dropoutRngs.length;
    const list = checkArray('states', states).map((s, i) => checkState(`states[${i}]`, s));
    if (list.length !== count) throw new RangeError(`${list.length} dropout generator states for ${count} dropout layers`);
    return list;
  }

  /** Restores what `randomState` returned: the next masks are the ones that followed it. Checks all before setting any. */
  setRandomState(states: readonly number[]): void {
    this.checkRandomState(states).forEach((s, i) => (this.dropoutRngs[i]!.state = s));
  }

  get disposed(): boolean {
    return this.isDisposed;
  }

  /** Frees the model's memory; any later use of the model throws. */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    for (const p of this.params) p.release();
    if (!this.engine.disposed) for (const ptr of this.blocks) this.engine.free(ptr);
  }

  private get last(): Node {
    return this.nodes[this.nodes.length - 1]!;
  }

  private allocParameters(plans: readonly LayerPlan[], alloc: Alloc): void {
    const shapes: [string, number[]][] = [];
    plans.forEach((plan, i) => {
      if (plan.params) shapes.push([`${i}.weight`, plan.params.weight], [`${i}.bias`, plan.params.bias]);
    });
    const total = shapes.reduce((sum, [, shape]) => sum + sizeOf(shape), 0);
    const data = alloc(total * 4);
    const grad = alloc(total * 4);
    let offset = 0;
    for (const [name, shape] of shapes) {
      const p = new Parameter(this.engine, data + offset * 4, grad + offset * 4, shape, name);
      this.params.push(p);
      offset += p.size;
    }
  }

  private run(n: number, training: boolean): void {
    for (const node of this.nodes) node.forward(n, training);
  }

  private checkInputs(inputs: Uint8Array | Float32Array, n: number): void {
    this.assertLive();
    if (!(inputs instanceof Uint8Array || inputs instanceof Float32Array)) {
      throw new TypeError('inputs must be a Uint8Array (images, divided by 255) or a Float32Array');
    }
    if (!Number.isSafeInteger(n) || n < 0 || n * this.inputSize > inputs.length) {
      throw new RangeError(`n must be an integer in [0, ${Math.floor(inputs.length / this.inputSize)}] `
        + `(the inputs hold ${inputs.length} values, ${this.inputSize} per row), got ${n}`);
    }
  }

  private checkRows(n: number): number {
    this.assertLive();
    if (!Number.isSafeInteger(n) || n < 1 || n > this.maxBatch) {
      throw new RangeError(`a batch must have 1 to maxBatch = ${this.maxBatch} rows, got ${n}`);
    }
    return n;
  }

  /** Points the model's input and labels at `rows`' batch (model.batch for a row count); returns the rows to run. */
  private use(rows: number | Batch): number {
    const batch = typeof rows === 'number' ? this.batch : rows;
    if (!(batch instanceof Batch) || batch.engine !== this.engine) throw new TypeError('batch must be a Batch of this model\'s engine');
    if (batch.size !== this.inputSize || batch.shape.some((d, i) => d !== this.inputShape[i])) {
      throw new RangeError(`the batch holds [${batch.shape.join(', ')}] examples, the model takes [${this.inputShape.join(', ')}]`);
    }
    const n = this.checkRows(typeof rows === 'number' ? rows : batch.rows);
    this.input.out = batch.inputs;
    this.labels = batch.labels;
    return n;
  }

  private assertLive(): void {
    if (this.isDisposed) throw new Error('this model has been disposed');
  }
}

/** Checks every layer's own fields; returns frozen copies. */
function checkLayers(layers: readonly LayerSpec[]): readonly LayerSpec[] {
  if (!Array.isArray(layers) || layers.length === 0) throw new TypeError('layers must be a non-empty array of layer descriptions');
  layers.forEach(checkLayer);
  return Object.freeze(layers.map((spec) => Object.freeze({ ...spec })));
}

/** The model's input shape from the option, or from a first linear layer. */
function inputShapeOf(specs: readonly LayerSpec[], option: SequentialOptions['inputShape']): Shape {
  const first = specs[0]!;
  if (option === undefined) {
    if (first.type === 'linear') return [first.inFeatures];
    throw new RangeError(`layer 0 must be linear (it fixes the input size), or give inputShape (e.g. [1, 28, 28] before ${first.type})`);
  }
  if (Array.isArray(option)) {
    if (option.length === 0 || !option.every((d) => Number.isSafeInteger(d) && d >= 1)) {
      throw new RangeError(`inputShape must be a non-empty list of positive integers, got ${JSON.stringify(option)}`);
    }
    return option;
  }
  const { rows, cols } = option as { rows: number; cols: number };
  if (!(Number.isSafeInteger(rows) && rows >= 1 && Number.isSafeInteger(cols) && cols >= 1)) {
    throw new RangeError(`inputShape must be a shape or a dataset with positive integer rows and cols, got rows ${rows}, cols ${cols}`);
  }
  return first.type === 'conv2d' ? [first.inChannels, rows, cols] : [rows * cols];
}

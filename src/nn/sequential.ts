import type { Engine } from '../engine/engine.js';
import { Parameter } from '../engine/parameter.js';
import { Random } from '../random.js';
import { initLinear } from './init.js';
import { checkLayer, type LayerSpec, type LinearSpec } from './layers.js';
import { liveView } from './live-view.js';
import { createLoss, type Loss, type LossName, lossNames } from './losses.js';
import { activationNode, type DropoutNode, dropoutNode, fusedReluNode, linearNode, type Node, type Source } from './nodes.js';

export interface SequentialOptions {
  /** Seeds the initial weights and the dropout masks (default 0). */
  seed?: number;
  /** The most rows one forward/backward pass handles; every buffer is sized for it (default 128). */
  maxBatch?: number;
  /** Default 'cross-entropy' (softmax + cross-entropy on the logits); 'mse' against one-hot labels. */
  loss?: LossName;
}

/**
 * Layers applied in order, as PyTorch's nn.Sequential, over one static memory plan made here: all
 * parameters in one block (0.weight, 0.bias, 2.weight, … packed tightly in layer order, so an
 * optimizer updates them in one fused call), their gradients in a second block in the same order,
 * and the activations, their gradients, dropout masks and input/label staging for `maxBatch` rows.
 * Nothing is allocated after construction.
 */
export function sequential(engine: Engine, layers: readonly LayerSpec[], options: SequentialOptions = {}): Sequential {
  return new Sequential(engine, layers, options);
}

export class Sequential {
  /** The layer descriptions (plain data, e.g. for a checkpoint's architecture). */
  readonly layers: readonly LayerSpec[];
  readonly inputSize: number;
  readonly outputSize: number;
  readonly maxBatch: number;
  readonly seed: number;
  readonly loss: LossName;
  private readonly params: Parameter[] = [];
  private readonly nodes: Node[] = [];
  /** The dropout layers' generators, in layer order. */
  private readonly dropoutRngs: Random[] = [];
  private readonly blocks: number[] = [];
  private readonly staged: number;
  private readonly labels: number;
  private readonly input: number;
  private readonly classes: number;
  private readonly lossFn: Loss;
  private readonly views: {
    staged: () => Uint8Array;
    labels: () => Uint8Array;
    input: () => Float32Array;
    output: () => Float32Array;
    classes: () => Int32Array;
  };
  private isTraining = true;
  private isDisposed = false;

  constructor(readonly engine: Engine, layers: readonly LayerSpec[], options: SequentialOptions = {}) {
    const { seed = 0, maxBatch = 128, loss = 'cross-entropy' } = options;
    const rng = new Random(seed);
    const initRng = rng.fork();
    const dropoutRng = rng.fork();
    if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be a positive integer, got ${maxBatch}`);
    if (!lossNames.includes(loss)) throw new RangeError(`loss must be one of ${lossNames.join(', ')}, got ${JSON.stringify(loss)}`);
    const specs = checkLayers(layers);
    this.layers = specs;
    this.seed = seed;
    this.maxBatch = maxBatch;
    this.loss = loss;
    this.inputSize = (specs[0] as LinearSpec).inFeatures;

    const alloc = (bytes: number) => {
      const ptr = engine.alloc(bytes);
      this.blocks.push(ptr);
      return ptr;
    };
    try {
      this.allocParameters(specs, alloc);
      this.staged = alloc(maxBatch * this.inputSize);
      this.labels = alloc(maxBatch);
      this.input = alloc(maxBatch * this.inputSize * 4);
      this.classes = alloc(maxBatch * 4);
      this.buildNodes(specs, dropoutRng, alloc);
      this.outputSize = this.last.width;
      this.lossFn = createLoss(loss, engine, this.outputSize, this.labels, maxBatch, alloc);
    } catch (error) {
      if (!engine.disposed) for (const ptr of this.blocks) engine.free(ptr);
      throw error;
    }
    let p = 0;
    for (const spec of specs) {
      if (spec.type !== 'linear') continue;
      initLinear(spec.init, spec.inFeatures, this.params[p]!.data, this.params[p + 1]!.data, initRng);
      p += 2;
    }
    this.views = {
      staged: liveView(engine, Uint8Array, this.staged, maxBatch * this.inputSize),
      labels: liveView(engine, Uint8Array, this.labels, maxBatch),
      input: liveView(engine, Float32Array, this.input, maxBatch * this.inputSize),
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
      this.views.input().set(x.subarray(start * this.inputSize, (start + rows) * this.inputSize));
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
      this.loadInputs(inputs.subarray(start * this.inputSize, (start + rows) * this.inputSize), rows);
      this.run(rows, false);
      this.engine.kernels.argmaxRows(rows, this.outputSize, this.last.out, this.classes);
      result.set(this.views.classes().subarray(0, rows), start);
    }
    return result;
  }

  // The step API `fit` and `evaluate` use: stage a batch, then kernel calls on fixed buffers.

  /** Live view of the u8 image staging buffer (maxBatch × inputSize); `loadStaged` normalises it. */
  get stagedImages(): Uint8Array {
    this.assertLive();
    return this.views.staged();
  }

  /** Live view of the u8 labels buffer (maxBatch) the loss and accuracy read. */
  get stagedLabels(): Uint8Array {
    this.assertLive();
    return this.views.labels();
  }

  /** Input rows ← staged images / 255, inside linear memory. */
  loadStaged(n: number): void {
    this.checkRows(n);
    this.engine.kernels.normalizeU8(n * this.inputSize, this.staged, this.input, 255);
  }

  /** Stages n rows of inputs (u8 images are divided by 255, floats are copied) and their labels. */
  loadBatch(inputs: Uint8Array | Float32Array, labels: Uint8Array, n: number): void {
    this.checkInputs(inputs, n);
    this.checkRows(n);
    if (!(labels instanceof Uint8Array) || labels.length < n) throw new RangeError(`labels must be a Uint8Array of at least ${n} entries`);
    this.loadInputs(inputs.subarray(0, n * this.inputSize), n);
    this.views.labels().set(labels.subarray(0, n));
  }

  /** Forward on the staged batch in the current mode, then the loss, then the gradients (accumulated into `grad`, as PyTorch). */
  lossAndBackward(n: number): number {
    this.checkRows(n);
    this.run(n, this.isTraining);
    const loss = this.lossFn.compute(n, this.last.out, this.last.dOut);
    for (let i = this.nodes.length - 1; i >= 0; i--) this.nodes[i]!.backward(n);
    return loss;
  }

  /** Forward on the staged batch in the current mode and its loss, without gradients. */
  lossOnly(n: number): number {
    this.checkRows(n);
    this.run(n, this.isTraining);
    return this.lossFn.compute(n, this.last.out, 0);
  }

  /** How many of the last forward's n rows have their label as argmax. */
  correctCount(n: number): number {
    this.checkRows(n);
    return this.engine.kernels.accuracyCount(n, this.outputSize, this.last.out, this.labels);
  }

  /** The dropout mask of layer `index` from the last training forward (live view; for inspection and tests). */
  dropoutMask(index: number): Float32Array {
    this.assertLive();
    const node = this.nodes[index];
    if (this.layers[index]?.type !== 'dropout') throw new RangeError(`layer ${index} is not a dropout layer`);
    return (node as DropoutNode).mask;
  }

  /** The state of each dropout layer's generator, in layer order (empty without dropout): where its masks go on. */
  randomState(): number[] {
    this.assertLive();
    return this.dropoutRngs.map((rng) => rng.state);
  }

  /** Restores what `randomState` returned: the next masks are the ones that followed it. Checks all before setting any. */
  setRandomState(states: readonly number[]): void {
    this.assertLive();
    if (!Array.isArray(states) || states.length !== this.dropoutRngs.length) {
      throw new RangeError(`setRandomState needs ${this.dropoutRngs.length} states (one per dropout layer), got ${Array.isArray(states) ? states.length : String(states)}`);
    }
    const bad = states.findIndex((s) => !Number.isInteger(s) || s < 0 || s > 0xffffffff);
    if (bad >= 0) throw new RangeError(`states[${bad}] must be an integer in [0, 2^32), got ${states[bad]}`);
    states.forEach((s, i) => (this.dropoutRngs[i]!.state = s));
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

  private allocParameters(specs: readonly LayerSpec[], alloc: (bytes: number) => number): void {
    const shapes: [string, number[]][] = [];
    specs.forEach((spec, i) => {
      if (spec.type !== 'linear') return;
      shapes.push([`${i}.weight`, [spec.outFeatures, spec.inFeatures]], [`${i}.bias`, [spec.outFeatures]]);
    });
    const total = shapes.reduce((sum, [, shape]) => sum + shape.reduce((a, b) => a * b, 1), 0);
    const data = alloc(total * 4);
    const grad = alloc(total * 4);
    let offset = 0;
    for (const [name, shape] of shapes) {
      const p = new Parameter(this.engine, data + offset * 4, grad + offset * 4, shape, name);
      this.params.push(p);
      offset += p.size;
    }
  }

  private buildNodes(specs: readonly LayerSpec[], dropoutRng: Random, alloc: (bytes: number) => number): void {
    let x: Source = { width: this.inputSize, out: this.input, dOut: 0 };
    let p = 0;
    specs.forEach((spec, i) => {
      let node: Node;
      if (spec.type === 'linear') {
        const fuseRelu = specs[i + 1]?.type === 'relu';
        node = linearNode(this.engine, x, this.params[p]!, this.params[p + 1]!, fuseRelu, this.maxBatch, alloc);
        p += 2;
      } else if (spec.type === 'relu' && specs[i - 1]?.type === 'linear') {
        node = fusedReluNode(this.engine, x);
      } else if (spec.type === 'dropout') {
        const rng = dropoutRng.fork();
        this.dropoutRngs.push(rng);
        node = dropoutNode(this.engine, spec.p, x, rng, this.maxBatch, alloc);
      } else {
        node = activationNode(this.engine, spec.type, x, this.maxBatch, alloc);
      }
      this.nodes.push(node);
      x = node;
    });
  }

  private run(n: number, training: boolean): void {
    for (const node of this.nodes) node.forward(n, training);
  }

  private loadInputs(inputs: Uint8Array | Float32Array, n: number): void {
    if (inputs instanceof Float32Array) {
      this.views.input().set(inputs);
    } else {
      this.views.staged().set(inputs);
      this.loadStaged(n);
    }
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

  private checkRows(n: number): void {
    this.assertLive();
    if (!Number.isSafeInteger(n) || n < 1 || n > this.maxBatch) {
      throw new RangeError(`a batch must have 1 to maxBatch = ${this.maxBatch} rows, got ${n}`);
    }
  }

  private assertLive(): void {
    if (this.isDisposed) throw new Error('this model has been disposed');
  }
}

/** Checks every layer and that their widths chain; returns frozen copies. */
function checkLayers(layers: readonly LayerSpec[]): readonly LayerSpec[] {
  if (!Array.isArray(layers) || layers.length === 0) throw new TypeError('layers must be a non-empty array of layer descriptions');
  layers.forEach(checkLayer);
  if (layers[0]!.type !== 'linear') throw new RangeError(`layer 0 must be linear (it fixes the input size), got ${layers[0]!.type}`);
  let width = 0;
  layers.forEach((spec, i) => {
    if (spec.type !== 'linear') return;
    if (i > 0 && spec.inFeatures !== width) {
      throw new RangeError(`layer ${i} (linear) takes ${spec.inFeatures} inputs, but the layers before it give ${width}`);
    }
    width = spec.outFeatures;
  });
  return Object.freeze(layers.map((spec) => Object.freeze({ ...spec })));
}

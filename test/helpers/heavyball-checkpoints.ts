// heavyball's side of test/pytorch-checkpoint.test.ts: the checkpoints PyTorch loads and the gradients it
// steps them with. test/pytorch/fixtures.mjs commits them (test/fixtures/pytorch/heavyball-*.safetensors and
// checkpoint-inputs.json) for test/pytorch/checkpoint_interop.py; the test makes them again and checks that
// heavyball still writes what PyTorch's committed outputs were computed from.
import {
  Adam, createEngine, dropout, type Engine, type LayerSpec, linear, loadCheckpoint, Random, relu, SGD, type Sequential,
  saveCheckpoint, sequential,
} from '../../src/index.js';
import { toF32 } from './torch.js';

export const ROWS = 8;
export const plain: LayerSpec[] = [linear(20, 16), relu(), linear(16, 3)];
export const sgd = (m: Sequential) => new SGD(m.parameters(), { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 5e-4 });
export const cases: { name: string; layers: LayerSpec[]; optimizer: (m: Sequential) => SGD | Adam; steps: number }[] = [
  { name: 'SGD with momentum, dampening and weight decay', layers: plain, optimizer: sgd, steps: 5 },
  // momentumBufferStarted is false: torch.optim must start its buffer from the gradient, not the file's zeros.
  { name: 'SGD before its first step', layers: plain, optimizer: sgd, steps: 0 },
  {
    name: 'Adam with AMSGrad and weight decay, dropout before the last layer',
    layers: [linear(20, 16), relu(), dropout(0.25), linear(16, 3)],
    optimizer: (m) => new Adam(m.parameters(), { lr: 3e-3, weightDecay: 1e-3, amsgrad: true }),
    steps: 5,
  },
];

export interface Saved {
  model: Sequential;
  kind: string;
  /** The checkpoint. */
  bytes: Uint8Array;
  /** The saved model's logits on x. */
  logits: Float32Array;
  /** A gradient per parameter (by name) for one more step. */
  grad: Record<string, Float32Array>;
  /** The parameters after that step, taken by a fresh model and optimizer loaded from the checkpoint. */
  stepped: Record<string, Float32Array>;
}

/** Trains each case on x, saves it, and (from the file, in a fresh model and optimizer) takes one step on given gradients. */
export function heavyballSide(engine: Engine): { x: Float32Array; saved: Saved[] } {
  const random = new Random(11);
  const uniform = (n: number) => Float32Array.from({ length: n }, () => 2 * random.next() - 1);
  const x = uniform(ROWS * 20);
  const labels = Uint8Array.from({ length: ROWS }, () => random.int(3));
  const saved = cases.map((c, i) => {
    const model = sequential(engine, c.layers, { seed: i + 1 });
    const optimizer = c.optimizer(model);
    model.loadBatch(x, labels, ROWS);
    for (let t = 0; t < c.steps; t++) {
      optimizer.zeroGrad();
      model.lossAndBackward(ROWS);
      optimizer.step();
    }
    const bytes = saveCheckpoint({ model, optimizer });
    const logits = model.eval().forward(x);
    const grad = Object.fromEntries(model.parameters().map((p) => [p.name, uniform(p.size)]));

    const resumed = sequential(engine, c.layers, { seed: 100 + i });
    const resumedOptimizer = c.optimizer(resumed);
    loadCheckpoint(bytes, { model: resumed, optimizer: resumedOptimizer });
    resumedOptimizer.zeroGrad();
    for (const p of resumed.parameters()) p.grad.set(grad[p.name]!);
    resumedOptimizer.step();
    const stepped = Object.fromEntries(resumed.parameters().map((p) => [p.name, Float32Array.from(p.data)]));
    return { model, kind: optimizer.kind, bytes, logits, grad, stepped };
  });
  return { x, saved };
}

export const checkpointFile = (i: number) => `heavyball-${i}.safetensors`;

/** What checkpoint_interop.py reads: x and each case's checkpoint and gradients (base64 float32). */
export function checkpointInputs(x: Float32Array, saved: readonly Saved[]) {
  return {
    x: toF32(x),
    cases: saved.map(({ grad }, i) => ({
      file: checkpointFile(i),
      grad: Object.fromEntries(Object.entries(grad).map(([name, g]) => [name, toF32(g)])),
    })),
  };
}

/** The committed files, by name, as the standard wasm build makes them. */
export async function checkpointInputFiles(): Promise<Record<string, Uint8Array>> {
  const engine = await createEngine({ backend: 'wasm', simd: 'standard' });
  const { x, saved } = heavyballSide(engine);
  const json = `${JSON.stringify(checkpointInputs(x, saved), null, 1)}\n`;
  return {
    'checkpoint-inputs.json': new TextEncoder().encode(json),
    ...Object.fromEntries(saved.map(({ bytes }, i) => [checkpointFile(i), bytes])),
  };
}

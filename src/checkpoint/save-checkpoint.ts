import { checkInteger } from '../check.js';
import type { Sequential } from '../nn/sequential.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { FitProgress } from '../train/fit-progress.js';
import type { History } from '../train/history.js';
import { encodeMetadata } from './metadata.js';
import { optimizerTensors } from './optimizer-tensors.js';
import { bytesOf, encodeSafetensors, type Tensor } from './safetensors.js';

export interface CheckpointInput {
  model: Sequential;
  /** Its state (momentum buffers, Adam's moments, step count, hyperparameters) is saved too. */
  optimizer?: Optimizer;
  /** fit's history so far. */
  history?: History;
  /** The global step (optimizer steps taken in the run; a schedule's position); default: the optimizer's step count, or 0. */
  step?: number;
  /** fit's position inside the epoch under way (fit passes it). */
  progress?: FitProgress;
  /** Your own string entries for `__metadata__` (keys starting with "heavyball." are reserved). */
  metadata?: Readonly<Record<string, string>>;
}

/**
 * The model (and optimizer, history, fit's progress) as a safetensors file: the weights named as
 * PyTorch's nn.Sequential state dict (`0.weight` [out, in], `0.bias`, `2.weight`, …, F32), the optimizer
 * state as `optimizer.<kind>.<parameter>` tensors, the rest (the dropout generators' states too) as JSON
 * in `__metadata__`. The same inputs always give the same bytes.
 */
export function saveCheckpoint({ model, optimizer, history, step, progress, metadata }: CheckpointInput): Uint8Array<ArrayBuffer> {
  const params = model.parameters();
  const saved = optimizer && optimizerTensors(optimizer, params);
  const weights = params.map((p): [string, Tensor] => [p.name, { shape: p.shape, bytes: bytesOf(p.data) }]);
  const random = model.randomState();
  return encodeSafetensors({
    tensors: new Map([...weights, ...(saved?.tensors ?? [])]),
    metadata: encodeMetadata({
      step: checkInteger('step', step ?? saved?.record.step ?? 0, 0),
      architecture: { layers: model.layers.map((layer) => ({ ...layer })), loss: model.loss },
      optimizer: saved?.record,
      history,
      progress,
      random: random.length > 0 ? random : undefined,
    }, metadata),
  });
}

import { describeLayer } from '../nn/layers.js';
import type { Sequential } from '../nn/sequential.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Resume } from '../train/fit-progress.js';
import { CheckpointFormatError, formatErrorsOf } from './checkpoint-format-error.js';
import { type CheckpointInfo, decodeMetadata, key } from './metadata.js';
import { OPTIMIZER_PREFIX, optimizerStateFrom } from './optimizer-tensors.js';
import { bytesOf, parseSafetensors, tensorOf } from './safetensors.js';

export interface LoadCheckpointOptions {
  model: Sequential;
  /** Restored too: the checkpoint must then hold the state of an optimizer of the same kind and param groups. */
  optimizer?: Optimizer;
  /** Refuse headers longer than this (default 100 MB, as the safetensors library). */
  maxHeaderBytes?: number;
}

/** What `fit`'s `resume` takes, and all of `__metadata__`. */
export interface LoadedCheckpoint extends Resume {
  metadata: Record<string, string>;
}

/**
 * Reads a safetensors checkpoint into `model` (and `optimizer`): heavyball's own, or a PyTorch
 * nn.Sequential state dict saved with `safetensors.torch.save_file` (weights only). Everything is checked
 * before anything is allocated or written — the header, every tensor's dtype (F32), shape (the model's)
 * and bytes, the metadata, the optimizer state, the dropout generators' states — and anything wrong
 * throws CheckpointFormatError naming the tensor: either all loads or nothing changes. Tensors named
 * `optimizer.…` are ignored without an optimizer.
 */
export function loadCheckpoint(input: Uint8Array | ArrayBuffer, options: LoadCheckpointOptions): LoadedCheckpoint {
  const { model, optimizer } = options;
  const file = parseSafetensors(asBytes(input), options.maxHeaderBytes);
  const info = decodeMetadata(file.metadata);
  const params = model.parameters();
  const weights = params.map((p) => tensorOf(file, p.name, p.shape, 'is in the model but not in the checkpoint'));
  checkLayers(info, model);
  const used = new Set(params.map((p) => p.name));
  const state = optimizer && optimizerStateFrom(file, info.optimizer, optimizer, params, used);
  const unused = [...file.tensors.keys()].find((name) => !used.has(name) && !(optimizer === undefined && name.startsWith(OPTIMIZER_PREFIX)));
  if (unused !== undefined) {
    throw new CheckpointFormatError(`is not a tensor of the model (${params.map((p) => p.name).join(', ')})`
      + `${optimizer ? " or of the optimizer's state" : ''}`, unused);
  }
  if (optimizer) formatErrorsOf(key('optimizer'), () => optimizer.loadState(state!), 'does not fit the optimizer: ');
  params.forEach((p, i) => bytesOf(p.data).set(weights[i]!.bytes));
  if (info.random) model.setRandomState(info.random);
  const { step, metadata, history, progress } = info;
  return { step, metadata, ...(history && { history }), ...(progress && { progress }) };
}

/**
 * heavyball's entries of a checkpoint's metadata (architecture, optimizer kind and settings, step,
 * history), checked, without a model: e.g. to build the model a checkpoint was saved from.
 */
export function readCheckpointInfo(input: Uint8Array | ArrayBuffer, options: { maxHeaderBytes?: number } = {}): CheckpointInfo {
  return decodeMetadata(parseSafetensors(asBytes(input), options.maxHeaderBytes).metadata);
}

function asBytes(input: Uint8Array | ArrayBuffer): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (input instanceof ArrayBuffer) return new Uint8Array(input);
  throw new TypeError(`a checkpoint must be a Uint8Array or an ArrayBuffer of its bytes, got ${Object.prototype.toString.call(input)}`);
}

/**
 * The layers' kinds must agree (the weights' shapes say nothing of activations), and there must be a
 * dropout generator state per dropout layer; a file without them (e.g. PyTorch's) is not checked.
 */
function checkLayers({ architecture, random }: CheckpointInfo, model: Sequential): void {
  const length = Math.max(architecture?.layers.length ?? 0, model.layers.length);
  for (let i = 0; architecture && i < length; i++) {
    const [saved, here] = [describeLayer(architecture.layers[i]), describeLayer(model.layers[i])];
    if (saved !== here) throw new CheckpointFormatError(`layer ${i} is ${saved} in the checkpoint, ${here} in the model`, key('architecture'));
  }
  if (random) formatErrorsOf(key('random'), () => model.checkRandomState(random));
}

import type { Parameter } from '../engine/parameter.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import { CheckpointFormatError } from './checkpoint-format-error.js';
import { key, type OptimizerRecord } from './metadata.js';
import { bytesOf, type Safetensors, type Tensor, tensorOf } from './safetensors.js';

/**
 * An optimizer's state in a checkpoint: one tensor per state kind and parameter, named
 * `optimizer.<kind>.<parameter>` with the parameter's shape (`optimizer.momentum_buffer.0.weight`,
 * `optimizer.exp_avg_sq.2.bias`), like PyTorch's per-parameter optimizer state; the step count and each
 * param group's parameters, by name, with its hyperparameters go in the metadata. Parameters are matched
 * by name, so the optimizer that loads may list them in another order within a group.
 */
export const OPTIMIZER_PREFIX = 'optimizer.';
const tensorName = (buffer: string, parameter: string) => `${OPTIMIZER_PREFIX}${buffer}.${parameter}`;

/** Each param group's parameters with their model names and offsets in the optimizer's flat state buffers. */
function namedGroups(optimizer: Optimizer, modelParams: readonly Parameter[]) {
  const names = new Map(modelParams.map((p) => [p, p.name]));
  let offset = 0;
  return optimizer.paramGroups.map((group) => group.map((p) => {
    const name = names.get(p);
    if (name === undefined) throw new TypeError("the optimizer updates a parameter that is not one of the model's; a checkpoint names parameters by the model");
    offset += p.size;
    return { p, name, offset: offset - p.size };
  }));
}

export function optimizerTensors(optimizer: Optimizer, modelParams: readonly Parameter[]): { tensors: [string, Tensor][]; record: OptimizerRecord } {
  const groups = namedGroups(optimizer, modelParams);
  const { kind, step, groups: states, buffers } = optimizer.state();
  const tensors = Object.entries(buffers).flatMap(([buffer, flat]) => groups.flat().map(({ p, name, offset }): [string, Tensor] =>
    [tensorName(buffer, name), { shape: p.shape, bytes: bytesOf(flat.subarray(offset, offset + p.size)) }]));
  const record = { kind, step, groups: states.map(({ size: _, ...rest }, i) => ({ params: groups[i]!.map((g) => g.name), ...rest })), buffers: Object.keys(buffers) };
  return { tensors, record };
}

/**
 * The state to give `optimizer.loadState` (which checks the kind, step, hyperparameters and buffers),
 * from the checkpoint's record and tensors: each of the record's groups must name the parameters of the
 * optimizer's group, and each state kind needs a tensor of each parameter's shape. Marks the tensors it
 * reads in `used`.
 */
export function optimizerStateFrom(file: Safetensors, record: OptimizerRecord | undefined,
  optimizer: Optimizer, modelParams: readonly Parameter[], used: Set<string>): OptimizerState {
  if (record === undefined) {
    throw new CheckpointFormatError('the checkpoint holds no optimizer state (only weights): load it without an optimizer');
  }
  const groups = namedGroups(optimizer, modelParams);
  if (record.groups.length !== groups.length) {
    throw new CheckpointFormatError(`the checkpoint has ${record.groups.length} param groups, the optimizer ${groups.length}`, key('optimizer'));
  }
  groups.forEach((group, i) => {
    const saved = record.groups[i]!.params;
    if (saved.length !== group.length || !group.every(({ name }) => saved.includes(name))) {
      throw new CheckpointFormatError(`param group ${i} holds [${saved.join(', ')}] in the checkpoint, `
        + `[${group.map((g) => g.name).join(', ')}] in the optimizer`, key('optimizer'));
    }
  });
  const size = (params: { p: Parameter }[]) => params.reduce((n, { p }) => n + p.size, 0);
  const buffers = Object.fromEntries(record.buffers.map((buffer) => {
    const flat = new Float32Array(size(groups.flat()));
    for (const { p, name, offset } of groups.flat()) {
      const tensor = tensorName(buffer, name);
      bytesOf(flat.subarray(offset, offset + p.size)).set(tensorOf(file, tensor, p.shape, 'is missing from the checkpoint').bytes);
      used.add(tensor);
    }
    return [buffer, flat];
  }));
  const { kind, step } = record;
  return { kind, step, groups: record.groups.map(({ params: _, ...rest }, i) => ({ ...rest, size: size(groups[i]!) })), buffers };
}

import type { Parameter } from '../engine/parameter.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import { CheckpointFormatError } from './checkpoint-format-error.js';
import { KEYS, type OptimizerRecord } from './metadata.js';
import { copyF32, entryOf, type NamedTensor, type ParsedSafetensors } from './safetensors.js';

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

export function optimizerTensors(optimizer: Optimizer, modelParams: readonly Parameter[]): { tensors: NamedTensor[]; record: OptimizerRecord } {
  const groups = namedGroups(optimizer, modelParams);
  const state = optimizer.state();
  const buffers = Object.keys(state.buffers);
  const tensors = buffers.flatMap((buffer) => groups.flat().map(({ p, name, offset }) => ({
    name: tensorName(buffer, name),
    shape: p.shape,
    data: state.buffers[buffer]!.subarray(offset, offset + p.size),
  })));
  const record: OptimizerRecord = {
    kind: state.kind,
    step: state.step,
    groups: state.groups.map(({ size: _, ...rest }, i) => ({ params: groups[i]!.map((g) => g.name), ...rest })),
    buffers,
  };
  return { tensors, record };
}

/**
 * The state to give `optimizer.loadState` (which checks the kind, step, hyperparameters and buffers),
 * from the checkpoint's record and tensors: each of the record's groups must name the parameters of the
 * optimizer's group, and each state kind needs a tensor of each parameter's shape. Marks the tensors it
 * reads in `used`.
 */
export function optimizerStateFrom(file: ParsedSafetensors, record: OptimizerRecord | undefined,
  optimizer: Optimizer, modelParams: readonly Parameter[], used: Set<string>): OptimizerState {
  if (record === undefined) {
    throw new CheckpointFormatError('the checkpoint holds no optimizer state (only weights): load it without an optimizer');
  }
  const groups = namedGroups(optimizer, modelParams);
  if (record.groups.length !== groups.length) {
    throw new CheckpointFormatError(`the checkpoint has ${record.groups.length} param groups, the optimizer ${groups.length}`, KEYS.optimizer);
  }
  groups.forEach((group, i) => {
    const saved = record.groups[i]!.params;
    if (saved.length !== group.length || !group.every(({ name }) => saved.includes(name))) {
      throw new CheckpointFormatError(`param group ${i} holds [${saved.join(', ')}] in the checkpoint, `
        + `[${group.map((g) => g.name).join(', ')}] in the optimizer`, KEYS.optimizer);
    }
  });
  const params = groups.flat();
  const size = params.reduce((n, { p }) => n + p.size, 0);
  const buffers = Object.fromEntries(record.buffers.map((buffer) => {
    const flat = new Float32Array(size);
    for (const { p, name, offset } of params) {
      const tensor = tensorName(buffer, name);
      copyF32(entryOf(file, tensor, p.shape, 'is missing from the checkpoint'), flat.subarray(offset, offset + p.size));
      used.add(tensor);
    }
    return [buffer, flat];
  }));
  return {
    kind: record.kind,
    step: record.step,
    groups: record.groups.map(({ params: _, ...rest }, i) =>
      ({ ...rest, size: groups[i]!.reduce((n, { p }) => n + p.size, 0) })) as OptimizerState['groups'],
    buffers,
  };
}

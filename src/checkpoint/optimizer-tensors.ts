import type { Parameter } from '../engine/parameter.js';
import type { Optimizer, OptimizerState } from '../optim/optimizer.js';
import { CheckpointFormatError } from './checkpoint-format-error.js';
import { readF32 } from './little-endian.js';
import { KEYS, type OptimizerRecord } from './metadata.js';
import type { NamedTensor, ParsedSafetensors } from './safetensors.js';

/**
 * An optimizer's state in a checkpoint: one tensor per state kind and parameter, named
 * `optimizer.<kind>.<parameter>` with the parameter's shape (`optimizer.momentum_buffer.0.weight`,
 * `optimizer.exp_avg_sq.2.bias`), like PyTorch's per-parameter optimizer state; the step count and the
 * param groups (by parameter name) with their hyperparameters go in the metadata. Parameters are
 * matched by name, so the optimizer that loads may list them in another order.
 */
export const tensorName = (buffer: string, parameter: string) => `optimizer.${buffer}.${parameter}`;
export const OPTIMIZER_PREFIX = 'optimizer.';

/** The name of each of the optimizer's parameters, which must all be the model's. */
function parameterNames(optimizer: Optimizer, modelParams: readonly Parameter[]): string[] {
  const names = new Map(modelParams.map((p) => [p, p.name]));
  return optimizer.params.map((p) => {
    const name = names.get(p);
    if (name === undefined) throw new TypeError("the optimizer updates a parameter that is not one of the model's; a checkpoint names parameters by the model");
    return name;
  });
}

/** Each group's parameter names, from the group sizes (groups hold consecutive runs of `optimizer.params`). */
function groupNames(state: OptimizerState, params: readonly Parameter[], names: readonly string[]): string[][] {
  let k = 0;
  return state.groups.map((g) => {
    const group: string[] = [];
    for (let size = 0; size < g.size; k++) {
      group.push(names[k]!);
      size += params[k]!.size;
    }
    return group;
  });
}

/** Offset (in floats) of each parameter in the optimizer's flat state buffers. */
function offsets(params: readonly Parameter[]): number[] {
  let offset = 0;
  return params.map((p) => (offset += p.size) - p.size);
}

export function optimizerTensors(optimizer: Optimizer, modelParams: readonly Parameter[]): { tensors: NamedTensor[]; record: OptimizerRecord } {
  const names = parameterNames(optimizer, modelParams);
  const state = optimizer.state();
  const params = optimizer.params;
  const at = offsets(params);
  const buffers = Object.keys(state.buffers);
  const tensors = buffers.flatMap((buffer) => params.map((p, i) => ({
    name: tensorName(buffer, names[i]!),
    shape: p.shape,
    data: state.buffers[buffer]!.subarray(at[i], at[i]! + p.size),
  })));
  const groups = groupNames(state, params, names);
  const record: OptimizerRecord = {
    kind: state.kind,
    step: state.step,
    groups: state.groups.map(({ size: _, ...rest }, i) => ({ params: groups[i]!, ...rest })),
    buffers,
  };
  return { tensors, record };
}

/**
 * The state to give `optimizer.loadState`, from the checkpoint's record and tensors, after checking that
 * they fit this optimizer: its kind, its param groups (same parameters in each), its state kinds, and a
 * tensor of each parameter's shape for each. Marks the tensors it reads in `used`.
 */
export function optimizerStateFrom(
  file: ParsedSafetensors,
  bytes: Uint8Array,
  record: OptimizerRecord | undefined,
  optimizer: Optimizer,
  modelParams: readonly Parameter[],
  used: Set<string>,
): OptimizerState {
  if (record === undefined) {
    throw new CheckpointFormatError('the checkpoint holds no optimizer state (only weights): load it without an optimizer');
  }
  const fail = (problem: string) => new CheckpointFormatError(problem, KEYS.optimizer);
  const names = parameterNames(optimizer, modelParams);
  const current = optimizer.state();
  if (record.kind !== current.kind) throw fail(`the checkpoint holds ${record.kind} state, the optimizer is ${current.kind}`);
  const params = optimizer.params;
  const groups = groupNames(current, params, names);
  if (record.groups.length !== groups.length) {
    throw fail(`the checkpoint has ${record.groups.length} param groups, the optimizer ${groups.length}`);
  }
  groups.forEach((group, i) => {
    const saved = record.groups[i]!.params;
    if (saved.length !== group.length || !group.every((name) => saved.includes(name))) {
      throw fail(`param group ${i} holds [${saved.join(', ')}] in the checkpoint, [${group.join(', ')}] in the optimizer`);
    }
  });
  const kinds = Object.keys(current.buffers);
  if (record.buffers.length !== kinds.length || !kinds.every((b) => record.buffers.includes(b))) {
    throw fail(`the checkpoint has state [${record.buffers.join(', ')}], the optimizer [${kinds.join(', ')}]`);
  }
  params.forEach((p, i) => {
    for (const buffer of kinds) {
      const name = tensorName(buffer, names[i]!);
      const entry = file.tensors.get(name);
      if (entry === undefined) throw new CheckpointFormatError('is missing from the checkpoint', name);
      if (!sameShape(entry.shape, p.shape)) {
        throw new CheckpointFormatError(`shape [${entry.shape.join(', ')}] in the checkpoint, [${p.shape.join(', ')}] in the model`, name);
      }
    }
  });
  const at = offsets(params);
  const buffers: Record<string, Float32Array> = {};
  for (const buffer of kinds) {
    const flat = new Float32Array(at.length === 0 ? 0 : at[at.length - 1]! + params[params.length - 1]!.size);
    params.forEach((p, i) => {
      const name = tensorName(buffer, names[i]!);
      readF32(bytes, file.dataStart + file.tensors.get(name)!.begin, flat.subarray(at[i], at[i]! + p.size));
      used.add(name);
    });
    buffers[buffer] = flat;
  }
  return {
    kind: record.kind,
    step: record.step,
    groups: record.groups.map(({ params: _, ...rest }, i) => ({ ...rest, size: current.groups[i]!.size })) as OptimizerState['groups'],
    buffers,
  };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

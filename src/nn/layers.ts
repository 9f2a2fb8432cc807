/**
 * Layer descriptions: plain, JSON-serialisable data (`model.layers` returns them, checkpoints store
 * them). Each kind lives in its own file under ./layers/: its description, its checks, and its plan
 * (output shape, parameters, memory, forward and backward). `sequential` turns a list into a model.
 */
import type { LayerPlan, Shape } from './layer.js';
import { type ActivationSpec, planActivation } from './layers/activation.js';
import { checkConv2d, type Conv2dSpec, planConv2d } from './layers/conv2d.js';
import { checkDropout, type DropoutSpec, planDropout } from './layers/dropout.js';
import { type FlattenSpec, planFlatten } from './layers/flatten.js';
import { checkLinear, type LinearSpec, planLinear } from './layers/linear.js';
import { checkMaxPool2d, type MaxPool2dSpec, planMaxPool2d } from './layers/max-pool2d.js';

export type { Init } from './init.js';
export { type ActivationSpec, relu, sigmoid, tanh } from './layers/activation.js';
export { conv2d, type Conv2dOptions, type Conv2dSpec } from './layers/conv2d.js';
export { dropout, type DropoutSpec } from './layers/dropout.js';
export { flatten, type FlattenSpec } from './layers/flatten.js';
export { linear, type LinearSpec } from './layers/linear.js';
export { maxPool2d, type MaxPool2dSpec } from './layers/max-pool2d.js';

export type LayerSpec = LinearSpec | Conv2dSpec | MaxPool2dSpec | FlattenSpec | ActivationSpec | DropoutSpec;

const layerTypes = ['linear', 'conv2d', 'maxPool2d', 'flatten', 'relu', 'tanh', 'sigmoid', 'dropout'];

/** Throws a TypeError/RangeError naming layer `index` unless `spec` is a valid layer description. */
export function checkLayer(spec: LayerSpec, index: number): void {
  const where = `layer ${index} (${spec?.type})`;
  switch (spec?.type) {
    case 'linear': return checkLinear(spec, where);
    case 'conv2d': return checkConv2d(spec, where);
    case 'maxPool2d': return checkMaxPool2d(spec, where);
    case 'dropout': return checkDropout(spec, where);
    case 'flatten':
    case 'relu':
    case 'tanh':
    case 'sigmoid':
      return;
    default:
      throw new TypeError(`layer ${index} is not a layer description (${layerTypes.join(', ')}): ${JSON.stringify(spec)}`);
  }
}

/** Layer `index` placed after an input of `input`'s shape; throws a RangeError naming it when the shapes don't fit. */
export function planLayer(spec: LayerSpec, input: Shape, index: number): LayerPlan {
  const where = `layer ${index} (${spec.type})`;
  switch (spec.type) {
    case 'linear': return planLinear(spec, input, where);
    case 'conv2d': return planConv2d(spec, input, where);
    case 'maxPool2d': return planMaxPool2d(spec, input, where);
    case 'flatten': return planFlatten(spec, input);
    case 'dropout': return planDropout(spec, input);
    default: return planActivation(spec, input);
  }
}

/** The layer as its constructor call, e.g. `linear(784, 10)`, `conv2d(1, 32, 3, stride 1, padding 0)`; other kinds by name. */
export function describeLayer(spec: LayerSpec | undefined): string {
  if (spec === undefined) return 'nothing';
  switch (spec.type) {
    case 'linear': return `linear(${spec.inFeatures}, ${spec.outFeatures})`;
    case 'conv2d': return `conv2d(${spec.inChannels}, ${spec.outChannels}, ${spec.kernelSize}, stride ${spec.stride}, padding ${spec.padding})`;
    case 'maxPool2d': return `maxPool2d(${spec.kernelSize}, ${spec.stride})`;
    default: return spec.type;
  }
}

export {
  type ActivationSpec, conv2d, type Conv2dOptions, type Conv2dSpec, dropout, type DropoutSpec, flatten, type FlattenSpec, type Init,
  type LayerSpec, linear, type LinearSpec, maxPool2d, type MaxPool2dSpec, relu, sigmoid, tanh,
} from './layers.js';
export { Batch } from './batch.js';
export { gatherSource, ResidentDataset } from './resident-dataset.js';
export type { Shape } from './layer.js';
export { type LossName } from './losses.js';
export { Sequential, sequential, type SequentialOptions } from './sequential.js';
export { mnistCnn } from './mnist-cnn.js';

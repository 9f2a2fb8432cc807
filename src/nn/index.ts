export {
  type ActivationSpec, dropout, type DropoutSpec, type Init, type LayerSpec, linear, type LinearSpec, relu, sigmoid, tanh,
} from './layers.js';
export { type LossName } from './losses.js';
export { Sequential, sequential, type SequentialOptions } from './sequential.js';

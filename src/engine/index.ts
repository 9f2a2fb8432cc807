export { createEngine, Engine, type EngineOptions } from './engine.js';
export { Parameter } from './parameter.js';
export type { Kernels } from './kernels.js';
export { supportsRelaxedSimd, supportsSimd } from './features.js';

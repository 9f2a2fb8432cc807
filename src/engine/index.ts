export { createEngine, Engine, type EngineOptions, type KernelHook } from './engine.js';
export { Parameter } from './parameter.js';
export type { KernelName, Kernels } from './kernels.js';
export { supportsRelaxedSimd, supportsSimd } from './features.js';
export { KernelWorkerError, type WorkerCalls } from './threads/pool.js';

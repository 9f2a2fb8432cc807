// The browser-safe public API: everything but what needs node: modules (see ./index.ts).
export {
  createEngine, Engine, KernelWorkerError, Parameter, supportsRelaxedSimd, supportsSimd, type EngineOptions, type Kernels,
} from './engine/index.js';
export { Random } from './random.js';
export * from './data/index.js';
export * from './nn/index.js';
export type { LinearSpec, ActivationSpec, DropoutSpec } from './nn/layers.js';
export { SGD, type SGDOptions } from './optim/sgd.js';
export { Adam, AdamW, type AdamOptions } from './optim/adam.js';
export { RMSprop, type RMSpropOptions } from './optim/rmsprop.js';
export { schedules, applySchedule, type Schedule, type OneCycleOptions } from './optim/schedules.js';
export type { GroupState, Hyperparameters, Optimizer, OptimizerState } from './optim/optimizer.js';
export { decayGroups, type ParamGroup, type Params } from './optim/param-groups.js';
export { BaseOptimizer, type OptimizerSpec } from './optim/base-optimizer.js';
export * from './train/index.js';
export { runSetting, type RunData, type RunHooks } from './experiments/run-setting.js';
export { momentumColour } from './experiments/palette.js';
export { runData } from './experiments/run-data.js';
export type {
  AnalysisSettings, DataSpec, Estimate, Evaluation, PartKind, PartResult, PartSpec, RunAnalysis, RunConfig, RunEntry, RunProgress,
  RunRecord, Score, SettingSummary, Status, StatusReport, StudyConfig, StudyResult, SweepOptimizer,
} from './experiments/types.js';
export * from './checkpoint/index.js';

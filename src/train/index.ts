export { type CheckpointOption, fit, type FitCheckpoint, type FitOptions } from './fit.js';
export { type StepResult, trainStep } from './train-step.js';
export { type BatchOrder, type FitProgress, resumePoint, type Resume } from './fit-progress.js';
export { evaluate, type EvaluateOptions } from './evaluate.js';
export type { EpochRecord, History, StepRecord } from './history.js';

export { fit, type FitOptions } from './fit.js';
export { evaluate, type EvaluateOptions } from './evaluate.js';
export type { EpochRecord, History, StepRecord } from './history.js';

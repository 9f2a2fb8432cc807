import v8 from 'node:v8';

/**
 * Called before any WebAssembly is compiled: the microbenchmarks compile straight to V8's optimizing
 * tier (TurboFan), so no sample can catch a function still in the baseline tier (Liftoff) waiting for
 * its background tier-up. The training runs, in their own processes, keep V8's defaults, as an
 * application would.
 */
export function compileWasmOptimizedOnly(): void {
  v8.setFlagsFromString('--no-liftoff');
}

import * as conv from './conv.js';
import type { Heap } from './heap.js';
import * as gemm from './gemm.js';
import * as nn from './nn.js';
import * as optim from './optim.js';

/** memory.copy's twin. */
function copyBytes(h: Heap, dst: number, src: number, n: number): void {
  h.u8.copyWithin(dst, src, src + n);
}

/** Every plain-TypeScript kernel, each taking the heap first: every export of these modules is one. */
export const twins = { ...gemm, ...nn, ...optim, ...conv, copyBytes };

type Twins = typeof twins;
type Bound<F> = F extends (h: Heap, ...args: infer A) => infer R ? (...args: A) => R : never;
/** The twins bound to a heap: kernel-list.ts checks that this is the Kernels interface. */
export type JsKernels = { [K in keyof Twins]: Bound<Twins[K]> };

/** The plain-TypeScript backend: the same kernels over `heap`, which stays current as the memory grows. */
export function createJsKernels(heap: Heap): JsKernels {
  const bound: Record<string, unknown> = {};
  for (const [name, twin] of Object.entries(twins)) bound[name] = (...args: never[]) => (twin as (h: Heap, ...a: never[]) => unknown)(heap, ...args);
  return bound as JsKernels;
}

// The kernel list is the Kernels interface (kernels.ts). Here both implementations are checked against it
// when the code is type-checked: a kernel missing from either, misnamed, or with other parameters, fails
// `npm run typecheck` (the wasm module's side reads the bindings asc writes beside it in build/).
import type { instantiate } from '../../build/heavyball.js';
import { type JsKernels, twins } from './js/index.js';
import type { KernelName, Kernels } from './kernels.js';

type WasmExports = Awaited<ReturnType<typeof instantiate>>;
/** `true`, or a type error listing the names in one and not the other. */
type SameNames<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true
  : { onlyInKernels: Exclude<keyof A, keyof B>; onlyInImplementation: Exclude<keyof B, keyof A> };
type Implements<T extends Kernels> = T;

export const jsTwinsMatchTheList: SameNames<Kernels, JsKernels> = true;
export type JsTwinsHaveTheSignatures = Implements<JsKernels>;
export type WasmExportsEveryKernel = Implements<Pick<WasmExports, KernelName>>;

/** Every kernel's name, at run time (the twins' names, which the checks above make the interface's). */
export const kernelNames = Object.keys(twins) as KernelName[];

// The heavyball kernel module: every export works on byte offsets into this module's memory, which the
// TypeScript engine owns and grows (src/engine/arena.ts). Memory below heapBase() holds static data.
export { gemm, gemmWorkspaceBytes, setWideTiles } from './gemm';
export * from './conv';
export * from './optim';
export * from './nn';

export function heapBase(): usize {
  return __heap_base;
}

export function copyBytes(dst: usize, src: usize, n: usize): void {
  memory.copy(dst, src, n);
}

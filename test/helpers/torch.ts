import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The PyTorch references are committed files under test/fixtures/pytorch/, written by the scripts in
 * test/pytorch/ (`npm run fixtures`; `.ci/run` checks them against the live PyTorch with `--check`).
 */
export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../fixtures/pytorch/${name}`, import.meta.url));
}

export function readFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(name)));
}

export function readJsonFixture<T>(name: string): T {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8')) as T;
}

/** A float32 array from the fixtures' encoding, base64 of its little-endian bytes. */
export function f32(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(Uint8Array.from(bytes).buffer);
}

/** The fixtures' encoding of float32 values, base64 of their little-endian bytes. */
export function toF32(values: ArrayLike<number>): string {
  return Buffer.from(Float32Array.from(values).buffer).toString('base64');
}

/** Float32 values as their bit patterns, to compare them exactly. */
export const toBits = (values: ArrayLike<number>): number[] => [...new Uint32Array(Float32Array.from(values).buffer)];
export const fromBits = (bits: readonly number[]): Float32Array => new Float32Array(Uint32Array.from(bits).buffer);

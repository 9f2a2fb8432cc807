// safetensors stores tensors little-endian; a Float32Array has the platform's byte order.
const PLATFORM_IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** The bytes of `values`, little-endian, written to `out` at byte `at`: bit for bit, NaN payloads included. */
export function writeF32(values: Float32Array, out: Uint8Array, at: number): void {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  out.set(bytes, at);
  if (!PLATFORM_IS_LITTLE_ENDIAN) swapWords(out, at, bytes.length);
}

/** `out.length` floats read from the little-endian bytes of `bytes` at byte `at`, bit for bit. */
export function readF32(bytes: Uint8Array, at: number, out: Float32Array): void {
  const target = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  target.set(bytes.subarray(at, at + target.length));
  if (!PLATFORM_IS_LITTLE_ENDIAN) swapWords(target, 0, target.length);
}

function swapWords(bytes: Uint8Array, at: number, length: number): void {
  for (let i = at; i < at + length; i += 4) {
    const [a, b] = [bytes[i]!, bytes[i + 1]!];
    bytes[i] = bytes[i + 3]!;
    bytes[i + 1] = bytes[i + 2]!;
    bytes[i + 2] = b;
    bytes[i + 3] = a;
  }
}

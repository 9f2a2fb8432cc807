/** The 64 bits of each number as hex: two arrays are bit-identical when these are equal. */
export function float64Bits(values: readonly number[]): string[] {
  const view = new DataView(new ArrayBuffer(8));
  return values.map((value) => {
    view.setFloat64(0, value);
    return view.getBigUint64(0).toString(16).padStart(16, '0');
  });
}

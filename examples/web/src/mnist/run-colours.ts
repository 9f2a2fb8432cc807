/** One colour per run, the same in the charts and the predictions (d3's category10). */
export const RUN_COLOURS = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
] as const;

export function runColour(index: number): string {
  return RUN_COLOURS[index % RUN_COLOURS.length]!;
}

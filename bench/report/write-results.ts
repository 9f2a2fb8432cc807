import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchResults } from './results.js';

/** Writes `<dir>/<date>.json` (an ISO date and time, so runs of one day don't overwrite each other). */
export async function writeResults(results: BenchResults, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const stamp = results.machine.date.replace(/:/g, '-').replace(/\.\d+Z$/, 'Z');
  const file = join(dir, `${stamp}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

// Node-only: text files replaced in one step, so a crash or Ctrl-C never leaves half of one.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../checkpoint/checkpoint-file.js';

/** Writes `text` as UTF-8 to a temporary file beside `path` and renames it over `path`, creating the folder. */
export async function writeTextAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, new TextEncoder().encode(text));
}

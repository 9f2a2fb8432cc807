// The built `heavyball` command (dist/cli.js) in a child process, its output watched line by line.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output (already there or to come). */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** The exit code (null when ended by a signal). */
  exited: Promise<number | null>;
  stderr(): string;
}

/** Generous: a bound for a hang, never a speed expectation. */
const WAIT_LIMIT_MS = 180_000;

export function startCli(args: string[]): CliProcess {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let errors = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk;
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', (chunk: Buffer) => {
    errors += chunk;
    append(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    stderr: () => errors,
    exited,
    waitFor: (pattern) => new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (!match) return;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(match);
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`no ${pattern} in:\n${output}`));
      }, WAIT_LIMIT_MS);
      listeners.add(check);
      check();
    }),
  };
}

/** Stops a worker as Ctrl-C would and waits for it; kills it if it is still there after the bound. */
export async function stopCli(process: CliProcess): Promise<number | null> {
  if (process.child.exitCode !== null || process.child.signalCode !== null) return process.exited;
  process.child.kill('SIGINT');
  const timer = setTimeout(() => process.child.kill('SIGKILL'), WAIT_LIMIT_MS);
  const code = await process.exited;
  clearTimeout(timer);
  return code;
}

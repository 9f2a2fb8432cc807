import { main } from '../../src/cli/main.js';

/** Runs the command with its output captured (not a terminal, so progress comes as plain lines). */
export async function runCli(argv: string[], interrupt?: AbortSignal, onOutput?: (text: string) => void) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => { stdout += text; onOutput?.(text); return true; }, isTTY: false },
    stderr: { write: (text: string) => { stderr += text; return true; } },
    interrupt,
  });
  return { code, stdout, stderr };
}

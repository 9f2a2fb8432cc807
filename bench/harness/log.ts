/** Progress goes to stderr, so stdout carries only the markdown report. */
export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}

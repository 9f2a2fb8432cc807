#!/usr/bin/env node
// The `heavyball` command (bundled as dist/cli.js). See src/cli/main.ts.
import { main } from './cli/main.js';

// Output piped into a command that stops reading early (`heavyball sweep | head`) ends the run quietly.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});
process.exitCode = await main(process.argv.slice(2));

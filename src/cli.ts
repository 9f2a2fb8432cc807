#!/usr/bin/env node
// The `heavyball` command (bundled as dist/cli.js). See src/cli/main.ts.
import { main } from './cli/main.js';

process.exitCode = await main(process.argv.slice(2));

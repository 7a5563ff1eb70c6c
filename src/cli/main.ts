#!/usr/bin/env node
// Entry point of the `strand` command line (run with tsx: `npx tsx src/cli/main.ts train ...`).
import { processIO } from './io.ts';
import { run } from './run.ts';

process.exitCode = await run(process.argv.slice(2), processIO());

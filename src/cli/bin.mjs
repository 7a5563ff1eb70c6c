#!/usr/bin/env node
// The in-repository launcher of the command line (`node src/cli/bin.mjs ...` in a clone): registers
// tsx's TypeScript loader in this process, then runs src/cli/main.ts. The published package's
// `strand` executable is dist/cli.js instead (src/entry/cli.ts, bundled: no tsx at run time).
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');

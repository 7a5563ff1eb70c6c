#!/usr/bin/env node
// The `strand` executable (package.json "bin"): registers tsx's TypeScript loader in this
// process, then runs the command line in src/cli/main.ts. Signals (Ctrl-C) reach it directly.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');

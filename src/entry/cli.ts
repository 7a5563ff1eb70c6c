#!/usr/bin/env node
// The package's `strand` executable (package.json "bin" → dist/cli.js): the node entry's loader,
// then the command line. Bundled by the dist build, so no TypeScript loader is needed at run time.
import './node.ts';
import '../cli/main.ts';

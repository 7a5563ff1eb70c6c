// Writes strand's built-in corpus (a small play, ≈ 100 KB) to a file, for the PyTorch script beside
// this file to learn: `npx tsx examples/pytorch-to-edge/write-corpus.ts /tmp/corpus.txt`.
import { writeFileSync } from 'node:fs';
import { builtinCorpus } from '../../src/index.ts';

const path = process.argv[2];
if (!path) throw new Error('usage: write-corpus.ts OUT.txt');
writeFileSync(path, builtinCorpus());

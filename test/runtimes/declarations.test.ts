// The published declarations (dist/index.d.ts and dist/interop.d.ts, built by `npm run build:dist`,
// with the chunk of declarations both entries share) carry the public API only: members marked
// @internal — the heap-level methods that layers, models and the trainer share — are stripped,
// while the classes and functions users call are all there.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const DIST = new URL('../../dist/', import.meta.url);
const files = readdirSync(DIST).filter((f) => f.endsWith('.d.ts'));
const dts = files.map((f) => readFileSync(new URL(f, DIST), 'utf8')).join('\n');

describe('the declarations in dist/', () => {
  it('are the two entries and the chunks they share', () => {
    expect(files).toContain('index.d.ts');
    expect(files).toContain('interop.d.ts');
    const entries = ['index.d.ts', 'interop.d.ts'].map((f) => readFileSync(new URL(f, DIST), 'utf8')).join('\n');
    for (const chunk of files.filter((f) => f !== 'index.d.ts' && f !== 'interop.d.ts'))
      expect(entries).toContain(`'./${chunk.replace(/\.d\.ts$/, '.js')}'`);
  });

  it.each([
    'forwardInPlace',
    'backwardInPlace',
    'checkpointHeader',
    'checkpointTensors',
    'fromCheckpoint',
    'parameterSets',
    'PreparedBatch',
    'writeInput',
  ])('leaves out the internal member %s', (name) => {
    expect(dts).not.toMatch(new RegExp(`\\b${name}\\b`));
  });

  it.each([
    'SequenceModel',
    'Trainer',
    'EncoderDecoder',
    'LSTM',
    'GRU',
    'RNN',
    'Vocab',
    'beamSearch',
    'init',
    'InteropError',
    'readPyTorch',
    'importOnnx',
    'exportOnnx',
  ])('declares the public %s', (name) => {
    expect(dts).toMatch(new RegExp(`(class|function|const) ${name}\\b`));
  });
});

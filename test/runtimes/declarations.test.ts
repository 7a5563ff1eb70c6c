// The published declarations (dist/index.d.ts, dist/interop.d.ts and dist/timeseries.d.ts, built by
// `npm run build:dist`, with the chunks of declarations the entries share) carry the public API only: members marked
// @internal — the heap-level methods that layers, models and the trainer share — are stripped,
// while the classes and functions users call are all there.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const DIST = new URL('../../dist/', import.meta.url);
const files = readdirSync(DIST).filter((f) => f.endsWith('.d.ts'));
const dts = files.map((f) => readFileSync(new URL(f, DIST), 'utf8')).join('\n');

describe('the declarations in dist/', () => {
  it('are the three entries and the chunks they share', () => {
    const names = ['index.d.ts', 'interop.d.ts', 'timeseries.d.ts'];
    for (const name of names) expect(files).toContain(name);
    const entries = names.map((f) => readFileSync(new URL(f, DIST), 'utf8')).join('\n');
    for (const chunk of files.filter((f) => !names.includes(f)))
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
    'windows',
    'forecastRecursive',
  ])('declares the public %s', (name) => {
    expect(dts).toMatch(new RegExp(`(class|function|const) ${name}\\b`));
  });
});

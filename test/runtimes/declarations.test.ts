// The published declarations (dist/index.d.ts, built by `npm run build:dist`) carry the public API
// only: members marked @internal — the heap-level methods that layers, models and the trainer share
// — are stripped, while the classes and functions users call are all there.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dts = readFileSync(new URL('../../dist/index.d.ts', import.meta.url), 'utf8');

describe('dist/index.d.ts', () => {
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

  it.each(['SequenceModel', 'Trainer', 'EncoderDecoder', 'LSTM', 'GRU', 'RNN', 'Vocab', 'beamSearch', 'init'])(
    'declares the public %s',
    (name) => {
      expect(dts).toMatch(new RegExp(`(class|function|const) ${name}\\b`));
    },
  );
});

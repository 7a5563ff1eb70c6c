// The layers of src/ import only downward, and no file imports itself through a cycle (the ranks
// are in layers.ts). Also checks that the checks themselves catch an upward import and a cycle.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RANKS, importCycles, importEdges, layerViolations } from './layers.ts';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

describe('the source layers', () => {
  const edges = importEdges(SRC);

  it('ranks every folder of src/ and reads the imports of all of them', () => {
    const folders = readdirSync(SRC, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.sort()).toEqual(
      Object.keys(RANKS)
        .filter((f) => f !== '.')
        .sort(),
    );
    expect(edges.length).toBeGreaterThan(150);
  });

  it('import only downward (or within a folder)', () => {
    expect(layerViolations(edges)).toEqual([]);
  });

  it('have no import cycles between files', () => {
    expect(importCycles(edges).map((c) => c.join(' → '))).toEqual([]);
  });

  it('the checks catch an upward import, a sideways one and a cycle', () => {
    expect(layerViolations([{ from: 'nn/model.ts', to: 'train/trainer.ts' }])).toEqual([
      "nn/model.ts imports train/trainer.ts: 'nn' (rank 2) may not import upward from 'train' (rank 3)",
    ]);
    expect(layerViolations([{ from: 'lm/score.ts', to: 'diagnostics/gradflow.ts' }])).toHaveLength(1);
    expect(layerViolations([{ from: 'nn/x.ts', to: 'nowhere/y.ts' }])).toHaveLength(1);
    expect(layerViolations([{ from: 'train/trainer.ts', to: 'nn/model.ts' }])).toEqual([]);
    expect(
      importCycles([
        { from: 'nn/a.ts', to: 'nn/b.ts' },
        { from: 'nn/b.ts', to: 'nn/a.ts' },
      ]),
    ).toEqual([['nn/a.ts', 'nn/b.ts', 'nn/a.ts']]);
  });
});

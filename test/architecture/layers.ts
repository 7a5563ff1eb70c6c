// The source tree's layering, as data and two checks: every import runs downward (or stays in its
// folder), and no file imports itself through a cycle. Read by layers.test.ts; Node only.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The folders of src/, lowest first. A file may import from its own folder and from folders of a
 * lower rank; `besides` names the pairs of equal rank that may also import each other.
 */
export const RANKS: Readonly<Record<string, number>> = {
  util: 0, // argument checks and messages, the seeded RNG
  backend: 1, // heap, kernel contract, wasm and pure-TS backends, threads
  platform: 1, // runtime adapters: how each runtime loads the wasm and starts threads
  io: 1, // the checkpoint container's byte format
  data: 1, // the built-in corpus
  nn: 2, // layers, cells, models, the trainable contract, model (de)serialisation
  train: 3, // optimizer, schedules, Trainer
  lm: 4, // vocabularies, sampling, generation, scoring, beam search
  diagnostics: 4, // gradcheck, gradient flow
  interop: 4, // foreign formats: safetensors, PyTorch, ONNX, TF.js Layers; gate-order conversions
  cli: 5, // the `strand` command
  '.': 6, // src/index.ts: the public API
  entry: 7, // one entry per runtime, each re-exporting the API
};

/** Equal-rank folders that may import each other: the backend loads through the platform adapter it registers. */
export const BESIDES: ReadonlyArray<readonly [string, string]> = [
  ['backend', 'platform'],
  ['platform', 'backend'],
];

/** One import: the importing file and the imported file, both relative to src/. */
export interface ImportEdge {
  from: string;
  to: string;
}

/** The folder of a file relative to src/ (`'.'` for src/index.ts). */
export function folderOf(file: string): string {
  const i = file.indexOf('/');
  return i < 0 ? '.' : file.slice(0, i);
}

/** Every static, type-only, re-export and dynamic import of relative modules in src/. */
export function importEdges(srcDir: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  const specifier = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.[^'"]+)['"]/gm;
  for (const file of listTs(srcDir)) {
    const text = readFileSync(join(srcDir, file), 'utf8');
    for (const m of text.matchAll(specifier)) {
      const to = relative(srcDir, resolve(srcDir, dirname(file), m[1])).replaceAll('\\', '/');
      edges.push({ from: file, to });
    }
  }
  return edges;
}

/** The imports that run upward or sideways between folders, each as a sentence. */
export function layerViolations(edges: readonly ImportEdge[]): string[] {
  const out: string[] = [];
  for (const { from, to } of edges) {
    const a = folderOf(from);
    const b = folderOf(to);
    if (a === b) continue;
    if (!(a in RANKS)) out.push(`${from}: folder '${a}' has no rank in RANKS`);
    else if (!(b in RANKS)) out.push(`${from} imports ${to}: folder '${b}' has no rank in RANKS`);
    else if (RANKS[b] > RANKS[a])
      out.push(`${from} imports ${to}: '${a}' (rank ${RANKS[a]}) may not import upward from '${b}' (rank ${RANKS[b]})`);
    else if (RANKS[b] === RANKS[a] && !BESIDES.some(([x, y]) => x === a && y === b))
      out.push(`${from} imports ${to}: '${a}' and '${b}' share rank ${RANKS[a]} and may not import each other`);
  }
  return out;
}

/** The import cycles between files, each as the chain of files that closes it. */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[][] = [];
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const to of next.get(file) ?? []) {
      if (state.get(to) === 'open') cycles.push([...path.slice(path.indexOf(to)), to]);
      else if (!state.has(to)) visit(to);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of next.keys()) if (!state.has(file)) visit(file);
  return cycles;
}

function listTs(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) return listTs(dir, rel);
    return /\.(ts|mts)$/.test(e.name) ? [rel] : [];
  });
}

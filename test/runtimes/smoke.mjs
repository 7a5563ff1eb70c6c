// The same ESM smoke test in every runtime (Node, Deno, Bun), run from a folder where the packed
// package is installed: init() with no arguments, a forward pass, and the twenty-step fixture on
// the plain SIMD build (the cross-runtime reference) and on init()'s own choice. Prints one JSON
// line. `node smoke.mjs inline` imports 'strand/inline' instead of 'strand'.
import { twentySteps } from './twenty-steps.mjs';

const specifier = process.argv[2] === 'inline' ? 'strand/inline' : 'strand';
const strand = await import(specifier);

/** The runtime's name and version. */
function runtime() {
  if (typeof Deno === 'object') return `Deno ${Deno.version.deno}`;
  if (typeof Bun === 'object') return `Bun ${Bun.version}`;
  return `Node ${process.versions.node}`;
}

/** A small embedding → LSTM → GRU → dense model's softmax outputs for a fixed batch. */
function forward() {
  const model = new strand.SequenceModel({
    layers: [
      new strand.Embedding(7, 5, { seed: 11 }),
      new strand.LSTM(5, 9, { seed: 12 }),
      new strand.GRU(9, 6, { seed: 13 }),
      new strand.Dense(6, 7, { seed: 14 }),
    ],
    output: 'softmax',
  });
  const out = model.predict(Int32Array.from([1, 4, 2, 6, 0, 3, 5, 5, 2, 1, 6, 4]), { seqLen: 6, batch: 2 });
  model.dispose();
  return Array.from(out);
}

/** The strand module with init() pinned to one flavor (twentySteps calls init itself). */
const pinned = (flavor) => ({ ...strand, init: (options) => strand.init({ ...options, flavor }) });

const backend = await strand.init();
const report = { runtime: runtime(), backend: `${backend.name}/${backend.flavor}` };
report.forwardAuto = forward();
await strand.init({ flavor: 'simd' });
report.forwardSimd = forward();
report.simd = await twentySteps(pinned('simd'));
report.auto = await twentySteps(strand);
console.log(JSON.stringify(report));

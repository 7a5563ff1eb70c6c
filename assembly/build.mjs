// Builds the WebAssembly kernels (assembly/ → build/*.wasm) with the AssemblyScript compiler.
// Run through `npm run build:wasm`; every test and benchmark command runs it first.
//
// Targets (asconfig.json): the published builds `simd`, `relaxed`, `threads`, `threads-relaxed`,
// from assembly/index.ts alone; and the reference builds `reference` (plain SIMD) and
// `reference-relaxed`, which tests and benchmarks load and the package never ships: the same
// kernels compiled the same way, plus assembly/reference.ts (the scalar `_ref` twins, `exp_lanes`,
// the bench-only `ceiling_4x8` and `peak_12`).
import { main } from 'assemblyscript/asc';

/** The targets that also compile assembly/reference.ts. */
const REFERENCE_TARGETS = ['reference', 'reference-relaxed'];

const targets = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['simd', 'relaxed', 'threads', 'threads-relaxed', ...REFERENCE_TARGETS];
for (const target of targets) {
  const entries = REFERENCE_TARGETS.includes(target) ? ['assembly/index.ts', 'assembly/reference.ts'] : [];
  const { error, stderr } = await main([...entries, '--config', 'asconfig.json', '--target', target], {});
  if (error) {
    console.error(stderr.toString());
    console.error(`strand: building the '${target}' wasm failed: ${error.message}`);
    process.exit(1);
  }
  console.log(`strand: built the '${target}' wasm`);
}

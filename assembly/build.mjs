// Builds the WebAssembly kernels (assembly/ → build/*.wasm) with the AssemblyScript compiler.
// Run through `npm run build:wasm`; every test and benchmark command runs it first.
import { main } from 'assemblyscript/asc';

const targets = process.argv.slice(2).length
  ? process.argv.slice(2)
  : ['simd', 'relaxed', 'threads', 'threads-relaxed'];
for (const target of targets) {
  // the plain-SIMD build is the reference build: it also exports the scalar `_ref` kernels tests use
  const entries = target === 'simd' ? ['assembly/index.ts', 'assembly/reference.ts'] : [];
  const { error, stderr } = await main([...entries, '--config', 'asconfig.json', '--target', target], {});
  if (error) {
    console.error(stderr.toString());
    console.error(`strand: building the '${target}' wasm failed: ${error.message}`);
    process.exit(1);
  }
  console.log(`strand: built the '${target}' wasm`);
}

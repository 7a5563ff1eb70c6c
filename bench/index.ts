// `npm run bench`: the benchmark workloads (docs/performance.md) for strand's WebAssembly and pure-TypeScript
// backends, in one process, with tinybench. Prints a table (value, unit, GFLOP/s, ratio to
// strand-wasm) and writes it to bench/results/ as JSON and Markdown with machine, runtime and
// commit. `--quick` for a short run; `--only W1,W3,K1` for a subset; `--no-peers` for strand only.
// Peers (TensorFlow.js cpu and wasm, brain.js, onnxruntime-web) run after strand, each checked
// to compute strand's function with strand's weights before it is timed (bench/peers/).
import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { referenceSystem, strandSystems } from './flavors.ts';
import type { PeerRow } from './peers/index.ts';
import { medianMs, timed } from './peers/measure.ts';
import { WORKLOADS } from './workloads.ts';

/** One measured line of the results table (the peers' row shape, without the note). */
export type ResultRow = Omit<PeerRow, 'note'>;

const quick = process.argv.includes('--quick');
const onlyArg = process.argv.find((a) => a.startsWith('--only'));
const only = onlyArg ? (onlyArg.split('=')[1] ?? process.argv[process.argv.indexOf(onlyArg) + 1]).split(',') : null;

/**
 * Median ms of one run of `fn`. strand's builds take milliseconds: tinybench for a second. The
 * pure-TS backend's training steps take seconds: timed like the peers' (bench/peers/measure.ts),
 * one run first, then repeated for about 8 s, so its ratios rest on as many runs as theirs.
 */
async function measure(fn: () => void, slow: boolean): Promise<number> {
  if (slow) {
    const first = await timed(fn);
    return (await medianMs(fn, { quick, firstMs: first.ms })).ms;
  }
  const bench = new Bench({
    time: quick ? 200 : 1000,
    iterations: 5,
    warmupTime: quick ? 50 : 200,
    warmupIterations: 1,
  });
  bench.add('task', fn, { async: false });
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed')
    throw new Error(`benchmark task ${result.state}: ${'error' in result ? String(result.error) : ''}`);
  return result.latency.p50;
}

const rows: ResultRow[] = [];
const systems = await strandSystems();
const reference = referenceSystem();
const memoryNotes: string[] = [];

for (const w of WORKLOADS) {
  if (only && !only.includes(w.id)) continue;
  for (const [system, backend] of systems) {
    const prepared = w.prepare(backend);
    const ms = await measure(prepared.run, system === 'strand-js');
    const memory = prepared.memory?.();
    if (memory && system === reference) {
      memoryNotes.push(
        `- ${w.id} (${system}): heap peak ${mib(memory.peakBytes)} MiB = ${(memory.peakBytes / memory.requiredBytes).toFixed(2)}× the ${mib(memory.requiredBytes)} MiB that parameters, gradients, optimizer state and the activations BPTT keeps need (${memory.breakdown})`,
      );
    }
    prepared.dispose();
    const row = {
      id: w.id,
      system,
      value: prepared.value(ms),
      unit: prepared.unit,
      gflops: prepared.flops / (ms * 1e6),
      higherIsBetter: w.higherIsBetter,
    };
    rows.push(row);
    console.log(
      `${w.id.padEnd(4)} ${system.padEnd(20)} ${format(row.value).padStart(10)} ${row.unit.padEnd(14)} ${row.gflops.toFixed(2).padStart(7)} GFLOP/s`,
    );
  }
}

try {
  const { benchKernels } = await import('./kernels.ts');
  if (!only || only.includes('K1')) {
    for (const r of await benchKernels({ quick })) {
      const row = {
        id: r.id,
        system: r.backend,
        value: r.value,
        unit: r.unit,
        gflops: r.gflops ?? r.value,
        higherIsBetter: true,
      };
      rows.push(row);
      console.log(`${row.id.padEnd(4)} ${row.system.padEnd(20)} ${format(row.value).padStart(10)} ${row.unit}`);
    }
  }
} catch (error) {
  console.log(`(K1 kernel benchmarks unavailable: ${(error as Error).message})`);
}

const skips: string[] = [];
if (!process.argv.includes('--no-peers')) {
  const { peerResults, peerSkips } = await import('./peers/index.ts');
  for (const r of await peerResults({ quick, only }))
    rows.push({
      id: r.id,
      system: r.system,
      value: r.value,
      unit: r.unit,
      gflops: r.gflops,
      higherIsBetter: r.higherIsBetter,
    });
  for (const s of peerSkips({ quick, only })) skips.push(`- ${s.id} ${s.system}: ${s.reason}`);
}
const order = (system: string): number => (system === reference ? 0 : system.startsWith('strand') ? 1 : 2);
rows.sort((a, b) => a.id.localeCompare(b.id) || order(a.system) - order(b.system));

// ratios to the reference (the fastest strand build here), > 1 meaning it is that many times faster
const table = [`| id | system | value | unit | GFLOP/s | ${reference} speed-up |`, '|---|---|---|---|---|---|'];
for (const row of rows) {
  const ref = rows.find((r) => r.id === row.id && r.system === reference && r.unit === row.unit);
  const ratio = ref ? (row.higherIsBetter ? ref.value / row.value : row.value / ref.value) : NaN;
  table.push(
    `| ${row.id} | ${row.system} | ${format(row.value)} | ${row.unit} | ${row.gflops.toFixed(2)} | ${Number.isFinite(ratio) ? `${ratio.toFixed(1)}×` : ''} |`,
  );
}
let commit = 'unknown';
try {
  commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .trim();
} catch {
  // not a git checkout
}
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, Node ${process.version}`;
const threadNotes: string[] = [];
for (const row of rows) {
  if (!row.system.endsWith('-2t')) continue;
  const single = rows.find((r) => r.id === row.id && r.system === reference && r.unit === row.unit);
  if (!single) continue;
  const speedup = row.higherIsBetter ? row.value / single.value : single.value / row.value;
  threadNotes.push(`- ${row.id}: ${row.system} is ${speedup.toFixed(2)}× ${reference} (one thread)`);
}
const notRun =
  (threadNotes.length ? `\n\nTwo threads:\n${threadNotes.join('\n')}` : '') +
  (memoryNotes.length ? `\n\nMemory:\n${memoryNotes.join('\n')}` : '') +
  (skips.length ? `\n\nNot measured:\n${skips.join('\n')}` : '');
console.log(`\n${machine}, commit ${commit}${quick ? ' (quick)' : ''}\n\n${table.join('\n')}${notRun}`);
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
writeFileSync(
  new URL('latest.json', dir),
  JSON.stringify({ machine, commit, quick, date: new Date().toISOString(), rows }, null, 2),
);
writeFileSync(
  new URL('latest.md', dir),
  `# strand benchmark\n\n${machine}, commit ${commit}${quick ? ' (quick)' : ''}\n\n${table.join('\n')}${notRun}\n`,
);

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function format(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

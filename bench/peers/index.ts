/**
 * The peers of the benchmark suite on workloads W1–W5 (docs/performance.md): TensorFlow.js with
 * its cpu and wasm backends, brain.js, and onnxruntime-web (inference only). Every peer is loaded
 * with strand's weights and must reproduce strand's result on the workload's input — the LSTM
 * output (W1, W2) or the first training step's loss (W3–W5), within the tolerances of measure.ts
 * — before it is timed; a mismatch throws, so a row never compares different functions.
 *
 * Rows have the shape and units of strand's rows in bench/index.ts (units, value conversions and
 * FLOP counts are taken from bench/workloads.ts). `npx tsx bench/peers/index.ts [--quick]
 * [--only W1,W5]` prints them.
 */
import { pathToFileURL } from 'node:url';
import { createBackend } from '../../src/index.ts';
import { BRAIN_SKIPS, runBrain } from './brain.ts';
import { ORT_SKIPS, runOrt } from './ort.ts';
import { peerCases, type PeerCase } from './reference.ts';
import type { PeerTiming } from './measure.ts';
import { runTfjs } from './tfjs.ts';

/** One measured peer row (the shape of bench/index.ts's rows, plus a note on how it was run). */
export interface PeerRow {
  id: string;
  system: string;
  value: number;
  unit: string;
  gflops: number;
  higherIsBetter: boolean;
  note?: string;
}

/** A (workload, peer) pair that has no row, and why. */
export interface PeerSkip {
  id: string;
  system: string;
  reason: string;
}

/** The peers, in the order they run. */
export const PEER_SYSTEMS = ['tfjs-cpu', 'tfjs-wasm', 'brain.js', 'onnxruntime-web'] as const;

/** Options of {@link peerResults}. */
export interface PeerOptions {
  /** Short run (≤ 1 minute): fewer repetitions, and TF.js cpu only on the batch-1 workloads. */
  quick: boolean;
  /** Workload ids to run (e.g. ['W1', 'W3']), or null for all. */
  only: string[] | null;
  /** Progress lines (one per row as it is measured); default console.log. */
  log?: (line: string) => void;
}

const ALL_IDS = ['W1', 'W2', 'W3', 'W4', 'W5'];

/** TF.js cpu takes 5–20 s per repetition on these (its 32×384×1024 matmul alone costs ≈ 0.1 s). */
const SLOW_ON_TFJS_CPU = ['W2', 'W3', 'W4'];

/** Why `system` has no row for workload `id` (undefined when it runs). */
function skipReason(system: (typeof PEER_SYSTEMS)[number], id: string, quick: boolean): string | undefined {
  if (system === 'brain.js') return BRAIN_SKIPS[id];
  if (system === 'onnxruntime-web') return ORT_SKIPS[id];
  if (system === 'tfjs-cpu' && quick && SLOW_ON_TFJS_CPU.includes(id))
    return 'skipped in --quick: TF.js cpu takes 5–20 s per repetition on this workload';
  return undefined;
}

/** The (workload, peer) pairs without a row for these options, with the reason. */
export function peerSkips(opts: { quick: boolean; only: string[] | null }): PeerSkip[] {
  const out: PeerSkip[] = [];
  for (const id of ALL_IDS) {
    if (opts.only && !opts.only.includes(id)) continue;
    for (const system of PEER_SYSTEMS) {
      const reason = skipReason(system, id, opts.quick);
      if (reason) out.push({ id, system, reason });
    }
  }
  return out;
}

/**
 * Checks and times every peer on every selected workload. Throws if a peer does not reproduce
 * strand's result (or fails to run).
 */
export async function peerResults(opts: PeerOptions): Promise<PeerRow[]> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const backend = await createBackend({ backend: 'wasm' });
  const rows: PeerRow[] = [];
  for (const c of peerCases(backend, opts.only)) {
    for (const system of PEER_SYSTEMS) {
      if (skipReason(system, c.id, opts.quick)) continue;
      const timing = await runPeer(system, c, backend, opts.quick);
      const row: PeerRow = {
        id: c.id,
        system,
        value: c.value(timing.ms),
        unit: c.unit,
        gflops: c.flops / (timing.ms * 1e6),
        higherIsBetter: c.higherIsBetter,
        note: `${timing.note}; median of ${timing.runs} run${timing.runs === 1 ? '' : 's'}`,
      };
      rows.push(row);
      log(
        `${row.id.padEnd(4)} ${row.system.padEnd(16)} ${format(row.value).padStart(10)} ${row.unit.padEnd(14)} ${row.gflops.toFixed(2).padStart(7)} GFLOP/s  ${row.note}`,
      );
    }
  }
  return rows;
}

function runPeer(
  system: (typeof PEER_SYSTEMS)[number],
  c: PeerCase,
  backend: Awaited<ReturnType<typeof createBackend>>,
  quick: boolean,
): Promise<PeerTiming> {
  switch (system) {
    case 'tfjs-cpu':
      return runTfjs('cpu', c, quick);
    case 'tfjs-wasm':
      return runTfjs('wasm', c, quick);
    case 'brain.js':
      return runBrain(backend, c, quick);
    default:
      return runOrt(c, quick);
  }
}

function format(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const quick = process.argv.includes('--quick');
  const onlyArg = process.argv.find((a) => a.startsWith('--only'));
  const only = onlyArg ? (onlyArg.split('=')[1] ?? process.argv[process.argv.indexOf(onlyArg) + 1]).split(',') : null;
  const start = performance.now();
  await peerResults({ quick, only });
  for (const s of peerSkips({ quick, only }))
    console.log(`${s.id.padEnd(4)} ${s.system.padEnd(16)} (no row: ${s.reason})`);
  console.log(`peers done in ${((performance.now() - start) / 1000).toFixed(0)} s${quick ? ' (quick)' : ''}`);
}

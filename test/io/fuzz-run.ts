// The loader fuzz loop: mutated copies of one checkpoint, each loaded and classified (see
// load-probe.ts), with counts by outcome and by mutation kind. Page-safe.
import type { Backend } from '../../src/backend/backend.ts';
import type { SequenceModel } from '../../src/nn/model.ts';
import { type Mutant, Prng, mutate } from './checkpoint-mutator.ts';
import { FAULTS, type Outcome, type Probe, probeLoad } from './load-probe.ts';

/** What a fuzz run saw. */
export interface FuzzTally {
  /** Loads by outcome. */
  outcomes: Map<Outcome, number>;
  /** Loads by mutation kind, then outcome. */
  byKind: Map<string, Map<Outcome, number>>;
  /** The first faults, described. */
  faults: string[];
  /** The largest file loaded. */
  largest: number;
  /** Loads run. */
  loads: number;
}

/** An empty tally. */
export function emptyTally(): FuzzTally {
  return { outcomes: new Map(), byKind: new Map(), faults: [], largest: 0, loads: 0 };
}

/** The mutant number `i` of a run seeded with `seed` (replaying the generator from the start). */
export function mutantAt(original: Uint8Array, seed: number, i: number): Mutant {
  const rng = new Prng(seed);
  let m = mutate(original, rng);
  for (let k = 0; k < i; k++) m = mutate(original, rng);
  return m;
}

/** Records one outcome. */
export function record(tally: FuzzTally, kind: string, outcome: Outcome, what: string): void {
  tally.loads++;
  tally.outcomes.set(outcome, (tally.outcomes.get(outcome) ?? 0) + 1);
  const byKind = tally.byKind.get(kind) ?? new Map<Outcome, number>();
  tally.byKind.set(kind, byKind);
  byKind.set(outcome, (byKind.get(outcome) ?? 0) + 1);
  if (FAULTS.includes(outcome) && tally.faults.length < 40) tally.faults.push(what);
}

/**
 * Loads `count` mutants of `original` (the generator seeded with `seed`) through `load` and adds
 * what happened to `tally`.
 */
export function fuzz(
  tally: FuzzTally,
  backend: Backend,
  name: string,
  original: Uint8Array,
  seed: number,
  count: number,
  where: string,
  load: (bytes: Uint8Array) => SequenceModel,
): void {
  const rng = new Prng(seed);
  for (let i = 0; i < count; i++) {
    const mutant = mutate(original, rng);
    tally.largest = Math.max(tally.largest, mutant.bytes.length);
    const probe = probeLoad(backend, mutant.bytes, where, load);
    record(
      tally,
      mutant.kind,
      probe.outcome,
      `${name} #${i} ${mutant.kind} (${mutant.detail}): ${probe.outcome}: ${probe.message}`,
    );
  }
}

/**
 * Probes `count` mutants of `original` (the generator seeded with `seed`) one after another with
 * `probe` (an asynchronous one, e.g. a loaded trainer resuming its fit) and adds what happened to `tally`.
 */
export async function fuzzAsync(
  tally: FuzzTally,
  name: string,
  original: Uint8Array,
  seed: number,
  count: number,
  probe: (bytes: Uint8Array) => Promise<Probe>,
): Promise<void> {
  const rng = new Prng(seed);
  for (let i = 0; i < count; i++) {
    const mutant = mutate(original, rng);
    tally.largest = Math.max(tally.largest, mutant.bytes.length);
    const p = await probe(mutant.bytes);
    record(
      tally,
      mutant.kind,
      p.outcome,
      `${name} #${i} ${mutant.kind} (${mutant.detail}): ${p.outcome}: ${p.message}`,
    );
  }
}

/** The tally as text: totals, then a line per mutation kind. */
export function summary(tally: FuzzTally): string {
  const line = (m: Map<Outcome, number>) => [...m].map(([o, n]) => `${o} ${n}`).join(', ');
  const kinds = [...tally.byKind].map(([k, m]) => `  ${k.padEnd(14)} ${line(m)}`);
  return [`${tally.loads} loads: ${line(tally.outcomes)}`, ...kinds].join('\n');
}

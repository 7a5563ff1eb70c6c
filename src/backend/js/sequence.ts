// Where a recurrent sequence keeps its states (src/backend/kernels.ts, "Saved-state layout"):
// hseq / cseq are (T+1, B, H). Forward direction: block 0 is the initial state, block t+1 the
// state after step t. Reverse direction (time runs T-1 … 0): block T is the initial state, block t
// the state after step t. Hence the previous states of all steps form one contiguous (T, B, H) run.
// No assembly/ twin: the wasm sequence kernels compute these block offsets inline.

/** Block of hseq / cseq holding the initial state. */
export function initialBlock(T: number, reverse: number): number {
  return reverse ? T : 0;
}

/** Block of hseq / cseq holding the final state (the one dhT / dcT refer to). */
export function finalBlock(T: number, reverse: number): number {
  return reverse ? 0 : T;
}

/** Block of hseq / cseq holding the state after step t. */
export function outputBlock(t: number, reverse: number): number {
  return reverse ? t : t + 1;
}

/** Block of hseq / cseq holding the state before step t. */
export function previousBlock(t: number, reverse: number): number {
  return reverse ? t + 1 : t;
}

/** First block of the contiguous (T, B, H) run of previous states (steps 0 … T-1 in time order). */
export function previousRun(reverse: number): number {
  return reverse ? 1 : 0;
}

/** First block of the contiguous (T, B, H) run of step outputs (steps 0 … T-1 in time order). */
export function outputRun(reverse: number): number {
  return reverse ? 0 : 1;
}

/** Time index of the s-th step the forward pass runs (s = 0 … T-1). */
export function forwardTime(s: number, T: number, reverse: number): number {
  return reverse ? T - 1 - s : s;
}

/** Time index of the s-th step the backward pass runs: the forward order, reversed. */
export function backwardTime(s: number, T: number, reverse: number): number {
  return reverse ? s : T - 1 - s;
}
